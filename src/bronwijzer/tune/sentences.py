"""Fitting the learned sentence ranker offline (``answer/sentence_rank.json``).

``answer.sentence_rank`` scores every sentence of a question's hits with a logistic
model (numpy only); this module fits it with ``tune.fitting``'s pipeline (standardise,
then a logistic regression, classes balanced). Labels are pointwise: a sentence is
positive when it holds one of the question's gold strings by ``score.py``'s rule (the
gold string inside it, or a common run of 60% of the gold's length). Only answerable
questions with gold strings train it, and only those whose hits hold a positive sentence.

The hits a sentence stands in depend on the passage ranker, which is refitted per fold:
``collect`` keeps each question's vector and its passage candidates (``tune.ranker``'s
samples, collected once), and ``fit`` re-orders them with the given ranker parameters,
exactly as ``search.rank.LearnedRanker.reorder`` does, before taking the ``k`` best; the
words the ranker's query expansion adds to each question (``terms_expanded``) follow its
``expansion``, which the parameters keep for the answer path.
The margin of ``answer.compose.choose_sentences`` on the probability scale is chosen
on the training questions by inner cross-validation: the margin whose answers (the
chosen sentences in reading order, first 600 characters) hit a gold string most often.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bronwijzer.answer import sentence_rank
from bronwijzer.answer.compose import choose_sentences
from bronwijzer.quotes import footnote_superscripts
from bronwijzer.records import Hit
from bronwijzer.search.rank import WITHOUT_TOKENS as RANKER_WITHOUT_TOKENS
from bronwijzer.search.rank import expansion_of, linear_scores, shared_expander
from bronwijzer.tune import fitting
from bronwijzer.tune.evaluate import contains as hits
from bronwijzer.tune.evaluate import normalise as norm
from bronwijzer.tune.ranker import data_sha256, retriever_of

# score.py's answer budget (its rule is tune.evaluate's copy: no ../shared at run time)
ANSWER_BUDGET = 600
C = 1.0  # the logistic regression's inverse regularisation (not tuned further)
# the margins tried by the inner cross-validation, on the probability scale
MARGINS = (0.0, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.7, 1.0)
# the features fitted: all (smaller sets did worse out of fold, eval/RANKING.md "Sentence
# ranking and paraphrases")
USED = sentence_rank.FEATURES
PAIRWISE = False  # pointwise: pairs did worse out of fold (eval/RANKING.md)


@dataclass(frozen=True)
class Item:
    """One training question: its gold strings, vector and passage candidates."""

    qid: str
    question: str
    golds: tuple[str, ...]
    vector: np.ndarray
    rows: np.ndarray     # the passage ranker's candidates, fused order
    matrix: np.ndarray   # their passage-ranker features
    tokens: np.ndarray | None = None  # the question's token vectors (sentence MaxSim)


def answer_hits(golds, sentences: list[str]) -> bool:
    """Whether an answer quoting ``sentences`` (in order) hits a gold string as
    ``score.py`` counts ``answer_hit`` (its first 600 characters)."""
    text = norm(" ".join(footnote_superscripts(s.strip()) for s in sentences))[:ANSWER_BUDGET]
    return any(hits(norm(g), text) for g in golds)


def collect(questions: list[dict], engine, samples) -> list[Item]:
    """The training items: the usable questions with their vectors and candidates.

    Args:
        questions: rows of a question set (id, question, gold, answerable).
        engine: the open ``Engine`` (an ``Engine`` or a ``Retriever``).
        samples: ``tune.ranker.collect`` of the same questions.

    Returns:
        One ``Item`` per question with a ranker sample, in order.
    """
    by_id = {s.qid: s for s in samples}
    usable = [q for q in questions if str(q["id"]) in by_id]
    if not usable:
        return []
    retriever = retriever_of(engine)
    vectors = retriever.embed_queries([q["question"] for q in usable])
    return [Item(str(q["id"]), q["question"], tuple(q["gold"]), v, by_id[str(q["id"])].rows,
                 by_id[str(q["id"])].matrix, retriever.query_tokens(q["question"], v))
            for q, v in zip(usable, vectors)]


def top_hits(item: Item, passage_params: dict | None, index, k: int) -> list[Hit]:
    """The ``k`` hits the engine answers from under these passage-ranker parameters."""
    rows = item.rows
    if passage_params is not None and len(rows) > 1:
        depth = int(passage_params["depth"])
        head = rows[:depth]
        order = np.argsort(-linear_scores(passage_params, item.matrix[:depth]), kind="stable")
        rows = np.concatenate([head[order], rows[depth:]])
    return [Hit(passage=index.passages[r], score=0.0, rank=n,
                dense=float(index.vectors[r] @ item.vector))
            for n, r in enumerate(rows[:k].tolist(), 1)]


class Table:
    """The sentence features and labels of items under given passage-ranker parameters,
    computed once per distinct set of hits (the folds' rankers mostly agree)."""

    def __init__(self, index, k: int) -> None:
        self.index, self.k = index, k
        self._cache: dict = {}

    def rows(self, item: Item, passage_params: dict | None, added: tuple[str, ...] = ()):
        """``(candidates, matrix, labels)`` of an item's sentences (``added``: the words
        the query expansion adds to its question)."""
        found = top_hits(item, passage_params, self.index, self.k)
        key = (item.qid, tuple(h.passage.id for h in found), tuple(added))
        if key not in self._cache:
            candidates, matrix = sentence_rank.features(item.question, item.vector, found,
                                                        self.index, tuple(added), item.tokens)
            golds = [norm(g) for g in item.golds]
            labels = np.array([any(hits(g, norm(h.passage.text[s:e])) for g in golds)
                               for h, s, e, _, _ in candidates], dtype=np.int64)
            self._cache[key] = (candidates, matrix, labels)
        return self._cache[key]


def fit(items: list[Item], table: Table, passage_params: dict | None, embedder,
        c: float = C, features=None, pairwise: bool = PAIRWISE) -> dict:
    """Fit the sentence ranker and choose its margin on the items.

    Args:
        items: the training questions (``collect``).
        table: the features' ``Table`` over the index.
        passage_params: the passage ranker's parameters the hits are ranked with.
        embedder: the index's embedder (its name and fingerprint go in the file).
        c: the logistic regression's inverse regularisation strength.
        features: the feature names used (default ``USED``).
        pairwise: fit on differences of (positive, negative) sentence pairs of a question
            and score by a softmax over the question's sentences; else pointwise labels.

    Returns:
        The parameters ``answer.sentence_rank`` scores with.
    """
    expansion = expansion_of(passage_params) if passage_params is not None else (0, 1.0)
    if expansion[0] > 0:
        shared_expander(table.index, embedder)  # what ``expanded_words`` finds loaded
    data = [(item, *table.rows(item, passage_params, sentence_rank.expanded_words(
        item.question, table.index, expansion))) for item in items]
    data = [d for d in data if d[3].any()]
    features = USED if features is None else features
    columns = [sentence_rank.FEATURES.index(f) for f in features]
    data = [(item, found, matrix[:, columns].astype(np.float64), labels)
            for item, found, matrix, labels in data]
    params = _fit_linear(data, c, pairwise)
    inner = fitting.folds_of([d[0].qid for d in data], [0] * len(data))
    probs = [None] * len(data)
    for f in sorted(set(inner)):
        model = _fit_linear([d for d, g in zip(data, inner) if g != f], c, pairwise)
        for n in (n for n, g in enumerate(inner) if g == f):
            probs[n] = _scores(model, data[n][2])
    margin, share = choose_margin(data, probs, table.index)
    n_positive = int(sum(d[3].sum() for d in data))
    return {**params, "features": list(features), "margin": margin,
            "expansion": [int(expansion[0]), float(expansion[1])],
            "cv_answer_hit": round(share, 6), "n_questions": len(data),
            "n_sentences": int(sum(len(d[3]) for d in data)), "n_positive": n_positive,
            "embedding_model": {"name": embedder.name, "fingerprint": embedder.fingerprint},
            "data_sha256": data_sha256([{"id": d[0].qid, "question": d[0].question,
                                         "gold": list(d[0].golds)} for d in data])}


def _scores(model: dict, x: np.ndarray) -> np.ndarray:
    """``sentence_rank.probabilities`` of columns already selected (``x``)."""
    z = (x - np.asarray(model["mean"])) / np.asarray(model["scale"])
    z = np.clip(z @ np.asarray(model["coef"]) + model["intercept"], -50.0, 50.0)
    if model["output"] == "softmax":
        e = np.exp(z - z.max())
        return e / e.sum()
    return 1.0 / (1.0 + np.exp(-z))


def _fit_linear(data: list, c: float, pairwise: bool) -> dict:
    """The standardisation and coefficients of a logistic regression on ``data``:
    pointwise (classes balanced) or on (positive - negative) pairs of each question."""
    if pairwise:
        diffs = [(x[labels == 1][:, None, :] - x[labels == 0][None, :, :]).reshape(-1, x.shape[1])
                 for _, _, x, labels in data]
        pairs = np.concatenate(diffs)
        x = np.concatenate([pairs, -pairs])
        y = np.concatenate([np.ones(len(pairs)), np.zeros(len(pairs))]).astype(np.int64)
        make = fitting.pipeline
    else:
        x = np.concatenate([d[2] for d in data])
        y = np.concatenate([d[3] for d in data])
        make = _balanced
    parts = fitting.linear_parts(fitting.fit(make, x, y, c))
    if pairwise:  # a pair's difference: only the scale matters, and no intercept
        parts["mean"], parts["intercept"] = np.zeros_like(parts["mean"]), [0.0]
    kind = "pairwise" if pairwise else "pointwise class_weight=balanced"
    return {"model": f"logistic-regression {kind} C={c}",
            "output": "softmax" if pairwise else "sigmoid",
            "mean": fitting.rounded(parts["mean"]), "scale": fitting.rounded(parts["scale"]),
            "coef": fitting.rounded(parts["coef"][0]),
            "intercept": fitting.rounded(parts["intercept"][0])}


def _balanced(c: float):
    """A pipeline whose logistic regression weighs the two classes equally."""
    return fitting.pipeline(c, class_weight="balanced")


def choose_margin(data: list, probs: list, index, limit: int = 3) -> tuple[float, float]:
    """The margin of ``MARGINS`` whose answers hit a gold string most often (ties: the
    smaller), with out-of-fold probabilities ``probs`` (one array per item of ``data``).

    Returns:
        ``(margin, its share of questions answered with a gold string)``.
    """
    best = (MARGINS[0], -1.0)
    for margin in MARGINS:
        right = 0
        for (item, candidates, _, _), p in zip(data, probs):
            order = np.argsort(-p, kind="stable")
            scored = [(float(p[i]), *candidates[i][:3]) for i in order]
            chosen = choose_sentences(scored, index, limit, margin)
            right += answer_hits(item.golds, [h.passage.text[s:e] for _, h, s, e in chosen])
        share = right / max(len(data), 1)
        if share > best[1]:
            best = (margin, share)
    return best


def calibrate_sentences(engine, questions: list[dict], name: str,
                        output=sentence_rank.PARAMS) -> dict:
    """Fit the sentence ranker on a question set, write it and score with it from now on.

    The hits are ranked by the passage ranker the engine uses (refit it first).

    Args:
        engine: the open ``Engine``.
        questions: the tuning questions; name: their file's name (``fitted_on``).
        output: where the parameters go (default ``answer/sentence_rank.json``).

    Returns:
        The written parameters.
    """
    from bronwijzer.search.tokens import TokenCache
    from bronwijzer.tune.ranker import collect as collect_candidates
    retriever = retriever_of(engine)
    samples = collect_candidates(questions, engine, tokens=TokenCache(retriever.embedder))
    items = collect(questions, engine, samples)
    passage_params = retriever.ranker.params if retriever.ranker is not None else None
    table = Table(retriever.index, engine.settings.k)
    params = {**fit(items, table, passage_params, retriever.embedder), "fitted_on": name}
    # over an index without token vectors the passage ranker's variant gives the hits
    early = [f for f in USED if f not in sentence_rank.LATE]
    passages_early = ({**passage_params, **passage_params.get(RANKER_WITHOUT_TOKENS, {})}
                      if passage_params is not None else None)
    variant = fit(items, table, passages_early, retriever.embedder, features=early)
    params[sentence_rank.WITHOUT_TOKENS] = {k: variant[k] for k in (
        "model", "output", "mean", "scale", "coef", "intercept", "features", "margin",
        "cv_answer_hit")}
    sentence_rank.save_params(params, output)
    sentence_rank.use_params(params)
    return params
