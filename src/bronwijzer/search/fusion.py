"""Fusing the rankings of a search: the ranks of one ranking, reciprocal-rank (or convex)
fusion of the dense, sentence and BM25 rankings, and the head of the fused order.

A question over a large index sorts only what it reads: the rows some ranking found, the
head of their fused order (``top_rows``), and under reciprocal-rank fusion only the rows
that can reach that head (``head_rows``), with their BM25 ranks among every matched row.
"""

from __future__ import annotations

import numpy as np

from bronwijzer.settings import Settings


def fused_order(cosines: np.ndarray, lexical: np.ndarray, settings: Settings,
                 sentences: np.ndarray | None,
                 top: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The passages any ranking found, in fused order, and every passage's fused score.

    Only the rows with a dense candidate cosine or a BM25 score are ranked and sorted
    (the others fuse to ``-inf``), so a question does not sort the whole corpus: the
    same order as :func:`fuse` over every row, as ranks among these rows equal ranks
    among all and ties keep row order. With ``top`` only the ``top`` best are ordered
    (the head of the same order; 0: none, for the scores alone), and under reciprocal-rank
    fusion only the rows that can reach it are fused (:func:`head_rows`): the others'
    scores are then ``-inf`` too.
    """
    rows, fused = fused_scores(cosines, lexical, settings, sentences,
                               [(None, top)] if top else None)
    part = fused[rows]
    order = np.argsort(-part, kind="stable") if top is None else top_rows(part, top)
    order = order[np.isfinite(part[order])]
    return rows[order], fused


def fused_scores(cosines: np.ndarray, lexical: np.ndarray, settings: Settings,
                 sentences: np.ndarray | None, heads: list[tuple] | None = None,
                 also: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The rows fused and every passage's fused score (``-inf`` for the others).

    Args:
        cosines, lexical, sentences: the rankings' scores by row (``-inf`` / 0 / ``-inf``
            where a ranking did not find the row).
        settings: the fusion and its weights.
        heads: ``(boolean mask by row or None, how many)`` pairs: under reciprocal-rank
            fusion only the rows that can reach those heads, and the rows ``also``, are
            fused (:func:`head_rows`); None: every row some ranking found.
        also: more rows to fuse, with ``heads``.

    Returns:
        ``(the rows fused, sorted; a float array with one score per passage)``.
    """
    bm25_rank = None
    if heads and settings.fusion == "rrf" and settings.bm25_weight > 0:
        rows, bm25_rank = head_rows(cosines, lexical, sentences, heads, also)
    else:
        rows = found_rows(cosines, lexical)
    fused = np.full(len(cosines), -np.inf)
    fused[rows] = fuse(cosines[rows], lexical[rows], settings,
                       None if sentences is None else sentences[rows], bm25_rank)
    return rows, fused


def found_rows(cosines: np.ndarray, lexical: np.ndarray) -> np.ndarray:
    """The rows some ranking found: a dense candidate or a BM25 match (sorted)."""
    return np.flatnonzero(np.isfinite(cosines) | (lexical > 0))


def head_rows(cosines: np.ndarray, lexical: np.ndarray, sentences: np.ndarray | None,
              heads: list[tuple],
              also: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray | None]:
    """The rows that can reach the head of a reciprocal-rank fusion, and their BM25 ranks
    among all matched rows (None: every row some ranking found can, ranks as usual).

    For each ``(mask, top)`` of ``heads``, the rows are every dense or sentence candidate
    and the ``top`` + candidates best BM25 rows among the mask's (None: all). A masked
    row outside them has only a BM25 rank, worse than each of ``top`` or more BM25-only
    masked rows' among them, so it fuses strictly lower (each ranking adds a positive
    term). The rows ``also`` are kept as well. The candidates are few, so the rows found
    are never all listed.
    """
    found = np.isfinite(cosines)
    if sentences is not None:
        found |= np.isfinite(sentences)
    candidates = np.flatnonzero(found)
    candidates = candidates[np.isfinite(cosines[candidates]) | (lexical[candidates] > 0)]
    matched = np.flatnonzero(lexical > 0)
    need = [top + len(candidates) for _, top in heads]
    if len(heads) == 1 and heads[0][0] is None and also is None and len(matched) <= need[0]:
        return found_rows(cosines, lexical), None
    best = [pool[top_rows(lexical[pool], n)]
            for pool, n in ((matched if m is None else matched[m[matched]], n)
                            for (m, _), n in zip(heads, need))]
    extra = np.zeros(0, np.int64) if also is None else np.asarray(also, dtype=np.int64)
    extra = extra[np.isfinite(cosines[extra]) | (lexical[extra] > 0)]  # those found
    kept = np.union1d(np.union1d(candidates, np.concatenate(best)), extra)
    rank = np.full(len(kept), np.inf)
    if heads[0][0] is None:  # the best of all: their ranks are their places
        rank[np.searchsorted(kept, best[0])] = np.arange(1, len(best[0]) + 1)
    unknown = np.flatnonzero(np.isinf(rank) & (lexical[kept] > 0))
    rank[unknown] = _ranks_of(kept[unknown], matched, lexical)
    return kept, rank


def _ranks_of(rows: np.ndarray, matched: np.ndarray, lexical: np.ndarray) -> np.ndarray:
    """The BM25 ranks of some matched ``rows`` among all ``matched`` (sorted) rows, as
    :func:`ranks` over every row gives them: higher scores, plus equal ones at earlier rows."""
    values = lexical[matched]
    scores = lexical[rows]
    if len(rows) > 16:
        ordered = np.sort(values)
        higher = len(values) - np.searchsorted(ordered, scores, side="right")
        tied = np.searchsorted(ordered, scores, side="right") - np.searchsorted(ordered, scores)
    else:
        higher = np.array([np.count_nonzero(values > s) for s in scores], dtype=np.int64)
        tied = np.full(len(rows), 2)
    out = higher.astype(np.float64) + 1
    for at in np.flatnonzero(tied > 1).tolist():
        out[at] += np.count_nonzero(values[:np.searchsorted(matched, rows[at])] == scores[at])
    return out


def ranks(scores: np.ndarray, ignore_zero: bool = False) -> np.ndarray:
    """1-based rank of each score (best = 1); ``inf`` for missing (or zero) scores.

    Only the scores that get a rank are sorted (a dense ranking's few candidates among a
    million rows sort in microseconds); ties keep row order.
    """
    valid = np.isfinite(scores)
    if ignore_zero:
        valid &= scores > 0
    rows = np.flatnonzero(valid)
    result = np.full(len(scores), np.inf)
    result[rows[np.argsort(-scores[rows], kind="stable")]] = np.arange(1, len(rows) + 1)
    return result


def fuse(cosines: np.ndarray, lexical: np.ndarray, settings: Settings,
         sentences: np.ndarray | None = None,
         bm25_rank: np.ndarray | None = None) -> np.ndarray:
    """Fuse dense and BM25 scores (BM25 zeros are ignored).

    ``rrf``: weighted reciprocal-rank fusion, with the passages' best sentence
    cosines (``sentences``, when given) as a third ranking. ``convex``: a weighted sum of the
    scores scaled to [0, 1] over the candidates. ``dense`` / ``bm25``: one alone.
    Passages missing from both rankings get ``-inf``. ``bm25_rank``: the BM25 ranks when
    these rows are part of a larger ranking (default: ranks among these rows).
    """
    dense_rank = ranks(cosines)
    bm25_rank = ranks(lexical, ignore_zero=True) if bm25_rank is None else bm25_rank
    if settings.fusion == "dense":
        return np.where(np.isfinite(dense_rank), cosines, -np.inf)
    if settings.fusion == "bm25":
        return np.where(np.isfinite(bm25_rank), lexical, -np.inf)
    if settings.fusion == "convex":
        dense_part = _scaled(np.where(np.isfinite(dense_rank), cosines, np.nan))
        bm25_part = _scaled(np.where(np.isfinite(bm25_rank), lexical, np.nan))
        total = (settings.dense_weight * np.nan_to_num(dense_part)
                 + settings.bm25_weight * np.nan_to_num(bm25_part))
    else:
        total = (settings.dense_weight / (settings.rrf_k + dense_rank)
                 + settings.bm25_weight / (settings.rrf_k + bm25_rank))
        if sentences is not None:
            total = total + settings.sentence_weight / (settings.rrf_k + ranks(sentences))
    missing = ~np.isfinite(dense_rank) & ~np.isfinite(bm25_rank)
    return np.where(missing, -np.inf, total)


def _scaled(values: np.ndarray) -> np.ndarray:
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return values
    low, high = float(finite.min()), float(finite.max())
    return (values - low) / (high - low) if high > low else np.where(np.isfinite(values), 1.0, values)


def top_rows(scores: np.ndarray, depth: int) -> np.ndarray:
    """The rows of the ``depth`` highest ``scores``, best first, ties in row order: the
    same as ``np.argsort(-scores, kind="stable")[:depth]`` without sorting every row.

    Args:
        scores: one score per row.
        depth: how many rows.

    Returns:
        Row numbers (int64).
    """
    n = len(scores)
    if depth >= n:
        return np.argsort(-scores, kind="stable")
    if depth <= 0:
        return np.zeros(0, dtype=np.int64)
    threshold = np.partition(scores, n - depth)[n - depth]
    rows = np.flatnonzero(scores >= threshold)
    return rows[np.argsort(-scores[rows], kind="stable")][:depth]
