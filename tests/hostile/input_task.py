# expect: exit=124 stdin=open output="BlockedLoopError"
# input() inside a task, stdin a pipe nobody writes to (issue 21, item 11): the read blocks the
# loop, so no timer fires; past the block limit it is interrupted and --timeout ends the run.
import asyncio


async def ask():
    return input("name? ")


async def main():
    print("hello", await asyncio.create_task(ask()))

asyncio.run(main())
