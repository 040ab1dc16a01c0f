"""Citation lookup: which sentences cite a footnote, which references match a name.

Pure functions over already loaded passages and references (no index I/O).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Sequence

from bronwijzer.corpus.article import split_sentences
from bronwijzer.errors import CiteError
from bronwijzer.records import Passage, Reference


@dataclass(frozen=True)
class CitingSentence:
    """A sentence of the article that carries the marker of a footnote."""

    footnote: int
    sentence: str
    doc: str
    location: str
    passage_id: str


def citing_sentences(passages: Sequence[Passage], footnote: int) -> list[CitingSentence]:
    """The article sentences that contain the marker ``[footnote]``.

    Args:
        passages: passages to search; passages of cited sources (``source_of``
            set) are skipped.
        footnote: the footnote number.

    Returns:
        one entry per distinct sentence, in passage order.
    """
    marker = re.compile(rf"\[{footnote}\]")
    out: list[CitingSentence] = []
    seen: set[tuple[str, str]] = set()
    for passage in passages:
        if passage.source_of is not None or not marker.search(passage.text):
            continue
        for start, end in split_sentences(passage.text):
            sentence = passage.text[start:end]
            if marker.search(sentence) and (passage.doc, sentence) not in seen:
                seen.add((passage.doc, sentence))
                out.append(CitingSentence(footnote, sentence, passage.doc,
                                          passage.location, passage.id))
    return out


def footnote_refs(n: int, refs: Sequence[Reference]) -> list[Reference]:
    """The references of footnote ``n``, by position.

    Args:
        n: footnote number.
        refs: all references of the article.

    Returns:
        the references of that footnote.

    Raises:
        CiteError: when the article has no footnote ``n``.
    """
    found = sorted((r for r in refs if r.footnote == n), key=lambda r: r.position)
    if not found:
        numbers = sorted({r.footnote for r in refs})
        have = f"footnotes {numbers[0]}–{numbers[-1]}" if numbers else "no footnotes"
        raise CiteError(f"Footnote {n} does not exist; the article has {have}.")
    return found


# --- finding references by name, title word or year -----------------------------

_QUERY_STOP = frozenset("""
    de het een van voor en in op over met naar door bij uit of aan te is wordt waar welke wat
    the a an of for and in on about with to by from is are where which what who
    rapport report publicatie publication publicaties studie study paper artikel article
    bron source bronnen sources advies notitie brief essay document referentie reference
    al et""".split())
_FIELD_WEIGHTS = {"author": 1.0, "title": 0.7, "publisher": 0.5}
_FUZZY_MIN = 0.8
_YEAR_BONUS = 0.5


def _fold(text: str) -> str:
    """Lowercase without accents."""
    text = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in text if not unicodedata.combining(c))


def _tokens(text: str) -> list[str]:
    """Folded word tokens (letters and digits)."""
    return re.findall(r"[a-z0-9]+", _fold(text))


def _acronym(name: str) -> set[str]:
    """The initials of a multi-word name ("De Nederlandsche Bank" -> {"dnb"})."""
    capitals = [w[0] for w in re.split(r"[\s-]+", name) if w[:1].isupper()]
    return {_fold("".join(capitals))} if len(capitals) >= 2 else set()


def _ref_fields(ref: Reference) -> dict[str, set[str]]:
    """The searchable tokens of a reference, per field (with organisation acronyms)."""
    orgs = [a for a in ref.authors if "," not in a]
    authors = " ".join(a.split(",")[0] for a in ref.authors)
    author_acr = set().union(*(_acronym(o) for o in orgs)) if orgs else set()
    publisher = ref.publisher or ""
    return {"author": (set(_tokens(authors)) | author_acr) - _QUERY_STOP,
            "title": set(_tokens(ref.title)) - _QUERY_STOP,
            "publisher": (set(_tokens(publisher)) | _acronym(publisher)) - _QUERY_STOP}


def _similarity(word: str, candidates: set[str]) -> float:
    """1.0 for an exact match, else the best close-spelling ratio (or 0)."""
    if word in candidates:
        return 1.0
    if len(word) < 4:
        return 0.0
    best = 0.0
    for cand in candidates:
        if len(cand) >= 4 and abs(len(cand) - len(word)) <= 3:
            ratio = SequenceMatcher(None, word, cand).ratio()
            best = max(best, ratio if ratio >= _FUZZY_MIN else 0.0)
    return best


def _score(words: Sequence[str], years: Sequence[int | None], ref: Reference) -> float:
    """Mean best field match of the query words, plus a bonus for the right year."""
    fields = _ref_fields(ref)
    total = 0.0
    for word in words:
        total += max(w * _similarity(word, fields[f]) for f, w in _FIELD_WEIGHTS.items())
    score = total / len(words) if words else 0.0
    if words and score == 0.0:
        return 0.0
    if years and ref.year in years:
        score += _YEAR_BONUS
    return score


def find_references(query: str, refs: Sequence[Reference]) -> list[tuple[Reference, float]]:
    """References matching an author, organisation, title word and/or year.

    Case, accents and small typos are forgiven ("rli", "koelemay",
    "Koelemaij 2025"); a year in the query ranks references of that year first.

    Args:
        query: free text naming a source.
        refs: the references to search.

    Returns:
        ``(reference, score)`` pairs, best first; empty when nothing matches.
    """
    undated = re.search(r"\bz\.\s?j\.?|\bn\.d\.", query, re.I)
    query = re.sub(r"\bz\.\s?j\.?|\bn\.d\.", " ", query, flags=re.I)
    tokens = [t for t in _tokens(query) if t not in _QUERY_STOP and len(t) > 1]
    years: list[int | None] = [int(t) for t in tokens if re.fullmatch(r"(19|20)\d\d", t)]
    words = [t for t in tokens if not t.isdigit()]
    if undated:
        years.append(None)  # "z.j." / "n.d.": no year
    if not words and not years:
        return []
    scored = [(ref, round(_score(words, years, ref), 4)) for ref in refs]
    hits = [(r, s) for r, s in scored if s > 0]
    return sorted(hits, key=lambda rs: (-rs[1], rs[0].footnote, rs[0].position))


# --- recognising questions about citations ---------------------------------------

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
