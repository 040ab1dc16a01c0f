"""Evidence: the features of one question's retrieved text that tell whether it answers.

Each feature is a number a careful reader would look at before answering:

- ``best_cosine``: the best sentence's cosine to the question; ``margin``: how far it
  stands above the second best; ``best_score`` / ``score_margin``: the same for the
  sentence scores the answer ranks by (the sentence ranker's); ``peak``: how far the
  best passage's cosine stands above the mean of the top 20 (a flat top means nothing
  stands out);
- ``terms_chosen`` / ``terms_top``: the share of the question's content words
  (folded, stemmed) found in the chosen sentences / in the best passage;
  ``terms_corpus``: the share found anywhere in the corpus;
- ``kind_missing``: the question asks an amount of money, an area, a percentage, a
  year or a number and no chosen sentence gives one; ``names_missing``: names in
  the question that the corpus lacks;
- ``agreement``: the share of the dense top 5 that BM25's top 5 holds too;
- ``asks_proposal`` / ``asks_amount``: the question type.

Which of them the fitted model uses is written in its JSON file (``calibrate``).
"""

from __future__ import annotations

import re
from typing import Iterable

import numpy as np

from bronwijzer.answer.names import missing_names
from bronwijzer.answer.qtype import asks_amount, asks_proposal, has_count, has_number
from bronwijzer.quotes import shared_terms
from bronwijzer.search.fusion import top_rows
from bronwijzer.settings import TUNING

# kind: (words that say a question is about it, a question that asks for it whatever
# its words, how a sentence gives it). Words count only in a question asking an amount.
KINDS = {
    "money": (r"\b(geld|bedrag\w*|budget\w*|euro'?s?|money|funding|kosten|costs?|loans?|"
              r"lening\w*|krediet\w*|prijs|prijzen|prices?|tarie\w+|salar\w+|investment)\b",
              r"\b(welk|what|which)\s+(bedrag|budget)",
              r"\beuro'?s?\b|€|\bmiljoen|\bmiljard|\bmillion|\bbillion"),
    "area": (r"\b(hectare\w*|oppervlakte|area|vierkante|square)\b",
             r"\b(welke oppervlakte|what area)\b", r"hectare|\bha\b|vierkante|m2|m²|km2"),
    # a percentage is a number with its sign or word ("minimumpercentages" gives none)
    "percent": (r"\b(procent\w*|percent\w*|percentage)\b", r"$^",
                r"\d\s*%|\d\s*(procent|percent)\b|\b(een|twee|drie|vier|vijf|zes|zeven|acht|"
                r"negen|tien|twintig|dertig|veertig|vijftig|honderd|one|two|three|four|five|six|"
                r"seven|eight|nine|ten|twenty|thirty|forty|fifty|hundred)\s+(procent|percent)\b"),
    "year": (r"$^", r"\b(welk jaar|which year|what year|welke datum|what date)\b|"
             r"^(\w+\s){0,2}(wanneer|when)\b",
             r"\b(1[89]|20)\d\d\b|\b(januari|februari|maart|april|mei|juni|juli|augustus|"
             r"september|oktober|november|december|january|february|march|june|july|august|"
             r"october)\b"),
}
def asked_kinds(question: str) -> list[str]:
    """What the question asks for: ``money``, ``area``, ``percent``, ``year``, or
    ``number`` (an amount of something else)."""
    amount = asks_amount(question)
    kinds = [k for k, (words, ask, _) in KINDS.items()
             if (amount and re.search(words, question, re.I)) or re.search(ask, question, re.I)]
    if amount and not kinds:
        kinds.append("number")
    return kinds


def missing_kinds(question: str, sentences: list[str]) -> list[str]:
    """The kinds the question asks for that none of ``sentences`` gives."""
    text = " ".join(re.sub(r"\[\d+\]", " ", s) for s in sentences)
    missing = []
    for kind in asked_kinds(question):
        gives = (has_count(text) if kind == "number"
                 else re.search(KINDS[kind][2], text, re.I))
        if not gives:
            missing.append(kind)
    return missing


def features_of(question: str, vector: np.ndarray, hits, scored, chosen, index,
           q_terms: set[str], vocabulary: frozenset[str],
           only: Iterable[str] | None = None) -> dict[str, float]:
    """The evidence features of one question.

    Args:
        question: the question.
        vector: its query vector.
        hits: the retrieved passages, best first.
        scored: every sentence of the hits as ``(score, hit, start, end)``, best first.
        chosen: the sentences chosen for the answer, same form.
        index: the loaded index (vectors, BM25).
        q_terms: the question's content words (stemmed, frame words removed).
        vocabulary: the corpus's folded words.
        only: the features wanted (default: all). Answering asks only for those the
            model and the reasons read.

    Returns:
        Feature name -> value (see the module docstring).
    """
    sentences = [h.passage.text[s:e] for _, h, s, e in chosen]
    # all sentences of the hits, best first
    rows = [index.rows[h.passage.id] for h in hits]
    cosines = np.sort(index.sentence_cosines(rows, vector))[::-1]
    top_text = hits[0].passage.text if hits else ""
    features = {
        "best_cosine": lambda: float(cosines[0]) if len(cosines) else 0.0,
        "margin": lambda: float(cosines[0] - cosines[1]) if len(cosines) > 1 else 0.0,
        "best_score": lambda: float(scored[0][0]) if scored else 0.0,
        "score_margin": lambda: float(scored[0][0] - scored[1][0]) if len(scored) > 1 else 0.0,
        "peak": lambda: _peak(index, vector),
        "terms_chosen": lambda: shared_terms(q_terms, " ".join(sentences)),
        "terms_top": lambda: shared_terms(q_terms, top_text),
        "terms_corpus": lambda: index.lexical.coverage(question) if index.lexical else 0.0,
        "kind_missing": lambda: float(bool(missing_kinds(question, sentences))),
        "names_missing": lambda: float(len(missing_names(question, vocabulary))),
        "agreement": lambda: _agreement(hits, index, question, vector),
        "asks_proposal": lambda: float(asks_proposal(question)),
        "asks_amount": lambda: float(asks_amount(question)),
        "numbers_chosen": lambda: float(any(has_number(s) for s in sentences)),
    }
    wanted = features if only is None else [f for f in features if f in set(only)]
    return {name: features[name]() for name in wanted}


def _peak(index, vector: np.ndarray) -> float:
    """How far the best passage's cosine stands above the mean of the top ones.

    The top cosines come from the dense index (``TUNING.evidence_top`` of them: exact
    below ``ann_min_passages``, HNSW above), so the cost does not grow with the corpus.
    """
    top = _dense_top(index, vector, TUNING.evidence_top)[0]
    return float(top[0] - top.mean()) if len(top) else 0.0


def _agreement(hits, index, question: str, vector: np.ndarray, depth: int = 5) -> float:
    """The share of the dense top ``depth`` that BM25's top ``depth`` holds too."""
    if not index.lexical or not len(index.vectors):
        return 0.0
    dense = _dense_top(index, vector, depth)[1]
    lexical = index.lexical.scores(question)
    bm25 = [i for i in top_rows(lexical, depth).tolist() if lexical[i] > 0]
    return len(set(dense.tolist()) & set(bm25)) / depth


def _dense_top(index, vector: np.ndarray, depth: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``depth`` best passage cosines to ``vector`` (best first) and their rows,
    from the index's dense search rather than a scan of every passage vector."""
    depth = min(depth, len(index.vectors))
    if depth <= 0:
        return np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.int64)
    scores, ids = index.dense.search(np.asarray(vector, dtype=np.float32).reshape(1, -1), depth)
    valid = ids[0] >= 0
    return scores[0][valid], ids[0][valid]
