"""as_completed: handle results as they arrive

`asyncio.as_completed(aws)` yields awaitables in **finishing order**: the first one you await gives
the earliest result. Good for showing progress or acting on the fastest answers first.

**Watch for:** the `probe-*` lanes ending one by one — `probe-eu` first, then `probe-us`,
then `probe-asia` — and `main` printing each result right as its lane ends, not all at the end.
"""
import asyncio


async def probe(region, seconds):
    await asyncio.sleep(seconds)
    return region, seconds


async def main():
    regions = {"asia": 0.45, "eu": 0.15, "us": 0.3}
    tasks = [asyncio.create_task(probe(r, s), name=f"probe-{r}") for r, s in regions.items()]
    loop = asyncio.get_running_loop()
    started = loop.time()
    for next_done in asyncio.as_completed(tasks):
        region, latency = await next_done
        print(f"{loop.time() - started:.2f} s: {region} answered")


if __name__ == "__main__":
    asyncio.run(main())

LESSON = {
    "group": "Many at once",
    "title": "as_completed: handle results as they arrive",
    "order": 3,
    "question": {
        "text": "You fire ten requests and want to print each answer the moment it arrives. "
                "Which fits best?",
        "choices": ["`await asyncio.gather(*requests)`", "`asyncio.as_completed(requests)`",
                    "Awaiting the tasks in a for loop in creation order",
                    "`asyncio.wait(requests)` with the default arguments"],
        "answer": 1,
        "why": "gather and wait(ALL_COMPLETED) return only when everything is finished, and "
               "awaiting in creation order stalls on a slow early request. as_completed hands "
               "you each result in finishing order.",
    },
    "expect": [
        {"check": "outcome", "value": "completed"},
        {"check": "all_states", "state": "done"},
        {"check": "order", "tasks": ["probe-eu", "probe-us", "probe-asia"], "by": "end"},
        {"check": "output_order", "texts": ["eu answered", "us answered", "asia answered"]},
        {"check": "total_under", "seconds": 0.8},
    ],
}
