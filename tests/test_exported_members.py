"""The engine's public front: a sorted __all__ whose names all exist, and no QtWidgets import."""

import asyncio_playground as playground


def test_all_is_sorted_and_complete():
    assert playground.__all__ == sorted(playground.__all__)
    for name in playground.__all__:
        assert hasattr(playground, name), name


def test_engine_modules_never_import_qtwidgets_themselves():
    import ast
    import pathlib
    for path in pathlib.Path(playground.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""] + [a.name for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                continue
            assert not any("QtWidgets" in n for n in names), f"{path.name}:{node.lineno}"
