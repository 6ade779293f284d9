import asyncio
import gc
import time
import warnings


async def save(doc):
    await asyncio.sleep(0.05)
    print(f"saved {doc}")


async def resize(photo):
    time.sleep(0.3)                    # BUG: a blocking call holds the loop for 0.3 s
    return f"{photo} resized"


async def sync_contacts(account):
    await asyncio.sleep(0.05)
    raise ConnectionError(f"{account}: server refused the login")


reports = []


def on_error(loop, context):
    # Called for every error asyncio has nowhere to raise (the default handler logs it).
    # A real one would pass it to your logging; this one keeps it for main() to print.
    reports.append(context)


def show(context):
    print(f"exception handler: {context['message']}: {context.get('exception')!r}")
    made_here = [f for f in context.get("source_traceback", ()) if f.filename == __file__]
    if made_here:                      # debug mode only: where the task was created
        print(f"  the task was created at line {made_here[-1].lineno}")


async def main():
    loop = asyncio.get_running_loop()
    loop.set_debug(True)               # debug mode from here on (see the text for other ways)
    loop.set_exception_handler(on_error)
    await asyncio.sleep(0)             # coroutine origins are tracked from the loop's next turn

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        save("draft")                  # BUG: never awaited
    for w in caught:
        print(f"{w.category.__name__}: {str(w.message).splitlines()[0]}")
        origin = getattr(w.source, "cr_origin", None) or ()    # debug mode only
        for filename, lineno, function in origin:
            if filename == __file__:   # the innermost call in this file
                print(f"  the coroutine was created at line {lineno}, in {function}()")
                break
    await asyncio.create_task(resize("photo.png"), name="resize")
    asyncio.create_task(sync_contacts("work"), name="orphan")     # BUG: nobody reads its error
    await asyncio.sleep(0.1)
    gc.collect()                       # collect the failed orphan now rather than some time later
    for context in reports:
        show(context)
    await save("final")


if __name__ == "__main__":
    asyncio.run(main())
