# idiom: read an HTTP response's headers with open_connection (a local server) — Python docs, "Streams" (Get HTTP headers)
import asyncio


async def serve(reader, writer):
    await reader.readuntil(b"\r\n\r\n")
    writer.write(b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nX-Idiom: streams\r\n\r\nhi")
    await writer.drain()
    writer.close()


async def print_http_headers(port):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"HEAD / HTTP/1.0\r\nHost: localhost\r\n\r\n")
    while True:
        line = await reader.readline()
        if not line:
            break
        line = line.decode("latin1").rstrip()
        if line:
            print(f"HTTP header> {line}")
    writer.close()
    await writer.wait_closed()


async def main():
    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    async with server:
        await print_http_headers(server.sockets[0].getsockname()[1])

asyncio.run(main())
