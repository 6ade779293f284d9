import asyncio
import time


class Download:
    def __init__(self):
        self.finished = False           # what the poller checks
        self.done = asyncio.Event()     # what the fixed version waits on


async def download(job):
    await asyncio.sleep(0.2)            # the bytes arrive
    job.finished = True
    job.done.set()


async def report_polling(job):
    checks = 0
    while not job.finished:             # the bug: look, yield, look again...
        checks += 1
        await asyncio.sleep(0)
    print(f"polling: saw the download finish after {checks} checks")


async def report_waiting(job):
    await job.done.wait()               # the fix: sleep until set() wakes it, once
    print("waiting: woke up once, when the download finished")


async def watch(report, label):
    job = Download()
    cpu = time.process_time()
    await asyncio.gather(asyncio.create_task(download(job), name=f"download-{label}"),
                         asyncio.create_task(report(job), name=f"report-{label}"))
    print(f"  CPU time used meanwhile: {time.process_time() - cpu:.2f} s")


async def main():
    await watch(report_polling, "polling")
    await watch(report_waiting, "waiting")


if __name__ == "__main__":
    asyncio.run(main())
