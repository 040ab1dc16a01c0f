"""Names in a question that the corpus lacks, and the corpus's vocabulary.

A question that names something (a capitalised word past its first word) that
occurs nowhere in the corpus, not even as a close cognate ("Tilburg", "France";
"Netherlands" passes through "Nederland"), is likely about something the text
does not cover. The count is one of the answerability features
(:mod:`bronwijzer.answer.evidence`); the confidence itself is the fitted model's
(:mod:`bronwijzer.answer.answerability`).
"""

from __future__ import annotations

import re
from functools import lru_cache

from bronwijzer.text import fold
from bronwijzer.settings import TUNING


# Words English capitalises that name no particular thing of a Dutch policy text.
COMMON = frozenset("""dutch english european parliament cabinet minister ministry government
council article footnote voetnoot kabinet rijk the de het een and en of van""".split())

def missing_names(question: str, vocabulary: frozenset[str]) -> list[str]:
    """Capitalised words of the question (not its first) that the corpus lacks."""
    words = re.findall(r"\w+", question)
    names = [w for w in words[1:] if w[0].isupper() and len(w) > 2 and w.lower() not in COMMON]
    return [w for w in names if not _known(fold(w), vocabulary)]


def _known(word: str, vocabulary: frozenset[str]) -> bool:
    if word in vocabulary:
        return True
    grams = _trigrams(word)
    return any(len(grams & other) / len(grams | other) >= TUNING.cognate_similarity
               for other in _near(word[:1], len(word), vocabulary))


def _near(initial: str, length: int, vocabulary: frozenset[str]):
    """Trigram sets of the vocabulary's words with this initial and within 3 of this length."""
    by_length = _buckets(vocabulary).get(initial, {})
    for size in range(max(length - 3, 0), length + 4):
        yield from by_length.get(size, ())


@lru_cache(maxsize=4)
def _buckets(vocabulary: frozenset[str]) -> dict[str, dict[int, list[frozenset[str]]]]:
    """The vocabulary's trigram sets by initial and length (built once per vocabulary)."""
    buckets: dict[str, dict[int, list[frozenset[str]]]] = {}
    for v in vocabulary:
        buckets.setdefault(v[:1], {}).setdefault(len(v), []).append(_trigrams(v))
    return buckets


@lru_cache(maxsize=65536)
def _trigrams(word: str) -> frozenset[str]:
    padded = f"#{word}#"
    return frozenset(padded[i:i + 3] for i in range(len(padded) - 2))


def corpus_vocabulary(texts) -> frozenset[str]:
    """The folded words of the corpus texts."""
    return frozenset(w for t in texts for w in re.findall(r"\w+", fold(t)))
