# idiom: pickling the script's own functions and classes (by reference, through __main__) — Python docs, pickle ("What can be pickled and unpickled?")
import asyncio
import pickle


class Job:
    def __init__(self, n):
        self.n = n


def double(x):
    return 2 * x


async def main():
    f = pickle.loads(pickle.dumps(double))
    job = pickle.loads(pickle.dumps(Job(21)))
    print(f is double, f(job.n), type(job).__module__, type(job).__qualname__)

asyncio.run(main())
