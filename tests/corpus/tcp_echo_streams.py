# idiom: TCP echo server and client with streams on 127.0.0.1 — Python docs, "Streams" (TCP echo client/server using streams)
import asyncio


async def handle_echo(reader, writer):
    data = await reader.read(100)
    message = data.decode()
    print(f"Received {message!r}")
    writer.write(data)
    await writer.drain()
    writer.close()
    await writer.wait_closed()


async def tcp_echo_client(message, port):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(message.encode())
    await writer.drain()
    data = await reader.read(100)
    print(f"Client received: {data.decode()!r}")
    writer.close()
    await writer.wait_closed()


async def main():
    server = await asyncio.start_server(handle_echo, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        await tcp_echo_client("Hello World!", port)
    print("server closed:", not server.is_serving())

asyncio.run(main())
