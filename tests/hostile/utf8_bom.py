# expect: exit=0 output="café"
# A UTF-8 file with a BOM, as Windows editors save it.
import asyncio


async def main():
    print("café")

asyncio.run(main())
