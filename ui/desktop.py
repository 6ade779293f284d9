"""The application icon and the Linux desktop entry (``asyncio-playground install-desktop``)."""
from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ICON = HERE / "asyncio-playground.svg"          # package data (pyproject: asyncio_playground.ui)
DESKTOP = HERE / "asyncio-playground.desktop"
APP_ID = "asyncio-playground"


def app_icon():
    """The application's QIcon (the bundled SVG; Qt renders it sharp at any scale)."""
    from PySide6.QtGui import QIcon
    return QIcon(str(ICON))


def data_home() -> Path:
    """``$XDG_DATA_HOME``, else ``~/.local/share``."""
    env = os.environ.get("XDG_DATA_HOME")
    return Path(env) if env else Path.home() / ".local" / "share"


def desktop_entry(command: list[str] | None = None, icon: str = APP_ID) -> str:
    """The desktop entry's text, its Exec running ``command`` (default: this Python with
    ``-m asyncio_playground``, so it works whether or not the command is on PATH)."""
    command = command or [sys.executable, "-m", "asyncio_playground"]
    lines = []
    for line in DESKTOP.read_text(encoding="utf-8").splitlines():
        if line.startswith("Exec="):
            line = "Exec=" + " ".join(shlex.quote(part) for part in command)
        elif line.startswith("Icon="):
            line = f"Icon={icon}"
        lines.append(line)
    return "\n".join(lines) + "\n"


def install(data_dir: str | os.PathLike | None = None) -> list[Path]:
    """Write the desktop entry and the icon under ``data_dir`` (default: ``data_home()``):
    ``applications/asyncio-playground.desktop`` and
    ``icons/hicolor/scalable/apps/asyncio-playground.svg``.  Returns the files written."""
    root = Path(data_dir) if data_dir else data_home()
    icon = root / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg"
    entry = root / "applications" / f"{APP_ID}.desktop"
    icon.parent.mkdir(parents=True, exist_ok=True)
    entry.parent.mkdir(parents=True, exist_ok=True)
    icon.write_bytes(ICON.read_bytes())
    entry.write_text(desktop_entry(icon=str(icon)), encoding="utf-8")
    return [entry, icon]
