import asyncio
import sys
import unittest


# The code under test: retry a flaky call, waiting longer after each failure.
async def fetch_with_retry(fetch, attempts=3, delay=0.5, sleep=asyncio.sleep):
    for attempt in range(1, attempts + 1):
        try:
            return await fetch()
        except ConnectionError:
            if attempt == attempts:
                raise
            await sleep(delay * 2 ** (attempt - 1))


def flaky(failures):
    # A fake server: fails `failures` times, then answers.
    calls = []

    async def fetch():
        calls.append(len(calls) + 1)
        if len(calls) <= failures:
            raise ConnectionError(f"attempt {len(calls)} refused")
        return "data"
    return fetch, calls


class RetryTests(unittest.IsolatedAsyncioTestCase):
    loops = []                                # the event loop each test ran on

    async def asyncSetUp(self):
        # Runs on this test's own event loop, before each test.
        self.slept = []
        self.loops.append(asyncio.get_running_loop())

    @classmethod
    def tearDownClass(cls):
        print(f"{len(cls.loops)} tests ran on {len({id(loop) for loop in cls.loops})} event loops")

    async def fake_sleep(self, seconds):
        self.slept.append(seconds)            # remember the delay instead of waiting it out

    async def test_succeeds_after_two_failures(self):
        fetch, calls = flaky(failures=2)
        result = await fetch_with_retry(fetch, sleep=self.fake_sleep)
        self.assertEqual(result, "data")
        self.assertEqual(calls, [1, 2, 3])
        self.assertEqual(self.slept, [0.5, 1.0])   # the back-off, checked without waiting 1.5 s

    async def test_gives_up_after_three_attempts(self):
        fetch, calls = flaky(failures=5)
        with self.assertRaises(ConnectionError):
            await fetch_with_retry(fetch, sleep=self.fake_sleep)
        self.assertEqual(len(calls), 3)

    async def test_a_slow_server_times_out(self):
        async def never_answers():
            await asyncio.Event().wait()
        with self.assertRaises(TimeoutError):
            async with asyncio.timeout(0.05):    # a real deadline, kept short
                await fetch_with_retry(never_answers)

    async def test_a_task_left_running_is_cancelled(self):
        async def heartbeat():
            try:
                await asyncio.sleep(3600)
            finally:
                print("heartbeat: cancelled when the test's loop closed")
        asyncio.create_task(heartbeat())       # never awaited: the test case cleans it up


if __name__ == "__main__":
    # What `unittest.main()` or `python -m unittest` do: load the tests, run them, report.
    suite = unittest.defaultTestLoader.loadTestsFromTestCase(RetryTests)
    result = unittest.TextTestRunner(verbosity=2).run(suite)
    sys.exit(not result.wasSuccessful())
