"""The run-time side of resources (issue 23): the synchronisation objects a run's code makes, and
what happens to them, as records in the run's log (``ResourceCreated``, ``ResourceOp``,
``ResourceWait``: :mod:`.events`).  The fold of those records is ``_resources``.

Facts that shaped this module:

* asyncio's Lock, Semaphore, BoundedSemaphore, Event, Condition, Barrier and Queue (with
  PriorityQueue and LifoQueue) are pure Python classes, so their methods can be wrapped.  They are
  wrapped only while a run is live (``start``/``stop``, called by the run's ``_undo.Changes``;
  the first live run installs, the last to end puts the originals back): a program that makes no
  such object pays nothing, a step pays nothing, and between runs asyncio is untouched.
* What is wrapped is where the objects' state changes, and only that: the constructors (an
  object made by a run's code is numbered, named and located, ``Session.created``), ``release``,
  ``Event.set/clear``, ``Condition.notify``, ``Queue.put_nowait/get_nowait/task_done/shutdown``
  (``put``/``get`` call those), and three coroutines, ``Lock.acquire``, ``Semaphore.acquire`` and
  ``Barrier.wait`` (+ ``reset``/``abort``), whose outcome (acquired, gave up, passed, broken) is
  only known when they return: one more coroutine frame each, in the playground's folder (hidden
  from tracebacks like every frame of the engine).  A wrapper asks the object for its tracker
  (one dict lookup in its ``__dict__``) and otherwise calls the original: the playground's own
  objects, a library's made before the run, another run's, cost one lookup.
* Who waits on what is not wrapped at all: the tracer already walks a task's suspended coroutine
  chain after each step that leaves it waiting (``Tracer._waiting``, the slow path), and for a
  wait on a Lock, Event, Queue... asks ``sync_wait`` for the object (the ``self`` of the frame
  that waits) and the right word: a Barrier waits on a Condition and a Lock inside it, and
  ``Queue.join`` on an Event, so the innermost frame alone says ``condition`` or ``event``; the
  outermost asyncio method in the chain (``Barrier.wait``, ``Queue.join``, ``Condition.wait``) is
  what the program called.  A wait ends with the task's next step or end, which the log has
  already: nothing is recorded for it.
* The parts asyncio makes for itself (a Barrier's Condition and Lock, a Queue's Event, a
  Condition's own Lock, the Queue of 3.13's ``as_completed``) are not objects of the run: an
  object made directly by asyncio's own code is not tracked, and a Condition's own Lock reports
  to the Condition.  Objects that a library (httpx, anyio) makes are tracked and flagged
  ``library`` (the first frame above asyncio's and the playground's own is not the lesson's), as
  its tasks are.
* ``rop`` and ``rwait`` records are logged as plain tuples (10,000 tasks through one Semaphore
  log ~30,000 of them; as named tuples each would cost ~1 µs more and stay tracked by the
  collector: ``docs/design-facts.md``); ``events.named`` reads them by name.
"""
from __future__ import annotations

import asyncio
import itertools
import os
import reprlib
import sys
import threading
from asyncio import locks, queues

from ._current import ENGINE_DIRS, TracedTask, current_run
from .events import ResourceCreated

__all__ = ["ENABLED", "SYNC_KINDS", "Session", "start", "stop", "sync_wait"]

#: Off: runs track nothing (the benchmarks compare a run with and without it).
ENABLED = True

#: The wait kinds (``WaitKind`` words) whose object the tracer asks ``sync_wait`` about.
SYNC_KINDS = frozenset({"lock", "event", "condition", "semaphore", "queue", "barrier"})

_KEY = "_playground_resource"   # the tracker's key in a tracked object's __dict__
_ASYNCIO_DIR = os.path.dirname(asyncio.__file__) + os.sep
_Barrier = getattr(locks, "Barrier", None)
_BrokenBarrier = getattr(asyncio, "BrokenBarrierError", None)
_current_task = asyncio.tasks.current_task
_get_ident = threading.get_ident

# The kind of each class (a BoundedSemaphore is a Semaphore; PriorityQueue, LifoQueue Queues).
_KINDS = [(locks.Lock, "lock"), (locks.Semaphore, "semaphore"), (locks.Event, "event"),
          (locks.Condition, "condition"), (queues.Queue, "queue")]
if _Barrier is not None:
    _KINDS.append((_Barrier, "barrier"))


_repr = reprlib.Repr()
_repr.maxstring = _repr.maxother = 40
_repr.maxlist = _repr.maxtuple = _repr.maxdict = _repr.maxset = 4


def _short(value) -> str:
    """A queue item, elided (as the tracer's results are, shorter)."""
    cls = type(value)
    if value is None or cls is int or cls is bool or cls is float or (
            cls is str and len(value) < 40):
        return repr(value)
    try:
        return _repr.repr(value)
    except Exception:  # a lesson's __repr__ may raise; the log must not
        return f"<{cls.__name__}>"


# -- where a wait is: the tracer's slow path ------------------------------------------------------

def _code(fn):
    return getattr(fn, "__code__", None)


# The asyncio methods a task may be suspended inside, outermost wins: code -> (kind, label, op).
_CONTAINERS: dict = {}
if _Barrier is not None:
    for _name, _label, _op in (("wait", "Barrier.wait", "wait"), ("_block", "Barrier.wait", "wait"),
                               ("_wait", "Barrier.wait", "wait"),
                               ("reset", "Barrier.reset", "reset"),
                               ("abort", "Barrier.abort", "abort")):
        _c = _code(getattr(_Barrier, _name, None))
        if _c is not None:
            _CONTAINERS[_c] = ("barrier", _label, _op)
_CONTAINERS[_code(queues.Queue.join)] = ("queue", "Queue.join", "join")
_CONTAINERS[_code(locks.Condition.wait)] = ("condition", "Condition.wait", "wait")
_CONTAINERS[_code(locks.Condition.wait_for)] = ("condition", "Condition.wait_for", "wait")
# What only a container explains: the innermost frame says lock, condition or event.
_INNER_ONLY = frozenset({"lock", "condition", "event"})


def sync_wait(coro, inner, kind, detail, session):
    """A task suspended on a Lock, Event, Queue... (``kind`` from its innermost frame ``inner``):
    ``(kind, detail, obj, op)`` — the kind and label of what the program called (a Barrier's
    wait, not the Condition inside it), the object it waits on (None when nobody tracks objects
    now) and the method it waits in (acquire, wait, get, put, join)."""
    frame = None
    if kind in _INNER_ONLY:
        c = coro
        containers = _CONTAINERS
        while c is not None:
            f = getattr(c, "cr_frame", None)
            if f is None:
                f = getattr(c, "gi_frame", None)
                if f is None:
                    break
                c = c.gi_yieldfrom
            else:
                c = c.cr_await
            hit = containers.get(f.f_code)
            if hit is not None:
                kind, detail, op = hit
                frame = f
                break
    if session is None or not session.count or not session.open:
        return kind, detail, None, None
    if frame is None:
        frame = inner
        op = inner.f_code.co_name
    try:
        obj = frame.f_locals.get("self")
    except Exception:   # a frame without locals: no object
        obj = None
    return kind, detail, obj, op


# -- a run's objects -------------------------------------------------------------------------------

class _Tracker:
    """What a tracked object's ``__dict__[_KEY]`` holds: its run's session and its number."""
    __slots__ = ("session", "rid")

    def __init__(self, session, rid):
        self.session = session
        self.rid = rid


class Session:
    """One run's objects: numbers them, names them, and logs what happens to them."""

    def __init__(self, run):
        self.run = run
        self.tracer = run.tracer
        self.loop = run.loop
        self.events = run.tracer.events
        self.filename = run.tracer.filename
        self.open = True
        self.count = 0                 # objects tracked so far
        self._made = threading.Lock()  # module code and tasks may make objects at once
        self._sites = None             # (line, end, col, end col) -> _resources_source.Site
        self._site_counts: dict = {}   # site -> objects it made (``locks[i]``)
        self._names: dict = {}         # name -> times given (``lock #2``)
        self._numbers: dict = {}       # (class name, library) -> unnamed objects so far

    # -- who and when --------------------------------------------------------------------------
    def tid(self, loop=None):
        """The run's task whose step is running now (None: module code, a callback)."""
        loop = loop or self.loop
        if loop is None or _get_ident() != loop._thread_id:
            return None
        try:
            task = _current_task(loop)
        except RuntimeError:
            return None
        if task.__class__ is not TracedTask:
            return None
        tracer = getattr(task, "_tracer", None)
        if tracer is self.tracer:
            return task._tid
        if tracer is None and self.tracer is not None:
            # An eager task's first step runs inside its constructor, before the tracer gives
            # it its tid: the one it is giving now (Tracer.new_task).
            return self.tracer._next_tid - 1
        return None

    def op(self, tracker, op, value, item=None, more=None):
        """Log a ``ResourceOp`` (a plain tuple: see the module docstring)."""
        events, loop = self.events, self.loop
        if events is not None and loop is not None:   # (None: the run ended meanwhile)
            events.append(("rop", tracker.rid, loop.time(), self.tid(loop), op, value, item,
                           more))

    def waited(self, obj, task, t, op, filename, lineno):
        """The tracer saw ``task`` suspended on ``obj`` (``sync_wait``): a ``ResourceWait``."""
        if not self.open:
            return
        try:
            tracker = obj.__dict__.get(_KEY)
        except AttributeError:
            return
        events = self.events
        if tracker is not None and tracker.session is self and events is not None:
            events.append(("rwait", tracker.rid, t, task._tid, op, filename, lineno))

    # -- made ---------------------------------------------------------------------------------
    def created(self, obj, kind, caller):
        """``obj`` was made, its constructor called from the frame ``caller``."""
        # Up the super().__init__ chain of a subclass: frames of __init__ whose self is obj.
        f = caller
        while f is not None and f.f_code.co_name == "__init__":
            try:
                if f.f_locals.get("self") is not obj:
                    break
            except Exception:
                break
            f = f.f_back
        if f is None:
            return
        direct = f.f_code.co_filename
        if direct.startswith(_ASYNCIO_DIR) or direct.startswith(ENGINE_DIRS):
            return   # a part asyncio makes for itself (a Barrier's Condition...), or ours
        filename = self.filename
        lesson = f
        while lesson is not None:
            name = lesson.f_code.co_filename
            if name == filename:
                break
            if not (name.startswith(_ASYNCIO_DIR) or name.startswith(ENGINE_DIRS)
                    or name.startswith("<")):
                lesson = None   # a library's frame before any of the lesson's
                break
            lesson = lesson.f_back
        library = lesson is None
        with self._made:
            if self.open:
                self._made_here(obj, kind, f if library else lesson, library, lesson is f)

    def _made_here(self, obj, kind, where, library, direct):
        cls = type(obj).__name__
        name = self._site_name(where, direct) if not library else None
        if name is None:
            key = (cls, library)
            n = self._numbers[key] = self._numbers.get(key, 0) + 1
            name = f"{cls} #{n}" if not library else f"{cls} #{n} (library)"
        else:
            seen = self._names[name] = self._names.get(name, 0) + 1
            if seen > 1:
                name = f"{name} #{seen}"
        self.count += 1
        rid = self.count
        tracker = _Tracker(self, rid)
        obj.__dict__[_KEY] = tracker
        capacity = lock = None
        if kind == "semaphore":
            capacity = getattr(obj, "_bound_value", None)
            if capacity is None:
                capacity = obj._value
        elif kind == "queue":
            capacity = obj._maxsize
        elif kind == "barrier":
            capacity = obj._parties
        elif kind == "condition":
            inner = getattr(obj, "_lock", None)
            if inner is not None:
                held = inner.__dict__.get(_KEY)
                if held is not None and held.session is self:
                    lock = held.rid            # the program's own Lock, tracked on its own
                else:
                    inner.__dict__[_KEY] = tracker   # the Condition's Lock reports to it
        self.tracer.events.append(ResourceCreated(
            "resource", rid, self.loop.time(), kind, cls, name, where.f_code.co_filename,
            where.f_lineno, self.tid(), capacity, lock, library))

    def _site_name(self, frame, direct) -> str | None:
        """The name the lesson's line gives the object its frame is making (None: none)."""
        if not direct:
            return None
        if self._sites is None:
            from ._resources_source import call_names
            source = getattr(self.run, "source", None)
            self._sites = call_names(source, self.filename) if source else {}
        if not self._sites:
            return None
        try:
            pos = next(itertools.islice(frame.f_code.co_positions(), frame.f_lasti // 2, None))
        except (StopIteration, ValueError, AttributeError):
            return None
        site = self._sites.get(pos)
        if site is None:
            return None
        if not site.indexed:
            return site.text
        i = self._site_counts[pos] = self._site_counts.get(pos, -1) + 1
        return f"{site.text}[{i}]"


def _tracked(obj):
    tracker = obj.__dict__.get(_KEY)
    if tracker is not None and tracker.session.open:
        return tracker
    return None


# -- the wrappers ----------------------------------------------------------------------------------

def _kind_of(obj):
    for cls, kind in _KINDS:
        if isinstance(obj, cls):
            return kind
    return None


def _init(orig):
    def __init__(self, *args, **kwargs):
        orig(self, *args, **kwargs)
        if _KEY in self.__dict__:
            return
        run = current_run.get()
        session = getattr(getattr(run, "tracer", None), "resources", None)
        if session is not None and session.open:
            kind = _kind_of(self)
            if kind is not None:
                try:
                    session.created(self, kind, sys._getframe(1))
                except Exception:   # (a frame we could not read): the object goes untracked
                    pass
    return __init__


def _lock_value(self):
    return 1 if self._locked else 0


def _acquire(orig, value):
    async def acquire(self):
        tracker = _tracked(self)
        if tracker is None:
            return await orig(self)
        try:
            result = await orig(self)
        except BaseException:   # CancelledError: it gave up waiting
            if tracker.session.open:
                tracker.session.op(tracker, "cancelled", value(self))
            raise
        if tracker.session.open:
            tracker.session.op(tracker, "acquire", value(self))
        return result
    return acquire


def _release(orig, value):
    def release(self):
        orig(self)
        tracker = _tracked(self)
        if tracker is not None:
            tracker.session.op(tracker, "release", value(self))
    return release


def _event_op(orig, op):
    def method(self):
        orig(self)
        tracker = _tracked(self)
        if tracker is not None:
            tracker.session.op(tracker, op, 1 if self._value else 0)
    return method


def _notify(orig):
    def notify(self, n=1):
        tracker = _tracked(self)
        if tracker is None:
            return orig(self, n)
        pending = sum(1 for fut in self._waiters if not fut.done())
        orig(self, n)
        tracker.session.op(tracker, "notify", _lock_value(self._lock), None, min(n, pending))
    return notify


def _put_nowait(orig):
    def put_nowait(self, item):
        orig(self, item)
        tracker = _tracked(self)
        if tracker is not None:
            tracker.session.op(tracker, "put", self.qsize(), _short(item), self._unfinished_tasks)
    return put_nowait


def _get_nowait(orig):
    def get_nowait(self):
        item = orig(self)
        tracker = _tracked(self)
        if tracker is not None:
            tracker.session.op(tracker, "get", self.qsize(), _short(item), self._unfinished_tasks)
        return item
    return get_nowait


def _task_done(orig):
    def task_done(self):
        orig(self)
        tracker = _tracked(self)
        if tracker is not None:
            tracker.session.op(tracker, "task_done", self.qsize(), None, self._unfinished_tasks)
    return task_done


def _shutdown(orig):
    def shutdown(self, immediate=False):
        orig(self, immediate)
        tracker = _tracked(self)
        if tracker is not None:
            tracker.session.op(tracker, "shutdown", self.qsize(), None, self._unfinished_tasks)
    return shutdown


def _barrier_state(self) -> str:
    state = self._state
    return getattr(state, "value", str(state))


def _barrier_wait(orig):
    async def wait(self):
        tracker = _tracked(self)
        if tracker is None:
            return await orig(self)
        try:
            index = await orig(self)
        except BaseException as exc:
            if tracker.session.open:
                op = ("broken" if _BrokenBarrier is not None and isinstance(exc, _BrokenBarrier)
                      else "cancelled")
                tracker.session.op(tracker, op, self._count, None, _barrier_state(self))
            raise
        if tracker.session.open:
            tracker.session.op(tracker, "pass", self._count, None, _barrier_state(self))
        return index
    return wait


def _barrier_call(orig, op):
    async def method(self):
        tracker = _tracked(self)
        result = await orig(self)
        if tracker is not None and tracker.session.open:
            tracker.session.op(tracker, op, self._count, None, _barrier_state(self))
        return result
    return method


def _wrappers() -> list:
    """(class, attribute, wrapper) for every method wrapped while a run is live."""
    Lock, Semaphore, Event, Condition, Queue = (locks.Lock, locks.Semaphore, locks.Event,
                                                locks.Condition, queues.Queue)
    sem_value = lambda self: self._value   # noqa: E731
    out = [
        (Lock, "__init__", _init(Lock.__init__)),
        (Lock, "acquire", _acquire(Lock.acquire, _lock_value)),
        (Lock, "release", _release(Lock.release, _lock_value)),
        (Semaphore, "__init__", _init(Semaphore.__init__)),
        (Semaphore, "acquire", _acquire(Semaphore.acquire, sem_value)),
        (Semaphore, "release", _release(Semaphore.release, sem_value)),
        (Event, "__init__", _init(Event.__init__)),
        (Event, "set", _event_op(Event.set, "set")),
        (Event, "clear", _event_op(Event.clear, "clear")),
        (Condition, "__init__", _init(Condition.__init__)),
        (Condition, "notify", _notify(Condition.notify)),
        (Queue, "__init__", _init(Queue.__init__)),
        (Queue, "put_nowait", _put_nowait(Queue.put_nowait)),
        (Queue, "get_nowait", _get_nowait(Queue.get_nowait)),
        (Queue, "task_done", _task_done(Queue.task_done)),
    ]
    if hasattr(Queue, "shutdown"):   # 3.13+
        out.append((Queue, "shutdown", _shutdown(Queue.shutdown)))
    if _Barrier is not None:
        out += [(_Barrier, "__init__", _init(_Barrier.__init__)),
                (_Barrier, "wait", _barrier_wait(_Barrier.wait)),
                (_Barrier, "reset", _barrier_call(_Barrier.reset, "reset")),
                (_Barrier, "abort", _barrier_call(_Barrier.abort, "abort"))]
    for cls, attr, wrapper in out:
        orig = cls.__dict__[attr]
        for field in ("__name__", "__qualname__", "__doc__", "__module__"):
            setattr(wrapper, field, getattr(orig, field))
        wrapper.__wrapped__ = orig
    return out


_lock = threading.Lock()
_live = 0
_originals: list = []   # (class, attribute, original) while installed


def start(run) -> Session | None:
    """A run starts: its ``Session`` (``run.tracer.resources``); the first live run installs the
    wrappers.  None (nothing tracked) when ``ENABLED`` is off."""
    global _live
    if not ENABLED:
        return None
    session = Session(run)
    run.tracer.resources = session
    with _lock:
        _live += 1
        if _live == 1:
            for cls, attr, wrapper in _wrappers():
                _originals.append((cls, attr, cls.__dict__[attr]))
                setattr(cls, attr, wrapper)
    return session


def stop(session: Session | None) -> None:
    """The run ended: its objects are no longer tracked; the last live run puts asyncio back."""
    global _live
    if session is None or not session.open:
        return
    with session._made:
        session.open = False
        # What the run's objects keep (their trackers, which outlive the run in a library's
        # cache, say) must not keep the run and its log alive.
        if session.tracer is not None and session.tracer.resources is session:
            session.tracer.resources = None
        session.run = session.tracer = session.loop = session.events = None
        session._sites = None
    with _lock:
        _live -= 1
        if _live == 0:
            while _originals:
                cls, attr, orig = _originals.pop()
                setattr(cls, attr, orig)


def installed() -> bool:
    """Whether asyncio's classes are wrapped now (a run is live)."""
    return bool(_originals)
