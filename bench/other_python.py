"""A benchmark on a Python this machine does not have: Debian's, in the CI's chroot (``.ci/debian-python``).

``run_all`` adds a column for Python 3.15 to the throughput and peer tables when the chroot is
there (``--python315 auto``, the default) or when asked (``--python315 yes``: made if missing, which
takes minutes).  The benchmark runs inside the chroot exactly as on the host
(``.ci/debian-python 3.15 python -m bench.throughput ... --json out/bench/py3.15-throughput.json``:
the checkout is mounted at ``/src``, so the JSON lands in this checkout's ``out/bench``); its
children are that Python's too.  The chroot's venv has the app's dependencies and its ``test``
extra, not the ``bench`` extra: QtAsyncio says "not installed" there.  For the peer workload the
peer tools are fetched on the host as wheels for that Python (``pip download --python-version``,
into ``out/bench/peer-wheels-3.X``) and installed for the run alone into the chroot's /tmp (a
tmpfs), never into the CI's venv; a tool with no wheel for that Python (VizTracer 1.1.1 has none
for 3.15) says so in its row.

    python -m bench.other_python 3.15 throughput --reps 2 --procs 2
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from bench import loops as L

SCRIPT = L.ROOT / ".ci" / "debian-python"
CACHE = Path(os.environ.get("DEBIAN_PYTHON_CACHE", "/var/cache/asyncio-playground-ci"))


def unavailable(version: str, make: bool = False) -> str | None:
    """Why Python ``version`` cannot be benchmarked here (None: it can).  Without ``make``, only
    an existing chroot with that Python in it counts (nothing is downloaded)."""
    if not SCRIPT.exists():
        return f"{SCRIPT.relative_to(L.ROOT)} is missing"
    if not sys.platform.startswith("linux"):
        return "the Debian chroot needs Linux"
    if os.geteuid() != 0:
        return "the Debian chroot needs root (chroot, mount)"
    if not make and not (CACHE / "unstable" / "usr" / "bin" / f"python{version}").exists():
        return f"no Debian chroot with python{version} in {CACHE} (run_all --python315 yes makes one)"
    return None


PEER_TOOLS = ("viztracer", "aiomonitor")


def peer_wheels(version: str, log=print) -> tuple[Path, dict]:
    """Wheels of the peer tools (and what they need) for Python ``version``, fetched on the host
    into the checkout (the chroot sees it at /src).  Returns the folder and {tool: why not} for
    the tools pip found no wheels for."""
    dest = L.ROOT / "out" / "bench" / f"peer-wheels-{version}"
    dest.mkdir(parents=True, exist_ok=True)
    missing = {}
    for tool in PEER_TOOLS:
        p = subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--only-binary=:all:",
                            "--python-version", version, "--implementation", "cp",
                            "--platform", "manylinux_2_34_x86_64", "--platform", "manylinux_2_28_x86_64",
                            "--platform", "manylinux_2_17_x86_64", "--platform", "manylinux2014_x86_64",
                            "-d", str(dest), tool], capture_output=True, text=True, timeout=600)
        if p.returncode != 0:
            missing[tool] = f"no wheel of {tool} for Python {version} on the package index"
            log(f"  {tool}: {missing[tool]}")
    return dest, missing


def run(version: str, section: str, args: list[str], timeout: float = 3600, log=print) -> dict:
    """``python -m bench.<section> ARGS --json ...`` on Python ``version`` in the chroot; its result
    dict (with ``"python"``: the exact version), or ``{"error": ...}``."""
    rel = Path("out") / "bench" / f"py{version}-{section}.json"
    out = L.ROOT / rel
    out.parent.mkdir(parents=True, exist_ok=True)
    out.unlink(missing_ok=True)
    prelude = ""
    missing = {}
    if section == "peers":
        wheels, missing = peer_wheels(version, log)
        tools = [t for t in PEER_TOOLS if t not in missing]
        if tools:
            # Installed for this run only, beside (not into) the chroot's venv; the children the
            # benchmark spawns find them through PYTHONPATH.
            prelude = (f"import os, subprocess; subprocess.run([sys.executable, '-m', 'pip', 'install', "
                       f"'-q', '--no-index', '--find-links', '/src/{wheels.relative_to(L.ROOT)}', "
                       f"'--target', '/tmp/peer-tools', *{tools!r}], check=True); "
                       f"sys.path.insert(0, '/tmp/peer-tools'); "
                       f"os.environ['PYTHONPATH'] = '/tmp/peer-tools'; ")
    code = (f"import sys, runpy; print('@@PY@@' + sys.version.split()[0], flush=True); {prelude}"
            f"sys.argv = ['bench.{section}', *{args + ['--json', str(rel)]!r}]; "
            f"runpy.run_module('bench.{section}', run_name='__main__')")
    t0 = time.monotonic()
    try:
        p = subprocess.run([sys.executable, str(SCRIPT), version, "python", "-c", code], cwd=L.ROOT,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        return {"error": f"timed out after {timeout:.0f} s", "stderr": L._tail(exc.stdout)}
    exact = next((line[6:].strip() for line in p.stdout.splitlines() if line.startswith("@@PY@@")),
                 version)
    if p.returncode != 0 or not out.exists():
        return {"error": f"exit code {p.returncode}", "stderr": L._tail(p.stdout), "python": exact}
    res = json.loads(out.read_text())
    for tool, why in missing.items():
        if tool in res.get("peers", {}):
            res["peers"][tool] = {"skipped": why}
    res["python"] = exact
    res["seconds"] = time.monotonic() - t0
    log(f"  {section} on Python {exact} (Debian chroot): done in {res['seconds']:.0f} s")
    return res


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if len(argv) < 2:
        print(__doc__)
        return 2
    version, section, *args = argv
    why = unavailable(version, make=True)
    if why:
        print(f"Python {version}: {why}")
        return 1
    res = run(version, section, args)
    print(json.dumps({k: v for k, v in res.items() if k != "cases"}, indent=1)[:2000])
    return 0 if "error" not in res else 1


if __name__ == "__main__":
    sys.exit(main())
