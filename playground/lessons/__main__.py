"""``python -m asyncio_playground.lessons check [PATH...]``: the same as
``asyncio-playground lessons check [PATH...]`` (see :func:`check_main`)."""
from __future__ import annotations

import sys

from . import check_main

USAGE = ("usage: python -m asyncio_playground.lessons check [PATH...]\n"
         "(docs/authoring.md's generated tables: python -m asyncio_playground._docs)")


def main(argv: list[str]) -> int:
    if argv[:1] == ["check"]:
        return check_main(argv[1:])
    print(USAGE, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
