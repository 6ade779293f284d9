import asyncio
import sys


async def parse(chunk):
    await asyncio.sleep(0.2)
    return len(chunk)


async def load(name):
    async with asyncio.TaskGroup() as tg:
        tg.create_task(parse("header"), name=f"{name}-header")
        body = tg.create_task(parse("body" * 10), name=f"{name}-body")
        await asyncio.sleep(0.1)
        # Who awaits the body-parsing task?  The call graph answers, from inside the program.
        asyncio.print_call_graph(body)
        graph = asyncio.capture_call_graph(body)
    waiters = [g.future.get_name() for g in graph.awaited_by]
    print(f"{body.get_name()} is awaited by {waiters}")
    return body.result()


async def main():
    size = await asyncio.create_task(load("report"), name="report-loader")
    print(f"body size: {size}")


if __name__ == "__main__":
    if hasattr(asyncio, "capture_call_graph"):
        asyncio.run(main())
    else:
        print(f"Python {sys.version_info.major}.{sys.version_info.minor} has no "
              "asyncio.capture_call_graph (new in 3.14): this lesson needs Python 3.14 or newer")
