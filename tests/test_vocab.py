"""One vocabulary, defined once: misspelt words raise, and the docs list what the code defines."""
import json
from pathlib import Path

import pytest

from asyncio_playground import _docs, _tracer, vocab


def test_words_are_plain_strings():
    assert vocab.TaskState.DONE == "done" and {"done": 1}[vocab.TaskState.DONE] == 1
    assert json.dumps([vocab.WaitKind.SLEEP]) == '["sleep"]'
    assert repr(vocab.NetworkMode.OFFLINE) == "'offline'" and f"{vocab.CancelCause.TASK}" == "task"
    assert vocab.LIVE_STATES == {"pending", "running", "waiting"}


@pytest.mark.parametrize("kind, bad", [(vocab.NetworkMode, "ofline"), (vocab.TaskState, "canceled"),
                                       (vocab.WaitKind, "sleeping"), (vocab.CancelCause, "user")])
def test_a_misspelt_word_raises_and_lists_the_right_ones(kind, bad):
    with pytest.raises(ValueError) as err:
        kind.parse(bad)
    assert repr(bad) in str(err.value) and all(w.value in str(err.value) for w in kind)


def test_every_word_says_what_it_means():
    for kind in vocab.VOCABULARIES:
        assert kind.__doc__ and all(word.doc for word in kind), kind


def test_the_tracer_emits_only_wait_kinds_of_the_vocabulary():
    assert {kind for kind, _label in _tracer._KNOWN.values()} <= set(vocab.WaitKind)


def test_generated_docs_are_up_to_date():
    if not (Path(_docs.__file__).resolve().parent.parent / "docs").is_dir():
        pytest.skip("not a checkout")
    assert _docs.regenerate(check=True) == [], "run: python -m asyncio_playground._docs"
