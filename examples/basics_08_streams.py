import asyncio


served = []                                    # lines answered, one entry per finished connection


async def handle(reader, writer):
    # start_server runs this in a task of its own for every client that connects.
    lines = 0
    try:
        async for line in reader:              # a line at a time, until the client hangs up
            writer.write(line.upper())         # write() only puts the bytes in a buffer...
            await writer.drain()               # ...drain() waits while that buffer is too full
            lines += 1
    except ConnectionResetError:               # the client went away without closing (Stop):
        return                                 # asyncio has closed the connection already
    served.append(lines)                       # the client hung up
    writer.close()
    await writer.wait_closed()


async def client(name, port, words, pause):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    for word in words:
        writer.write(f"{word}\n".encode())
        await writer.drain()
        reply = await reader.readline()
        print(f"{name}: {word} -> {reply.decode().strip()}")
        await asyncio.sleep(pause)
    writer.close()                             # close() starts closing the connection...
    await writer.wait_closed()                 # ...wait_closed() waits until it is closed
    print(f"{name}: disconnected")


async def main():
    # Port 0: the system picks a free port on this machine (127.0.0.1: nothing leaves it).
    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with asyncio.TaskGroup() as tg:
        tg.create_task(client("alice", port, ["hello", "world"], 0.1), name="client-alice")
        tg.create_task(client("bob", port, ["one", "two", "three"], 0.2), name="client-bob")
        await asyncio.sleep(0.15)
        server.close()                         # no new connections; open ones carry on
        await server.wait_closed()             # how long this waits depends on the Python
        print(f"server: wait_closed() returned; connections finished so far: {len(served)}")


if __name__ == "__main__":
    asyncio.run(main())
