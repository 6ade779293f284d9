# idiom: UDP echo with create_datagram_endpoint — Python docs, "Transports and Protocols" (UDP Echo Server/Client)
import asyncio


class EchoServer(asyncio.DatagramProtocol):
    def connection_made(self, transport):
        self.transport = transport

    def datagram_received(self, data, addr):
        print("Received %r" % data.decode())
        self.transport.sendto(data, addr)


class EchoClient(asyncio.DatagramProtocol):
    def __init__(self, message, on_reply):
        self.message = message
        self.on_reply = on_reply

    def connection_made(self, transport):
        transport.sendto(self.message.encode())

    def datagram_received(self, data, addr):
        self.on_reply.set_result(data.decode())


async def main():
    loop = asyncio.get_running_loop()
    server, _ = await loop.create_datagram_endpoint(EchoServer, local_addr=("127.0.0.1", 0))
    port = server.get_extra_info("sockname")[1]
    on_reply = loop.create_future()
    client, _ = await loop.create_datagram_endpoint(lambda: EchoClient("ping", on_reply),
                                                    remote_addr=("127.0.0.1", port))
    print("reply:", await asyncio.wait_for(on_reply, 5))
    client.close()
    server.close()

asyncio.run(main())
