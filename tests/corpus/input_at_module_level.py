# idiom: input() before asyncio.run (a script that asks, then runs) — common tutorial shape
# stdin: Ada\n3\n
import asyncio


async def greet(name, times):
    for i in range(times):
        await asyncio.sleep(0)
        print(f"hello {name} ({i + 1})")

name = input("name? ")
times = int(input("times? "))
asyncio.run(greet(name, times))
