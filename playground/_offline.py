"""Offline routing for httpx: tutorial URLs reach the demo API, nothing else leaves the machine.

The runner hands a lesson ``httpx_module(demo, network)`` for its ``import httpx``.  In ``"live"`` mode
that is the real httpx.  In ``"offline"`` mode (the default) it is a stand-in module that is the real
httpx except for ``Client``, ``AsyncClient`` and the top-level helpers (``httpx.get`` … ``httpx.stream``),
whose transports are wrapped so that

* ``jsonplaceholder.typicode.com`` (http or https, any path and query) goes to the demo server,
  started on first use;
* loopback hosts (127.0.0.0/8, ::1, localhost) go where they say;
* every other host fails at once with ``httpx.ConnectError`` - no connection is opened.

    httpx = httpx_module(demo, "offline")
    async with httpx.AsyncClient() as client:     # still an instance of the real httpx.AsyncClient
        r = await client.get("https://jsonplaceholder.typicode.com/posts/1")
"""
from __future__ import annotations

import contextlib
import importlib
import ipaddress
import types

import httpx

from ._demoapi import DemoAPI

__all__ = ["DEMO_HOST", "NETWORK_MODES", "httpx_module"]

DEMO_HOST = "jsonplaceholder.typicode.com"
NETWORK_MODES = ("offline", "live")

# Transports that answer in-process and never touch the network: a lesson that passes one of these
# (to mock, or to call an ASGI app) gets it untouched, with its original URLs.
_IN_PROCESS = (httpx.MockTransport, httpx.ASGITransport, httpx.WSGITransport)

# Arguments of httpx.request()/stream() that configure the throwaway Client rather than the request.
_CLIENT_ARGS = ("cookies", "proxy", "proxies", "verify", "cert", "timeout", "trust_env")


def _is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class _Router:
    """Decides, per request, what an offline client may do: rewrite, pass through, or refuse."""

    def __init__(self, demo: DemoAPI):
        self.demo = demo

    def route(self, request: httpx.Request) -> httpx.Request:
        host = request.url.host
        if host == DEMO_HOST:  # httpx lower-cases hosts
            # start() is idempotent and takes a few ms the first time; it runs on the caller's
            # thread (even inside a coroutine) because the demo server lives on its own thread.
            try:
                self.demo.start()
            except RuntimeError as e:
                raise httpx.ConnectError(str(e), request=request) from e
            url = request.url.copy_with(scheme="http", host="127.0.0.1", port=self.demo.port)
            # A new Request, so the lesson's own request (and response.request / response.url,
            # which httpx sets to it) still says jsonplaceholder.typicode.com.
            return httpx.Request(request.method, url, headers=request.headers,
                                 stream=request.stream, extensions=request.extensions)
        if _is_loopback(host):
            return request
        raise httpx.ConnectError(
            f"Offline mode: the playground only reaches its demo API ({DEMO_HOST}) and 127.0.0.1; "
            f"switch Network to Live to reach {host}", request=request)


class _OfflineTransport(httpx.BaseTransport):
    def __init__(self, inner: httpx.BaseTransport, router: _Router):
        self._inner, self._router = inner, router

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self._inner.handle_request(self._router.route(request))

    def close(self) -> None:
        self._inner.close()

    def __enter__(self):
        self._inner.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self._inner.__exit__(*exc)


class _OfflineAsyncTransport(httpx.AsyncBaseTransport):
    def __init__(self, inner: httpx.AsyncBaseTransport, router: _Router):
        self._inner, self._router = inner, router

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self._inner.handle_async_request(self._router.route(request))

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def __aenter__(self):
        await self._inner.__aenter__()
        return self

    async def __aexit__(self, *exc) -> None:
        await self._inner.__aexit__(*exc)


_ssl_context = None


def _shared_ssl_context():
    # httpx builds a fresh SSL context (loading certifi's bundle) for every client: ~0.1 s of blocked
    # loop per `httpx.AsyncClient()`, which a lesson's timeline would show as its own fault.  One
    # verifying context, shared (SSLContext is safe to share), pays that once per process.
    global _ssl_context
    if _ssl_context is None:
        _ssl_context = httpx.create_ssl_context()
    return _ssl_context


def _offline_kwargs(kwargs: dict) -> dict:
    # Offline, only loopback is reachable, so environment proxies can only swallow demo requests and
    # .netrc/SSL_CERT_FILE have nothing to act on: default trust_env to False.  An explicit proxy is
    # dropped for the same reason - reaching it would mean the network this mode forbids.
    kwargs.setdefault("trust_env", False)
    if "verify" not in kwargs and "cert" not in kwargs:
        kwargs["verify"] = _shared_ssl_context()
    kwargs.pop("proxy", None)
    kwargs.pop("proxies", None)
    return kwargs


def _guard(client, wrapper, router: _Router) -> None:
    # Wrap the transport httpx built (or the user's transport=) and every mount, so whichever one
    # httpx picks for a URL goes through the router first.  _transport/_mounts are private, but
    # they are the only place httpx keeps the per-URL choice (stable since httpx 0.18).
    def wrap(t):
        return t if t is None or isinstance(t, _IN_PROCESS) else wrapper(t, router)

    client._transport = wrap(client._transport)
    client._mounts = {pattern: wrap(t) for pattern, t in client._mounts.items()}


def _client_classes(router: _Router):
    class Client(httpx.Client):
        __doc__ = httpx.Client.__doc__

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **_offline_kwargs(kwargs))
            _guard(self, _OfflineTransport, router)

    class AsyncClient(httpx.AsyncClient):
        __doc__ = httpx.AsyncClient.__doc__

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **_offline_kwargs(kwargs))
            _guard(self, _OfflineAsyncTransport, router)

    # Tracebacks, reprs and the tracer's coroutine names should read like httpx's own.
    for cls in (Client, AsyncClient):
        cls.__module__ = "httpx"
        cls.__qualname__ = cls.__name__
    return Client, AsyncClient


def _helpers(Client):
    """httpx.request/get/…/stream, re-made on top of the offline Client (httpx's own use its global)."""

    def split(kwargs):
        return {k: kwargs.pop(k) for k in _CLIENT_ARGS if k in kwargs}, kwargs

    def request(method, url, **kwargs):
        client_kwargs, kwargs = split(kwargs)
        with Client(**client_kwargs) as client:
            return client.request(method, url, **kwargs)

    @contextlib.contextmanager
    def stream(method, url, **kwargs):
        client_kwargs, kwargs = split(kwargs)
        with Client(**client_kwargs) as client:
            with client.stream(method, url, **kwargs) as response:
                yield response

    def verb(method):
        def helper(url, **kwargs):
            return request(method, url, **kwargs)
        return helper

    helpers = {"request": request, "stream": stream}
    helpers.update({name: verb(name.upper())
                    for name in ("get", "options", "head", "post", "put", "patch", "delete")})
    for name, fn in helpers.items():
        fn.__name__ = fn.__qualname__ = name
        fn.__module__ = "httpx"
        fn.__doc__ = getattr(httpx, name).__doc__
    return helpers


def _warm_up(ssl_context: bool = True) -> None:
    # Pay httpx's one-off costs here, on the thread running the lesson's `import httpx`, rather than
    # on the loop inside the lesson's first `AsyncClient()` / first request: the CA bundle, httpcore
    # (imported when the first transport is built) and anyio's asyncio backend (imported by the first
    # request).  ~0.3 s in a fresh process that the timeline would show as the lesson blocking.
    if ssl_context:
        _shared_ssl_context()
    for name in ("httpcore", "anyio._backends._asyncio"):
        with contextlib.suppress(ImportError):
            importlib.import_module(name)


def httpx_module(demo: DemoAPI, network: str) -> types.ModuleType:
    """The module a lesson gets for ``import httpx`` under the given Network mode."""
    if network == "live":
        _warm_up(ssl_context=False)  # the real classes build their own contexts
        return httpx
    if network != "offline":
        raise ValueError(f"network must be one of {NETWORK_MODES}, got {network!r}")
    module = types.ModuleType("httpx", httpx.__doc__)
    # Everything else is the real httpx object (exceptions, Response, Limits…), so `except
    # httpx.ConnectError` and isinstance checks agree between the lesson and the library.
    skip = {"__name__", "__doc__", "__spec__", "__loader__", "__path__", "__builtins__", "__cached__"}
    module.__dict__.update({k: v for k, v in vars(httpx).items() if k not in skip})
    _warm_up()
    router = _Router(demo)
    module.Client, module.AsyncClient = _client_classes(router)
    module.__dict__.update(_helpers(module.Client))
    # PEP 562: anything httpx resolves lazily, or adds after this copy, still resolves.
    module.__getattr__ = lambda name: getattr(httpx, name)
    return module
