# expect: exit=130 output="KeyboardInterrupt"
import asyncio


async def main():
    pass

raise KeyboardInterrupt
