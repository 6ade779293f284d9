# expect: exit=124 output="(pid"
# A subprocess that outlives the run's timeout is terminated with the run.
import asyncio


async def main():
    proc = await asyncio.create_subprocess_exec("sleep", "99.123")
    print("started", proc.pid)
    await proc.wait()

asyncio.run(main())
