# idiom: a sync main() wrapping asyncio.run(amain()) under if __name__ == "__main__" — common project layout (e.g. "Fluent Python" 2nd ed. examples)
import asyncio
import sys


async def amain(args):
    await asyncio.sleep(0)
    print("args:", args)
    return 0 if args else 3


def main():
    return asyncio.run(amain(sys.argv[1:]))


if __name__ == "__main__":
    sys.exit(main())
