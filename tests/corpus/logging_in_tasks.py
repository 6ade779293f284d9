# idiom: logging.basicConfig with thread/task names in the format — PyMOTW-3 (Doug Hellmann), asyncio executors example (logging format)
import asyncio
import logging
import sys

logging.basicConfig(level=logging.INFO, format="%(threadName)s %(name)s: %(message)s", stream=sys.stderr)
log = logging.getLogger("demo")


async def job(n):
    log.info("job %d starting", n)
    await asyncio.sleep(0.01)
    log.info("job %d done", n)


async def main():
    await asyncio.gather(job(1), job(2))

asyncio.run(main())
