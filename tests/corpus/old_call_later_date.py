# idiom: a callback that reschedules itself with call_later until an end time — Python 3.4 docs, "Display the current date with call_later()"
import asyncio
import datetime


def display_date(end_time, loop):
    print(datetime.datetime.now().strftime("%H:%M:%S.%f"))
    if (loop.time() + 0.1) < end_time:
        loop.call_later(0.1, display_date, end_time, loop)
    else:
        loop.stop()


loop = asyncio.new_event_loop()
asyncio.set_event_loop(loop)
end_time = loop.time() + 0.5    # (the docs: every second for 5 s; here 5 lines in 0.4 s, and up
#                                  to 0.1 s of lateness on a loaded machine before a line goes)
loop.call_soon(display_date, end_time, loop)
try:
    loop.run_forever()
finally:
    loop.close()
