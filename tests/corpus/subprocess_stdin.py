# idiom: send input to a child with communicate(input=...) — "Python Concurrency with asyncio" (Fowler), ch. 13 (subprocesses)
import asyncio
import sys


async def main():
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", "import sys; print(sys.stdin.read().upper(), end='')",
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
    out, _ = await proc.communicate(b"shout this\n")
    print(out.decode(), end="")
    print("returncode", proc.returncode)

asyncio.run(main())
