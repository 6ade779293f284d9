# expect: exit=124
# A busy loop in module code (main() never reached): interrupted like Ctrl+C.
import asyncio

n = 0
while True:
    n += 1


async def main():
    pass

asyncio.run(main())
