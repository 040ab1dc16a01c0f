"""Answer: compose an extractive answer with numbered sources, or decline.

The answer is 1-3 sentences quoted verbatim from the best passages, in reading
order, each followed by ``[k]`` pointing at source k. Sentences are scored by the
learned sentence ranker (``answer.sentence_rank``: the fitted probability that a
sentence holds the answer) when it was fitted for the index's embedding model, else by
the plain rule: the cosine of their own vector to the question, their share of the
question's (stemmed) words, and the rank of the passage they stand in. The confidence
comes from the same evidence; below ``settings.abstain_below`` the assistant
declines and lists the closest passages as related.
"""

from __future__ import annotations

import numpy as np

from bronwijzer.answer import sentence_rank
from bronwijzer.answer.answerability import judge, wanted_features
from bronwijzer.answer.evidence import features_of, missing_kinds
from bronwijzer.answer.gather import flat_ranks, gather_recommendations, wants_gathering
from bronwijzer.answer.lacks import LACKS, lack_features, lacking_amounts, lacking_asked
from bronwijzer.answer.names import corpus_vocabulary, missing_names
from bronwijzer.answer.correctness import features as confidence_features
from bronwijzer.answer.correctness import probability as right_probability
from bronwijzer.answer.qtype import asks_proposal, is_prescriptive
from bronwijzer.index.lexical import tokenize
from bronwijzer.index.store import Index
from bronwijzer.phrases import phrase
from bronwijzer.quotes import (
    FRAME_TERMS,
    citations_of,
    detect_lang,
    footnote_superscripts,
    refs_of,
    shared_terms,
)
from bronwijzer.records import Answer, Hit, Source
from bronwijzer.settings import TUNING, Settings


def compose(question: str, vector: np.ndarray, hits: list[Hit], index: Index,
            settings: Settings, lang: str | None = None, model=None,
            pool: list[Hit] | None = None, cited_claim: bool = False,
            tokens: np.ndarray | None = None) -> Answer:
    """Compose the answer for one question from its hits.

    Args:
        question: the question.
        vector: the question's (query) vector.
        hits: the retrieved passages, best first.
        index: the loaded index (sentence spans and vectors).
        settings: ``max_sentences`` and ``abstain_below``.
        lang: the language for frame text (detected when None).
        model: the fitted answerability ``Model`` (None: the plain rule).
        pool: more passages to gather a proposal's sentences from (``answer.gather``).
        cited_claim: the citation path answers with a cited claim (the confidence shown
            knows it: ``answer.correctness``).
        tokens: the question's normalised token vectors (the sentence ranker's MaxSim).

    Returns:
        An ``Answer``; declined (``abstained``) when the confidence is too low,
        with ``extra["reason"]`` saying why.
    """
    lang = lang or detect_lang(question)
    scored = score_sentences(question, vector, hits, index, tokens)
    chosen = _choose(scored, index, settings)
    evidence = _evidence(question, vector, hits, scored, chosen, index,
                         wanted_features(model) | set(confidence_features()))
    sentences = [h.passage.text[s:e] for _, h, s, e in chosen]
    confidence, reason = judge(evidence, model, lang, {
        "kinds": (missing_kinds(question, sentences) or lacking_amounts(question, _top(scored))
                  or lacking_asked(question, _top(scored))),
        "names": missing_names(question, vocabulary(index))})
    # shown: the probability that the answer is right (answer.correctness)
    if evidence is not None and cited_claim:
        evidence = {**evidence, "cited_claim": 1.0}
    shown = right_probability(evidence, model.fingerprint if model else None, confidence)
    if confidence < settings.abstain_below:
        return Answer(question=question, lang=lang, text=phrase("abstain", lang),
                      abstained=True, confidence=shown, hits=tuple(hits),
                      extra={"reason": reason})
    if pool and wants_gathering(question):  # judged on the usual sentences, quoted gathered
        # gathering keeps the plain scores: its margins (TUNING.gather_*) are on their scale
        pooled = plain_scores(question, vector, flat_ranks(pool), index)
        chosen = gather_recommendations(pooled, index) or chosen
    return _assemble(question, lang, shown, chosen, hits, index.references)


def evidence_for(question: str, vector: np.ndarray, hits: list[Hit], index: Index,
                 settings: Settings, tokens: np.ndarray | None = None) -> dict[str, float] | None:
    """The answerability features of a question's hits (None when nothing was found;
    ``tokens``: the question's token vectors, as for ``compose``)."""
    scored = score_sentences(question, vector, hits, index, tokens)
    chosen = _choose(scored, index, settings)
    return _evidence(question, vector, hits, scored, chosen, index)


def _choose(scored, index: Index, settings: Settings) -> list:
    """``choose_sentences`` with the scores' own margin (nothing when nothing scored)."""
    if not scored:
        return []
    return choose_sentences(scored, index, settings.max_sentences, margin_for(index))


def _evidence(question, vector, hits, scored, chosen, index,
              only=None) -> dict[str, float] | None:
    if not scored:
        return None
    q_terms = set(tokenize([question])[0]) - FRAME_TERMS
    features = features_of(question, vector, hits, scored, chosen, index, q_terms,
                           vocabulary(index), only)
    if only is None or set(only) & set(LACKS):  # what the top sentences lack (answer.lacks)
        lacks = lack_features(question, _top(scored), vocabulary(index))
        features.update({k: v for k, v in lacks.items() if only is None or k in only})
    return features


def _top(scored) -> list[str]:
    """The texts of the ``TUNING.lack_top`` best-scored sentences."""
    return [h.passage.text[s:e] for _, h, s, e in scored[:TUNING.lack_top]]


def choose_sentences(scored, index: Index, limit: int, margin: float | None = None):
    """The best sentence, the best sentences of other passages scoring within
    ``margin`` of it (default ``TUNING.sentence_margin``, the plain rule's), and the
    sentence that follows the best one (answers often continue there; its place is kept
    before other passages'); at most ``limit``, in reading order, and then the one
    sentence that stands between two chosen ones of a passage (``_bridged``)."""
    margin = TUNING.sentence_margin if margin is None else margin
    best = scored[0]
    chosen = [best]
    follow = _next_sentence(best, index)
    room = limit - (follow is not None)
    for candidate in scored[1:]:
        if len(chosen) >= room or candidate[0] < best[0] - margin:
            break
        if all(candidate[1].passage.id != c[1].passage.id or candidate[2] != c[2]
               for c in chosen) and (follow is None or candidate[2:] != follow[2:]
                                     or candidate[1].passage.id != follow[1].passage.id):
            chosen.append(candidate)
    if follow is not None and len(chosen) < limit:
        chosen.append(follow)
    return _bridged(sorted(chosen, key=lambda s: (s[1].passage.doc, s[1].passage.start + s[2])),
                    index)


def _bridged(chosen: list, index: Index) -> list:
    """The chosen sentences (reading order) with the single sentence that stands between
    two of them in one passage, scored like the first: the quote then reads on, and a
    sentence opening with "Die", "Dit" ... keeps what it refers to (tuning CV,
    eval/NOTES.md session 6)."""
    out = []
    for this, after in zip(chosen, chosen[1:] + [None]):
        out.append(this)
        if after is None or after[1].passage.id != this[1].passage.id:
            continue
        spans = index.sentence_spans[index.rows[this[1].passage.id]]
        starts = [start for start, _ in spans]
        here = starts.index(this[2])
        if starts.index(after[2]) - here == 2:
            out.append((this[0], this[1], *spans[here + 1]))
    return out


def _next_sentence(sentence, index: Index):
    """The sentence after ``sentence`` in its passage, scored like it, or None."""
    hit = sentence[1]
    spans = index.sentence_spans[index.rows[hit.passage.id]]
    position = next(i for i, span in enumerate(spans) if span[0] == sentence[2])
    if position + 1 >= len(spans):
        return None
    return (sentence[0], hit, *spans[position + 1])


def margin_for(index: Index) -> float | None:
    """The margin ``choose_sentences`` uses with the scores ``score_sentences`` gives:
    the learned ranker's own (on its probability scale), else None (the plain rule's)."""
    params = sentence_rank.params_for(index)
    return None if params is None else float(params["margin"])


def score_sentences(question: str, vector: np.ndarray, hits: list[Hit], index: Index,
                    tokens: np.ndarray | None = None):
    """Every sentence of the hits as ``(score, hit, start, end)``, best first: scored by
    the learned sentence ranker when it was fitted for the index's embedding model
    (``answer.sentence_rank.params_for``; ``tokens``: the question's token vectors),
    else by ``plain_scores``."""
    params = sentence_rank.params_for(index) if hits else None
    if params is not None:
        return sentence_rank.score(params, question, vector, hits, index, tokens)
    return plain_scores(question, vector, hits, index)


def plain_scores(question: str, vector: np.ndarray, hits: list[Hit], index: Index):
    """Every sentence of the hits as ``(score, hit, start, end)``, best first, by the
    plain rule: cosine + ``TUNING.sentence_lexical_weight`` x the share of the question's
    words - ``TUNING.sentence_rank_weight`` x (passage rank - 1) (+ the proposal bonus)."""
    if not hits:
        return []
    q_terms = set(tokenize([question])[0]) - FRAME_TERMS
    proposal = asks_proposal(question)
    scored = []
    for hit in hits:
        row = index.rows[hit.passage.id]
        cosines = index.sentences_of(row) @ vector
        for (start, end), cosine in zip(index.sentence_spans[row], cosines):
            text = hit.passage.text[start:end]
            score = (float(cosine) + TUNING.sentence_lexical_weight * shared_terms(q_terms, text)
                     - TUNING.sentence_rank_weight * (hit.rank - 1))
            if proposal and is_prescriptive(text):
                score += TUNING.proposal_bonus
            scored.append((score, hit, start, end))
    scored.sort(key=lambda s: -s[0])
    return scored


def vocabulary(index: Index) -> frozenset[str]:
    """The corpus's folded words (computed once per loaded index)."""
    if index.vocabulary is not None:  # stored by the build (index/store.py)
        return index.vocabulary
    key = (str(index.folder), len(index.passages))
    if key not in _VOCABULARIES:
        _VOCABULARIES.clear()
        _VOCABULARIES[key] = corpus_vocabulary(
            [p.text for p in index.passages] + [r.raw for r in index.references])
    return _VOCABULARIES[key]


_VOCABULARIES: dict = {}


def _assemble(question, lang, confidence, chosen, hits, references) -> Answer:
    numbers: dict[str, int] = {}
    sources: list[Source] = []
    parts: list[str] = []
    for _, hit, start, end in chosen:
        pid = hit.passage.id
        if pid not in numbers:
            numbers[pid] = len(numbers) + 1
            sources.append(Source(number=numbers[pid], hit=hit,
                                  quote=hit.passage.text[start:end].strip(),
                                  quote_start=start, quote_end=end,
                                  references=refs_of(hit.passage, references)))
        parts.append(f"{footnote_superscripts(hit.passage.text[start:end].strip())} "
                     f"[{numbers[pid]}]")
    citations = citations_of(sources)
    return Answer(question=question, lang=lang, text=" ".join(parts), abstained=False,
                  confidence=confidence, sources=tuple(sources), citations=citations,
                  hits=tuple(hits))
