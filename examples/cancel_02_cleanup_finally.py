import asyncio


class Connection:
    def __init__(self, name):
        self.name, self.open = name, True
        print(f"{name}: opened")

    async def close(self):
        await asyncio.sleep(0.1)       # e.g. sending a goodbye message to the server
        self.open = False
        print(f"{self.name}: closed cleanly")


async def session(conn):
    try:
        print(f"{conn.name}: working")
        await asyncio.sleep(5)         # a long job we will not let finish
        print("never printed")
    finally:
        # Runs whether the job finishes, fails or is cancelled.
        await conn.close()


async def main():
    conn = Connection("db")
    task = asyncio.create_task(session(conn), name="session")
    await asyncio.sleep(0.2)
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        print(f"session cancelled; connection still open? {conn.open}")


if __name__ == "__main__":
    asyncio.run(main())
