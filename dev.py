#!/usr/bin/env python3
"""One-command set-up and launch.

    python3 dev.py app     open the window
    python3 dev.py test    run the whole test suite (extra arguments go to pytest)

Each command creates ./.venv on first use (or when pyproject.toml changed), installs the project
into it, then runs.  Needs only Python 3.11+ and network access to PyPI.
"""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".installed"


def _setup(extras: str) -> None:
    if sys.version_info < (3, 11):
        sys.exit(f"asyncio Playground needs Python 3.11 or newer (this is {sys.version.split()[0]}).")
    want = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + extras.encode()).hexdigest()
    if PY.exists() and STAMP.exists() and STAMP.read_text() == want:
        return
    if not PY.exists():
        print("Creating .venv ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    print("Installing asyncio-playground into .venv ...", flush=True)
    subprocess.check_call([str(PY), "-m", "pip", "install", "-q", "--upgrade", "pip"])
    subprocess.check_call([str(PY), "-m", "pip", "install", "-q", "-e", f".[{extras}]"], cwd=ROOT)
    STAMP.write_text(want)


def main(argv: list[str]) -> int:
    cmd = argv[0] if argv else "app"
    rest = argv[1:]
    if cmd == "app":
        _setup("test")
        return subprocess.call([str(PY), "-m", "playground", *rest], cwd=ROOT)
    if cmd == "test":
        _setup("test")
        return subprocess.call([str(PY), "-m", "pytest", *rest], cwd=ROOT)
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
