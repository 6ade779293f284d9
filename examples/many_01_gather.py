import asyncio


async def brew(drink, seconds):
    await asyncio.sleep(seconds)
    print(f"  {drink} ready")
    return drink


async def main():
    loop = asyncio.get_running_loop()
    started = loop.time()
    drinks = await asyncio.gather(
        brew("tea", 0.5),
        brew("espresso", 0.2),
        brew("latte", 0.35),
    )
    # Results line up with the arguments, not with finishing order.
    print(f"served {drinks} after {loop.time() - started:.2f} s")


if __name__ == "__main__":
    asyncio.run(main())
