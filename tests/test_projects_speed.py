"""Faster paths of ``extract.projects`` answer as the plain definitions they replace."""

import itertools

from extract import memo
from extract import projects as P


def _split_definition(w: str) -> bool:
    # the definition _trigger_word had: a trigger, or two triggers written as one word
    t = P._cfg().triggers
    return w in t or any(w[:i] in t and w[i:] in t for i in range(1, len(w)))


def test_trigger_word_as_the_split_definition():
    t = sorted(P._cfg().triggers)
    words = list(t)
    words += [a + b for a in t for b in t]
    words += [a + b + c for a, b, c in itertools.islice(itertools.product(t, t, t), 5000)]
    words += [w[1:] for w in t] + [w[:-1] for w in t] + [w[:1] for w in t]
    words += ["项目", "建设", "", "推进项目", "全力支持"]
    memo.clear()
    assert any(_split_definition(w) and w not in P._cfg().triggers for w in words)  # pairs occur
    for w in words:
        assert P._trigger_word(w) == _split_definition(w), w
    memo.clear()
