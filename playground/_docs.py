"""Regenerates the parts of ``docs/`` that are stated in code: the event records, the vocabulary,
the lesson checks, and the finding kinds (``docs/findings.md``).  ``python -m
asyncio_playground._docs`` rewrites them; ``--check`` only says whether they are up to date (the
test suite runs the check).

A generated part sits between ``<!-- generated: NAME -->`` and ``<!-- end generated -->``.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

from . import events, lessons, vocab
from ._findings import findings_markdown

__all__ = ["GENERATORS", "events_markdown", "regenerate"]


def events_markdown() -> str:
    """One row per record of :mod:`.events`: its tag, its fields in order, what it means."""
    rows = ["| record | fields (a tuple in this order) | meaning |", "|---|---|---|"]
    seen = []
    for tag, kinds in events.EVENT_TYPES.items():
        for kind in kinds if isinstance(kinds, tuple) else (kinds,):
            seen.append(kind)
            doc = " ".join(kind.__doc__.split())
            rows.append(f"| `{kind.__name__}` (`\"{tag}\"`) | `{', '.join(kind._fields)}` | {doc} |")
    doc = " ".join(events.ExcInfo.__doc__.split())
    rows.append(f"| `ExcInfo` (in `exc`) | `{', '.join(events.ExcInfo._fields)}` | {doc} |")
    return "\n".join(rows) + "\n"


#: doc name -> {marker: function producing the generated text}
GENERATORS = {
    "engine-api.md": {"events": events_markdown, "vocabulary": vocab.markdown},
    "findings.md": {"findings": findings_markdown},
    "authoring.md": {"vocabulary": lessons.authoring_tables},
}


def _docs_dir() -> Path:
    return Path(__file__).resolve().parent.parent / "docs"


def regenerate(check: bool = False, docs: Path | None = None) -> list[str]:
    """Rewrite (or with ``check``, only compare) the generated parts; returns the stale ones."""
    docs = docs or _docs_dir()
    stale = []
    for name, parts in GENERATORS.items():
        path = docs / name
        text = original = path.read_text(encoding="utf-8")
        for marker, make in parts.items():
            pattern = re.compile(rf"(<!-- generated: {marker} -->\n).*?(<!-- end generated -->)", re.S)
            if not pattern.search(text):
                stale.append(f"{name}: no <!-- generated: {marker} --> section")
                continue
            text = pattern.sub(lambda m: m.group(1) + make() + m.group(2), text)
        if text != original:
            stale.append(name)
            if not check:
                path.write_text(text, encoding="utf-8")
    return stale


def main(argv=None) -> int:
    check = "--check" in (argv if argv is not None else sys.argv[1:])
    stale = regenerate(check=check)
    for name in stale:
        print(("out of date: " if check else "rewrote: ") + name)
    return 1 if check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
