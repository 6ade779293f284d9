# expect: exit=1 stdin=closed output="EOFError"
# input() at end of file: EOFError, as plain Python gives it.
import asyncio

print(input("value? "))


async def main():
    pass

asyncio.run(main())
