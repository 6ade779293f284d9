#!/usr/bin/env python3
"""One-command set-up and launch.

    python3 dev.py app     open the window
    python3 dev.py test    run the whole test suite (extra arguments go to pytest)

Each command creates ./.venv on first use (or when pyproject.toml or constraints.txt changed),
installs the project into it with the tested versions (constraints.txt), then runs.  Needs only
Python 3.11+ and network access to PyPI.

One venv per Python version: ./.venv belongs to the Python that made it first; run by another
version (`python3.13 dev.py test`), dev.py uses ./.venv-3.13 instead.  $ASYNCIO_PLAYGROUND_VENV
names the venv folder explicitly.  pip's own settings apply to the install: .ci/debian-python runs
dev.py with PIP_NO_INDEX and PIP_FIND_LINKS (wheels fetched beforehand, no index reached).
"""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
CONSTRAINTS = ROOT / "constraints.txt"
VENV_ENV = "ASYNCIO_PLAYGROUND_VENV"
THIS = f"{sys.version_info[0]}.{sys.version_info[1]}"


def _made_by(venv_dir: Path) -> str | None:
    """"X.Y" of the Python that made the venv at venv_dir (None: no venv there)."""
    try:
        lines = (venv_dir / "pyvenv.cfg").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        key, _, value = line.partition("=")
        if key.strip() in ("version", "version_info"):
            return ".".join(value.strip().split(".")[:2])
    return None


def venv_dir() -> Path:
    override = os.environ.get(VENV_ENV)
    if override:
        return (ROOT / override).resolve()
    default = ROOT / ".venv"
    made_by = _made_by(default)
    return default if made_by in (None, THIS) else ROOT / f".venv-{THIS}"


def _python(venv_path: Path) -> Path:
    return venv_path / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def _setup(extras: str) -> Path:
    """Make sure the venv for this Python has the project installed; returns its python."""
    if sys.version_info < (3, 11):
        sys.exit(f"asyncio Playground needs Python 3.11 or newer (this is {sys.version.split()[0]}).")
    target = venv_dir()
    py, stamp = _python(target), target / ".installed"
    want = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + CONSTRAINTS.read_bytes()
                          + extras.encode()).hexdigest()
    if py.exists() and stamp.exists() and stamp.read_text() == want:
        return py
    name = os.path.relpath(target, ROOT)
    if not py.exists():
        print(f"Creating {name} (Python {THIS}) ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(target)
        (target / ".gitignore").write_text("*\n")   # .venv-3.13 & co. stay out of git status
    print(f"Installing asyncio-playground into {name} ...", flush=True)
    subprocess.check_call([str(py), "-m", "pip", "install", "-q", "--upgrade", "pip"])
    subprocess.check_call([str(py), "-m", "pip", "install", "-q", "-c", str(CONSTRAINTS),
                           "-e", f".[{extras}]"], cwd=ROOT)
    stamp.write_text(want)
    return py


def main(argv: list[str]) -> int:
    cmd = argv[0] if argv else "app"
    rest = argv[1:]
    if cmd == "app":
        py = _setup("test")
        return subprocess.call([str(py), "-m", "asyncio_playground", *rest], cwd=ROOT)
    if cmd == "test":
        py = _setup("test")
        return subprocess.call([str(py), "-m", "pytest", *rest], cwd=ROOT)
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
