"""The package's shape: a sorted public front, one import name, and the layering contract.

* ``asyncio_playground.__all__`` is sorted and complete (httpx's test_exported_members).
* The engine (``playground/`` → ``asyncio_playground``) never imports the window package or
  QtWidgets/QtGui — not at the top, not lazily inside a function.  Only the composition root, the
  command-line entry point (``_cli.py``, ``__main__.py``), may import the window.
* The window (``ui/`` → ``asyncio_playground.ui``) uses the engine's public modules only.
* The old top-level names refuse to import, so a checkout never loads a second engine.
"""
import ast
import pathlib
import subprocess
import sys

import pytest

import asyncio_playground as playground
import asyncio_playground.ui

ENGINE = pathlib.Path(playground.__file__).parent
UI = pathlib.Path(asyncio_playground.ui.__file__).parent
COMPOSITION_ROOT = {"_cli.py", "__main__.py"}
WINDOW_MODULES = ("asyncio_playground.ui", "ui", "PySide6.QtWidgets", "PySide6.QtGui")


def test_all_is_sorted_and_complete():
    assert playground.__all__ == sorted(playground.__all__)
    for name in playground.__all__:
        assert hasattr(playground, name), name


def imports(path: pathlib.Path, package: str):
    """(line, absolute module name) for every import in ``path``, nested ones included."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                # `package` is the one holding `path` (for an __init__, the package itself):
                # level 1 is `package`, each further dot one parent up.
                parts = package.split(".")
                base = ".".join(parts[:len(parts) - (node.level - 1)] + ([node.module] if node.module else []))
            yield node.lineno, base
            for alias in node.names:   # `from PySide6 import QtWidgets`, `from . import ui`
                yield node.lineno, f"{base}.{alias.name}"


def _reaches(name: str, targets) -> bool:
    return any(name == t or name.startswith(t + ".") for t in targets)


def modules(root: pathlib.Path, package: str):
    """(path, the package holding it) for every module below ``root`` (subpackages too)."""
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root).parent.parts
        yield path, ".".join((package, *parts))


def test_engine_never_imports_the_window_or_qtwidgets():
    offences = [f"{path.relative_to(ENGINE)}:{line}: imports {name}"
                for path, package in modules(ENGINE, "asyncio_playground")
                if path.name not in COMPOSITION_ROOT or path.parent != ENGINE
                for line, name in imports(path, package)
                if _reaches(name, WINDOW_MODULES)]
    assert offences == []
    assert any(path.parent != ENGINE for path, _ in modules(ENGINE, "asyncio_playground"))


def test_the_checker_sees_lazy_and_relative_imports(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text("def f():\n    from .ui import app\n    from PySide6 import QtWidgets\n"
                     "    import asyncio_playground.ui.main_window\n")
    found = [name for _, name in imports(probe, "asyncio_playground") if _reaches(name, WINDOW_MODULES)]
    assert found == ["asyncio_playground.ui", "asyncio_playground.ui.app", "PySide6.QtWidgets",
                     "asyncio_playground.ui.main_window"]


def test_window_uses_only_the_engines_public_modules():
    offences = [f"{path.name}:{line}: imports {name}"
                for path, package in modules(UI, "asyncio_playground.ui")
                for line, name in imports(path, package)
                if name.startswith("asyncio_playground.") and not name.startswith("asyncio_playground.ui")
                and any(part.startswith("_") for part in name.split(".")[1:])]
    assert offences == []


@pytest.mark.parametrize("old, new", [("playground", "asyncio_playground"),
                                      ("ui", "asyncio_playground.ui")])
def test_old_names_refuse_to_import_from_a_checkout(old, new):
    root = ENGINE.parent
    if not (root / old / "__init__.py").is_file():
        pytest.skip("not a checkout (installed from the wheel)")
    proc = subprocess.run([sys.executable, "-c", f"import {old}"], cwd=root, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode != 0
    assert f"import {new}, not '{old}'" in proc.stderr
