import asyncio

cache = {}
queries = 0


async def load_user(user_id):
    global queries
    queries += 1
    await asyncio.sleep(0.1)             # the database
    return {"id": user_id, "name": "Ada"}


async def get_user(user_id):
    if user_id not in cache:
        # claim the key before any await: the next request finds the load on its way
        cache[user_id] = asyncio.ensure_future(load_user(user_id))
    return await cache[user_id]


async def request(delay):
    await asyncio.sleep(delay)           # when the request arrives
    user = await get_user(42)
    print(f"request after {delay} s: {user['name']}")


async def main():
    async with asyncio.TaskGroup() as tg:
        tg.create_task(request(0), name="request-1")
        tg.create_task(request(0.2), name="request-2")
    print(f"database queries: {queries}")


asyncio.run(main())
