import asyncio

import httpx


async def fetch_title(client, post_id):
    url = f"https://jsonplaceholder.typicode.com/posts/{post_id}"
    response = await client.get(url)
    response.raise_for_status()
    return response.json()["title"]


async def main():
    # One client for both requests: it pools connections, and closing it is one `async with`.
    async with httpx.AsyncClient() as client:
        task_1 = asyncio.create_task(fetch_title(client, 1), name="title-1")
        task_2 = asyncio.create_task(fetch_title(client, 2), name="title-2")
        # Both requests are already on their way; each await just collects a result.
        title_1 = await task_1
        title_2 = await task_2
    print(f"Post 1: {title_1}")
    print(f"Post 2: {title_2}")


asyncio.run(main())
