# idiom: asyncio.Runner: several run() calls on one loop — Python docs 3.11+, "Runners" (asyncio.Runner)
# python: >=3.11
import asyncio


async def step(n):
    await asyncio.sleep(0.01)
    return asyncio.get_running_loop(), n


with asyncio.Runner() as runner:
    loop1, a = runner.run(step(1))
    loop2, b = runner.run(step(2))
    print(a, b, "same loop:", loop1 is loop2 is runner.get_loop())
print("closed")
