"""EditStore: debounced atomic autosave, restore, revert, corrupt files."""
import os
import signal
import subprocess
import sys
import textwrap

import pytest

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


def _aside(store, slug):
    return sorted(store.directory.glob(f"{slug}.py.unreadable-*"))


def test_corrupt_or_unreadable_edit_falls_back_with_message(qtbot, tmp_path):
    store = EditStore(tmp_path)
    store.directory.mkdir(parents=True)
    garbage = b"\xff\xfe\x00\x81garbage"
    store.path_for("bad").write_bytes(garbage)
    with qtbot.waitSignal(store.failed, timeout=1000):
        text, msg = store.load("bad", ORIGINAL)
    assert text == ORIGINAL and "could not be read" in msg
    [aside] = _aside(store, "bad")
    assert f"moved to {aside}" in msg and aside.read_bytes() == garbage
    assert not store.has_edit("bad")
    assert store.save("bad", "fresh = 1\n", ORIGINAL)   # the next autosave leaves the old bytes alone
    assert aside.read_bytes() == garbage and store.load("bad", ORIGINAL) == ("fresh = 1\n", None)
    store.path_for("dir").mkdir()             # a directory where the file should be
    text, msg = store.load("dir", ORIGINAL)
    assert text == ORIGINAL and msg and _aside(store, "dir")[0].is_dir()


def test_unreadable_edit_is_moved_aside_before_a_save_that_never_loaded_it(qtbot, tmp_path):
    store = EditStore(tmp_path)
    store.directory.mkdir(parents=True)
    store.path_for("l").write_bytes(b"x = '\xe9'\n")      # latin-1, not UTF-8
    store.path_for("l2").write_bytes(b"x = '\xe9'\n")
    store.schedule("l", "y = 2\n", ORIGINAL)
    with qtbot.waitSignal(store.failed, timeout=3000) as failed:
        pass
    assert "moved to" in failed.args[0]
    qtbot.waitUntil(lambda: store.path_for("l").exists())
    assert store.path_for("l").read_text() == "y = 2\n"
    assert _aside(store, "l")[0].read_bytes() == b"x = '\xe9'\n"
    assert store.save("l2", ORIGINAL, ORIGINAL)            # even a save that only removes the edit
    assert _aside(store, "l2")[0].read_bytes() == b"x = '\xe9'\n"


def test_empty_edit_is_not_restored(qtbot, tmp_path):
    store = EditStore(tmp_path)
    store.directory.mkdir(parents=True)
    store.path_for("empty").write_bytes(b"")
    assert store.has_edit("empty")
    text, msg = store.load("empty", ORIGINAL)
    # a message, so the window shows it rather than "Restored your edits"
    assert text == ORIGINAL and "empty (0 bytes)" in msg and _aside(store, "empty")
    assert store.load("empty", ORIGINAL) == (ORIGINAL, None) and not store.has_edit("empty")


def test_dangling_and_looping_edit_links_are_named(qtbot, tmp_path):
    store = EditStore(tmp_path)
    store.directory.mkdir(parents=True)
    nowhere = tmp_path / "gone" / "edit.py"
    os.symlink(nowhere, store.path_for("dangling"))
    os.symlink(store.path_for("looping"), store.path_for("looping"))
    assert store.has_edit("dangling") and store.has_edit("looping")
    text, msg = store.load("dangling", ORIGINAL)
    assert text == ORIGINAL and f"symbolic link to {nowhere}, which does not exist" in msg
    text, msg = store.load("looping", ORIGINAL)
    assert text == ORIGINAL and "symbolic link that loops" in msg
    for slug in ("dangling", "looping"):
        assert _aside(store, slug)[0].is_symlink()
        assert store.save(slug, "z = 3\n", ORIGINAL)       # a plain file now, not written through a link
        assert not store.path_for(slug).is_symlink() and store.path_for(slug).read_text() == "z = 3\n"
    assert not nowhere.exists()


def test_a_link_to_a_readable_edit_is_followed(qtbot, tmp_path):
    store = EditStore(tmp_path)
    store.directory.mkdir(parents=True)
    real = tmp_path / "mine.py"
    real.write_text("mine = 1\n")
    os.symlink(real, store.path_for("linked"))
    assert store.load("linked", ORIGINAL) == ("mine = 1\n", None)


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root may rename anywhere")
def test_an_edit_that_cannot_be_moved_aside_is_never_overwritten(qtbot, tmp_path):
    store = EditStore(tmp_path)
    store.directory.mkdir(parents=True)
    store.path_for("ro").write_bytes(b"\xff")
    store.directory.chmod(0o500)
    try:
        text, msg = store.load("ro", ORIGINAL)
        assert text == ORIGINAL and f"stays at {store.path_for('ro')}" in msg
        assert store.save("ro", "new = 1\n", ORIGINAL) is False
    finally:
        store.directory.chmod(0o700)
    assert store.path_for("ro").read_bytes() == b"\xff"


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
