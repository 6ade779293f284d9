# expect: exit=124 stdin=open
# Module-level input() with stdin open and nobody typing: --timeout still ends the run.
import asyncio

name = input("your name? ")


async def main():
    print("hello", name)

asyncio.run(main())
