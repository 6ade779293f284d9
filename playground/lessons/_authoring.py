"""docs/authoring.md's Reference section, stated in code: :func:`authoring_tables`.
``python -m asyncio_playground._docs`` puts it in the doc (``--check`` says whether it is current)."""
from __future__ import annotations

from ._checks import _VOCABULARIES, CHECKS, COMMON_KEYS
from ._format import _PREFIXES, GROUPS, USER_GROUP
from .predictions import _COMMON, PREDICTIONS


def authoring_tables() -> str:
    """The Markdown that goes between ``<!-- generated: vocabulary -->`` and
    ``<!-- end generated -->`` in docs/authoring.md: every check with its keys, then the words the
    keys take."""
    out = ["<!-- Generated from asyncio_playground/lessons/ (_format.py, _checks.py) and vocab.py:",
           "     edit those, then run  python -m asyncio_playground._docs -->", "",
           "### Groups", "",
           "The file name's prefix (before the first `_`) picks the group; groups are listed in "
           f"this order. Any other prefix: *{USER_GROUP}*.", "",
           "| prefix | group |", "|---|---|",
           *(f"| `{prefix}_` | {group} |" for prefix, group in
             sorted(_PREFIXES.items(), key=lambda item: GROUPS.index(item[1]))),
           "",
           "### Checks", "",
           "Keys in **bold** are required; the others are optional.  Every check also takes "
           "`python` (" + COMMON_KEYS["python"].label + "): the check holds only on those Pythons "
           "and is skipped elsewhere, for where asyncio itself behaves differently (the lesson "
           "text should then say so).", "",
           "| `check` | keys | passes when |", "|---|---|---|"]
    for name, spec in CHECKS.items():
        keys = [f"**`{k}`** ({t.label})" for k, t in spec.required.items()]
        keys += [f"`{k}` ({t.label})" for k, t in spec.optional.items()]
        out.append(f"| `{name}` | {'<br>'.join(keys) or '—'} | {spec.doc} |")
    out += ["", "### Predictions", "",
            "The `kind` of a `[predict]` table, and its keys.  Every kind also takes "
            + " and ".join(f"`{k}` ({t.label})" for k, t in _COMMON.items())
            + ": the question put to the learner (each kind has a default) and the explanation "
            "shown once a run was compared.", "",
            "| `kind` | keys | the learner predicts |", "|---|---|---|"]
    for name, kind in PREDICTIONS.items():
        keys = [f"**`{k}`** ({t.label})" for k, t in kind.required.items()]
        keys += [f"`{k}` ({t.label})" for k, t in kind.optional.items()]
        out.append(f"| `{name}` | {'<br>'.join(keys) or '—'} | {kind.doc} |")
    for vocab, used_by in _VOCABULARIES:
        what = vocab.what
        out += ["", f"### {what[:1].upper()}{what[1:]}s", "",
                f"{' '.join((vocab.__doc__ or '').split()).replace('``', '`')}  "
                f"Used by {used_by}.", "",
                f"| {what} | meaning |", "|---|---|"]
        out += [f"| `{word.value}` | {word.doc} |" for word in vocab]
    return "\n".join(out) + "\n"
