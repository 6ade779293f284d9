import asyncio


async def server(ready):
    await asyncio.sleep(0.2)
    print("server: listening")
    # The bug: the line that tells the client we are ready is missing.
    # ready.set()


async def client(ready):
    print("client: waiting for the server")
    await ready.wait()              # returns once someone calls ready.set()
    print("client: connected")


async def main():
    ready = asyncio.Event()
    srv = asyncio.create_task(server(ready), name="server")
    cli = asyncio.create_task(client(ready), name="client")
    # Wait a bounded time instead of forever, then look at what is still pending.
    done, pending = await asyncio.wait({srv, cli}, timeout=1.0)
    for task in pending:
        frame = task.get_stack()[-1]
        print(f"hang: {task.get_name()!r} still waiting at line {frame.f_lineno} "
              f"in {frame.f_code.co_name}()")
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)


if __name__ == "__main__":
    asyncio.run(main())
