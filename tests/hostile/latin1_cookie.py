# -*- coding: latin-1 -*-
# expect: exit=0 output="naïve"
import asyncio


async def main():
    print("naïve")

asyncio.run(main())
