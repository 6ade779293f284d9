import asyncio
import sys

# Small Python programs stand in for real commands (they run on this same Python).
COUNT_WORDS = "import sys; print(len(sys.stdin.read().split()))"
SLOW = "import time; print('working...', flush=True); time.sleep(10); print('done')"


async def count_words(text):
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", COUNT_WORDS,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
    # Write stdin, read stdout to the end, wait for the exit: all at once, no deadlock.
    out, _ = await proc.communicate(text.encode())
    return int(out), proc.returncode


async def slow_job(seconds):
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", SLOW, stdout=asyncio.subprocess.PIPE)
    try:
        async with asyncio.timeout(seconds):
            out, _ = await proc.communicate()
    except TimeoutError:
        # The timeout cancelled our wait, not the process: it is still running.
        print(f"timed out after {seconds} s; returncode = {proc.returncode} (still running)")
        proc.kill()
        await proc.wait()                      # returns once it has really exited
        print(f"killed it: returncode = {proc.returncode}")
        return None
    return out.decode()


async def main():
    texts = ["the quick brown fox", "jumps over", "the lazy dog again"]
    async with asyncio.TaskGroup() as tg:
        counts = [tg.create_task(count_words(t), name=f"count-{n}") for n, t in enumerate(texts, 1)]
    for text, task in zip(texts, counts):
        words, code = task.result()
        print(f"{text!r}: {words} words (exit code {code})")
    await asyncio.create_task(slow_job(0.5), name="slow-job")


if __name__ == "__main__":
    asyncio.run(main())
