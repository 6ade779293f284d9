# expect: exit=1 output="NameError"
# Deleting a builtin breaks the lesson's own world only, never the playground's.
import asyncio
import builtins

del builtins.len


async def main():
    await asyncio.sleep(0)
    print(len("abc"))

asyncio.run(main())
