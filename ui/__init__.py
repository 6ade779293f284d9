"""The asyncio Playground window: PySide6 widgets over the engine (``asyncio_playground``).

Model/view throughout: the engine produces plain trace events, the widgets here only show them.
``asyncio_playground.ui.app.main()`` opens the window.  This folder is installed as the package
``asyncio_playground.ui``; importing it as a top-level ``ui`` is refused (see the engine's
``__init__``).
"""
if __name__ != "asyncio_playground.ui":
    raise ImportError(f"import asyncio_playground.ui, not {__name__!r}: the folder ui/ is installed "
                      "as the package asyncio_playground.ui")


class lazy_module:  # noqa: N801 (it stands for a module)
    """A module imported on its first attribute access (``lazy_module("hashlib").sha1``): for what a
    window needs only after its first paint.  The import then happens once; later accesses are one
    ``sys.modules`` look-up."""

    __slots__ = ("_name",)

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attr: str):
        import importlib
        return getattr(importlib.import_module(self._name), attr)

    def __repr__(self) -> str:
        return f"<lazy module {self._name!r}>"
