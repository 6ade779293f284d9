# idiom: TCP echo with asyncio.Protocol classes (create_server / create_connection) — Python docs, "Transports and Protocols" (TCP Echo Server/Client)
import asyncio


class EchoServerProtocol(asyncio.Protocol):
    def connection_made(self, transport):
        self.transport = transport

    def data_received(self, data):
        print("Data received: {!r}".format(data.decode()))
        self.transport.write(data)
        self.transport.close()


class EchoClientProtocol(asyncio.Protocol):
    def __init__(self, message, on_con_lost):
        self.message = message
        self.on_con_lost = on_con_lost

    def connection_made(self, transport):
        transport.write(self.message.encode())

    def data_received(self, data):
        print("Client got: {!r}".format(data.decode()))

    def connection_lost(self, exc):
        print("The server closed the connection")
        self.on_con_lost.set_result(True)


async def main():
    loop = asyncio.get_running_loop()
    server = await loop.create_server(EchoServerProtocol, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    on_con_lost = loop.create_future()
    transport, _ = await loop.create_connection(
        lambda: EchoClientProtocol("Hello World!", on_con_lost), "127.0.0.1", port)
    try:
        await on_con_lost
    finally:
        transport.close()
        server.close()
        await server.wait_closed()

asyncio.run(main())
