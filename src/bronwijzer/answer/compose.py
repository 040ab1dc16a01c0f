"""Answer: compose an extractive answer with numbered sources, or decline.

The answer is 1-3 sentences quoted verbatim from the best passages, in reading
order, each followed by ``[k]`` pointing at source k. Sentences are scored by
the cosine of their own vector to the question, their share of the question's
(stemmed) words, and the rank of the passage they stand in. The confidence
comes from the same evidence; below ``settings.abstain_below`` the assistant
declines and lists the closest passages as related.
"""

from __future__ import annotations

import re

import numpy as np

from bronwijzer.answer.answerability import judge, wanted_features
from bronwijzer.answer.confidence import corpus_vocabulary, missing_names
from bronwijzer.answer.correctness import probability as right_probability
from bronwijzer.answer.evidence import gather, missing_kinds
from bronwijzer.answer.gather import flat_ranks, wants_gathering
from bronwijzer.answer.gather import gather as gather_recommendations
from bronwijzer.answer.qtype import asks_proposal, is_prescriptive
from bronwijzer.index.lexical import tokenize
from bronwijzer.index.store import Index
from bronwijzer.phrases import phrase
from bronwijzer.records import Answer, Citation, Hit, Reference, Source
from bronwijzer.settings import Settings
from bronwijzer.settings import TUNING

_NL = set("de het een en van is op te dat die in voor met zijn wat welke hoe waarom wie waar "
          "wanneer er niet ook aan om naar volgens artikel wordt worden moet kan bij".split())
_EN = set("the a an and of is on to that in for with are what which how why who where when "
          "does do did there not also about according article text be should can by".split())
# Words that frame a question about the text rather than name its subject.
FRAME_TERMS = set(tokenize(["artikel article tekst text auteur auteurs author authors volgens "
                            "according zegt say says noemt mention mentions mentioned"])[0])
# Scoring weights of a sentence: cosine + words shared with the question + passage rank.


def detect_lang(text: str) -> str:
    """``nl`` or ``en``: the language of the question's function words (English wins ties
    only when it has some)."""
    words = re.findall(r"[a-zà-ÿ]+", text.lower())
    nl = sum(w in _NL for w in words)
    en = sum(w in _EN for w in words)
    return "en" if en > nl else "nl"



def compose(question: str, vector: np.ndarray, hits: list[Hit], index: Index,
            settings: Settings, lang: str | None = None, model=None,
            pool: list[Hit] | None = None) -> Answer:
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

    Returns:
        An ``Answer``; declined (``abstained``) when the confidence is too low,
        with ``extra["reason"]`` saying why.
    """
    lang = lang or detect_lang(question)
    scored = score_sentences(question, vector, hits, index)
    chosen = choose_sentences(scored, index, settings.max_sentences) if scored else []
    evidence = _evidence(question, vector, hits, scored, chosen, index, wanted_features(model))
    sentences = [h.passage.text[s:e] for _, h, s, e in chosen]
    confidence, reason = judge(evidence, model, lang, {
        "kinds": missing_kinds(question, sentences),
        "names": missing_names(question, vocabulary(index))})
    # shown: the probability that the answer is right (answer.correctness)
    shown = right_probability(evidence, model.fingerprint if model else None, confidence)
    if confidence < settings.abstain_below:
        return Answer(question=question, lang=lang, text=phrase("abstain", lang),
                      abstained=True, confidence=shown, hits=tuple(hits),
                      extra={"reason": reason})
    if pool and wants_gathering(question):  # judged on the usual sentences, quoted gathered
        pooled = score_sentences(question, vector, flat_ranks(pool), index)
        chosen = gather_recommendations(pooled, index) or chosen
    return _assemble(question, lang, shown, chosen, hits, index.references)


def evidence_for(question: str, vector: np.ndarray, hits: list[Hit], index: Index,
                 settings: Settings) -> dict[str, float] | None:
    """The answerability features of a question's hits (None when nothing was found)."""
    scored = score_sentences(question, vector, hits, index)
    chosen = choose_sentences(scored, index, settings.max_sentences) if scored else []
    return _evidence(question, vector, hits, scored, chosen, index)


def _evidence(question, vector, hits, scored, chosen, index,
              only=None) -> dict[str, float] | None:
    if not scored:
        return None
    q_terms = set(tokenize([question])[0]) - FRAME_TERMS
    return gather(question, vector, hits, scored, chosen, index, q_terms, vocabulary(index),
                  only)


def choose_sentences(scored, index: Index, limit: int):
    """The best sentence, the best sentences of other passages scoring within
    ``TUNING.sentence_margin`` of it, and, while there is room, the sentence that
    follows the best one (answers often continue there); at most ``limit``,
    in reading order."""
    best = scored[0]
    chosen = [best]
    for candidate in scored[1:]:
        if len(chosen) >= limit or candidate[0] < best[0] - TUNING.sentence_margin:
            break
        if all(candidate[1].passage.id != c[1].passage.id for c in chosen):
            chosen.append(candidate)
    follow = _next_sentence(best, index)
    if follow is not None and len(chosen) < limit:
        chosen.append(follow)
    return sorted(chosen, key=lambda s: (s[1].passage.doc, s[1].passage.start + s[2]))


def _next_sentence(sentence, index: Index):
    """The sentence after ``sentence`` in its passage, scored like it, or None."""
    score, hit, start, _ = sentence
    row = index.rows[hit.passage.id]
    spans = index.sentence_spans[row]
    position = next(i for i, span in enumerate(spans) if span[0] == start)
    if position + 1 >= len(spans):
        return None
    return (score, hit, *spans[position + 1])


def score_sentences(question: str, vector: np.ndarray, hits: list[Hit], index: Index):
    """Every sentence of the hits as ``(score, hit, start, end)``, best first."""
    if not hits:
        return []
    offsets = index.sentence_offsets
    q_terms = set(tokenize([question])[0]) - FRAME_TERMS
    proposal = asks_proposal(question)
    scored = []
    for hit in hits:
        row = index.rows[hit.passage.id]
        spans = index.sentence_spans[row]
        vectors = index.sentence_vectors[offsets[row]:offsets[row] + len(spans)]
        cosines = vectors @ vector
        for (start, end), cosine in zip(spans, cosines):
            shared = shared_terms(q_terms, hit.passage.text[start:end])
            score = float(cosine) + TUNING.sentence_lexical_weight * shared - TUNING.sentence_rank_weight * (hit.rank - 1)
            if proposal and is_prescriptive(hit.passage.text[start:end]):
                score += TUNING.proposal_bonus
            scored.append((score, hit, start, end))
    scored.sort(key=lambda s: -s[0])
    return scored


def shared_terms(q_terms: set[str], sentence: str) -> float:
    """The share of ``q_terms`` (stemmed query terms) that a sentence holds.

    Args:
        q_terms: the query's terms (``index.lexical.tokenize``).
        sentence: the sentence's text.

    Returns:
        A fraction in [0, 1]; 0 for no terms.
    """
    if not q_terms:
        return 0.0
    return len(q_terms & set(tokenize([sentence])[0])) / len(q_terms)


def vocabulary(index: Index) -> frozenset[str]:
    """The corpus's folded words (computed once per loaded index)."""
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


_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def footnote_superscripts(text: str) -> str:
    """Footnote markers as superscripts (``[12]`` -> ``⁽¹²⁾``), so that in an answer
    ``[k]`` always means source k."""
    return re.sub(r"\s?\[(\d{1,3})\]", lambda m: f"⁽{m.group(1).translate(_SUPERSCRIPT)}⁾", text)


def refs_of(passage, references: tuple[Reference, ...]) -> tuple[Reference, ...]:
    """The references a passage carries (its document's footnotes), or the one it is a source of."""
    if passage.source_of:
        return tuple(r for r in references if (r.footnote, r.position) == tuple(passage.source_of))
    return tuple(r for n in passage.footnotes for r in references
                 if r.footnote == n and r.doc == passage.doc)


def citations_of(sources: list[Source]) -> tuple[Citation, ...]:
    """The footnote references behind the sources, once each, in source order."""
    seen, result = set(), []
    for source in sources:
        for ref in source.references:
            if (ref.doc, ref.footnote, ref.position) not in seen:
                seen.add((ref.doc, ref.footnote, ref.position))
                result.append(Citation(ref.footnote, ref.position, ref.raw, ref.url, ref.doc))
    return tuple(result)
