"""Can Qt open a window here?  Said plainly, before a QApplication exists.

Without a display Qt prints "could not connect to display", lists its platform plugins and aborts
the interpreter (exit 134, SIGABRT); the same happens when its X11 plugin (xcb) cannot load one of
its system libraries (``libxcb-cursor0`` is the usual one missing on a fresh Debian/Ubuntu).
:func:`problem` finds those cases first, so the window's entry point can say what is missing and
the one-line fix, and exit 2.

Only Linux (and other X11 systems) is checked; macOS and Windows always have their native platform.
"""
from __future__ import annotations

import os
import socket
import struct
import sys
from pathlib import Path
from typing import Callable, Mapping

__all__ = ["DEBIAN_PACKAGES", "XCB_LIBRARIES", "missing_xcb_libraries", "problem", "xcb_libraries"]

#: What Qt 6's xcb platform plugin (and libQt6XcbQpa) link against outside the wheel, in case the
#: plugin itself cannot be read.  The real list comes from the installed plugin's ELF header.
XCB_LIBRARIES = (
    "libxcb.so.1", "libX11.so.6", "libX11-xcb.so.1", "libxkbcommon.so.0", "libxkbcommon-x11.so.0",
    "libxcb-cursor.so.0", "libxcb-icccm.so.4", "libxcb-image.so.0", "libxcb-keysyms.so.1",
    "libxcb-randr.so.0", "libxcb-render-util.so.0", "libxcb-render.so.0", "libxcb-shape.so.0",
    "libxcb-shm.so.0", "libxcb-sync.so.1", "libxcb-util.so.1", "libxcb-xfixes.so.0",
    "libxcb-xkb.so.1", "libfontconfig.so.1", "libfreetype.so.6", "libGL.so.1", "libEGL.so.1",
    "libglib-2.0.so.0", "libdbus-1.so.3",
)

#: soname -> the Debian/Ubuntu package that ships it.
DEBIAN_PACKAGES = {
    "libxcb.so.1": "libxcb1", "libX11.so.6": "libx11-6", "libX11-xcb.so.1": "libx11-xcb1",
    "libxkbcommon.so.0": "libxkbcommon0", "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libxcb-cursor.so.0": "libxcb-cursor0", "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-image.so.0": "libxcb-image0", "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-randr.so.0": "libxcb-randr0", "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-render.so.0": "libxcb-render0", "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-shm.so.0": "libxcb-shm0", "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-util.so.1": "libxcb-util1", "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xkb.so.1": "libxcb-xkb1", "libxcb-xinerama.so.0": "libxcb-xinerama0",
    "libxcb-xinput.so.0": "libxcb-xinput0", "libxcb-glx.so.0": "libxcb-glx0",
    "libfontconfig.so.1": "libfontconfig1", "libfreetype.so.6": "libfreetype6",
    "libGL.so.1": "libgl1", "libEGL.so.1": "libegl1", "libOpenGL.so.0": "libopengl0",
    "libglib-2.0.so.0": "libglib2.0-0", "libgthread-2.0.so.0": "libglib2.0-0",
    "libdbus-1.so.3": "libdbus-1-3", "libSM.so.6": "libsm6", "libICE.so.6": "libice6",
    "libXext.so.6": "libxext6", "libXrender.so.1": "libxrender1", "libXi.so.6": "libxi6",
    "libz.so.1": "zlib1g", "libzstd.so.1": "libzstd1", "libpng16.so.16": "libpng16-16",
}

OFFSCREEN_HINT = ("Without a display, the headless commands still work:\n"
                  "    asyncio-playground run LESSON\n"
                  "    QT_QPA_PLATFORM=offscreen asyncio-playground screenshot LESSON out.png")


def problem(env: Mapping[str, str] | None = None, *, platform: str | None = None,
            lookup: Callable[[str], bool] | None = None,
            connect: Callable[[str], bool] | None = None) -> str | None:
    """Why Qt could not open a window here (a message that ends with the fix), or None.

    ``env`` defaults to ``os.environ``, ``platform`` to ``sys.platform``; ``lookup(soname)`` says
    whether a shared library loads (default: try to load it); ``connect(display)`` whether the X
    server of ``$DISPLAY`` answers (default: a socket connect).  The last two are for tests.
    """
    env = os.environ if env is None else env
    platform = sys.platform if platform is None else platform
    if platform in ("darwin", "win32", "cygwin"):
        return None
    chosen = env.get("QT_QPA_PLATFORM", "").split(":", 1)[0].split(";", 1)[0].strip()
    if chosen and chosen != "xcb":
        return None          # offscreen, wayland, vnc, eglfs...: the user picked it; Qt reports
    display, wayland = env.get("DISPLAY", ""), env.get("WAYLAND_DISPLAY", "")
    if not chosen:
        if not display and not wayland:
            return ("asyncio-playground: cannot open the window: there is no display "
                    "(neither $DISPLAY nor $WAYLAND_DISPLAY is set).\n"
                    "Run it in a desktop session (or over `ssh -X`), or set QT_QPA_PLATFORM.\n"
                    + OFFSCREEN_HINT)
        if wayland and (not display or env.get("XDG_SESSION_TYPE") == "wayland"):
            return None      # Qt takes its Wayland plugin here, not xcb
    elif not display:
        return ("asyncio-playground: cannot open the window: QT_QPA_PLATFORM=xcb but $DISPLAY is "
                "not set.\n" + OFFSCREEN_HINT)
    missing = missing_xcb_libraries(lookup)
    if missing:
        packages = sorted({package_for(name) for name in missing})
        return ("asyncio-playground: cannot open the window: Qt's X11 platform plugin (xcb) needs "
                "system libraries that are not installed:\n    " + ", ".join(missing) + "\n"
                "Fix (Debian/Ubuntu):\n    sudo apt-get install " + " ".join(packages) + "\n"
                + OFFSCREEN_HINT)
    if not (connect or _x_server_answers)(display):
        return (f"asyncio-playground: cannot open the window: no X server answers at "
                f"DISPLAY={display}.\nStart the desktop session (or `ssh -X` again), or point "
                "$DISPLAY at a running X server.\n" + OFFSCREEN_HINT)
    return None


def package_for(soname: str) -> str:
    """The Debian package shipping ``soname`` (a guess from its name for ones not in the table)."""
    if soname in DEBIAN_PACKAGES:
        return DEBIAN_PACKAGES[soname]
    base, _, version = soname.partition(".so")
    version = version.lstrip(".").split(".")[0]
    base = base.lower()
    return base + ("-" if base[-1:].isdigit() else "") + version


def missing_xcb_libraries(lookup: Callable[[str], bool] | None = None) -> list[str]:
    """The system libraries the xcb plugin needs that do not load (empty: all there)."""
    lookup = lookup or _loads
    return [name for name in xcb_libraries() if not lookup(name)]


def xcb_libraries() -> list[str]:
    """Sonames the installed Qt's xcb plugin links against from outside the wheel."""
    qt = _qt_dir()
    if qt is not None:
        bundled = {p.name for p in (qt / "lib").glob("*.so*")}
        names: list[str] = []
        for binary in (qt / "plugins" / "platforms" / "libqxcb.so", qt / "lib" / "libQt6XcbQpa.so.6"):
            try:
                needed = elf_needed(binary.read_bytes())
            except (OSError, ValueError, struct.error):
                return list(XCB_LIBRARIES)
            names += [n for n in needed if n not in bundled and n not in names
                      and not n.startswith(("libc.so", "libm.so", "libstdc++", "libgcc_s",
                                            "libpthread", "libdl.so", "librt.so", "ld-linux"))]
        if names:
            return names
    return list(XCB_LIBRARIES)


def _qt_dir() -> Path | None:
    import importlib.util
    try:
        spec = importlib.util.find_spec("PySide6")
    except (ImportError, ValueError):
        return None
    for location in (spec.submodule_search_locations or []) if spec else []:
        qt = Path(location) / "Qt"
        if qt.is_dir():
            return qt
    return None


def elf_needed(data: bytes) -> list[str]:
    """The DT_NEEDED entries (sonames) of an ELF shared object's dynamic section."""
    if data[:4] != b"\x7fELF":
        raise ValueError("not an ELF file")
    wide, end = data[4] == 2, "<" if data[5] == 1 else ">"
    if wide:
        shoff, = struct.unpack_from(end + "Q", data, 0x28)
        shentsize, shnum = struct.unpack_from(end + "HH", data, 0x3A)
        section, dyn = end + "IIQQQQIIQQ", end + "qQ"
    else:
        shoff, = struct.unpack_from(end + "I", data, 0x20)
        shentsize, shnum = struct.unpack_from(end + "HH", data, 0x2E)
        section, dyn = end + "IIIIIIIIII", end + "iI"
    sections = [struct.unpack_from(section, data, shoff + i * shentsize) for i in range(shnum)]
    needed = []
    for _name, kind, _flags, _addr, offset, size, link, *_ in sections:
        if kind != 6:        # SHT_DYNAMIC
            continue
        strtab = sections[link][4]
        for pos in range(offset, offset + size, struct.calcsize(dyn)):
            tag, value = struct.unpack_from(dyn, data, pos)
            if tag == 0:     # DT_NULL
                break
            if tag == 1:     # DT_NEEDED
                start = strtab + value
                needed.append(data[start:data.index(b"\0", start)].decode())
    return needed


def _loads(soname: str) -> bool:
    import ctypes
    try:
        ctypes.CDLL(soname)
    except OSError:
        return False
    return True


def _x_server_answers(display: str) -> bool:
    """Whether something listens where ``display`` points (``:0``, ``unix:0``, ``host:10.0``).
    A form this does not know is assumed to work (Qt will say if it does not)."""
    host, sep, rest = display.rpartition(":")
    number = rest.split(".", 1)[0]
    if not sep or not number.isdigit() or host.startswith("/"):
        return True
    try:
        if host in ("", "unix"):
            path = f"/tmp/.X11-unix/X{number}"
            for address in (path, "\0" + path):       # the file, then Linux's abstract socket
                with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
                    s.settimeout(1.0)
                    try:
                        s.connect(address)
                        return True
                    except OSError:
                        continue
            return False
        with socket.create_connection((host, 6000 + int(number)), timeout=2.0):
            return True
    except OSError:
        return False
