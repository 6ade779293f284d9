"""Demo API under load: 200 concurrent requests at the default latency (0.2–0.6 s per URL).

    raw         200 raw HTTP/1.1 requests over asyncio streams, one connection each: the server alone
    httpx-1x200 one httpx.AsyncClient with max_connections=200 (the headline figure)
    httpx-4x50  four AsyncClients of 50 connections each (same 200 in flight, smaller pools)
    lesson      what a lesson gets: the offline httpx stand-in, a default AsyncClient (100-connection
                pool), URLs on https://jsonplaceholder.typicode.com

Server and clients share one process, as in the playground (the server thread competes for the GIL
with the lesson).  Each scenario runs ``--reps`` times on a fresh server; the figures are the median
wall time and the p50/p99 of all requests' latencies.  "over" is a request's latency minus the wait
the server chose for it (``X-Demo-Latency``): the cost of HTTP, the pool and the GIL.

    python bench/bench_demoapi.py [--reps 3] [--n 200] [--json OUT]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # run as `python bench/bench_demoapi.py`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx  # noqa: E402

from asyncio_playground._demoapi import DemoAPI  # noqa: E402
from asyncio_playground._offline import DEMO_HOST, httpx_module  # noqa: E402


def _path(i: int) -> str:
    return f"/posts/{i % 100 + 1}"


async def _raw_one(port: int, path: str):
    t0 = time.perf_counter()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
        data = await reader.read()
    finally:
        writer.close()
    took = time.perf_counter() - t0
    head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    waited = next(float(h.split(":")[1]) for h in head if h.lower().startswith("x-demo-latency"))
    return int(head[0].split()[1]), took, waited


async def _httpx_one(client, url: str):
    t0 = time.perf_counter()
    r = await client.get(url)
    return r.status_code, time.perf_counter() - t0, float(r.headers["x-demo-latency"])


async def scenario_raw(demo: DemoAPI, n: int):
    return await asyncio.gather(*(_raw_one(demo.port, _path(i)) for i in range(n)), return_exceptions=True)


async def _clients(base: str, n: int, clients: int, module=httpx, limits=None):
    async def batch(ids):
        kwargs = {"timeout": 60} if limits is None else {"timeout": 60, "limits": limits}
        async with module.AsyncClient(**kwargs) as client:
            return await asyncio.gather(*(_httpx_one(client, base + _path(i)) for i in ids),
                                        return_exceptions=True)

    batches = await asyncio.gather(*(batch(range(k, n, clients)) for k in range(clients)))
    return [r for b in batches for r in b]


async def scenario_httpx_1x200(demo: DemoAPI, n: int):
    return await _clients(demo.base_url, n, 1, limits=httpx.Limits(max_connections=n))


async def scenario_httpx_4x50(demo: DemoAPI, n: int):
    return await _clients(demo.base_url, n, 4, limits=httpx.Limits(max_connections=n // 4))


async def scenario_lesson(demo: DemoAPI, n: int):
    return await _clients(f"https://{DEMO_HOST}", n, 1, module=httpx_module(demo, "offline"))


SCENARIOS = {"raw": scenario_raw, "httpx-1x200": scenario_httpx_1x200,
             "httpx-4x50": scenario_httpx_4x50, "lesson": scenario_lesson}


def _pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


def run(name: str, n: int, reps: int) -> dict:
    walls, lat, over, errors = [], [], [], 0
    for _ in range(reps):
        with DemoAPI() as demo:
            t0 = time.perf_counter()
            results = asyncio.run(SCENARIOS[name](demo, n))
            walls.append(time.perf_counter() - t0)
        for r in results:
            if isinstance(r, BaseException) or r[0] != 200:
                errors += 1
                continue
            lat.append(r[1])
            over.append(r[1] - r[2])
    return {"scenario": name, "n": n, "reps": reps, "errors": errors,
            "wall_s": statistics.median(walls), "p50_s": _pct(lat, 0.5), "p99_s": _pct(lat, 0.99),
            "over_p50_s": _pct(over, 0.5), "over_p99_s": _pct(over, 0.99)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=200, help="concurrent requests (default 200)")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--scenarios", default=",".join(SCENARIOS))
    ap.add_argument("--json", help="also write the figures to this file")
    args = ap.parse_args(argv)
    rows = []
    print(f"{'scenario':12} {'errors':>6} {'wall':>7} {'p50':>7} {'p99':>7} {'over p50':>9} {'over p99':>9}")
    for name in args.scenarios.split(","):
        row = run(name, args.n, args.reps)
        rows.append(row)
        print(f"{name:12} {row['errors']:6d} {row['wall_s']:6.2f}s {row['p50_s']:6.2f}s {row['p99_s']:6.2f}s"
              f" {row['over_p50_s']:8.3f}s {row['over_p99_s']:8.3f}s", flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2))
    return 1 if any(r["errors"] for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
