import asyncio


class Shelf:
    def __init__(self):
        self.loaves = 0
        self.changed = asyncio.Condition()


async def customer(name, wants, shelf):
    async with shelf.changed:
        # wait_for: wait() until the predicate holds, checking it again at every wake-up
        await shelf.changed.wait_for(lambda: shelf.loaves >= wants)
        shelf.loaves -= wants
        print(f"{name} takes {wants} (leaves {shelf.loaves})")


async def baker(shelf):
    for batch in (2, 2, 2):
        await asyncio.sleep(0.1)
        async with shelf.changed:
            shelf.loaves += batch
            print(f"baker: {shelf.loaves} on the shelf")
            shelf.changed.notify_all()     # wake every customer: each checks its own predicate


async def main():
    shelf = Shelf()
    async with asyncio.TaskGroup() as tg:
        for name, wants in (("ann", 3), ("ben", 1), ("cy", 2)):
            tg.create_task(customer(name, wants, shelf), name=name)
        tg.create_task(baker(shelf), name="baker")


if __name__ == "__main__":
    asyncio.run(main())
