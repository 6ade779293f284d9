# idiom: a spinner task cancelled when the slow work ends (supervisor) — "Fluent Python" 2nd ed. (Ramalho), ch. 19/21 spinner_async.py
import asyncio
import itertools


frames = []   # (the book prints each frame over the last: "\r| thinking!"; how many is timing)


async def spin(msg):
    for char in itertools.cycle(r"\|/-"):
        frames.append(f"\r{char} {msg}")
        try:
            await asyncio.sleep(0.01)
        except asyncio.CancelledError:
            break
    print("spun:", len(frames) > 1)


async def slow():
    await asyncio.sleep(0.05)
    return 42


async def supervisor():
    spinner = asyncio.create_task(spin("thinking!"))
    print(f"spinner object: {spinner.__class__.__name__}")
    result = await slow()
    spinner.cancel()
    await spinner
    return result


def main():
    result = asyncio.run(supervisor())
    print(f"Answer: {result}")


if __name__ == "__main__":
    main()
