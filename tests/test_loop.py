"""The loop keeps asyncio's promises: the same tests on plain asyncio and on the playground loop."""
from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import gc
import socket
import sys
import textwrap
import threading
import time

import pytest
from PySide6 import QtCore

import asyncio_playground as playground


def run_on(loop_factory, coro):
    with asyncio.Runner(loop_factory=loop_factory) as runner:
        return runner.run(coro)


def test_callbacks_run_in_fifo_order(loop_factory):
    async def main():
        loop = asyncio.get_running_loop()
        order = []
        for i in range(200):
            loop.call_soon(order.append, i)
        # callbacks scheduled by callbacks go behind the ones already queued
        loop.call_soon(lambda: loop.call_soon(order.append, "nested"))
        loop.call_soon(order.append, "last")
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        return order

    order = run_on(loop_factory, main())
    assert order == list(range(200)) + ["last", "nested"]


@pytest.mark.parametrize("delay", [0.0005, 0.001, 0.003, 0.02, 0.1])
def test_sleep_never_returns_early(loop_factory, delay):
    async def main():
        elapsed = []
        for _ in range(5):
            t0 = time.monotonic()
            await asyncio.sleep(delay)
            elapsed.append(time.monotonic() - t0)
        return elapsed

    for e in run_on(loop_factory, main()):
        assert e >= delay, f"sleep({delay}) returned after {e:.6f} s"


def test_call_later_and_call_at_fire_no_earlier_than_asked(loop_factory):
    async def main():
        loop = asyncio.get_running_loop()
        fired = {}
        done = loop.create_future()
        t0 = loop.time()
        h1 = loop.call_later(0.015, lambda: fired.setdefault("later", loop.time()))
        h2 = loop.call_at(t0 + 0.025, lambda: fired.setdefault("at", loop.time()))
        h3 = loop.call_later(0.005, lambda: fired.setdefault("cancelled", loop.time()))
        h3.cancel()
        loop.call_later(0.04, done.set_result, None)
        assert isinstance(h1, asyncio.TimerHandle) and isinstance(h2, asyncio.TimerHandle)
        assert h1.when() == pytest.approx(t0 + 0.015, abs=0.002)
        assert h2.when() == t0 + 0.025
        await done
        return t0, fired, h1.when(), h2.when()

    t0, fired, w1, w2 = run_on(loop_factory, main())
    assert "cancelled" not in fired
    assert fired["later"] >= w1
    assert fired["at"] >= w2


def test_call_soon_threadsafe_wakes_the_loop(loop_factory):
    async def main():
        loop = asyncio.get_running_loop()
        fut = loop.create_future()
        t = threading.Thread(target=lambda: loop.call_soon_threadsafe(fut.set_result, "hi"))
        t.start()
        result = await asyncio.wait_for(fut, 5)
        t.join()
        return result

    assert run_on(loop_factory, main()) == "hi"


def test_to_thread_and_run_in_executor(loop_factory):
    async def main():
        a = await asyncio.to_thread(lambda: threading.current_thread().name)
        b = await asyncio.get_running_loop().run_in_executor(None, sum, [1, 2, 3])
        return a, b

    name, total = run_on(loop_factory, main())
    assert name != threading.current_thread().name and total == 6


def test_stream_server_round_trip(loop_factory):
    async def main():
        async def handle(reader, writer):
            writer.write((await reader.readline()).upper())
            await writer.drain()
            writer.close()
            await writer.wait_closed()

        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        async with server:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(b"ping\n")
            line = await reader.readline()
            writer.close()
            await writer.wait_closed()
        return line

    assert run_on(loop_factory, main()) == b"PING\n"


@pytest.mark.parametrize("kind", ["reader", "writer"])
def test_add_reader_and_writer_take_the_context_the_transports_of_3_15_pass(loop_factory, kind):
    """asyncio 3.15's selector transports call ``loop._add_reader(fd, cb, *args, context=...)``
    (and ``_add_writer``): the callback runs in that context, and the Handle comes back (a
    TypeError there left every stream and server of 3.15 hanging)."""
    if loop_factory is asyncio.new_event_loop and sys.version_info < (3, 15):
        pytest.skip("asyncio's own _add_reader/_add_writer take context= from 3.15 on")
    var = contextvars.ContextVar("var", default="outside")

    async def main():
        loop = asyncio.get_running_loop()
        a, b = socket.socketpair()
        a.setblocking(False)
        ctx = contextvars.copy_context()
        ctx.run(var.set, "inside")
        seen = loop.create_future()
        add, remove = ((loop._add_reader, loop._remove_reader) if kind == "reader"
                       else (loop._add_writer, loop._remove_writer))
        handle = add(a.fileno(), lambda tag: seen.done() or seen.set_result((tag, var.get())),
                     "tag", context=ctx)
        b.send(b"x")
        try:
            return await asyncio.wait_for(seen, 2), isinstance(handle, asyncio.Handle)
        finally:
            remove(a.fileno())
            a.close()
            b.close()

    assert run_on(loop_factory, main()) == (("tag", "inside"), True)


def test_create_task_hands_a_task_factory_only_the_keywords_it_was_given(loop_factory):
    """3.14's create_task passes its keywords on to the task factory as given: a factory that
    takes no `name` must not get name=None (before 3.14 the factory gets none of them)."""
    got = []

    def factory(loop, coro, **kw):
        got.append(sorted(kw))
        return asyncio.Task(coro, loop=loop, **kw)

    async def main():
        loop = asyncio.get_running_loop()
        loop.set_task_factory(factory)
        try:
            await loop.create_task(asyncio.sleep(0))
            return (await asyncio.gather(loop.create_task(asyncio.sleep(0, "x"), name="n")),
                    [t.get_name() for t in [loop.create_task(asyncio.sleep(0), name="m")]])
        finally:
            loop.set_task_factory(None)

    assert run_on(loop_factory, main()) == (["x"], ["m"])
    assert got == ([[], ["name"], ["name"]] if sys.version_info >= (3, 14) else [[], [], []])


def test_the_executors_of_concurrent_futures_are_classes():
    """Python 3.15 imports them lazily, and shiboken6 (PySide6 6.12) breaks the module lookup
    that resolves a lazy name: concurrent.futures.ThreadPoolExecutor was the unresolved
    'lazy_import' object in any process that had imported Qt (run_in_executor, to_thread and
    a lesson's own pool all failed, plain asyncio included).  The loop module mends it."""
    assert isinstance(concurrent.futures.ThreadPoolExecutor, type)
    assert isinstance(concurrent.futures.ProcessPoolExecutor, type)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        assert pool.submit(sum, [1, 2]).result(5) == 3


@pytest.mark.skipif(sys.version_info < (3, 14), reason="create_task(eager_start=...) is 3.14's")
def test_create_task_eager_start_in_a_run(pg_loop, tmp_path):
    path = tmp_path / "eager.py"
    path.write_text(textwrap.dedent("""
        import asyncio

        async def child(tag):
            print("child", tag, "first step")
            await asyncio.sleep(0)

        async def main():
            t = asyncio.create_task(child("eager"), eager_start=True)
            print("after create_task")
            await t
            await asyncio.create_task(child("lazy"), eager_start=False)

        asyncio.run(main())
    """))
    run = playground.Run(path, loop=pg_loop)

    async def go():
        run.start()
        return await run.wait()

    assert pg_loop.run_until_complete(go()) == "completed", run.error
    out = "".join(ev[4] for ev in run.tracer.events if ev[0] == "output")
    assert out.splitlines() == ["child eager first step", "after create_task", "child lazy first step"]


def test_a_detached_loop_runs_nothing_until_it_runs_again(qapp):
    """asyncio runs callbacks only in a running loop.  A task stepped while the loop was detached
    had no running loop: 3.14 refuses the step ("loop ... is not the running loop") and the task
    never ends (the shape of qasync's 3.14 hang); before 3.14 it ran with get_running_loop()
    failing.  What is ready waits for the loop to run again."""
    loop = playground.new_event_loop()
    steps = []

    async def work():
        steps.append("first")
        await asyncio.sleep(0.01)
        steps.append(asyncio.get_running_loop() is loop)

    loop.attach()
    try:
        task = loop.create_task(work())
        deadline = time.monotonic() + 2
        while not steps and time.monotonic() < deadline:
            QtCore.QCoreApplication.processEvents()
        loop.detach()
        deadline = time.monotonic() + 0.2
        while time.monotonic() < deadline:
            QtCore.QCoreApplication.processEvents()
        assert steps == ["first"] and not task.done()
        loop.attach()
        deadline = time.monotonic() + 2
        while not task.done() and time.monotonic() < deadline:
            QtCore.QCoreApplication.processEvents()
        assert steps == ["first", True] and task.done() and task.exception() is None
    finally:
        loop.detach()
        with loop:
            pass


def test_shutdown_runs_finally_blocks_and_finalizes_async_generators(loop_factory, caplog):
    log = []

    async def sleeper():
        try:
            await asyncio.sleep(10)
        finally:
            log.append("task finally")

    async def agen():
        try:
            yield 1
            yield 2
        finally:
            log.append("agen finally")

    async def main():
        asyncio.get_running_loop().leftover = asyncio.create_task(sleeper())
        gen = agen()
        await gen.__anext__()
        main.gen = gen  # keep it alive past main(): shutdown_asyncgens must close it
        await asyncio.sleep(0.01)

    run_on(loop_factory, main())
    del main.gen
    gc.collect()
    assert sorted(log) == ["agen finally", "task finally"]
    assert "destroyed but it is pending" not in caplog.text


def test_exception_in_callback_reaches_the_exception_handler(loop_factory):
    seen = []

    async def main():
        loop = asyncio.get_running_loop()
        loop.set_exception_handler(lambda lp, ctx: seen.append(ctx["exception"]))
        assert loop.get_exception_handler() is not None
        loop.call_soon(lambda: 1 / 0)
        await asyncio.sleep(0.01)

    run_on(loop_factory, main())
    assert len(seen) == 1 and isinstance(seen[0], ZeroDivisionError)


def test_keyboard_interrupt_propagates_out_of_run(loop_factory):
    async def main():
        await asyncio.sleep(0)
        raise KeyboardInterrupt

    loop = loop_factory()
    try:
        with pytest.raises(KeyboardInterrupt):
            loop.run_until_complete(main())
    finally:
        loop.close()


def test_stop_before_run_forever_runs_one_iteration(loop_factory):
    loop = loop_factory()
    try:
        seen = []
        loop.call_soon(seen.append, 1)
        loop.stop()
        loop.run_forever()
        assert seen == [1]
        assert not loop.is_running()
    finally:
        loop.close()


def test_playground_run_mirrors_asyncio_run():
    async def main():
        return type(asyncio.get_running_loop()).__name__

    assert playground.run(main()) == "PlaygroundLoop"


def test_with_loop_runs_pending_finally_blocks():
    """qasync's ``with loop:`` leaves pending tasks' finally blocks unrun; ours does not."""
    log = []

    async def sleeper():
        try:
            await asyncio.sleep(10)
        finally:
            log.append("finally")

    loop = playground.new_event_loop()
    with loop:
        loop.create_task(sleeper())
        loop.run_until_complete(asyncio.sleep(0.01))
    assert log == ["finally"] and loop.is_closed()


def test_qt_keeps_running_while_thousands_of_callbacks_are_ready(pg_loop):
    """The drain yields to Qt every few ms: a Qt timer keeps firing during a callback storm."""
    ticks = []
    timer = QtCore.QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))

    async def storm():
        timer.start()
        t_end = time.monotonic() + 0.4
        hops = 0
        while time.monotonic() < t_end:
            await asyncio.sleep(0)
            hops += 1
        timer.stop()
        return hops

    hops = pg_loop.run_until_complete(storm())
    assert hops > 1000
    # A loop that never handed the thread back to Qt would fire this timer 0 times; ours does so
    # every few ms.  (No bound on the worst gap: shared CI machines stall now and then.)
    assert len(ticks) >= 10, f"Qt timer fired only {len(ticks)} times in 0.4 s"


def test_attached_loop_runs_under_someone_elses_qt_loop(attached_loop, qtbot):
    result = []

    async def work():
        await asyncio.sleep(0.02)
        result.append(asyncio.get_running_loop() is attached_loop)

    attached_loop.create_task(work())
    qtbot.waitUntil(lambda: bool(result), timeout=2000)
    assert result == [True]


def test_socket_notifier_reads(loop_factory):
    async def main():
        loop = asyncio.get_running_loop()
        a, b = socket.socketpair()
        a.setblocking(False)
        b.setblocking(False)
        try:
            b.send(b"x")
            return await asyncio.wait_for(loop.sock_recv(a, 1), 2)
        finally:
            a.close()
            b.close()

    assert run_on(loop_factory, main()) == b"x"
