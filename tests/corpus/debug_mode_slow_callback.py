# idiom: asyncio.run(main(), debug=True) reporting a slow step — Python docs, "Developing with asyncio" (Debug Mode)
# compare: exit stdout
# why: the debug-mode warning names the step's duration and the task repr of its loop; the playground's loop reports the same kind of line but Python's carries base_events' "Executing <Task ...> took N seconds" from its own _run_once, which the playground's drain does not replicate word for word
import asyncio
import time


async def main():
    print("debug on:", asyncio.get_running_loop().get_debug())
    time.sleep(0.15)
    await asyncio.sleep(0)
    print("done")

asyncio.run(main(), debug=True)
