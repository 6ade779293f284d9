# idiom: calling main() instead of asyncio.run(main()) — a classic beginner's mistake (Python docs, "Coroutines": "simply calling a coroutine will not schedule it")
import asyncio


async def main():
    print("Hello world")

main()
print("the script ends")
