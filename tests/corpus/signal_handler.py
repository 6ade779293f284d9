# idiom: loop.add_signal_handler, then the signal sent to ourselves — Python docs, "Set signal handlers for SIGINT and SIGTERM" (event loop examples)
import asyncio
import functools
import os
import signal


def ask_exit(signame, stop):
    print("got signal %s: exit" % signame)
    stop.set()


async def main():
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for signame in ("SIGUSR1", "SIGTERM"):
        loop.add_signal_handler(getattr(signal, signame), functools.partial(ask_exit, signame, stop))
    loop.call_later(0.02, os.kill, os.getpid(), signal.SIGUSR1)
    await stop.wait()
    for signame in ("SIGUSR1", "SIGTERM"):
        loop.remove_signal_handler(getattr(signal, signame))
    print("stopped")

asyncio.run(main())
