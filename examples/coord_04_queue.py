"""Queue: producers and consumers

An `asyncio.Queue` hands items from producers to consumers. `await queue.get()` waits while it is
empty; with `maxsize`, `await queue.put()` waits while it is full, so a fast producer cannot run
away from slow consumers. `task_done()` + `await queue.join()` tell you when every item has been
processed; then the idle consumers are cancelled.

**Watch for:** `producer` pausing on `Queue.put` whenever the queue (size 2) is full;
`consumer-1` and `consumer-2` alternating on `Queue.get`; and both consumers ending *cancelled*
(by `main`) once the queue is drained, while `producer` ends *done*.
"""
import asyncio


async def producer(queue, count):
    for n in range(1, count + 1):
        await queue.put(f"order-{n}")      # waits while the queue is full
    print(f"producer: all {count} orders queued")


async def consumer(name, queue):
    while True:                            # runs until cancelled
        order = await queue.get()
        await asyncio.sleep(0.1)           # packing takes a while
        print(f"{name} packed {order}")
        queue.task_done()


async def main():
    queue = asyncio.Queue(maxsize=2)
    consumers = [asyncio.create_task(consumer(f"consumer-{i}", queue), name=f"consumer-{i}")
                 for i in (1, 2)]
    await asyncio.create_task(producer(queue, 6), name="producer")
    await queue.join()                     # every item got a task_done()
    for c in consumers:
        c.cancel()
    await asyncio.gather(*consumers, return_exceptions=True)
    print("all orders packed; consumers dismissed")


if __name__ == "__main__":
    asyncio.run(main())

LESSON = {
    "group": "Coordination",
    "title": "Queue: producers and consumers",
    "order": 4,
    "question": {
        "text": "What does `maxsize=2` on an asyncio.Queue do to a producer that is faster than "
                "its consumers?",
        "choices": ["Extra items are dropped", "put() raises QueueFull",
                    "`await put()` waits until a consumer takes an item (backpressure)",
                    "Nothing; maxsize only matters with threads"],
        "answer": 2,
        "why": "A bounded queue makes the producer wait at put() when full, so memory stays "
               "bounded and the producer goes at the consumers' pace. put_nowait() is the one "
               "that raises QueueFull.",
    },
    "expect": [
        {"check": "outcome", "value": "completed"},
        {"check": "state", "task": "producer", "state": "done"},
        {"check": "state", "task": "consumer-*", "state": "cancelled"},
        {"check": "cancel_requested", "task": "consumer-1", "by": "main"},
        {"check": "waited_on", "task": "consumer-*", "kind": "queue"},
        {"check": "waited_on", "task": "producer", "kind": "queue"},
        {"check": "overlap", "tasks": ["consumer-1", "consumer-2", "producer"]},
        {"check": "output_contains", "text": "packed order-6"},
        {"check": "output_order", "texts": ["producer: all 6 orders queued",
                                            "all orders packed"]},
    ],
}
