"""One lesson, one workspace: everything that belongs to one lesson (or one file opened from disk),
and the desk that holds a window's workspaces and says which one is on screen.

Facts that shaped this module:

* A learner moves between lessons mid-thought: commits a prediction, runs, looks at another
  lesson, comes back.  Whatever the window kept in itself was lost or, worse, shown with the wrong
  lesson (a pin compared with another lesson's run, a prediction reset to "? s").  So nothing
  that belongs to a lesson lives in a widget or in the window: it lives here, and switching
  lessons swaps the whole workspace.
* Widgets stay stateless about lessons: each feature (``ui/features/``) reacts to
  ``Desk.switched`` by showing the new workspace, and writes back into it what the learner did.
* The edits themselves live in the ``EditStore`` (they outlive the process); a workspace holds the
  slug under which they are kept, and the original text to compare with.
* No Qt widgets here: a workspace is plain data, testable without a window.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject, Signal

from .run_controller import norm_path


@dataclass(eq=False)
class ShownRun:
    """A run as a workspace keeps it: the run, the table the views show, how it went, in words.

    Attributes:
        run: the ``playground.Run`` (or a saved run read back from a file: ``files.SavedRun``).
        table: the ``TaskTable`` the views show (a finished run's: as it ended, never moved).
        status: the status bar's text for it ("Running…", "Completed in 1.00 s").
        label: what ran, in words, for Compare ("TaskGroup — as shipped, 10:31:02").
        replay: the ``Replay`` of a finished run, once offered on the scrubber (None before).
        scrub: the ``Scrub`` whose table moves to a replayed moment (None until the first move,
            except for a saved run, whose views show the scrub's table from the start).
        finder: the ``Findings`` fold of the run's records (None until first asked), and
            ``folded`` how many records it has taken.
        resources: the ``ResourceTable`` fold of its records (None until first asked), and
            ``res_folded`` how many records it has taken.
        (The steps taken while paused are the run's own: ``schedule.schedule_of(run)``.)
    """

    run: Any
    table: Any
    status: str = "Running…"
    label: str = "run"
    replay: Any = None
    scrub: Any = None
    finder: Any = None
    folded: int = 0
    resources: Any = None
    res_folded: int = 0

    @property
    def finished(self) -> bool:
        return self.table is not None and self.table.finished is not None


@dataclass(eq=False)
class Workspace:
    """One lesson's (or opened file's) state.

    Attributes:
        path: the file shown; ``key`` is its normalised form (one workspace per file).
        slug: the name its edits are kept under (``EditStore``).
        original: the file's text as shipped (Revert brings it back).
        lesson: the ``playground.lessons.Lesson`` (its text, question, prediction, needs).
        cancel_points: the lines where a task that suspends is cancelled on arrival.
        last: the last run of this file (live or finished), None before the first Run.
        pinned: the run pinned for comparison (this lesson's own), None when nothing is pinned.
        panel: what the learner did in the lesson panel (prediction, quiz): the panel's own state
            record, None before the lesson was first shown.
        selected: the selected task's tid in ``last`` (None: no selection).
        moment: the replayed moment on screen (loop time), None: the run as it ended.
        error_marker: (line, message) of the last syntax error, until the text is edited.
    """

    path: str
    slug: str
    original: str
    lesson: Any
    cancel_points: set[int] = field(default_factory=set)
    last: ShownRun | None = None
    pinned: ShownRun | None = None
    panel: Any = None
    selected: int | None = None
    moment: float | None = None
    error_marker: tuple[int, str] | None = None

    @property
    def key(self) -> str:
        return norm_path(self.path)

    @property
    def title(self) -> str:
        return getattr(self.lesson, "title", None) or self.path


class Desk(QObject):
    """The workspaces of one window, by file, and the one on screen (``current``).

    Signals:
        switched(object, object): the workspace on screen changed: (new, old); old may be None.
            The features save what they hold for ``old`` and show ``new``.
        lastRunChanged(object): a workspace's ``last`` run was replaced (a new run started).

    Attributes:
        current: the workspace on screen, None before the first lesson is opened.
    """

    switched = Signal(object, object)
    lastRunChanged = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._by_key: dict[str, Workspace] = {}
        self.current: Workspace | None = None

    def get(self, path) -> Workspace | None:
        """The workspace of the file at ``path`` (None when it was never opened)."""
        return self._by_key.get(norm_path(path)) if path else None

    def add(self, workspace: Workspace) -> Workspace:
        """Keep ``workspace`` (one per file: an earlier one of the same file is replaced)."""
        self._by_key[workspace.key] = workspace
        return workspace

    def workspaces(self) -> list[Workspace]:
        return list(self._by_key.values())

    def switch(self, workspace: Workspace) -> None:
        """Put ``workspace`` on screen (``switched`` even when it already is: shown again)."""
        old, self.current = self.current, workspace
        self.switched.emit(workspace, old)

    def set_last(self, workspace: Workspace, shown: ShownRun | None) -> None:
        """Replace ``workspace``'s last run; its selection and moment belonged to the old one."""
        workspace.last = shown
        workspace.selected = None
        workspace.moment = None
        self.lastRunChanged.emit(workspace)

    def owner_of(self, run) -> Workspace | None:
        """The workspace whose last run is ``run`` (None: no workspace shows it any more)."""
        return next((ws for ws in self._by_key.values() if ws.last is not None and ws.last.run is run),
                    None)
