"""Per-lesson edit store: the user's edits autosaved atomically and restored on the next launch."""
from __future__ import annotations

import os
import re
from pathlib import Path

from PySide6.QtCore import QIODevice, QObject, QSaveFile, QStandardPaths, QTimer, Signal

ENV_VAR = "ASYNCIO_PLAYGROUND_DATA"
DEBOUNCE_MS = 700  # "within about a second of typing": save 0.7 s after the last keystroke


def data_dir() -> Path:
    """The app's user data directory ($ASYNCIO_PLAYGROUND_DATA overrides Qt's AppDataLocation)."""
    override = os.environ.get(ENV_VAR)
    if override:
        return Path(override)
    return Path(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation))


def _safe_name(slug: str) -> str:
    # Slugs come from lesson files or opened paths: keep the file name portable and in the dir.
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", slug).strip(".") or "_"


class EditStore(QObject):
    """Keeps one saved edit per lesson slug in `<data dir>/edits/<slug>.py`.

    `schedule(slug, text)` is called on every change; the save happens DEBOUNCE_MS after typing
    stops, through QSaveFile (write to a temp file, then rename), so a crash or SIGKILL leaves
    either the old or the new edit on disk, never half of one.  `flush()` saves what is pending now
    (switching lessons, closing the window).  An edit equal to the original is deleted, not saved.

    Signals:
        saved(str): slug whose edit just reached the disk (or was removed as unchanged).
        failed(str): a message: saving or loading went wrong (the caller shows it).

    Attributes:
        directory: the `edits` directory (created on first save).
    """

    saved = Signal(str)
    failed = Signal(str)

    def __init__(self, directory: str | os.PathLike | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.directory = Path(directory) / "edits" if directory is not None else data_dir() / "edits"
        self._pending: dict[str, tuple[str, str | None]] = {}
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self.flush)

    def path_for(self, slug: str) -> Path:
        return self.directory / f"{_safe_name(slug)}.py"

    def has_edit(self, slug: str) -> bool:
        return slug in self._pending or self.path_for(slug).exists()

    def load(self, slug: str, original: str) -> tuple[str, str | None]:
        """(text to show, message or None).  Falls back to `original` if the edit can't be read."""
        pending = self._pending.get(slug)
        if pending is not None:
            return pending[0], None
        path = self.path_for(slug)
        if not path.exists():
            return original, None
        try:
            data = path.read_bytes()
            text = data.decode("utf-8")
            if "\x00" in text:
                raise ValueError("contains NUL bytes")
        except (OSError, ValueError) as exc:  # UnicodeDecodeError is a ValueError
            msg = f"Your saved edit of '{slug}' could not be read ({exc}); showing the original lesson. " \
                  f"The unreadable file is kept at {path}."
            self.failed.emit(msg)
            return original, msg
        return text, None

    def schedule(self, slug: str, text: str, original: str | None = None) -> None:
        """Remember `text` as the edit of `slug`; saved after the debounce delay."""
        self._pending[slug] = (text, original)
        self._timer.start()

    def flush(self) -> bool:
        """Save everything pending now; True when all saves succeeded."""
        self._timer.stop()
        pending, self._pending = self._pending, {}
        ok = True
        for slug, (text, original) in pending.items():
            ok = self._write(slug, text, original) and ok
        return ok

    def save(self, slug: str, text: str, original: str | None = None) -> bool:
        """Save `text` now (atomically)."""
        self._pending.pop(slug, None)
        return self._write(slug, text, original)

    def revert(self, slug: str) -> None:
        """Forget the edit of `slug` (pending and saved): the original comes back."""
        self._pending.pop(slug, None)
        try:
            self.path_for(slug).unlink(missing_ok=True)
        except OSError as exc:
            self.failed.emit(f"Could not remove the saved edit of '{slug}': {exc}")

    def _write(self, slug: str, text: str, original: str | None) -> bool:
        path = self.path_for(slug)
        if original is not None and text == original:
            self.revert(slug)
            self.saved.emit(slug)
            return True
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            self.failed.emit(f"Could not save your edit of '{slug}': {exc}")
            return False
        f = QSaveFile(str(path))
        if not f.open(QIODevice.OpenModeFlag.WriteOnly):
            self.failed.emit(f"Could not save your edit of '{slug}': {f.errorString()}")
            return False
        f.write(text.encode("utf-8"))
        if not f.commit():  # the rename: before it, the previous edit stays intact on disk
            self.failed.emit(f"Could not save your edit of '{slug}': {f.errorString()}")
            return False
        self.saved.emit(slug)
        return True
