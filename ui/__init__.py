"""The asyncio Playground window: PySide6 widgets over the engine (``asyncio_playground``).

Model/view throughout: the engine produces plain trace events, the widgets here only show them.
``asyncio_playground.ui.app.main()`` opens the window.  This folder is installed as the package
``asyncio_playground.ui``; importing it as a top-level ``ui`` is refused (see the engine's
``__init__``).
"""
if __name__ != "asyncio_playground.ui":
    raise ImportError(f"import asyncio_playground.ui, not {__name__!r}: the folder ui/ is installed "
                      "as the package asyncio_playground.ui")
