# expect: exit=124 output="terminated"
# A plain subprocess.Popen from module code, then a blocking wait on it.
import asyncio
import subprocess

proc = subprocess.Popen(["sleep", "99.123"])
proc.wait()


async def main():
    pass

asyncio.run(main())
