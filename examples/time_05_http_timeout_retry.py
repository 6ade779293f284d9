import asyncio

import httpx

URL = "https://jsonplaceholder.typicode.com/posts/3"
DEADLINE = 1.0    # seconds per attempt; the demo server answers in 0.2-0.6 s


async def fetch_with_retry(client, attempts=3):
    for attempt in range(1, attempts + 1):
        # Attempt 1 asks for a 3 s delay, far beyond the deadline.
        params = {"delay": 3} if attempt == 1 else {}
        try:
            async with asyncio.timeout(DEADLINE):
                response = await client.get(URL, params=params)
            response.raise_for_status()
            print(f"attempt {attempt}: ok")
            return response.json()["title"]
        except TimeoutError:
            print(f"attempt {attempt}: no answer within {DEADLINE} s")
        await asyncio.sleep(0.1 * attempt)      # back off before trying again
    raise RuntimeError(f"no answer after {attempts} attempts")


async def main():
    async with httpx.AsyncClient() as client:
        task = asyncio.create_task(fetch_with_retry(client), name="fetch-post")
        print(f"title: {await task}")


if __name__ == "__main__":
    asyncio.run(main())
