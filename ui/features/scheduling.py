"""You are the scheduler (issue 24), in the window: Step back, the clock's move, the run's schedule,
and the challenges' "Show me".

* **Step back** (Shift+F10, Run → Step back, the button beside Step): the run on screen, paused,
  is run again from its start with the same source and the same choices -- its schedule less the
  last one -- on a ``Scheduler`` that holds it paused there (``hold=True``), and replaces the
  run on screen: table, timeline, editor line, console and Loop tab show that step.  Stepping on
  from there and choosing differently is a branch: the old future is gone.  It is exact only for
  a run that took no outside input and was stepped from its first step: ``why_not()`` says why
  not otherwise (the action's tooltip and the status bar: "it reads the wall clock
  (time.time) at line 9").
* **Advance the clock** (the Loop tab's button, Run → Advance the clock): ``loop.advance_clock()``
  while paused, recorded in the run's schedule.
* **Save schedule…** (File): the run's schedule as JSON (``run FILE --schedule`` replays it).
* **Show me a schedule that wins** (a challenge's lesson panel): a fresh run of the lesson on its
  winning schedule, one choice every ``PACE`` seconds, then on to its end.

Facts that shaped this module:

* A replay takes ~0.1 ms of the loop per step, but the window's clock listeners (the time bar's
  "Next:" and the Loop tab's refresh, ~1 ms each) would run after every step: while a replay
  runs they are set aside, and called once when it is there.
* The old run must be over before the new one starts, or its unwinding steps would run among
  the new run's (the loop is paused for the replay): it is stopped with the loop running, and
  the new run starts once it is done (a few ms).
* A schedule records only what was chosen while paused: a run that ran on its own for a while
  (Resume, or Run on a running loop) cannot be replayed to a step; nor one whose tasks were
  cancelled by hand, or whose cancel points changed under it.
"""
from __future__ import annotations

import json
import time
import weakref
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QFileDialog, QStyle

from .. import lazy_module
from . import Feature
from .runs import make_action

schedule = lazy_module("asyncio_playground.schedule")
lessons = lazy_module("asyncio_playground.lessons")

#: Wall seconds between two choices of a winning schedule played for the learner ("Show me").
PACE = 0.45
#: How long a replay waits for the old run to unwind before starting anyway (its escalation ends
#: it within GRACE, 1 s).
_OLD_RUN_WAIT = 3.0
STEP_BACK_TIP = ("Step back: take the last step back — the run is replayed from its start with "
                 "the same choices and held at the step before; choose again from there")


@dataclass(eq=False)
class _Track:
    """What the window saw of one run that a replay has to know."""
    from_start: bool                  # the loop was paused when it started: every step recorded
    ran_free: bool = False            # it ran on its own while live (Resume): steps unrecorded
    tainted: str | None = None        # why else it cannot be replayed (a cancel by hand...)
    obstacles: list | None = None     # replay_obstacles(its source), once asked
    cursor: int = 0                   # events scanned for cancels by hand


@dataclass(eq=False)
class _Replay:
    """A replay under way: the run it replaces, the schedule, and what to do once there."""
    kind: str                         # "back" or "play"
    schedule: list
    path: str
    source: str | None
    network: str
    block_limit: float | None
    cancel_points: set
    selected: str | None = None       # the selected task's name, selected again once there
    said: str = ""                    # said in the console once the new run has started
    was_paused: bool = True           # the loop's pause state before (a "play" leaves it so)
    more: int = 0                     # Step back pressed again meanwhile
    hushed: list = field(default_factory=list)
    scheduler: object = None
    started: float = 0.0
    waited: float = 0.0


class SchedulingFeature(Feature):
    """See the module docstring.

    Attributes:
        act_step_back, act_advance, act_save_schedule: the actions (Run and File menus; Step
            back also beside Step on the time bar).
        scheduler: the ``Scheduler`` of the replay under way (None when none is).
        last_back_ms: how long the last Step back took, from the key to the run held there with
            the views showing it (what ``bench/step_back.py`` reads).
    """

    def __init__(self, window, loop, desk, runs, *, console, banner, editor, text_of,
                 loop_panel=lambda: None, selected_name=lambda: None,
                 select_name=lambda name: None) -> None:
        """``loop_panel()``: the Loop tab's panel once built; ``selected_name()`` the selected
        task's name, ``select_name(name)`` selects one (a Step back keeps the selection)."""
        super().__init__(window)
        self.window, self.loop, self.desk, self.runs = window, loop, desk, runs
        self.controller = runs.controller
        self.console, self.banner, self.editor, self._text_of = console, banner, editor, text_of
        self.loop_panel, self._selected_name, self._select_name = loop_panel, selected_name, select_name
        self._tracks: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self._replay: _Replay | None = None
        self.last_back_ms: float | None = None
        sp = QStyle.StandardPixmap
        self.act_step_back = make_action(window, "Step back", self.step_back, ("Shift+F10",),
                                         STEP_BACK_TIP, sp.SP_MediaSeekBackward, enabled=False)
        self.act_step_back.setData("Step back (replay the run to the step before)")
        self.act_advance = make_action(
            window, "Advance the clock", self.advance, (),
            "Move the loop's clock on to the next timer now, as if the step just taken had been "
            "slow (the Loop tab's button): recorded in the run's schedule", enabled=False)
        self.act_save_schedule = make_action(
            window, "Save schedule…", self.save_schedule_dialog, (),
            "Save the run's schedule — the step chosen at each point while paused — as JSON: "
            "asyncio-playground run FILE --schedule SCHEDULE.json runs it again")
        loop.clock_listeners.append(self._clock_changed)
        runs.runStarted.connect(self._run_started)
        runs.shownChanged.connect(lambda _shown: self.update())
        runs.finishedOnScreen.connect(lambda _outcome: self.update())
        self.update()

    def close_feature(self) -> None:
        try:
            self.loop.clock_listeners.remove(self._clock_changed)
        except ValueError:
            pass

    # == what the window tells us =====================================================================
    def busy(self) -> bool:
        """A replay (Step back, Show me) is under way."""
        return self._replay is not None

    @property
    def scheduler(self):
        return self._replay.scheduler if self._replay is not None else None

    def _run_started(self, run) -> None:
        book_points = len(schedule.schedule_of(run))
        self._tracks[run] = _Track(from_start=self.loop.paused and not book_points)
        self.update()

    def cancel_points_changed(self, _points=None) -> None:
        """The shown file's cancel points changed: a live run of it that has taken steps follows
        them from now on, which a replay from its start would not."""
        run = self.controller.run
        track = self._tracks.get(run) if run is not None else None
        if track is not None and not run.done and schedule.schedule_of(run):
            track.tainted = "its cancel points changed while it ran"
        self.update()

    def _clock_changed(self) -> None:
        run = self.controller.run
        if run is not None and not run.done and not self.loop.paused and self._replay is None:
            track = self._tracks.get(run)
            if track is not None:
                track.ran_free = True
        self.update()

    # == why Step back can or cannot ==================================================================
    def why_not(self) -> str | None:
        """Why Step back cannot take the run on screen back a step now (None: it can)."""
        if self._replay is not None:
            return "a replay is under way"
        shown = self.runs.shown
        if shown is None:
            return "no run of this lesson yet"
        run = shown.run
        if run is not self.controller.run or not self.runs.live_on_screen() or \
                not hasattr(run, "stop"):
            return "this run is a record (a saved or earlier run): run the lesson to step it"
        if not run.done and not self.loop.paused:
            return "the run is running: pause it (F8) first"
        track = self._tracks.get(run)
        if track is None or not track.from_start:
            return ("it ran before it was paused: Step back replays a run stepped from its first "
                    "step (Pause, F8, then Run)")
        if track.ran_free:
            return ("it ran on its own for a while (Resume): only steps taken while paused can be "
                    "replayed")
        if track.obstacles is None:
            track.obstacles = schedule.replay_obstacles(run.source or "")
        if track.obstacles:
            line, what = track.obstacles[0]
            more = len(track.obstacles) - 1
            return f"it {what} at line {line}" + (f" (and {more} more place{'s' * (more > 1)})"
                                                  if more else "") + ": a replay would differ"
        if track.tainted is None:
            track.tainted = self._hand_cancel(run, track)
        if track.tainted:
            return track.tainted
        if not schedule.schedule_of(run):
            return "no step taken yet: nothing to take back"
        return None

    def _hand_cancel(self, run, track) -> str | None:
        """A cancel clicked by hand in ``run``'s log since the last look (None: none)."""
        events = run.tracer.events
        n = len(events)
        for i in range(track.cursor, n):
            ev = events[i]
            if ev[0] == "cancel" and ev[5] == "button" and not str(ev[6] or "").startswith(
                    "cancel point"):
                row = self.runs.table.by_tid.get(ev[1]) if self.runs.table is not None else None
                who = f"'{row.name}'" if row is not None else "a task"
                return f"you cancelled {who} by hand, which a replay cannot repeat"
        track.cursor = n
        return None

    def update(self) -> None:
        """The actions' state, and the Loop tab's list of the run's schedule."""
        why = self.why_not()
        act = self.act_step_back
        act.setEnabled(why is None)
        keys = act.shortcuts()[0].toString() if act.shortcuts() else ""
        tip = STEP_BACK_TIP if why is None else f"Step back is off: {why}"
        act.setToolTip(f"{tip} ({keys})" if keys else tip)
        act.setStatusTip(tip)
        run = self.controller.run
        live = run is not None and not run.done and self.runs.live_on_screen()
        self.act_advance.setEnabled(live and self.loop.paused and self._replay is None)
        panel = self.loop_panel()
        if panel is not None:
            shown = self.runs.shown
            panel.set_schedule(self._schedule_of(shown.run) if shown is not None else [])

    @staticmethod
    def _schedule_of(run) -> list:
        try:
            return schedule.schedule_of(run)
        except TypeError:       # a record with no schedule
            return []

    # == Step back ====================================================================================
    def step_back(self) -> bool:
        """Take the last step back (see the module docstring).  Returns False (the status bar
        says why) when it cannot; the replay itself finishes a few frames later."""
        if self._replay is not None and self._replay.kind == "back":
            self._replay.more += 1          # pressed again before it got there: one more back
            return True
        why = self.why_not()
        if why is not None:
            self.status.emit(f"Step back is off: {why}", 8000)
            self.update()
            return False
        run = self.runs.shown.run
        taken = schedule.schedule_of(run)
        self._start(_Replay("back", taken[:-1], run.path, run.source, str(run.network),
                            run.tracer.block_limit,
                            {line for _path, line in run.tracer.cancel_points},
                            selected=self._selected_name()))
        return True

    def play_winning(self) -> bool:
        """The shown challenge's winning schedule, played in a fresh run of the editor's code,
        one choice at a time (then on to the run's end)."""
        ws = self.desk.current
        if ws is None or self._replay is not None:
            return False
        from ..lesson_panel import challenge_of
        found = challenge_of(ws.lesson)
        if found is None:
            return False
        challenge, fixed = found
        try:
            winning = lessons.winning_schedule(challenge)
        except ValueError as exc:
            self.notice.emit(f"The challenge's winning schedule is not one: {exc}", "error")
            return False
        said = (("Trying the challenge's winning schedule on the fix: " if fixed
                 else "A schedule that wins: ")
                + ", ".join(schedule.choice_words(c) for c in winning)
                + " — then asyncio's order to the end.")
        self._start(_Replay("play", winning, ws.path, self._text_of(), str(self.runs.network()),
                            self.runs.block_limit.value(), set(ws.cancel_points), said=said))
        return True

    def _start(self, replay: _Replay) -> None:
        self._replay = replay
        replay.started = time.perf_counter()
        replay.was_paused = self.loop.paused
        self.update()
        self.runs.refresher.stop()      # the views keep the old run until the new one is there
        live = self.controller.live_runs()
        if live:
            self.loop.resume()          # stopping means unwinding: the loop runs meanwhile
            for run in live:
                run.stop()
        self._when_old_runs_done(time.monotonic() + _OLD_RUN_WAIT)

    def _when_old_runs_done(self, deadline: float) -> None:
        if self.controller.live_runs() and time.monotonic() < deadline:
            QTimer.singleShot(1, lambda: self._when_old_runs_done(deadline))
            return
        self._replay.waited = time.perf_counter() - self._replay.started
        self._start_new_run()

    def _start_new_run(self) -> None:
        replay, loop, controller = self._replay, self.loop, self.controller
        loop.pause()
        self.banner.hide()
        self.editor.highlight_line(None)
        self.console.clear_output()
        if not controller.start(replay.path, replay.source, network=replay.network,
                                block_limit=replay.block_limit):
            self._replay = None
            self.update()
            return
        run = controller.run
        run.set_cancel_points(replay.cancel_points)
        if replay.said:                 # after the start: it cleared the console
            self.notice.emit(replay.said, "info")
        fast = not schedule.replay_obstacles(run.source or "")
        if replay.kind == "back":
            # The window's clock listeners would run after every step, and the refresher's frames
            # (fold, table, timeline, paint) every 16 ms: set aside until there.
            self.runs.refresher.stop()
            replay.hushed = list(loop.clock_listeners)
            loop.clock_listeners[:] = []
            scheduler = schedule.Scheduler(run, replay.schedule, hold=True, fast=fast)
        else:
            scheduler = schedule.Scheduler(run, replay.schedule, to_end=True, fast=fast, pace=PACE)
        replay.scheduler = scheduler
        scheduler.on_finish.append(self._finished)
        try:
            scheduler.follow()
        except Exception as exc:        # a run that cannot be followed: say so, let the loop go
            self.runs.refresher.resume()
            self._unhush(replay)
            self._replay = None
            self.notice.emit(f"Could not replay the run: {exc}", "error")
            self.update()

    def _unhush(self, replay: _Replay) -> None:
        loop = self.loop
        if not replay.hushed:
            return
        hushed, replay.hushed = replay.hushed, []
        added = [f for f in loop.clock_listeners if f not in hushed]
        loop.clock_listeners[:] = hushed + added
        for listener in list(loop.clock_listeners):
            listener()

    def _finished(self, scheduler) -> None:
        """The replay got there (held), ended, or failed."""
        replay = self._replay
        if replay is None or replay.scheduler is not scheduler:
            return
        self._replay = None
        if replay.kind == "play":
            if not replay.was_paused and self.loop.paused:
                self.loop.resume()      # the loop as the learner had it before "Show me"
            if scheduler.error is not None:
                self.notice.emit(f"The schedule does not fit this code: {scheduler.error}", "warn")
            self.update()
            return
        run = scheduler.run
        refresher = self.runs.refresher
        for _ in range(200):            # the views show that step now, not a few frames later
            if refresher.table is None or refresher.run is not run or \
                    refresher._cursor >= len(run.tracer.events):
                break
            refresher.frame()
        if refresher.run is run and not run.done:
            refresher.resume()
        self._unhush(replay)
        if replay.selected:
            self._select_name(replay.selected)
        self.last_back_ms = (time.perf_counter() - replay.started) * 1000
        ok = scheduler.held and scheduler.error is None and \
            scheduler.applied == len(replay.schedule)
        if not ok:
            why = scheduler.error or "the run went another way this time"
            self.notice.emit(f"Step back could not bring the run to step {len(replay.schedule)}: "
                             f"{why}", "error")
            self.update()
            return
        points = sum(1 for c in replay.schedule if "advance" not in c)
        self.status.emit(f"Stepped back: the run is at step {points} again "
                         f"({self.last_back_ms:.0f} ms).  Step (F10) or pick in the Loop tab: "
                         "a choice made now starts a new branch", 8000)
        self.update()
        if replay.more:
            more = replay.more
            if self.step_back() and self._replay is not None:
                self._replay.more = more - 1

    # == the clock, the schedule ======================================================================
    def advance(self) -> float | None:
        """Move the clock on to the next timer now (paused, a run live on screen)."""
        run = self.controller.run
        if self._replay is not None or not self.loop.paused or run is None or run.done:
            return None
        before = self.loop.time()
        when = self.loop.advance_clock()
        if when is None:
            self.status.emit("No timer is scheduled: the clock has nowhere to move to", 5000)
            return None
        self.notice.emit(f"You moved the clock on {when - before:.3f} s to the next timer, as if "
                         "the last step had been slow: what it woke is ready now", "info")
        return when

    def save_schedule_dialog(self) -> QFileDialog | None:
        shown = self.runs.shown
        if shown is None or not self._schedule_of(shown.run):
            self.status.emit("No schedule to save: this run took no step while paused (Pause, F8, "
                             "then Run, and step it)", 6000)
            return None
        ws = self.desk.current
        name = f"{ws.slug if ws is not None else 'run'}-schedule.json"
        dialog = QFileDialog(self.window, "Save schedule", str(Path.home() / name),
                             "Schedule (*.json);;All files (*)")
        dialog.setDefaultSuffix("json")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setFileMode(QFileDialog.FileMode.AnyFile)
        from PySide6.QtCore import Qt
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.fileSelected.connect(self.save_schedule)
        dialog.open()          # non-modal: exec() would nest an event loop under the run
        return dialog

    def save_schedule(self, path: str) -> bool:
        """Write the shown run's schedule to ``path``: a JSON list, one choice a line."""
        shown = self.runs.shown
        taken = self._schedule_of(shown.run) if shown is not None else []
        if not taken:
            return False
        text = "[\n" + ",\n".join(" " + json.dumps(c, ensure_ascii=False) for c in taken) + "\n]\n"
        try:
            Path(path).write_text(text, encoding="utf-8")
        except OSError as exc:
            self.notice.emit(f"Could not save the schedule: {exc}", "error")
            return False
        run = shown.run
        self.status.emit(f"Schedule saved to {path}: asyncio-playground run "
                         f"{Path(run.path).name} --schedule {Path(path).name} replays it", 8000)
        return True
