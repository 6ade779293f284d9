import asyncio
import contextlib
import os
import signal


async def serve(name):
    handled = 0
    try:
        while True:
            await asyncio.sleep(0.1)           # handle one request
            handled += 1
    finally:
        # Runs however the worker stops: close connections, flush what is buffered...
        print(f"{name}: stopped after {handled} requests, connections closed")


async def main():
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()

    def on_sigterm():                          # runs on the loop, as an ordinary callback
        print("SIGTERM received")
        stop.set()

    try:
        loop.add_signal_handler(signal.SIGTERM, on_sigterm)
        # Stand-in for `kill PID` from another terminal: in 0.45 s this process signals itself.
        timer = loop.call_later(0.45, os.kill, os.getpid(), signal.SIGTERM)
    except NotImplementedError:                # Windows: its event loops take no signal handlers
        print("no loop signal handlers on this system: stopping on a timer instead")
        timer = loop.call_later(0.45, stop.set)
    print("main: serving; send SIGTERM (or press Ctrl+C) to stop")
    try:
        async with asyncio.TaskGroup() as tg:
            workers = [tg.create_task(serve(f"worker-{n}"), name=f"worker-{n}") for n in (1, 2)]
            await stop.wait()
            print("main: shutting down")
            for worker in workers:
                worker.cancel()
    finally:
        timer.cancel()                         # never send the signal once the handler is gone
        with contextlib.suppress(NotImplementedError):
            loop.remove_signal_handler(signal.SIGTERM)
    print("main: every worker cleaned up, exiting normally")


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        # Ctrl+C: asyncio.run cancelled main, waited for its cleanup, then raised this here.
        print("Ctrl+C: main was cancelled and cleaned up; asyncio.run raised KeyboardInterrupt")
