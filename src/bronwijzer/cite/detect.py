"""Recognising questions about the citations themselves.

"What does footnote 12 refer to?", "waar wordt het Rli-rapport aangehaald?", "which
source backs the claim that ...?": such questions are answered from the citation
lookup rather than by retrieval.
"""

from __future__ import annotations

import re

_SRC = (r"(?:sources?|publications?|references?|reports?|stud(?:y|ies)|papers?|documents?"
        r"|literature|bron(?:nen)?|publicaties?|referenties?|rapport(?:en)?|studies?|studie"
        r"|onderzoek|literatuur|verwijzing(?:en)?)")
_CLAIM = (r"(?:claims?|statements?|assertions?|observations?|findings?|points?|ideas?|argument"
          r"|beweringe?n?|stellinge?n?|signalering|constatering|uitspraak|observatie|conclusie"
          r"|idee|opmerking|gedachte)")
_CITE_STRONG = (r"(?:cited|cites?|referenced|references|quoted|quotes|aangehaald|geciteerd"
                r"|citeert|verwezen|verwijst|haalt)")
_CITE_WEAK = r"(?:mentioned|used|listed|genoemd|gebruikt|vermeld|noemt)"
_FOOTNOTE_RE = re.compile(
    r"\b(?:voetnoot|noot|footnote|foot-note|note|fn\.?)\s*(?:nr\.?|no\.?|number|nummer)?"
    r"\s*\[?(\d{1,3})\]?(?!\d|[.,]\d)", re.I)
_CLAIM_THAT_RE = re.compile(rf"\b{_CLAIM}\s+(?:that|dat)\s+(?P<q>.+)$", re.I)
_ASKS_SOURCE_RE = re.compile(
    rf"^\W*(?:and\s+|en\s+)?(?:which|what|welke|wat|op\s+welke|from\s+which|uit\s+welke)"
    rf"\b[^?]{{0,40}}?\b{_SRC}\b(?P<tail>.*)$", re.I)
_AFTER_VERB_RE = re.compile(
    r"\b(?:backs?|supports?|underpins?|substantiates?|is\s+behind|cited|referenced|used|given"
    r"|listed|mentioned|onderbouwt|ondersteunt|staaft|ligt\s+ten\s+grondslag\s+aan|aangehaald"
    r"|geciteerd|genoemd|gebruikt|vermeld|hoort\s+bij|verwijst\s+naar|baseert\s+het\s+artikel"
    r"|gebaseerd)\b\s*(?:for|about|on|behind|regarding|to|voor|over|bij|achter|onder|op|aan)?"
    r"\s+(?P<q>.+)$", re.I)
_WHERE_RE = re.compile(
    r"^\W*(?:where|waar|in\s+which\s+\w+|in\s+welke\s+\w+|op\s+welke\s+\w+)\b(?P<rest>.*)$",
    re.I)
_WHICH_CLAIM_RE = re.compile(
    rf"^\W*(?:which|what|welke|wat\s+voor)\s+{_CLAIM}\s+(?:\w+\s+){{0,2}}?"
    rf"(?:does|do|did|is|are|wordt|worden|onderbouwt|ondersteunt|staaft)\s+(?P<q>.+?)"
    rf"(?:\s+(?:support|back|underpin|onderbouwd|ondersteund|gestaafd))?\W*$", re.I)
_SOURCE_NOUN_TAIL = re.compile(
    r"(?:\s+|-)(?:report|rapport|publication|publicatie|study|studie|advies|paper|essay"
    r"|article|artikel|document|notitie|brief)\b.*$", re.I)
_LEAD_DET = re.compile(r"^(?:the|het|de|een|a|an|dit|deze|this|that)\s+", re.I)
_WHERE_SUBJECT_RE = re.compile(
    rf"^(?:\s+in\s+(?:the|het)\s+(?:article|artikel|text|tekst))?\s+"
    rf"(?:is|are|was|were|wordt|worden|werd|does\s+the\s+article\s+\w+|do\s+they\s+\w+"
    rf"|citeert\s+het\s+artikel|verwijst\s+het\s+artikel\s+naar|noemt\s+het\s+artikel)"
    rf"(?:\s+in\s+(?:the|het)\s+(?:article|artikel|text|tekst))?\s+(?P<q>.+?)"
    rf"(?:\s+(?P<verb>{_CITE_STRONG}|{_CITE_WEAK}))?(?:\s*[,;].*)?\W*$", re.I)


def _clean_query(text: str) -> str:
    """Strip determiners, trailing punctuation and a trailing 'report'-like noun."""
    text = text.strip().rstrip("?.! ").strip()
    text = _LEAD_DET.sub("", text)
    text = re.sub(r"^(?:report|publication|study|paper|rapport|publicatie|studie|advies)\s+"
                  r"(?:by|of|from|van|door)\s+(?:the\s+|het\s+|de\s+)?", "", text, flags=re.I)
    stripped = _SOURCE_NOUN_TAIL.sub("", text).strip()
    return stripped or text


def detect_citation_question(question: str) -> dict | None:
    """Recognise a question about the article's citations themselves.

    Args:
        question: the user's question (Dutch or English).

    Returns:
        ``{"kind": "footnote", "footnote": n}`` for questions about a numbered
        footnote, ``{"kind": "source", "query": ...}`` for "where is <source>
        cited", ``{"kind": "claim", "query": ...}`` for "which source backs
        <claim>", or None for an ordinary question.
    """
    q = " ".join(question.split())
    m = _FOOTNOTE_RE.search(q)
    if m:
        return {"kind": "footnote", "footnote": int(m.group(1))}
    return _detect_source(q) or _detect_claim(q)


def _detect_source(q: str) -> dict | None:
    """'Where is X cited?' / 'Which claim does X support?' -> the X part."""
    m = _WHERE_RE.match(q)
    if m:
        sub = _WHERE_SUBJECT_RE.match(m.group("rest"))
        if sub:
            raw = sub.group("q")
            strong = re.search(rf"\b{_CITE_STRONG}\b", q, re.I)
            # weak verbs ("mentioned", "genoemd") only when the subject names a source
            named = re.search(r"\((?:\d{4}|z\.\s?j\.)\)", raw) or _SOURCE_NOUN_TAIL.search(raw)
            if strong or (sub.group("verb") and named):
                return {"kind": "source", "query": _clean_query(raw)}
    m = _WHICH_CLAIM_RE.match(q)
    if m:
        return {"kind": "source", "query": _clean_query(m.group("q"))}
    return None


def _detect_claim(q: str) -> dict | None:
    """'Which source backs the claim that Y?' -> the Y part."""
    m = _ASKS_SOURCE_RE.match(q)
    if not m:
        return None
    tail = m.group("tail")
    that = _CLAIM_THAT_RE.search(tail)
    if that:
        return {"kind": "claim", "query": _clean_claim(that.group("q"))}
    after = _AFTER_VERB_RE.search(tail)
    if after:
        return {"kind": "claim", "query": _LEAD_DET.sub("", _clean_claim(after.group("q")))}
    return None


def _clean_claim(text: str) -> str:
    """Strip a trailing follow-up question ('and where ...') and punctuation."""
    text = re.sub(r"\s*,?\s*(?:and|en)\s+(?:where|waar|which|welke|what|wat)\b.*$", "",
                  text, flags=re.I)
    return text.strip().rstrip("?.! ").strip()
