# idiom: asyncio.gather of several coroutines (the factorial example) — Python docs, "Running Tasks Concurrently"
import asyncio


async def factorial(name, number):
    f = 1
    for i in range(2, number + 1):
        print(f"Task {name}: Compute factorial({number}), currently i={i}...")
        await asyncio.sleep(0.01)
        f *= i
    print(f"Task {name}: factorial({number}) = {f}")
    return f


async def main():
    results = await asyncio.gather(factorial("A", 2), factorial("B", 3), factorial("C", 4))
    print(results)

asyncio.run(main())
