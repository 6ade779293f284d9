"""The process-wide audit hook: the offline guard and the subprocesses a run starts.

An audit hook sees every ``socket.connect`` in the process, whatever library makes it (httpx,
``asyncio.open_connection``, urllib in a thread): code of an offline run may reach only loopback
addresses.  This is a guard that keeps lessons off the internet, not a sandbox: the lesson's code
runs in the playground's process with the user's rights (docs/engine-api.md, "What a lesson's code
can do").  The hook also sees every ``subprocess.Popen`` (asyncio's subprocesses included): the
run keeps them, to end them with the run.
"""
from __future__ import annotations

import ipaddress
import socket
import sys

from ._current import current_run

__all__ = ["install_audit_hook"]


def _is_loopback(host) -> bool:
    if not isinstance(host, str):
        return True  # AF_UNIX paths and the like never leave the machine
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.split("%", 1)[0]).is_loopback
    except ValueError:
        return False


def _offline_guard(event, args):
    # An audit hook sees every socket.connect in the process, whatever library makes it (httpx,
    # asyncio.open_connection, urllib in a thread).  Only code of an offline run is refused.
    # It also sees every subprocess.Popen (asyncio's subprocesses included): the run notes them,
    # to end them with the run.
    if event == "subprocess.Popen":
        _note_popen()
        return
    if event != "socket.connect":
        return
    run = current_run.get()
    if run is None or run.network != "offline":
        return
    sock, address = args[0], args[1]
    if getattr(sock, "family", None) == getattr(socket, "AF_UNIX", object()):
        return   # a Unix socket (multiprocessing's forkserver, say) never leaves the machine
    host = address[0] if isinstance(address, tuple) else address
    if not _is_loopback(host):
        raise ConnectionRefusedError(
            f"Offline mode: lessons reach only the demo API and 127.0.0.1, not {host}; "
            "switch Network to Live to go to the internet")


def _note_popen():
    run = current_run.get()
    if run is None:
        return
    # The event is raised from Popen._execute_child(self, ...), before the child exists: keep the
    # Popen object itself (its pid and returncode come later).
    frame = sys._getframe(2)
    while frame is not None and frame.f_code.co_name != "_execute_child":
        frame = frame.f_back
    popen = frame.f_locals.get("self") if frame is not None else None
    if popen is not None:
        # asyncio reaps its own children (its child watcher): the run must not reap them too.
        by_asyncio = False
        while frame is not None and not by_asyncio:
            by_asyncio = frame.f_code.co_filename.endswith(("base_subprocess.py", "unix_events.py"))
            frame = frame.f_back
        popen._playground_by_asyncio = by_asyncio
        run._popens.append(popen)


_guard_installed = False


def install_audit_hook():
    global _guard_installed
    if not _guard_installed:
        sys.addaudithook(_offline_guard)   # audit hooks cannot be removed: install once
        _guard_installed = True
