import asyncio

background = set()


async def send_receipt(order, seconds):
    try:
        await asyncio.sleep(seconds)
    except asyncio.CancelledError:
        print(f"receipt for {order} NEVER sent: cancelled at shutdown")
        raise                          # let the cancellation finish the task
    print(f"receipt for {order} sent")


def keep(task):
    # A strong reference until it finishes, then forget it so the set does not grow forever.
    background.add(task)
    task.add_done_callback(background.discard)


async def main():
    # Fire and forget: no reference, nobody waits for it.
    asyncio.create_task(send_receipt("order-1", 0.6), name="receipt-forgotten")
    keep(asyncio.create_task(send_receipt("order-2", 0.3), name="receipt-kept"))
    await asyncio.sleep(0.1)           # the request itself is handled quickly...
    print("response sent; waiting for the background work we kept track of")
    await asyncio.gather(*background)  # ...but we wait for the tasks we kept before exiting


if __name__ == "__main__":
    asyncio.run(main())
