import asyncio


class Account:
    def __init__(self, name, balance):
        self.name = name
        self.balance = balance
        self.lock = asyncio.Lock()


async def transfer(src, dst, amount):
    async with src.lock:
        await asyncio.sleep(0.1)            # write an audit record: other tasks run meanwhile
        async with dst.lock:                # the bug: the other transfer takes these in reverse
            src.balance -= amount
            dst.balance += amount
    print(f"moved {amount} from {src.name} to {dst.name}")


async def transfer_in_order(src, dst, amount):
    # The fix: every transfer takes the two locks in one global order (by account name).
    first, second = sorted((src, dst), key=lambda account: account.name)
    async with first.lock:
        await asyncio.sleep(0.1)            # write an audit record
        async with second.lock:
            src.balance -= amount
            dst.balance += amount
    print(f"moved {amount} from {src.name} to {dst.name} (locks taken in order)")


async def main():
    alice, bob = Account("alice", 100), Account("bob", 100)

    pay = asyncio.create_task(transfer(alice, bob, 30), name="alice-pays-bob")
    refund = asyncio.create_task(transfer(bob, alice, 10), name="bob-pays-alice")
    # Bound the wait: a deadlocked program never finishes by itself.
    done, pending = await asyncio.wait({pay, refund}, timeout=1.0)
    for task in sorted(pending, key=lambda t: t.get_name()):
        print(f"deadlock: {task.get_name()!r} still waiting for a lock after 1 s")
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    print(f"balances: alice {alice.balance}, bob {bob.balance} (nothing moved)")

    pay = asyncio.create_task(transfer_in_order(alice, bob, 30), name="in-order-alice-pays-bob")
    refund = asyncio.create_task(transfer_in_order(bob, alice, 10), name="in-order-bob-pays-alice")
    await asyncio.gather(pay, refund)
    print(f"balances: alice {alice.balance}, bob {bob.balance}")


if __name__ == "__main__":
    asyncio.run(main())
