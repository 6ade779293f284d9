"""The application icon, the desktop entry and `asyncio-playground install-desktop` (issue 13)."""
import configparser
import os
import subprocess
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from asyncio_playground.ui import desktop  # noqa: E402


def test_icon_renders_sharp_at_any_size(qapp):
    icon = desktop.app_icon()
    for size in (16, 48, 256):
        image = icon.pixmap(size, size).toImage()
        assert image.width() == size
        opaque = sum(image.pixelColor(x, y).alpha() > 200 for x in range(0, size, max(1, size // 16))
                     for y in range(0, size, max(1, size // 16)))
        assert opaque > 100 if size >= 48 else opaque > 30      # drawn, not an empty/missing icon


def test_window_has_the_icon(make_window):
    w = make_window()
    assert not w.windowIcon().isNull()


def test_install_desktop_writes_entry_and_icon(tmp_path):
    env = dict(os.environ, HOME=str(tmp_path), XDG_DATA_HOME=str(tmp_path / "share"))
    proc = subprocess.run([sys.executable, "-m", "asyncio_playground", "install-desktop"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    entry = tmp_path / "share" / "applications" / "asyncio-playground.desktop"
    icon = tmp_path / "share" / "icons" / "hicolor" / "scalable" / "apps" / "asyncio-playground.svg"
    assert f"wrote {entry}" in proc.stdout and icon.read_bytes() == desktop.ICON.read_bytes()
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str
    parser.read(entry)
    section = parser["Desktop Entry"]
    assert section["Type"] == "Application" and section["Name"] == "asyncio Playground"
    assert section["Icon"] == str(icon) and section["Terminal"] == "false"
    exec_line = section["Exec"].split()
    assert exec_line[1:] == ["-m", "asyncio_playground"] and os.path.exists(exec_line[0])
    version = subprocess.run([*exec_line, "--version"], capture_output=True, text=True, timeout=60)
    assert version.returncode == 0 and version.stdout.startswith("asyncio-playground ")


def test_desktop_files_are_package_data():
    text = (desktop.HERE.parent / "pyproject.toml").read_text() if (desktop.HERE.parent / "pyproject.toml").exists() \
        else None
    if text is not None:   # a checkout: the wheel ships them (tests/test_wheel.py builds it)
        assert '"asyncio_playground.ui" = ["*.svg", "*.desktop"]' in text
    assert desktop.ICON.is_file() and desktop.DESKTOP.is_file()
