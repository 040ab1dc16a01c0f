"""Confidence: how sure the assistant is that the chosen sentences answer the question.

The base is the best sentence's score (its cosine to the question, plus words
shared). Two checks of the kind a careful reader makes lower it:

- the question asks for an amount ("hoeveel", "how many") and no chosen
  sentence holds a number;
- the question names something (a capitalised word past its first word) that
  occurs nowhere in the corpus, not even as a close cognate ("Tilburg", "France";
  "Netherlands" passes through "Nederland").

A logistic curve maps the result to [0, 1].
"""

from __future__ import annotations

import math
import re
from functools import lru_cache

from bronwijzer.answer.qtype import asks_amount, has_number
from bronwijzer.text import fold

CENTER = 0.816
SCALE = 0.015
AMOUNT_PENALTY = 0.04
NAME_PENALTY = 0.04
COGNATE_SIMILARITY = 0.3

# Words English capitalises that name no particular thing of a Dutch policy text.
COMMON = frozenset("""dutch english european parliament cabinet minister ministry government
council article footnote voetnoot kabinet rijk""".split())

def confidence_of(score: float) -> float:
    """Map an evidence score to a confidence in [0, 1]."""
    return 1.0 / (1.0 + math.exp(-(score - CENTER) / SCALE))


def assess(question: str, best_score: float, sentences: list[str], vocabulary: frozenset[str]) -> float:
    """The confidence that ``sentences`` answer ``question``.

    Args:
        question: the question.
        best_score: the best sentence's score (see ``answer.score_sentences``).
        sentences: the sentences chosen for the answer.
        vocabulary: the corpus's folded words (``corpus_vocabulary``).

    Returns:
        A confidence in [0, 1].
    """
    score = best_score
    if asks_amount(question) and not any(has_number(s) for s in sentences):
        score -= AMOUNT_PENALTY
    if missing_names(question, vocabulary):
        score -= NAME_PENALTY
    return confidence_of(score)


def missing_names(question: str, vocabulary: frozenset[str]) -> list[str]:
    """Capitalised words of the question (not its first) that the corpus lacks."""
    words = re.findall(r"\w+", question)
    names = [w for w in words[1:] if w[0].isupper() and len(w) > 2 and w.lower() not in COMMON]
    return [w for w in names if not _known(fold(w), vocabulary)]


def _known(word: str, vocabulary: frozenset[str]) -> bool:
    if word in vocabulary:
        return True
    grams = _trigrams(word)
    return any(len(grams & _trigrams(v)) / len(grams | _trigrams(v)) >= COGNATE_SIMILARITY
               for v in vocabulary if abs(len(v) - len(word)) <= 3 and v[:1] == word[:1])


@lru_cache(maxsize=65536)
def _trigrams(word: str) -> frozenset[str]:
    padded = f"#{word}#"
    return frozenset(padded[i:i + 3] for i in range(len(padded) - 2))


def corpus_vocabulary(texts) -> frozenset[str]:
    """The folded words of the corpus texts."""
    return frozenset(w for t in texts for w in re.findall(r"\w+", fold(t)))
