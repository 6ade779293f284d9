"""Files: open any script, save the run on screen (a Chrome trace that Perfetto opens and replay
reads), open a saved run with the code that ran.  Every dialog is non-modal: ``exec()`` would nest
an event loop under the running lesson's tasks."""
from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QStyle

from ..workspace import ShownRun
from . import Feature
from .runs import make_action


class SavedRunDoc:
    """A run read back from a file, shaped like the parts of ``playground.Run`` the window reads
    (``path``, ``source``, ``tracer.events``/``filename``/``live``, ``done``, ``outcome`` and
    ``error``, the traceback a failed run ended with)."""

    done = True

    def __init__(self, path: str, source: str, events: list) -> None:
        self.path, self.source = path, source
        self.tracer = SimpleNamespace(events=events, filename=path, live={})
        end = next((ev for ev in reversed(events) if ev[0] == "run" and ev[2] == "end"), None)
        self.outcome = end[3] if end is not None else None
        self.error = end[4] if end is not None else None


class FilesFeature(Feature):
    """See the module docstring.

    Attributes:
        act_open, act_open_run, act_export: Open file…, Open run…, Save run….
    """

    def __init__(self, window, desk, runs, lessons, edits) -> None:
        super().__init__(window)
        self.window, self.desk, self.runs, self.lessons = window, desk, runs, lessons
        self.edits = edits
        sp = QStyle.StandardPixmap
        self.act_export = make_action(window, "Save run…", self.export_trace_dialog, (),
                                      "Save the run to replay it later (File → Open run…): Chrome "
                                      "Trace JSON that Perfetto and chrome://tracing open too",
                                      sp.SP_DialogSaveButton)
        self.act_open = make_action(window, "Open file…", self.open_file_dialog, ("Ctrl+O",),
                                    "Open any Python script from disk", sp.SP_DirOpenIcon)
        self.act_open_run = make_action(window, "Open run…", self.open_run_dialog, ("Ctrl+Shift+O",),
                                        "Open a saved run (File → Save run, or `run --trace`) to "
                                        "replay it, with the code that ran")

    def _dialog(self, title: str, save: bool, slot, default: str = "", filters: str = "") -> QFileDialog:
        dialog = QFileDialog(self.window, title, default, filters or (
            "Chrome trace (*.json);;All files (*)" if save else "Python files (*.py);;All files (*)"))
        if save:
            dialog.setDefaultSuffix("json")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave if save else QFileDialog.AcceptMode.AcceptOpen)
        dialog.setFileMode(QFileDialog.FileMode.AnyFile if save else QFileDialog.FileMode.ExistingFile)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.fileSelected.connect(slot)
        dialog.open()
        return dialog

    def open_file_dialog(self) -> QFileDialog:
        ws = self.desk.current
        start = str(Path(ws.path).parent) if ws is not None else ""
        return self._dialog("Open a Python script", False, self.lessons.open_path, start)

    def export_trace_dialog(self) -> QFileDialog | None:
        shown = self.runs.shown
        if shown is None or not shown.run.tracer.events:   # never started (a syntax error)
            self.status.emit("Nothing to export yet: run something first", 5000)
            return None
        ws = self.desk.current
        name = f"{ws.slug if ws is not None else 'run'}-run.json"
        return self._dialog("Save run", True, self.export_trace, str(Path.home() / name))

    def export_trace(self, path: str) -> bool:
        """Save the run on screen (the shown lesson's last) to ``path``: a Chrome Trace JSON that
        Perfetto opens and that carries what replay needs (File → Open run…)."""
        from asyncio_playground.replay import save_run
        shown = self.runs.shown
        if shown is None or not shown.run.tracer.events:
            return False
        run = shown.run
        try:
            save_run(run.tracer.events, path, source=getattr(run, "source", None),
                     filename=run.tracer.filename or run.path, label=shown.label)
        except (OSError, TypeError, ValueError) as exc:
            self.notice.emit(f"Could not save the run: {exc}", "error")
            return False
        self.status.emit(f"Run saved to {path}: File → Open run… replays it; ui.perfetto.dev opens "
                         "it too", 8000)
        return True

    def open_run_dialog(self) -> QFileDialog:
        return self._dialog("Open a saved run", False, self.open_run, str(Path.home()),
                            "Saved runs (*.json);;All files (*)")

    def open_run(self, path: str) -> bool:
        """Open a saved run: its code in the editor (the file it ran as, if that still holds the
        same text; else a copy beside the edits), and the run on screen, ready to replay — with
        its output, its blocks and the traceback it ended with."""
        from asyncio_playground.replay import Replay, ReplayError, load_run, relocate
        try:
            saved = load_run(path)
        except ReplayError as exc:
            self.notice.emit(str(exc), "error")
            return False
        if saved.source is None:
            self.notice.emit(f"{Path(path).name} carries no source code to show", "error")
            return False
        original = saved.filename or ""
        target = Path(original) if original else None
        try:
            same = target is not None and target.is_file() and \
                target.read_text(encoding="utf-8") == saved.source
        except (OSError, UnicodeDecodeError):
            same = False
        if not same:
            folder = self.edits.directory.parent / "saved-runs"
            name = Path(original).name if original.endswith(".py") else "run.py"
            target = folder / f"{Path(path).stem}-{name}"
            try:
                folder.mkdir(parents=True, exist_ok=True)
                target.write_text(saved.source, encoding="utf-8")
            except OSError as exc:
                self.notice.emit(f"Could not keep the run's code in {folder}: {exc}", "error")
                return False
        events = relocate(saved.events, original, str(target)) if not same else saved.events
        try:
            replay = Replay(events)    # the run as it ended (``final``), and any moment of it
        except ReplayError as exc:
            self.notice.emit(f"{Path(path).name}: {exc}", "error")
            return False
        run = SavedRunDoc(str(target), saved.source, events)
        ws = self.lessons.workspace_for(str(target))
        if ws is None:
            return False
        if self.runs.controller.live_runs():
            self.runs.controller.stop("Opened a saved run")
        # The views are given the scrub's table (the run as it ended, moved in place by the
        # scrubber) from the start: no second table for them to take on the first move.
        scrub = replay.scrub()
        shown = ShownRun(run, scrub.table, f"Saved run: {saved.label} (Python {saved.python or '?'})",
                         saved.label, replay, scrub)
        self.desk.set_last(ws, shown)
        if self.desk.current is ws:       # shown again in full: the saved run in place of the last
            self.lessons.leave(ws)        # (what the learner did in the panel is kept)
            self.desk.current = None
        if not self.lessons.open_path(str(target)):
            return False
        shown.table = replay.final    # the workspace's table of the run: as it ended, never moved
        self.status.emit(f"Opened {Path(path).name}: drag the scrubber or press Replay", 8000)
        return True
