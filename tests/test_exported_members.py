"""The engine's public front: a sorted __all__ whose names all exist, and no QtWidgets import."""

import playground


def test_all_is_sorted_and_complete():
    assert playground.__all__ == sorted(playground.__all__)
    for name in playground.__all__:
        assert hasattr(playground, name), name


def test_engine_modules_never_import_qtwidgets_themselves():
    import pathlib
    for path in pathlib.Path(playground.__file__).parent.glob("*.py"):
        assert "QtWidgets" not in path.read_text(encoding="utf-8"), path.name
