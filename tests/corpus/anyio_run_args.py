# idiom: anyio.run(func, *args, backend="asyncio") and the root task's name — AnyIO docs, "Running AnyIO applications"
# needs: anyio
import anyio


async def main(greeting, times):
    for _ in range(times):
        print(greeting, "from", anyio.get_current_task().name)
        await anyio.sleep(0)
    return "done"

print(anyio.run(main, "hello", 2, backend="asyncio"))
