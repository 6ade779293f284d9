# idiom: anyio.run(main) with create_task_group / start_soon — AnyIO docs, "Creating and managing tasks"
# needs: anyio
from anyio import create_task_group, run, sleep


async def sometask(num: int) -> None:
    print("Task", num, "running")
    await sleep(0.01 * (3 - num))
    print("Task", num, "finished")


async def main() -> None:
    async with create_task_group() as tg:
        for num in range(3):
            tg.start_soon(sometask, num)
    print("All tasks finished!")

run(main)
