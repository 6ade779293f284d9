import asyncio

import httpx

LIMIT = 3


async def fetch_post(client, sem, post_id):
    async with sem:                     # waits here while three requests are already running
        response = await client.get(f"https://jsonplaceholder.typicode.com/posts/{post_id}")
    response.raise_for_status()
    return response.json()


async def main():
    sem = asyncio.Semaphore(LIMIT)
    async with httpx.AsyncClient() as client:
        async with asyncio.TaskGroup() as tg:
            tasks = [tg.create_task(fetch_post(client, sem, i), name=f"post-{i}")
                     for i in range(1, 9)]
    for task in tasks:
        post = task.result()
        print(f"#{post['id']}: {post['title'][:50]}")
    print(f"fetched {len(tasks)} posts, never more than {LIMIT} at a time")


if __name__ == "__main__":
    asyncio.run(main())
