# idiom: httpx.AsyncClient against a local asyncio server on 127.0.0.1 — HTTPX docs, "Async Support" (AsyncClient)
# needs: httpx
import asyncio

import httpx


async def serve(reader, writer):
    await reader.readuntil(b"\r\n\r\n")
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello")
    await writer.drain()
    writer.close()


async def main():
    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server, httpx.AsyncClient() as client:
        r = await client.get(f"http://127.0.0.1:{port}/")
    print(r.status_code, r.text)

asyncio.run(main())
