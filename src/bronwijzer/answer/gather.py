"""Gathering the recommending sentences for proposal and "what does the text say" questions.

A proposal is rarely one sentence: a text recommends in runs ("Daarnaast is het
belangrijk om ... Dit kan worden gecombineerd met ..."). For such questions the answer gathers the normative sentences (``qtype.
is_prescriptive``) that score close to the best one, from up to
``TUNING.gather_passages`` of the top passages, in reading order. A gathered sentence
that opens with a referring word ("Dit", "Deze", "Daarom", "This", ...) brings
the sentence before it, a sentence that opens with one right after a gathered
sentence continues it, and a sentence that announces what follows (ends with
":") brings the sentences after it.
"""

from __future__ import annotations

import re
from dataclasses import replace

from bronwijzer.answer.qtype import is_prescriptive
from bronwijzer.index.passages import passage_before, passages_after
from bronwijzer.settings import TUNING

# The constants (``TUNING.gather_*``) are chosen on eval/tuning.jsonl (tune/constants.py).

REFERRING = re.compile(
    r"^\W*(?:dit|deze|dat|die|daarom|daardoor|daarmee|daarbij|hiermee|hierdoor|hierbij|hierin"
    r"|zij|ze|this|these|those|that|such|therefore|thus|hence|it|they)\b", re.I)
# A broad question: what the text proposes (for something), not who/why/when of one proposal.
_BROAD_PROPOSAL = re.compile(
    r"^\W*(?:and\s+|en\s+)?(?:what|which|wat|welke)\b[^?]{0,60}?\b(?:propos\w*|recommend\w*"
    r"|suggest\w*|advis\w*|advocat\w*|aanbevel\w*|voorstel\w*|stel(?:t|len)\b[^?]*\bvoor\b"
    r"|pleit\w*|adviseer\w*)", re.I)
_SAYS_ABOUT = re.compile(
    r"\b(?:what\s+(?:does|do)\s+(?:the\s+)?(?:text|article|piece|authors?|publisher)\s+"
    r"(?:say|write|note|argue|state|think)\w*|wat\s+(?:zegt|schrijft|stelt|vindt|vinden|zeggen)"
    r"\s+(?:het\s+artikel|de\s+tekst|de\s+auteurs?|de\s+uitgever)\b)", re.I)


def wants_gathering(question: str) -> bool:
    """Whether a question asks what the text proposes, or what it says about something."""
    return bool(_BROAD_PROPOSAL.search(question) or _SAYS_ABOUT.search(question))


# Normative beyond ``qtype.is_prescriptive``: the words of need and obligation ("nodig",
# "noodzaak", "essentieel", "vraagt om", "must", "need to", "calls for") and a future
# obligation ("zal ... moeten", "will have to"). Plain "moet"/"moeten" is left out, as
# there: it as often describes what happens.
_NORMATIVE = re.compile(
    r"\b(?:nodig|noodzaak|essentieel|cruciaal|vraagt\s+om|vragen\s+om|must|need\s+to"
    r"|needs\s+to|have\s+to|has\s+to|essential|crucial|calls?\s+for)\b"
    r"|\b(?:zal|zullen|will)\b[^.;:]{0,160}\b(?:moeten|have\s+to)\b", re.I)


def recommends(sentence: str) -> bool:
    """A normative statement: prescriptive words, not a question, not a heading."""
    text = sentence.strip()
    normative = is_prescriptive(text) or bool(_NORMATIVE.search(text))
    return normative and not text.endswith("?") and len(text.split()) >= TUNING.gather_min_words


def _spans(index, passage) -> list[tuple[int, int]]:
    return list(index.sentence_spans[index.rows[passage.id]])


def _previous(index, hit, at: int) -> tuple | None:
    """The sentence before sentence ``at`` of a hit's passage, in the previous passage of
    the same document when ``at`` is its first: ``(hit, start, end)``."""
    if at > 0:
        return (hit, *_spans(index, hit.passage)[at - 1])
    passage = passage_before(index, hit.passage)
    if passage is None:
        return None
    spans = _spans(index, passage)
    return (replace(hit, passage=passage), *spans[-1]) if spans else None


def _neighbours(item, index) -> list[tuple]:
    """The sentences a gathered sentence brings along (same score)."""
    hit = item[1]
    start, end = item[2], item[3]
    spans = _spans(index, hit.passage)
    at = next(i for i, span in enumerate(spans) if span[0] == start)
    text = hit.passage.text
    extra = []
    if REFERRING.match(text[start:end]):
        previous = _previous(index, hit, at)
        extra += [previous] if previous else []
    if text[start:end].rstrip().endswith(":"):
        extra += [(hit, s, e) for s, e in spans[at + 1:at + 1 + TUNING.announced_max]]
    for follow in spans[at + 1:at + 1 + TUNING.continue_max]:
        if REFERRING.match(text[follow[0]:follow[1]]):
            extra.append((hit, *follow))
    return [(item[0], *sentence) for sentence in extra]


def _kept_passages(normative: list[tuple], index, margin: float, passages: int,
                   span: int, follow_margin: float) -> list[str]:
    """The contributing passages: those with a normative sentence within ``margin`` of
    the best one (the anchor); then, the argument going on after the anchor, those
    among the ``span`` passages after the anchor's with one within ``follow_margin``;
    at most ``passages``, best first."""
    anchor = normative[0]
    kept = [s[1].passage.id for s in normative if s[0] >= anchor[0] - margin]
    best: dict[str, float] = {}
    for s in normative:
        best.setdefault(s[1].passage.id, s[0])
    after = passages_after(index, anchor[1].passage, span)
    kept += [p.id for p in after if best.get(p.id, -1.0) >= anchor[0] - follow_margin]
    return list(dict.fromkeys(kept))[:passages]


def gather_recommendations(scored: list[tuple], index, margin: float | None = None,
                           passages: int | None = None, whole: bool | None = None,
                           span: int | None = None,
                           follow_margin: float | None = None) -> list[tuple]:
    """The recommending sentences for a proposal question, in reading order.

    Args:
        scored: ``(score, hit, start, end)`` sentences of the pool, best first
            (``answer.compose.score_sentences``).
        index: the loaded index (sentence spans).
        margin: normative sentences within this of the best normative one are gathered.
        passages: at most this many passages contribute.
        whole: take every normative sentence of a contributing passage (a run of
            recommendations belongs together), not only those within the margin.
        span, follow_margin: see ``_kept_passages``.
        (Each left None is read from ``TUNING`` when called: crossval varies them.)

    Returns:
        the gathered sentences with what they bring along, in reading order;
        empty when no normative sentence is found.
    """
    margin = TUNING.gather_margin if margin is None else margin
    passages = TUNING.gather_passages if passages is None else passages
    whole = TUNING.gather_whole if whole is None else whole
    span = TUNING.gather_span if span is None else span
    follow_margin = TUNING.follow_margin if follow_margin is None else follow_margin
    normative = [s for s in scored if recommends(s[1].passage.text[s[2]:s[3]])]
    if not normative:
        return []
    picked = [s for s in normative if s[0] >= normative[0][0] - margin]
    kept = _kept_passages(normative, index, margin, passages, span, follow_margin)
    picked = [s for s in (normative if whole else picked) if s[1].passage.id in kept]
    chosen = {(s[1].passage.id, s[2]): s for s in picked}
    todo = [(item, TUNING.chain_max) for item in picked]
    while todo:
        item, depth = todo.pop()
        for extra in _neighbours(item, index):
            key = (extra[1].passage.id, extra[2])
            if key not in chosen and depth > 0:
                chosen[key] = extra
                todo.append((extra, depth - 1))  # an antecedent may refer back in turn
    return sorted(chosen.values(), key=lambda s: (s[1].passage.doc, s[1].passage.start + s[2]))


def flat_ranks(hits) -> list:
    """The pool's hits without the rank handicap (every passage may contribute)."""
    return [replace(h, rank=1) for h in hits]
