"""The offline demo API: a real HTTP/1.1 server on 127.0.0.1 shaped like jsonplaceholder.

Lessons written against ``https://jsonplaceholder.typicode.com`` run unchanged offline: the httpx
stand-in from ``playground._offline`` rewrites those URLs to this server.  Same routes and JSON shapes
as the real fake API, content of our own (asyncio, cooking and space themes), and a deterministic
latency per resource so concurrency shows up on the timeline.

    with DemoAPI() as demo:
        httpx.get(f"{demo.base_url}/posts/1?latency=0").json()["title"]

Knobs the real API ignores (so tutorial code stays valid there) ride in the query string:
``delay``, ``latency``, ``status``, ``fail_every``; see ``docs/demoapi.md``.
"""
from __future__ import annotations

import asyncio
import contextlib
import http
import json
import math
import os
import random
import threading
import time
import zlib
from collections.abc import Callable
from urllib.parse import parse_qsl, urlsplit

import h11

__all__ = ["DemoAPI", "LATENCY_SCALE", "MIN_LATENCY", "MAX_LATENCY", "MAX_CONNECTIONS"]

#: Multiplies every *default* latency (explicit ``?latency=``/``?delay=`` are taken literally).
#: Tests set it to 0; an instance's own ``latency_scale`` wins when it is not None.  The environment
#: variable lets a subprocess (the CLI under test) start fast too.
LATENCY_SCALE = float(os.environ.get("PLAYGROUND_DEMO_LATENCY_SCALE", "1"))
MIN_LATENCY, MAX_LATENCY = 0.2, 0.6

_KNOBS = ("delay", "latency", "status", "fail_every")
_MAX_BODY = 1 << 20
_MAX_HEAD = 16 * 1024  # request line + headers; more is a 431
_MAX_WAIT = 300.0  # an absurd ?delay= must not pin a connection for hours
_MAX_DEPTH = 64  # JSON nesting a request body may have (json.loads itself stops near 1,000 with a RecursionError)
_MAX_COUNTED_PATHS = 10_000  # ?fail_every= counts: forget them all rather than grow without bound

#: Connections served at once.  The server lives in the playground's own process, whose descriptor
#: limit is often 1,024, and every connection a lesson opens costs two descriptors (its end and
#: ours).  Connections past the cap get a 503 and are closed at once.
MAX_CONNECTIONS = 256
#: Seconds, wall clock (these protect the process, so the loop's speed does not stretch them).
IDLE_TIMEOUT = 30.0    # a kept-alive connection with no request (httpx drops its own after 5 s)
HEAD_TIMEOUT = 10.0    # from a request's first byte to the end of its headers, else 408
BODY_TIMEOUT = 10.0    # from the end of the headers to the end of the body, else 408
WRITE_TIMEOUT = 10.0   # a client that never reads its answer

# ---------------------------------------------------------------------------------------------
# Data.  Generated once, deterministically: every run of every lesson sees the same titles, so a
# lesson's expected output can quote them.  Seeds are ints (random.Random(int) is stable across
# Python versions); nothing here depends on hash() (salted per process).

_THEMES = {
    "asyncio": (
        ["the event loop", "a pending task", "gather", "a cancelled coroutine", "the ready queue",
         "a timeout", "one slow request", "the semaphore", "a task group", "every await"],
        ["never sleeps on the job", "waits for nobody", "keeps its promises", "runs one step at a time",
         "yields at the right moment", "finishes before the others", "hands control back",
         "cleans up in finally", "outlives its caller", "knows when to give up"],
        ["A coroutine only runs when something awaits it or wraps it in a task.",
         "create_task schedules the work now and lets you await it later.",
         "While one request waits on the network, the loop runs the others.",
         "Cancellation arrives as an exception at the next await.",
         "gather returns results in the order you passed the awaitables.",
         "A blocking call freezes every task that shares the loop.",
         "Timeouts are just cancellation with a deadline attached.",
         "The loop is single-threaded, so shared state needs no lock between awaits."],
    ),
    "cooking": (
        ["the risotto", "a pot of stock", "the sourdough", "two kitchen timers", "the sous-chef",
         "a slow oven", "the pasta water", "a batch of dumplings", "the spice rack", "sunday brunch"],
        ["simmers while you chop", "rises without supervision", "boils over when ignored",
         "needs one more minute", "waits for the oven", "comes together at the end",
         "is ready before the sauce", "gets stirred every few minutes", "rests before serving",
         "burns if you block the stove"],
        ["Put the water on first; chop the onions while it heats.",
         "A good cook never stands watching the kettle boil.",
         "Start the slowest dish first and the rest fit around it.",
         "Taste, adjust the seasoning, and taste again.",
         "The dough keeps rising while you clean the counter.",
         "Plate everything at once so nothing goes cold.",
         "One pan, one burner, many dishes: that is scheduling.",
         "Set a timer rather than checking the oven every minute."],
    ),
    "space": (
        ["the rover", "a ground station", "the launch window", "a telemetry packet", "the docking port",
         "mission control", "a passing comet", "the relay satellite", "the solar array", "the crew"],
        ["reports in after a long delay", "waits for a signal from earth", "keeps its schedule",
         "aborts on a timeout", "retries the handshake", "opens for a few minutes only",
         "listens on every channel", "phones home at dawn", "queues commands for later",
         "answers out of order"],
        ["Light takes minutes to reach the rover, so every command is asynchronous.",
         "The ground station polls several spacecraft in the same pass.",
         "Telemetry arrives in bursts and is processed as it lands.",
         "A missed launch window means waiting for the next one.",
         "Mission control never blocks on one antenna.",
         "Every message carries a deadline; late ones are dropped.",
         "The crew sleeps while the uplink queue drains.",
         "Retries back off so the relay is not flooded."],
    ),
}
_THEME_NAMES = list(_THEMES)

_PEOPLE = [("Ada", "Loopwell"), ("Grace", "Awaitley"), ("Linus", "Tasker"), ("Nia", "Futures"),
           ("Omar", "Gatherer"), ("Priya", "Semaphore"), ("Sven", "Timeout"), ("Tove", "Queue"),
           ("Kofi", "Selector"), ("Mira", "Coroutine")]
_CITIES = ["Coroutine Cove", "Gather Gardens", "Timeout Terrace", "Await Harbor", "Event Loop Falls",
           "Callback Creek", "Future Fields", "Task Town", "Selector Springs", "Yield Point"]
_STREETS = ["Ready Queue Rd", "Pending Lane", "Cancelled Close", "Done Drive", "Sleep Street"]
_COMPANIES = [("Nonblocking Noodles", "Dinner in one event loop", "orchestrate concurrent kitchens"),
              ("Orbital Await", "Every launch on schedule", "relay asynchronous telemetry"),
              ("Cooperative Bakery", "We yield, you eat", "proof dough while you wait")]
_MAIL = ["example.com", "example.org", "example.net"]  # reserved domains: nobody's real address


def _theme(n: int):
    return _THEMES[_THEME_NAMES[n % 3]]


def _build_data() -> dict[str, list[dict]]:
    users = []
    for i, (first, last) in enumerate(_PEOPLE, 1):
        rng = random.Random(1000 + i)
        company = _COMPANIES[i % 3]
        users.append({
            "id": i, "name": f"{first} {last}", "username": f"{first.lower()}_{last.lower()}",
            "email": f"{first.lower()}.{last.lower()}@{_MAIL[i % 3]}",
            "address": {"street": f"{rng.randint(1, 99)} {_STREETS[i % 5]}",
                        "suite": f"Suite {rng.randint(100, 999)}", "city": _CITIES[i - 1],
                        "zipcode": f"{rng.randint(10000, 99999)}",
                        "geo": {"lat": f"{rng.uniform(-60, 60):.4f}", "lng": f"{rng.uniform(-180, 180):.4f}"}},
            "phone": f"555-01{i:02d}", "website": f"{first.lower()}-{last.lower()}.example",
            "company": {"name": company[0], "catchPhrase": company[1], "bs": company[2]},
        })
    posts, comments = [], []
    for i in range(1, 101):
        rng = random.Random(2000 + i)
        subjects, predicates, sentences = _theme(i - 1)
        posts.append({"userId": (i - 1) // 10 + 1, "id": i,
                      "title": f"{rng.choice(subjects)} {rng.choice(predicates)}",
                      "body": "\n".join(rng.sample(sentences, 4))})
        for k in range(5):
            cid = (i - 1) * 5 + k + 1
            first, last = _PEOPLE[rng.randrange(10)]
            comments.append({"postId": i, "id": cid,
                             "name": f"{rng.choice(subjects)} {rng.choice(predicates)}",
                             "email": f"{first.lower()}.{cid}@{_MAIL[cid % 3]}",
                             "body": "\n".join(rng.sample(sentences, 3))})
    todos = []
    for i in range(1, 201):
        rng = random.Random(3000 + i)
        subjects, predicates, _ = _theme(i - 1)
        verb = rng.choice(["check on", "wait for", "restart", "time", "cancel", "document"])
        todos.append({"userId": (i - 1) // 20 + 1, "id": i, "title": f"{verb} {rng.choice(subjects)}",
                      "completed": rng.random() < 0.45})
    return {"posts": posts, "comments": comments, "users": users, "todos": todos}


_DATA = _build_data()
# Child collections reachable as /parent/{id}/child, and the field that links them.
_NESTED = {("posts", "comments"): "postId", ("users", "posts"): "userId", ("users", "todos"): "userId"}


class _Reply(Exception):
    """Raised inside routing to answer early (bad knob, 404, bad body)."""

    def __init__(self, status: int, payload):
        self.status, self.payload = status, payload


def _base_latency(key: str) -> float:
    # crc32, not hash(): the same URL must have the same latency in every process and every run.
    return MIN_LATENCY + (zlib.crc32(key.encode()) % 1001) / 1000 * (MAX_LATENCY - MIN_LATENCY)


def _phrase(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:  # ?status=599 is allowed but has no standard name
        return "Error"


def _number(query: dict, name: str, lo: float, hi: float, integer: bool = False):
    if name not in query:
        return None
    try:
        value = int(query[name]) if integer else float(query[name])
    except ValueError:
        value = None
    if value is None or not lo <= value <= hi:
        raise _Reply(400, {"error": f"?{name}= must be a number in [{lo:g}, {hi:g}], got {query[name]!r}"})
    return value


class DemoAPI:
    """A jsonplaceholder look-alike served from its own thread and its own plain asyncio loop.

    It never runs on the caller's loop, so a lesson that blocks the playground loop cannot stall it.

    Attributes:
        latency_scale: multiplies default latencies; None means the module's ``LATENCY_SCALE``.
        base_url, port: ``http://127.0.0.1:PORT`` and the port while running, else None.
        address: the listening socket's ``getsockname()`` while running, else None.
        speed: None, or a callable returning loop seconds per wall second of the loop whose
            lessons call the server (0 while it is paused).  Every wait the server chooses is
            in that loop's seconds: at speed 0.25 a 0.2 s latency takes 0.8 s of wall time, and
            a pause holds it.  Called from the server's thread, so it must only read state.
        max_connections, idle_timeout, head_timeout, body_timeout, write_timeout: the limits
            above (module defaults), per instance.
    """

    def __init__(self, *, latency_scale: float | None = None, speed: Callable[[], float] | None = None,
                 max_connections: int = MAX_CONNECTIONS, idle_timeout: float = IDLE_TIMEOUT,
                 head_timeout: float = HEAD_TIMEOUT, body_timeout: float = BODY_TIMEOUT,
                 write_timeout: float = WRITE_TIMEOUT):
        self.latency_scale = latency_scale
        self.speed = speed
        self.max_connections = max_connections
        self.idle_timeout, self.head_timeout = idle_timeout, head_timeout
        self.body_timeout, self.write_timeout = body_timeout, write_timeout
        #: connections turned away at the cap, requests answered 408 (for tests and curiosity)
        self.refused = self.timed_out = 0
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._port: int | None = None
        self.address: tuple | None = None
        self._error: BaseException | None = None
        self._conns: dict[asyncio.Task, asyncio.StreamWriter] = {}
        self._counts: dict[str, int] = {}

    # -- lifecycle ---------------------------------------------------------------------------

    @property
    def port(self) -> int | None:
        return self._port

    @property
    def base_url(self) -> str | None:
        return None if self._port is None else f"http://127.0.0.1:{self._port}"

    @property
    def running(self) -> bool:
        return self._port is not None and self._thread is not None and self._thread.is_alive()

    def start(self) -> str:
        """Start serving (no-op if already running); returns the base URL."""
        with self._lock:
            if self._thread is not None and not self._thread.is_alive():
                self._thread.join()  # it died (a bug in the server): start afresh
                self._thread = None
            if self._thread is None:
                ready = threading.Event()
                self._error = None
                self._thread = threading.Thread(target=self._main, args=(ready,),
                                                name="playground-demoapi", daemon=True)
                self._thread.start()
                ready.wait()
                if self._error is not None:
                    self._thread.join()
                    self._thread = None
                    raise RuntimeError(f"demo API could not start: {self._error}") from self._error
            return self.base_url

    def stop(self) -> None:
        """Close the listening socket and every connection, then join the thread.  Idempotent."""
        with self._lock:
            thread = self._thread
            if thread is None:
                return
            if thread is threading.current_thread():
                raise RuntimeError("DemoAPI.stop() called from the server's own thread")
            try:
                self._loop.call_soon_threadsafe(self._stopping.set)
            except RuntimeError:  # the loop already closed (it crashed); joining is all that's left
                pass
            thread.join(10)
            if thread.is_alive():
                raise RuntimeError("demo API thread did not stop within 10 s")
            self._thread = self._loop = self._stopping = self._port = self.address = None

    def reset(self) -> None:
        """Forget the per-path request counts behind ``?fail_every=`` (e.g. at the start of a run)."""
        self._counts.clear()

    def __enter__(self) -> DemoAPI:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"<DemoAPI {self.base_url or 'stopped'}>"

    def _main(self, ready: threading.Event) -> None:
        # An explicit SelectorEventLoop, not asyncio.run(): the playground may install a policy whose
        # new_event_loop() is the Qt loop, and that loop must never be created in this thread.
        try:
            with asyncio.Runner(loop_factory=asyncio.SelectorEventLoop) as runner:
                runner.run(self._serve(ready))
        except BaseException as e:
            if ready.is_set():
                raise  # died while serving: threading.excepthook reports it
            self._error = e  # start() re-raises it in the caller's thread
        finally:
            self._port = self.address = None
            ready.set()  # never leave start() waiting

    async def _serve(self, ready: threading.Event) -> None:
        self._loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        # 127.0.0.1 only: lessons and the UI are local; nothing else on the network may reach it.
        # The backlog covers a burst of a few hundred connects before the first accept runs.
        server = await asyncio.start_server(self._connection, "127.0.0.1", 0, backlog=1024)
        self.address = server.sockets[0].getsockname()
        self._port = self.address[1]
        ready.set()
        await self._stopping.wait()
        server.close()
        # No lingering: in-flight requests just see the connection drop.  The connection tasks are
        # ended here rather than by Runner.close(): on 3.11 start_server's done-callback calls
        # task.exception() on a cancelled task and logs a spurious CancelledError traceback.
        for task, writer in list(self._conns.items()):
            writer.transport.abort()
            task.cancel()
        await asyncio.gather(*self._conns, return_exceptions=True)
        await server.wait_closed()
        # Runner.close() then closes the loop (its selector and self-pipe).

    # -- HTTP/1.1 (parsed by h11) ----------------------------------------------------------------

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if len(self._conns) >= self.max_connections:
            # At the cap: answer at once and let go of the descriptor; nothing is read or parsed.
            self.refused += 1
            writer.write(self._simple(503, {"error": f"the demo API serves at most {self.max_connections} "
                                                     "connections at once; close some and retry"}))
            writer.close()
            return
        self._conns[task] = writer
        conn = h11.Connection(h11.SERVER, max_incomplete_event_size=_MAX_HEAD)
        try:
            first = True
            while await self._exchange(conn, reader, writer, first):
                conn.start_next_cycle()
                first = False
        except (ConnectionError, TimeoutError, asyncio.IncompleteReadError):
            pass  # the client hung up, or stopped reading what we wrote
        except asyncio.CancelledError:
            if not self._stopping.is_set():
                raise
            # stop() cancelled us: end quietly (see _serve)
        except Exception as e:  # a bug here: say so to the lesson rather than drop the connection
            with contextlib.suppress(Exception):
                await self._send(conn, writer, "GET", 500, {"error": f"demo API bug: {e!r}"}, 0.0, close=True)
        finally:
            self._conns.pop(task, None)
            writer.close()

    async def _next(self, conn: h11.Connection, reader, deadline: float | None):
        """The next h11 event, reading as needed until ``deadline`` (loop.time()); None at EOF
        before a request began.  TimeoutError past the deadline."""
        while (event := conn.next_event()) is h11.NEED_DATA:
            try:
                async with asyncio.timeout_at(deadline):
                    data = await reader.read(65536)
            except TimeoutError:
                raise TimeoutError from None
            conn.receive_data(data)
        return event

    async def _exchange(self, conn: h11.Connection, reader, writer, first: bool) -> bool:
        """Serve one request; False when the connection should close."""
        loop = asyncio.get_running_loop()
        method = "GET"
        try:
            # Idle: no byte of a request yet (h11 keeps what a pipelining client sent ahead).  A new
            # connection is opened to send a request, so its first byte gets the head's time only.
            if not conn.trailing_data[0]:
                try:
                    async with asyncio.timeout(self.head_timeout if first else self.idle_timeout):
                        data = await reader.read(65536)
                except TimeoutError:
                    return False  # an idle kept-alive connection: closing it is all HTTP asks
                conn.receive_data(data)
            # Head: request line and headers within head_timeout of the first byte.
            event = await self._next(conn, reader, loop.time() + self.head_timeout)
            if event is h11.PAUSED or isinstance(event, h11.ConnectionClosed):
                return False
            request = event
            method = request.method.decode("ascii", "replace")
            # h11 checks the size of a head still arriving; one that came in a single read is
            # measured here.
            if len(request.target) + sum(len(k) + len(v) + 4 for k, v in request.headers) > _MAX_HEAD:
                raise h11.RemoteProtocolError("request head too large", error_status_hint=431)
            headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in request.headers}
            length = headers.get("content-length")
            if length is not None and int(length) > _MAX_BODY:
                await self._send(conn, writer, method, 413, {"error": f"body too large (over {_MAX_BODY} bytes)"},
                                 0.0, close=True)
                return False
            if conn.they_are_waiting_for_100_continue:
                writer.write(conn.send(h11.InformationalResponse(status_code=100, headers=[])))
            # Body: complete within body_timeout of the headers' end.
            deadline = loop.time() + self.body_timeout
            chunks, total = [], 0
            while not isinstance(event := await self._next(conn, reader, deadline), h11.EndOfMessage):
                if isinstance(event, h11.ConnectionClosed):
                    return False
                total += len(event.data)
                if total > _MAX_BODY:
                    await self._send(conn, writer, method, 413, {"error": f"body too large (over {_MAX_BODY} bytes)"},
                                     0.0, close=True)
                    return False
                chunks.append(event.data)
        except h11.RemoteProtocolError as e:
            # Not HTTP/1.1 as h11 reads it (bad request line, bad header, head too large, bad length
            # or chunking, a second request sent before…): a 4xx that says what, then close.
            status = e.error_status_hint if 400 <= e.error_status_hint < 500 else 400
            await self._send(conn, writer, method, status, {"error": f"bad HTTP request: {e}"}, 0.0, close=True)
            return False
        except TimeoutError:
            self.timed_out += 1
            await self._send(conn, writer, method, 408, {"error": "request not received in time"}, 0.0, close=True)
            return False
        status, payload, wait = self._respond(method, request.target.decode("latin-1"),
                                              headers.get("content-type", ""), b"".join(chunks))
        if wait > 0:
            await self._wait(wait)
        await self._send(conn, writer, method, status, payload, wait)
        return conn.our_state is h11.DONE and conn.their_state is h11.DONE

    async def _wait(self, seconds: float) -> None:
        """Wait ``seconds`` of the lessons' loop time: wall time divided by its speed, held while
        it is paused.  Re-reads the speed every 50 ms of wall time, so a change mid-wait counts."""
        speed_of = self.speed
        if speed_of is None:
            await asyncio.sleep(seconds)
            return
        clock = time.monotonic
        left = seconds
        while left > 0:
            try:
                speed = float(speed_of())
            except Exception:  # the loop went away (closed, collected): real time
                speed = 1.0
            if not speed > 0 or not math.isfinite(speed):
                await asyncio.sleep(0.05)  # paused
                continue
            t0 = clock()
            await asyncio.sleep(min(left / speed, 0.05))
            left -= (clock() - t0) * speed

    @staticmethod
    def _encode(payload) -> bytes:
        # Pretty-printed like the real API, so printing response.text in a lesson looks the same.
        # allow_nan=False: the answer is always strict JSON (NaN and Infinity are not JSON).
        if payload is None:
            return b""
        return json.dumps(payload, indent=2, ensure_ascii=False, allow_nan=False).encode()

    def _simple(self, status: int, payload) -> bytes:
        """A whole response outside any h11 exchange (the connection cap)."""
        body = self._encode(payload)
        return (f"HTTP/1.1 {status} {_phrase(status)}\r\nContent-Type: application/json; charset=utf-8\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode("latin-1") + body

    async def _send(self, conn: h11.Connection, writer, method: str, status: int, payload, wait: float,
                    *, close: bool = False) -> None:
        if conn.our_state not in (h11.IDLE, h11.SEND_RESPONSE):
            return  # a response already went out (e.g. a bug after it): nothing more can
        body = self._encode(payload)
        headers = [("Content-Type", "application/json; charset=utf-8"), ("Content-Length", str(len(body))),
                   # The wait the server chose: lets tests and lesson authors check knobs without a stopwatch.
                   ("X-Demo-Latency", f"{wait:.3f}")]
        if close:
            headers.append(("Connection", "close"))
        out = conn.send(h11.Response(status_code=status, headers=headers, reason=_phrase(status).encode()))
        if method != "HEAD" and body:
            out += conn.send(h11.Data(data=body))
        out += conn.send(h11.EndOfMessage())
        writer.write(out)
        async with asyncio.timeout(self.write_timeout):
            await writer.drain()

    # -- routing -------------------------------------------------------------------------------

    def _respond(self, method: str, target: str, ctype: str, body: bytes):
        """Decide (status, payload, seconds to wait) for one request.  Pure except for the counts."""
        try:
            url = urlsplit(target)
        except ValueError as e:  # "http://[" and the like
            return 400, {"error": f"bad request target {target!r}: {e}"}, 0.0
        path = url.path.rstrip("/") or "/"
        query = dict(parse_qsl(url.query, keep_blank_values=True))
        filters = {k: v for k, v in query.items() if k not in _KNOBS}
        try:
            latency = _number(query, "latency", 0, _MAX_WAIT)
            delay = _number(query, "delay", 0, _MAX_WAIT) or 0.0
            status = _number(query, "status", 400, 599, integer=True)
            every = _number(query, "fail_every", 1, 1_000_000, integer=True)
        except _Reply as r:
            return r.status, r.payload, 0.0
        if latency is None:
            scale = LATENCY_SCALE if self.latency_scale is None else self.latency_scale
            key = path + ("?" + "&".join(f"{k}={v}" for k, v in sorted(filters.items())) if filters else "")
            latency = _base_latency(key) * scale
        wait = min(latency + delay, _MAX_WAIT)
        # Every request to a path is numbered (query ignored) so ?fail_every=N fails the N-th, 2N-th…
        if path not in self._counts and len(self._counts) >= _MAX_COUNTED_PATHS:
            self._counts.clear()
        count = self._counts[path] = self._counts.get(path, 0) + 1
        if status is not None:
            return status, {"error": f"{_phrase(status)} (asked for by ?status={status})"}, wait
        if every is not None and count % every == 0:
            return 503, {"error": f"Service Unavailable (request {count} to {path}, "
                                  f"?fail_every={every})"}, wait
        try:
            return (*self._route(method, path, filters, ctype, body), wait)
        except _Reply as r:
            return r.status, r.payload, wait

    def _route(self, method: str, path: str, filters: dict, ctype: str, body: bytes):
        if method == "OPTIONS":
            return 204, None
        if method == "HEAD":
            method = "GET"
        segs = path.strip("/").split("/") if path != "/" else []
        if not segs:
            return 200, {"routes": [f"/{name}" for name in _DATA], "knobs": list(_KNOBS)}
        name = segs[0]
        if name not in _DATA or len(segs) > 3:
            raise _Reply(404, {})
        rows = _DATA[name]
        if len(segs) == 1:
            if method == "GET":
                return 200, _filtered(rows, filters)
            if method == "POST":
                # Like the real API: echo the body with the next id; nothing is stored.
                return 201, {**_body(ctype, body), "id": len(rows) + 1}
            raise _Reply(404, {})
        item = _find(rows, segs[1])
        if len(segs) == 3:
            link = _NESTED.get((name, segs[2]))
            if link is None or method != "GET":
                raise _Reply(404, {})
            return 200, _filtered(_DATA[segs[2]], {**filters, link: str(item["id"])})
        if method == "GET":
            return 200, item
        if method == "PUT":
            return 200, {**_body(ctype, body), "id": item["id"]}
        if method == "PATCH":
            return 200, {**item, **_body(ctype, body), "id": item["id"]}
        if method == "DELETE":
            return 200, {}
        raise _Reply(404, {})


def _find(rows: list[dict], raw_id: str) -> dict:
    # Ids are 1..len(rows) in order, so the lookup is an index; anything else is the API's 404 {}.
    if _is_count(raw_id) and 1 <= int(raw_id) <= len(rows):
        return rows[int(raw_id) - 1]
    raise _Reply(404, {})


def _filtered(rows: list[dict], filters: dict) -> list[dict]:
    # json-server semantics: ?field=value matches the value's string form (true/false for bools);
    # _start/_limit slice the result.
    out = [r for r in rows if all(k.startswith("_") or _as_text(r.get(k)) == v for k, v in filters.items())]
    start, limit = filters.get("_start", ""), filters.get("_limit", "")
    out = out[int(start):] if _is_count(start) else out
    return out[: int(limit)] if _is_count(limit) else out


def _is_count(text: str) -> bool:
    # ASCII digits only ("²".isdigit() is True but int() refuses it), and short enough for int().
    return text.isascii() and text.isdigit() and len(text) <= 9


def _as_text(value) -> str | None:
    if value is None:
        return None
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def _body(ctype: str, body: bytes) -> dict:
    if not body:
        return {}
    try:
        if "application/x-www-form-urlencoded" in ctype:
            return dict(parse_qsl(body.decode()))
        data = json.loads(body, parse_constant=_not_json, parse_float=_finite)
    except RecursionError:
        raise _Reply(400, {"error": f"request body is nested too deeply (the demo API takes {_MAX_DEPTH} levels)"}) \
            from None
    except (UnicodeDecodeError, ValueError) as e:
        raise _Reply(400, {"error": f"request body is not valid JSON: {e}"}) from None
    if not isinstance(data, dict):
        raise _Reply(400, {"error": "request body must be a JSON object"})
    if _depth(data) > _MAX_DEPTH:
        raise _Reply(400, {"error": f"request body is nested too deeply (the demo API takes {_MAX_DEPTH} levels)"})
    return data


def _not_json(name: str):
    # json.loads accepts NaN, Infinity and -Infinity by default; JSON has none of them.
    raise ValueError(f"{name} is not JSON (RFC 8259 has no NaN or Infinity)")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e999: a JSON number too large for a float
        raise ValueError(f"{text} is too large for a number here")
    return value


def _depth(value) -> int:
    """Nesting depth of parsed JSON, without recursion (a 1-level object is 1)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            item = item.values()
        elif not isinstance(item, list):
            continue
        deepest = max(deepest, depth)
        if depth > _MAX_DEPTH:
            return depth
        stack.extend((child, depth + 1) for child in item)
    return deepest
