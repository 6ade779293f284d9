"""The asyncio Playground window: PySide6 widgets over the `playground` engine.

Model/view throughout: `playground` produces plain trace events, the widgets here only show them.
`ui.app.main()` opens the window.
"""
