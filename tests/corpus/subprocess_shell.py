# idiom: create_subprocess_shell and communicate() — Python docs, "Subprocesses" (run(cmd) example)
import asyncio


async def run(cmd):
    proc = await asyncio.create_subprocess_shell(
        cmd, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    stdout, stderr = await proc.communicate()
    lines = [f"[{cmd!r} exited with {proc.returncode}]"]
    if stdout:
        lines.append(f"[stdout]\n{stdout.decode()}")
    if stderr:
        lines.append(f"[stderr]\n{stderr.decode()}")
    return "\n".join(lines)


async def main():
    # Run side by side (the docs' gather); printed in order, not in the order they end.
    for report in await asyncio.gather(run("echo one; exit 3"), run("echo two >&2")):
        print(report)

asyncio.run(main())
