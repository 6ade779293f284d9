# idiom: create_subprocess_exec reading a child's stdout line by line — Python docs, "Subprocesses" (get_date example)
import asyncio
import sys


async def main():
    code = "import sys\nfor i in range(3):\n    print('line', i, flush=True)\nsys.exit(5)"
    proc = await asyncio.create_subprocess_exec(sys.executable, "-c", code,
                                                stdout=asyncio.subprocess.PIPE)
    while line := await proc.stdout.readline():
        print("child said:", line.decode().rstrip())
    print("exit status:", await proc.wait())

asyncio.run(main())
