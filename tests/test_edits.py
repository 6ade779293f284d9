"""EditStore: debounced atomic autosave, restore, revert, corrupt files."""
import os
import signal
import subprocess
import sys
import textwrap

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from asyncio_playground.ui.edits import EditStore  # noqa: E402

ORIGINAL = "print('hello')\n"


def test_autosave_after_typing_stops_and_restore(qtbot, tmp_path):
    store = EditStore(tmp_path)
    for i in range(5):                       # a burst of keystrokes: one save at the end
        store.schedule("lesson-a", f"print('edit {i}')\n", ORIGINAL)
    assert not store.path_for("lesson-a").exists()
    with qtbot.waitSignal(store.saved, timeout=3000) as blocker:
        pass
    assert blocker.args == ["lesson-a"]
    assert store.path_for("lesson-a").read_text() == "print('edit 4')\n"
    again = EditStore(tmp_path)              # a new launch
    assert again.load("lesson-a", ORIGINAL) == ("print('edit 4')\n", None)
    assert again.load("lesson-b", ORIGINAL) == (ORIGINAL, None)


def test_revert_and_unchanged_edit_removes_file(qtbot, tmp_path):
    store = EditStore(tmp_path)
    store.save("l", "x = 1\n", ORIGINAL)
    assert store.has_edit("l")
    store.revert("l")
    assert not store.has_edit("l")
    assert store.load("l", ORIGINAL) == (ORIGINAL, None)
    store.save("l", "x = 1\n", ORIGINAL)
    store.save("l", ORIGINAL, ORIGINAL)      # typed back to the original: nothing kept
    assert not store.path_for("l").exists()


def test_corrupt_or_unreadable_edit_falls_back_with_message(qtbot, tmp_path):
    store = EditStore(tmp_path)
    store.directory.mkdir(parents=True)
    store.path_for("bad").write_bytes(b"\xff\xfe\x00\x81garbage")
    with qtbot.waitSignal(store.failed, timeout=1000):
        text, msg = store.load("bad", ORIGINAL)
    assert text == ORIGINAL and "could not be read" in msg
    store.path_for("dir").mkdir()             # a directory where the file should be
    text, msg = store.load("dir", ORIGINAL)
    assert text == ORIGINAL and msg


def test_save_failure_is_reported_not_raised(qtbot, tmp_path):
    (tmp_path / "edits").write_text("not a directory")
    store = EditStore(tmp_path)
    with qtbot.waitSignal(store.failed, timeout=1000):
        assert store.save("x", "y = 2\n", ORIGINAL) is False


def test_env_var_overrides_directory(tmp_path, monkeypatch, qtbot):
    monkeypatch.setenv("ASYNCIO_PLAYGROUND_DATA", str(tmp_path))
    assert EditStore().directory == tmp_path / "edits"


def test_edit_survives_sigkill(tmp_path):
    """A process that autosaved and then got SIGKILLed leaves its edit restorable."""
    script = textwrap.dedent(f"""
        import os, signal, sys
        sys.path.insert(0, {os.getcwd()!r})
        from PySide6.QtCore import QCoreApplication, QTimer
        app = QCoreApplication([])
        from asyncio_playground.ui.edits import EditStore
        store = EditStore({str(tmp_path)!r})
        store.saved.connect(lambda slug: os.kill(os.getpid(), signal.SIGKILL))
        store.schedule("k", "edited = True\\n", "orig\\n")
        QTimer.singleShot(5000, app.quit)
        app.exec()
    """)
    proc = subprocess.run([sys.executable, "-c", script], timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert EditStore(tmp_path).load("k", "orig\n") == ("edited = True\n", None)
