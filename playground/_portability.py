"""Which of the playground's guards work on this system.  Tested: Linux (CI and development).

The guards that end a runaway lesson lean on calls some systems lack; where one is missing the
guard is off (or weaker) there, never broken.  ``guards_off()`` names them in words, for the
window and ``asyncio-playground --version``; the README has the same list by system.
"""
from __future__ import annotations

import os
import signal
import sys

__all__ = ["guards_off"]


def guards_off() -> list[str]:
    """What does not work here, one sentence each ([] on Linux)."""
    from ._memory import rss
    off = []
    if rss() is None:
        off.append("the memory limit is off: it reads the process's resident size from "
                   "/proc/self/statm (Linux)")
    if getattr(signal, "pthread_kill", None) is None or getattr(signal, "SIGUSR2", None) is None:
        off.append("the block limit interrupts pure-Python loops only, after a blocking call "
                   "such as time.sleep() in a task returns: interrupting the call itself needs "
                   "signal.pthread_kill and SIGUSR2 (POSIX)")
    if os.name != "posix":
        off.append("Stop and --timeout cannot interrupt input() waiting for the terminal in "
                   "module code: the interruptible read polls stdin with select() (POSIX)")
    if getattr(os, "waitid", None) is None and os.name != "nt":
        off.append("subprocesses a run started through asyncio are ended on a timer, without "
                   "asking first whether they exited: that check uses os.waitid")
    if sys.platform != "linux":
        off.append(f"this system ({sys.platform}) is not tested: the suite runs on Linux")
    return off
