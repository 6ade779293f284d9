"""The demo API and offline httpx routing: a real server on 127.0.0.1, real httpx, no mocks.

Plain asyncio.run throughout (these parts never touch Qt).  Latency is switched off
(latency_scale=0 / ?latency=0) except in the tests about latency itself.
"""
from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from asyncio_playground import _demoapi
from asyncio_playground._demoapi import MAX_LATENCY, MIN_LATENCY, DemoAPI
from asyncio_playground._offline import DEMO_HOST, httpx_module

ROOT = Path(__file__).resolve().parents[1]
API = f"https://{DEMO_HOST}"
OFFLINE_MESSAGE = ("Offline mode: the playground only reaches its demo API (jsonplaceholder.typicode.com) "
                   "and 127.0.0.1; switch Network to Live to reach example.com")


@pytest.fixture(scope="module")
def demo():
    with DemoAPI(latency_scale=0) as server:
        yield server


@pytest.fixture(scope="module")
def http():
    # One client for the module: httpx.get() builds a Client (and an SSL context) per call, ~50 ms.
    with httpx.Client(timeout=10) as client:
        yield client


@pytest.fixture
def get(demo, http):
    def get(path, **kwargs):
        return http.get(demo.base_url + path, **kwargs)
    return get


def _open_files() -> set[str] | None:
    # What each fd points at ("socket:[inode]", "pipe:[inode]"…): a leaked socket shows up as a new
    # entry even if an unrelated fd was closed (by the GC) in the meantime.
    fd_dir = Path("/proc/self/fd")
    if not fd_dir.is_dir():
        return None
    targets = set()
    for fd in os.listdir(fd_dir):
        try:
            targets.add(os.readlink(fd_dir / fd))
        except OSError:  # the fd listdir itself used, already closed
            pass
    return targets


# -- content ----------------------------------------------------------------------------------

def test_shapes_match_jsonplaceholder(get):
    post = get("/posts/1").json()
    assert list(post) == ["userId", "id", "title", "body"] and post["id"] == 1
    assert list(get("/comments/1").json()) == ["postId", "id", "name", "email", "body"]
    assert list(get("/todos/1").json()) == ["userId", "id", "title", "completed"]
    user = get("/users/1").json()
    assert list(user) == ["id", "name", "username", "email", "address", "phone", "website", "company"]
    assert list(user["address"]) == ["street", "suite", "city", "zipcode", "geo"]
    assert list(user["address"]["geo"]) == ["lat", "lng"]
    assert list(user["company"]) == ["name", "catchPhrase", "bs"]
    assert isinstance(get("/todos/1").json()["completed"], bool)
    r = get("/posts/1")
    assert r.headers["content-type"].startswith("application/json")


def test_collections_and_filters(get):
    assert [len(get(p).json()) for p in ("/posts", "/comments", "/users", "/todos")] == [100, 500, 10, 200]
    assert [p["id"] for p in get("/posts").json()] == list(range(1, 101))
    comments = get("/posts/3/comments").json()
    assert len(comments) == 5 and {c["postId"] for c in comments} == {3}
    assert get("/comments?postId=3").json() == comments
    assert get("/comments", params={"postId": 3, "latency": 0}).json() == comments
    assert {p["userId"] for p in get("/users/2/posts").json()} == {2}
    assert len(get("/users/2/todos").json()) == 20
    done = get("/todos?completed=true").json()
    assert done and all(t["completed"] is True for t in done)
    assert [p["id"] for p in get("/posts?_start=5&_limit=3").json()] == [6, 7, 8]


@pytest.mark.parametrize("path", ["/posts/0", "/posts/101", "/posts/abc", "/users/11", "/todos/201",
                                  "/comments/501", "/posts/101/comments", "/albums", "/posts/1/likes"])
def test_unknown_ids_are_404_empty_object(get, path):
    r = get(path)
    assert (r.status_code, r.json()) == (404, {})


def test_content_is_deterministic_across_processes(get):
    # A lesson's expected output may quote a title: it must not depend on the process (hash seed).
    code = ("import json; from asyncio_playground._demoapi import _DATA; "
            "print(json.dumps([_DATA['posts'][6], _DATA['users'][2], _DATA['todos'][41]]))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONHASHSEED": "12345"}).stdout
    assert json.loads(out) == [get("/posts/7").json(), get("/users/3").json(), get("/todos/42").json()]
    titles = [p["title"] for p in get("/posts").json()]
    assert len(set(titles)) > 50  # our own, varied content


def test_write_methods_behave_like_the_fake_api(get, demo, http):
    url = demo.base_url + "/posts"
    r = http.post(url, json={"title": "t", "body": "b", "userId": 1})
    assert (r.status_code, r.json()) == (201, {"title": "t", "body": "b", "userId": 1, "id": 101})
    assert http.post(url, data={"title": "form"}).json() == {"title": "form", "id": 101}
    assert http.post(demo.base_url + "/todos", json={}).json() == {"id": 201}
    assert http.put(url + "/5", json={"title": "new"}).json() == {"title": "new", "id": 5}
    patched = http.patch(url + "/5", json={"title": "new"}).json()
    assert patched == {**get("/posts/5").json(), "title": "new"}
    assert (http.delete(url + "/5").status_code, http.delete(url + "/5").json()) == (200, {})
    assert http.put(url + "/500", json={}).status_code == 404
    assert http.post(url, content=b"not json", headers={"content-type": "application/json"}).status_code == 400
    # httpx sends a generator body chunked; the server must reassemble it.
    chunked = http.post(url, content=iter([b'{"title"', b': "chunked"}']),
                         headers={"content-type": "application/json"})
    assert chunked.json() == {"title": "chunked", "id": 101}
    head = http.head(url + "/1")
    assert head.status_code == 200 and head.content == b"" and int(head.headers["content-length"]) > 0


def test_malformed_request_gets_400_and_close(demo):
    with socket.create_connection(("127.0.0.1", demo.port), timeout=5) as s:
        s.sendall(b"NONSENSE\r\n\r\n")
        data = s.makefile("rb").read()
    assert data.startswith(b"HTTP/1.1 400 ") and b"Connection: close" in data


def test_a_server_bug_is_a_500_not_a_dropped_connection(monkeypatch):
    def boom(*args):
        raise KeyError("oops")

    with DemoAPI(latency_scale=0) as server, httpx.Client() as client:
        monkeypatch.setattr(server, "_route", boom)
        r = client.get(server.base_url + "/posts/1")
        assert r.status_code == 500 and "demo API bug" in r.json()["error"]
        monkeypatch.undo()
        assert client.get(server.base_url + "/posts/1").status_code == 200  # still serving


# -- latency ----------------------------------------------------------------------------------

def test_default_latency_is_deterministic_and_in_range():
    keys = [f"/{n}/{i}" for n in ("posts", "users", "todos", "comments") for i in range(1, 201)]
    values = [_demoapi._base_latency(k) for k in keys]
    assert all(MIN_LATENCY <= v <= MAX_LATENCY for v in values)
    assert values == [_demoapi._base_latency(k) for k in keys]
    assert max(values) - min(values) > 0.3  # spread out, so a timeline shows different lengths


def _waited(response) -> float:
    return float(response.headers["x-demo-latency"])


def test_measured_latency_follows_the_id():
    # The server reports the wait it chose; the stopwatch check is deliberately loose (shared CI box).
    async def timed(client, path):
        t0 = time.perf_counter()
        r = await client.get(path)
        return r, time.perf_counter() - t0

    paths = ["/posts/1", "/posts/2", "/todos/7", "/posts/1", "/comments?postId=3", "/users"]

    async def main(base):
        async with httpx.AsyncClient(base_url=base) as client:
            await client.get("/?latency=0")  # connect once, outside the measurement
            return await asyncio.gather(*(timed(client, p) for p in paths))

    with DemoAPI() as server:
        results = asyncio.run(main(server.base_url))
    for (r, took), path in zip(results, paths):
        assert r.status_code == 200
        assert MIN_LATENCY <= _waited(r) <= MAX_LATENCY
        assert _waited(r) == round(_demoapi._base_latency(path), 3)
        assert _waited(r) - 0.02 <= took <= _waited(r) + 2.0, (path, took)
    assert _waited(results[0][0]) == _waited(results[3][0])  # same URL, same latency


def test_latency_scale_knobs(monkeypatch):
    with DemoAPI(latency_scale=0.5) as server, httpx.Client() as client:
        r = client.get(server.base_url + "/posts/3")
        assert _waited(r) == round(_demoapi._base_latency("/posts/3") * 0.5, 3)
        server.latency_scale = 0  # settable while running
        assert _waited(client.get(server.base_url + "/posts/3")) == 0
    monkeypatch.setattr(_demoapi, "LATENCY_SCALE", 0.0)
    with DemoAPI() as server, httpx.Client() as client:  # no instance scale: the module default applies
        assert _waited(client.get(server.base_url + "/posts/3")) == 0


# -- knobs ------------------------------------------------------------------------------------

def test_status_knob(get):
    r = get("/posts/1?status=503")
    assert r.status_code == 503 and "status=503" in r.json()["error"]
    assert get("/posts/1?status=404").status_code == 404
    assert get("/posts/1?status=599").status_code == 599


@pytest.mark.parametrize("query", ["status=200", "status=abc", "latency=-1", "delay=x", "fail_every=0"])
def test_bad_knob_values_are_400_with_a_reason(get, query):
    r = get(f"/posts/1?{query}")
    assert r.status_code == 400 and query.split("=")[0] in r.json()["error"]


def test_delay_and_latency_knobs(get):
    t0 = time.perf_counter()
    r = get("/posts/2?delay=0.3")
    assert _waited(r) == 0.3 and time.perf_counter() - t0 >= 0.3
    assert _waited(get("/posts/2?latency=0.25&delay=0.1")) == 0.35  # latency replaces, delay adds
    with DemoAPI() as server, httpx.Client() as client:  # default latency, replaced by ?latency=0
        assert _waited(client.get(server.base_url + "/posts/2")) >= MIN_LATENCY
        assert _waited(client.get(server.base_url + "/posts/2?latency=0")) == 0
        assert _waited(client.get(server.base_url + "/posts/2?latency=0&delay=0.2")) == 0.2


def test_fail_every_counts_per_path(demo, get):
    codes = [get("/posts/42?fail_every=3").status_code for _ in range(6)]
    assert codes == [200, 200, 503, 200, 200, 503]
    assert get("/posts/43?fail_every=3").status_code == 200  # another path has its own count
    assert get("/posts/44?fail_every=1").json()["error"].endswith("to /posts/44, ?fail_every=1)")
    demo.reset()
    assert [get("/posts/42?fail_every=2").status_code for _ in range(2)] == [200, 503]


def test_retry_lesson_shape(demo):
    # The pattern a retry lesson teaches: fail, back off, try again.
    async def fetch_with_retry(client, url, attempts=3):
        for attempt in range(1, attempts + 1):
            r = await client.get(url)
            if r.status_code != 503:
                return attempt, r.json()["id"]
        raise AssertionError("never succeeded")

    async def main():
        async with httpx.AsyncClient() as client:
            await client.get(demo.base_url + "/posts/77")  # request 1 succeeds
            return await fetch_with_retry(client, demo.base_url + "/posts/77?fail_every=2")

    assert asyncio.run(main()) == (2, 77)  # request 2 fails, the retry (request 3) succeeds


# -- capacity and isolation -------------------------------------------------------------------

def test_200_concurrent_requests_without_an_error():
    # Four clients of 50 connections, not one of 200: httpcore 1.0's pool does O(connections ×
    # requests) work per request, which alone costs ~4 s at 200 on a 2-core box (see
    # docs/demoapi.md).  The server still sees 200 connections at once.
    async def client_batch(base, ids):
        async with httpx.AsyncClient(limits=httpx.Limits(max_connections=50), timeout=30) as client:
            return await asyncio.gather(*(client.get(f"{base}/posts/{i}") for i in ids),
                                        return_exceptions=True)

    async def main(base):
        ids = [i % 100 + 1 for i in range(200)]
        batches = await asyncio.gather(*(client_batch(base, ids[k::4]) for k in range(4)))
        return [r for batch in batches for r in batch], [i for k in range(4) for i in ids[k::4]]

    with DemoAPI() as server:  # default latency: every request is still in flight when the last starts
        t0 = time.perf_counter()
        rs, ids = asyncio.run(main(server.base_url))
        took = time.perf_counter() - t0
    errors = [r for r in rs if isinstance(r, BaseException) or r.status_code != 200]
    assert errors == []
    assert [r.json()["id"] for r in rs] == ids
    assert took < 30  # concurrent, never 200 × latency (~80 s); loose because CI boxes are shared


def test_blocking_sync_call_inside_a_coroutine_does_not_deadlock(demo):
    # A lesson that calls sync httpx from a coroutine blocks its own loop; the server lives on its
    # own thread and loop, so the call still completes.
    hx = httpx_module(demo, "offline")

    async def lesson():
        return hx.get(f"{API}/posts/9").json()["id"]

    assert asyncio.run(asyncio.wait_for(lesson(), 10)) == 9


# -- lifecycle and security -------------------------------------------------------------------

def test_start_stop_are_idempotent_and_leave_nothing_behind():
    threads_before, files_before = set(threading.enumerate()), _open_files()
    server = DemoAPI(latency_scale=0)
    assert (server.running, server.base_url, server.port) == (False, None, None)
    url = server.start()
    assert server.start() == url == f"http://127.0.0.1:{server.port}" == server.base_url
    with httpx.Client() as client:
        assert client.get(url + "/users/1").status_code == 200
    server.stop()
    server.stop()
    assert (server.running, server.base_url) == (False, None)
    assert set(threading.enumerate()) == threads_before
    if files_before is not None:  # listening socket, connections, the loop's selector and self-pipe
        assert _open_files() - files_before == set()
    # and it can start again
    with server:
        assert httpx.get(server.base_url + "/todos/1").status_code == 200
    assert set(threading.enumerate()) == threads_before


def test_stop_with_requests_in_flight(caplog):
    threads_before = set(threading.enumerate())
    server = DemoAPI()
    server.start()
    failures = []
    idle = httpx.Client()
    idle.get(server.base_url + "/?latency=0")  # a kept-alive connection, idle at stop time

    def slow_request():
        try:
            httpx.get(server.base_url + "/posts/1?delay=30", timeout=60)
        except httpx.HTTPError as e:
            failures.append(e)

    client_thread = threading.Thread(target=slow_request)
    client_thread.start()
    # Until the request is in the server's hands (counted: it waits out its delay there); a
    # fixed 0.3 s was not always enough on a loaded machine.
    deadline = time.monotonic() + 10
    while server._counts.get("/posts/1") != 1 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert server._counts.get("/posts/1") == 1
    t0 = time.perf_counter()
    server.stop()
    assert time.perf_counter() - t0 < 2
    client_thread.join(5)
    idle.close()
    assert len(failures) == 1 and not client_thread.is_alive()
    assert set(threading.enumerate()) == threads_before
    assert [r.getMessage() for r in caplog.records if r.levelname == "ERROR"] == []  # a quiet shutdown


def _non_loopback_ip() -> str | None:
    # Connecting a UDP socket sends nothing; it only picks the interface a route would use.
    for probe in ("192.0.2.1", "10.255.255.255", "8.8.8.8"):
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                s.connect((probe, 9))
                ip = s.getsockname()[0]
        except OSError:
            continue
        if not ip.startswith("127.") and ip != "0.0.0.0":
            return ip
    return None


def test_server_listens_on_loopback_only(demo):
    assert demo.address[0] == "127.0.0.1"
    tcp = Path("/proc/net/tcp")
    if tcp.exists():  # the kernel's own view: 0100007F is 127.0.0.1, state 0A is LISTEN
        listening = [line.split()[1] for line in tcp.read_text().splitlines()[1:] if line.split()[3] == "0A"]
        assert f"0100007F:{demo.port:04X}" in listening
        assert f"00000000:{demo.port:04X}" not in listening


def test_server_is_unreachable_from_a_non_loopback_address(demo):
    ip = _non_loopback_ip()
    if ip is None:
        pytest.skip("this machine has no non-loopback IPv4 address")
    with pytest.raises(OSError):
        socket.create_connection((ip, demo.port), timeout=2).close()


# -- offline routing --------------------------------------------------------------------------

def test_async_client_routes_the_tutorial_host_to_the_demo_lazily():
    server = DemoAPI(latency_scale=0)
    hx = httpx_module(server, "offline")

    async def fetch_title(client, post_id):  # the seed chapter's code, verbatim
        url = f"https://jsonplaceholder.typicode.com/posts/{post_id}"
        response = await client.get(url)
        data = response.json()
        return data["title"]

    async def main():
        async with hx.AsyncClient() as client:
            assert isinstance(client, httpx.AsyncClient)
            assert not server.running  # started when a run needs it, not before
            task_1 = asyncio.create_task(fetch_title(client, 1))
            task_2 = asyncio.create_task(fetch_title(client, 2))
            titles = [await task_1, await task_2]
            r = await client.get("http://jsonplaceholder.typicode.com/comments?postId=4&latency=0")
            return titles, r

    try:
        titles, r = asyncio.run(main())
        assert server.running
        assert titles == [httpx.get(f"{server.base_url}/posts/{i}").json()["title"] for i in (1, 2)]
        assert {c["postId"] for c in r.json()} == {4} and len(r.json()) == 5  # query kept
        assert str(r.url) == "http://jsonplaceholder.typicode.com/comments?postId=4&latency=0"
    finally:
        server.stop()


def test_sync_client_and_top_level_helpers_route_to_the_demo(demo):
    hx = httpx_module(demo, "offline")
    with hx.Client() as client:
        assert isinstance(client, httpx.Client)
        assert client.get(f"{API}/users/3").json()["id"] == 3
    assert hx.get(f"{API}/todos/5").json()["id"] == 5
    assert hx.post(f"{API}/posts", json={"title": "x"}).json() == {"title": "x", "id": 101}
    assert hx.request("DELETE", f"{API}/posts/1", timeout=5).json() == {}
    with hx.stream("GET", f"{API}/posts/2") as r:
        assert json.loads(r.read())["id"] == 2
    assert hx.get(f"{API}/posts/1", params={"status": 503}).status_code == 503  # knobs pass through


def test_offline_refuses_other_hosts_without_connecting(demo):
    hx = httpx_module(demo, "offline")

    async def main():
        async with hx.AsyncClient() as client:
            with pytest.raises(httpx.ConnectError) as info:
                await client.get("https://example.com/")
            return str(info.value)

    t0 = time.perf_counter()
    assert asyncio.run(main()) == OFFLINE_MESSAGE
    with pytest.raises(hx.ConnectError, match="switch Network to Live to reach example.com"):
        with hx.Client() as client:
            client.get("https://example.com/")
    with pytest.raises(httpx.ConnectError, match="switch Network to Live to reach example.com"):
        hx.get("http://example.com/x")
    with pytest.raises(httpx.ConnectError, match="reach 192.0.2.7"):
        hx.get("http://192.0.2.7:8080/")  # a TEST-NET address: would hang, not refuse, if tried
    assert time.perf_counter() - t0 < 1.0  # no DNS lookup, no connect attempt


def test_offline_lets_loopback_through(demo):
    hx = httpx_module(demo, "offline")
    assert hx.get(demo.base_url + "/posts/4").json()["id"] == 4
    with socket.socket() as s:  # a port nobody listens on: a real connection attempt, refused
        s.bind(("127.0.0.1", 0))
        free_port = s.getsockname()[1]
    with pytest.raises(httpx.ConnectError) as info:
        hx.get(f"http://localhost:{free_port}/")
    assert "Offline mode" not in str(info.value)


def test_user_transports_and_mounts_are_honoured(demo):
    hx = httpx_module(demo, "offline")
    seen = []

    def handler(request):
        seen.append(str(request.url))
        return httpx.Response(200, json={"mocked": True})

    # An in-process transport never touches the network: it gets the request untouched.
    with hx.Client(transport=httpx.MockTransport(handler)) as client:
        assert client.get(f"{API}/posts/1").json() == {"mocked": True}
    assert seen == [f"{API}/posts/1"]
    # A network transport the lesson configured is kept, behind the offline router.
    with hx.Client(transport=httpx.HTTPTransport(retries=2)) as client:
        assert client.get(f"{API}/posts/6").json()["id"] == 6
        with pytest.raises(httpx.ConnectError, match="Offline mode"):
            client.get("https://example.com/")

    async def with_mounts():
        mounts = {"https://example.com": httpx.MockTransport(handler)}
        async with hx.AsyncClient(mounts=mounts) as client:
            mocked = (await client.get("https://example.com/a")).json()
            routed = (await client.get(f"{API}/users/2")).json()["id"]
            with pytest.raises(httpx.ConnectError, match="example.org"):
                await client.get("https://example.org/")
            return mocked, routed

    assert asyncio.run(with_mounts()) == ({"mocked": True}, 2)


def test_offline_module_is_httpx_otherwise(demo):
    hx = httpx_module(demo, "offline")
    assert hx.__name__ == "httpx" and hx.__version__ == httpx.__version__
    for name in ("Response", "Request", "Limits", "Timeout", "HTTPStatusError", "ConnectError", "URL"):
        assert getattr(hx, name) is getattr(httpx, name)
    assert hx.AsyncClient is not httpx.AsyncClient and issubclass(hx.AsyncClient, httpx.AsyncClient)
    assert repr(hx.AsyncClient) == "<class 'httpx.AsyncClient'>"
    assert set(httpx.__all__) <= set(dir(hx))
    exported = {name: getattr(hx, name) for name in hx.__all__}  # what `from httpx import *` binds
    assert exported["AsyncClient"] is hx.AsyncClient and exported["get"] is hx.get
    assert httpx_module(demo, "offline").AsyncClient is not hx.AsyncClient  # one per run


def test_live_mode_is_the_real_httpx(demo):
    hx = httpx_module(demo, "live")
    assert hx is httpx and hx.AsyncClient is httpx.AsyncClient and hx.Client is httpx.Client
    with pytest.raises(ValueError, match="offline"):
        httpx_module(demo, "sometimes")


# -- hardening: protocol errors, bad JSON, timeouts, the connection cap, loop speed -------------

def _raw(port: int, data: bytes, timeout: float = 5) -> bytes:
    """Send ``data`` on a fresh connection and read until the server closes it."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(data)
        chunks = []
        while chunk := s.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def _status(response: bytes) -> int:
    return int(response.split(b" ", 2)[1])


def _json_of(response: bytes):
    return json.loads(response.partition(b"\r\n\r\n")[2])


@pytest.mark.parametrize("request_bytes, expected", [
    (b"GET /posts/1 HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n", 400),
    (b"GET /posts/1 HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n", 400),
    (b"GET /posts/1 HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 400),
    (b"POST /posts HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400),
    (b"GET /posts/1 HTTP/1.1\r\n\r\n", 400),  # HTTP/1.1 without Host
    (b"GET /posts/1 HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 20000 + b"\r\n\r\n", 431),
    (b"POST /posts HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n\r\n", 413),
])
def test_protocol_errors_are_4xx_with_a_reason_then_close(demo, request_bytes, expected):
    data = _raw(demo.port, request_bytes)
    assert _status(data) == expected, data[:200]
    assert b"Connection: close" in data
    assert _json_of(data)["error"]
    assert _raw(demo.port, b"GET /posts/2?latency=0 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n") \
        .startswith(b"HTTP/1.1 200 ")  # and the server goes on serving


def test_pipelined_requests_are_answered_in_order(demo):
    two = (b"GET /posts/1 HTTP/1.1\r\nHost: x\r\n\r\n"
           b"GET /posts/2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    data = _raw(demo.port, two)
    assert data.count(b"HTTP/1.1 200 ") == 2
    assert data.index(b'"id": 1,') < data.index(b'"id": 2,')


def _strict_loads(text):
    def refuse(name):
        raise ValueError(name)
    return json.loads(text, parse_constant=refuse)


@pytest.mark.parametrize("body, needle", [
    (b"[" * 100_000, "nested too deeply"),                           # json.loads' RecursionError
    (b'{"a": ' + b"[" * 65 + b"]" * 65 + b"}", "nested too deeply"),  # parses, but past the limit
    (b'{"x": NaN}', "not valid JSON"),
    (b'{"x": -Infinity}', "not valid JSON"),
    (b'{"x": 1e999}', "not valid JSON"),
    (b'{"x": ' + b"9" * 5000 + b"}", "not valid JSON"),              # int() digit limit
    (b'{"x": "\xff"}', "not valid JSON"),
    (b"[1, 2]", "must be a JSON object"),
])
def test_bad_json_bodies_are_400_never_a_500(demo, http, body, needle):
    r = http.post(demo.base_url + "/posts", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 400 and needle in r.json()["error"], r.text[:300]
    _strict_loads(r.text)


def test_answers_are_strict_json(demo, http):
    nested = {"a": [[[{"b": [1.5, -0.0, 1e308, "NaN"]}]]]}
    r = http.post(demo.base_url + "/posts", json=nested)
    assert r.status_code == 201 and _strict_loads(r.text) == {**nested, "id": 101}
    for path in ("/", "/posts", "/users/3", "/posts/1?status=503", "/posts/1?latency=nan", "/x"):
        _strict_loads(http.get(demo.base_url + path).text)


def _wait_for(condition, timeout=5.0):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.01)


def test_slow_headers_and_slow_bodies_get_408_and_idle_connections_are_closed():
    with DemoAPI(latency_scale=0, head_timeout=0.3, body_timeout=0.3, idle_timeout=0.5) as server:
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as s:  # slowloris
            s.sendall(b"GET /posts/1 HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            t0 = time.monotonic()
            data = s.makefile("rb").read()
        assert _status(data) == 408 and 0.25 < time.monotonic() - t0 < 3
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as s:  # a body that never comes
            s.sendall(b"POST /posts HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"a\":")
            data = s.makefile("rb").read()
        assert _status(data) == 408 and b"Connection: close" in data
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as s:  # connect, say nothing
            assert s.recv(100) == b""
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as s:  # kept alive, then idle
            s.sendall(b"GET /posts/1 HTTP/1.1\r\nHost: x\r\n\r\n")
            reader = s.makefile("rb")
            assert reader.readline().startswith(b"HTTP/1.1 200 ")
            t0 = time.monotonic()
            rest = reader.read()  # returns when the server closes the idle connection
        assert b'"id": 1' in rest and 0.4 < time.monotonic() - t0 < 3
        assert server.timed_out == 2 and len(server._conns) == 0


def test_connection_cap_answers_503_and_lets_go():
    with DemoAPI(latency_scale=0, max_connections=3) as server:
        held = [socket.create_connection(("127.0.0.1", server.port), timeout=5) for _ in range(3)]
        try:
            for s in held:
                s.sendall(b"GET /posts/1 HTTP/1.1\r\nHost: x\r\n")  # a head still coming in
            _wait_for(lambda: len(server._conns) == 3)
            data = _raw(server.port, b"")
            assert _status(data) == 503 and "at most 3 connections" in _json_of(data)["error"]
            assert server.refused == 1 and len(server._conns) == 3
        finally:
            for s in held:
                s.close()
        _wait_for(lambda: len(server._conns) == 0)
        with httpx.Client() as client:
            assert client.get(server.base_url + "/posts/1").status_code == 200


def test_latency_is_in_the_loops_time_and_a_pause_holds_it():
    speed = [0.5]
    with DemoAPI(latency_scale=0, speed=lambda: speed[0]) as server, httpx.Client() as client:
        client.get(server.base_url + "/?latency=0")  # connect outside the measurement
        t0 = time.perf_counter()
        r = client.get(server.base_url + "/posts/1?latency=0.2")
        took = time.perf_counter() - t0
        assert _waited(r) == 0.2 and 0.4 <= took < 2.0  # 0.2 s of loop time at half speed
        speed[0] = 0.0  # paused: the request waits until the loop runs again
        result = []
        thread = threading.Thread(target=lambda: result.append(client.get(server.base_url + "/posts/1?latency=0.1")))
        thread.start()
        thread.join(0.4)
        assert thread.is_alive() and not result
        speed[0] = 1.0
        thread.join(5)
        assert not thread.is_alive() and result[0].status_code == 200
