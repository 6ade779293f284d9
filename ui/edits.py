"""Per-lesson edit store: the user's edits autosaved atomically and restored on the next launch."""
from __future__ import annotations

import errno
import os
import re
import time
from pathlib import Path

from PySide6.QtCore import QObject, QStandardPaths, QTimer, Signal

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
        self._stuck: set[str] = set()  # slugs whose unusable edit could not be moved aside
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self.flush)

    def path_for(self, slug: str) -> Path:
        return self.directory / f"{_safe_name(slug)}.py"

    def has_edit(self, slug: str) -> bool:
        # lexists: a dangling or looping link still counts, so opening the lesson says what it is.
        return slug in self._pending or os.path.lexists(self.path_for(slug))

    def load(self, slug: str, original: str) -> tuple[str, str | None]:
        """(text to show, message or None).  An edit that cannot be used (unreadable, not UTF-8,
        NUL bytes, empty, a directory, a dangling or looping link) is moved aside first, and the
        original comes back with a message that says why and where the file went; so no later
        autosave overwrites it, and an empty file never shows as restored edits."""
        pending = self._pending.get(slug)
        if pending is not None:
            return pending[0], None
        text, message = self._read(slug)
        if message is not None:
            self.failed.emit(message)
            return original, message
        return (original, None) if text is None else (text, None)

    def _read(self, slug: str) -> tuple[str | None, str | None]:
        """(the saved edit or None when there is none, message when there is one that cannot be
        used: it has then been moved aside, or the message says why it could not be)."""
        path = self.path_for(slug)
        reason = None
        if path.is_symlink():
            target = os.readlink(path)
            try:
                os.stat(path)
            except FileNotFoundError:
                reason = f"it is a symbolic link to {target}, which does not exist"
            except OSError as exc:
                reason = (f"it is a symbolic link that loops ({target})" if exc.errno == errno.ELOOP
                          else f"it is a symbolic link to {target} that cannot be followed: {exc}")
        elif not os.path.lexists(path):
            return None, None
        if reason is None:
            try:
                data = path.read_bytes()
                if not data:
                    raise ValueError("the file is empty (0 bytes)")
                text = data.decode("utf-8")
                if "\x00" in text:
                    raise ValueError("it contains NUL bytes")
            except (OSError, ValueError) as exc:  # UnicodeDecodeError is a ValueError
                reason = str(exc)
            else:
                return text, None
        return None, self._set_aside(slug, path, reason)

    def _set_aside(self, slug: str, path: Path, reason: str) -> str:
        """Rename the unusable edit out of the way (the link itself for a link); the message."""
        stamp = time.strftime("%Y%m%d-%H%M%S")
        aside = path.with_name(f"{path.name}.unreadable-{stamp}")
        n = 1
        while os.path.lexists(aside):
            n += 1
            aside = path.with_name(f"{path.name}.unreadable-{stamp}-{n}")
        try:
            os.rename(path, aside)
        except OSError as exc:
            self._stuck.add(slug)
            return (f"Your saved edit of '{slug}' could not be read ({reason}); showing the original lesson. "
                    f"It could not be moved aside ({exc.strerror or exc}), so it stays at {path} and your "
                    f"changes to this lesson are not saved until it is moved or deleted.")
        self._stuck.discard(slug)
        return (f"Your saved edit of '{slug}' could not be read ({reason}); showing the original lesson. "
                f"The unreadable file was moved to {aside}.")

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
        # An edit on disk that cannot be read is moved aside before anything replaces it, even when
        # nobody loaded it first (and a dangling link is not written through).
        told = slug in self._stuck
        _, message = self._read(slug)
        if message is not None:
            if slug in self._stuck:  # still there: saving would overwrite it
                if not told:  # said once, not at every autosave
                    self.failed.emit(f"Could not save your edit of '{slug}': {message}")
                return False
            self.failed.emit(message)
        if original is not None and text == original:
            self.revert(slug)
            self.saved.emit(slug)
            return True
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            self.failed.emit(f"Could not save your edit of '{slug}': {exc}")
            return False
        from PySide6.QtCore import QIODevice, QSaveFile   # on the first save, not at start-up
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
