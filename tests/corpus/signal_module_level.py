# idiom: signal.signal() installed at module level before asyncio.run (graceful shutdown flag) — Python docs, signal ("Example") with an asyncio main
import asyncio
import os
import signal
import threading

stopping = asyncio.Event()


def on_term(signum, frame):
    print("got", signal.Signals(signum).name, "in the main thread:",
          threading.current_thread() is threading.main_thread())
    stopping.set()


previous = signal.signal(signal.SIGTERM, on_term)
print("previous handler is the default:", previous == signal.SIG_DFL)
print("module code runs in", threading.current_thread().name,
      threading.current_thread() is threading.main_thread())


async def main():
    asyncio.get_running_loop().call_later(0.02, os.kill, os.getpid(), signal.SIGTERM)
    await stopping.wait()
    print("shut down cleanly; handler:", signal.getsignal(signal.SIGTERM).__name__)

asyncio.run(main())
