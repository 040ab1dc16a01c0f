"""Recognising questions about the article's citations, in any wording.

A small fitted model (multinomial logistic regression, see ``tune.cite_detector``) says
whether a question asks about the citations and which kind: ``footnote`` (what
footnote 12 refers to), ``source`` (where a named source is cited), ``claim``
(which source backs a statement) or ``set`` (which sources of a publisher,
author or year are cited). Its features are a few cue-word groups and the
cosines of the question's vector to the class centroids of the training
questions. The parameters live in ``detector.json`` (refit with
``bronwijzer calibrate-cite``); with another embedding model than the fitted
one, the cue-word part of the model is used alone.

The spans (footnote numbers, the claim, the source's name) are then extracted
from the wording.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from bronwijzer.fitted import FittedFile
from bronwijzer.text import fold

KINDS = ("none", "footnote", "source", "claim", "set")
DETECTOR_FILE = Path(__file__).with_name("detector.json")

_FN_WORD = r"(?:voetnot(?:en)?|voetnoot|noten|noot|footnotes?|endnotes?|notes?|fn\.?)"
_NUM = r"\[?(\d{1,3})\]?(?![\d.,]\d)"
_FOOTNOTES_RE = re.compile(
    rf"\b{_FN_WORD}\s*(?:nr\.?|no\.?|number|nummer)?\s*{_NUM}"
    rf"(?P<more>(?:\s*(?:,|and|en|&|\+|or|of)\s*{_NUM})*)", re.I)

# A Dutch compound that ends in a source noun ("adviesrapport", "overheidsbron").
_COMPOUND = r"|\b\w+(?:bron(?:nen)?|rapport(?:en)?|publicaties?|document(?:en)?)\b"

# Cue-word groups over the folded question (accents removed, lower case).
CUES: dict[str, str] = {
    "footnote_number": _FOOTNOTES_RE.pattern,
    "footnote_word": rf"\b{_FN_WORD}",
    "source_noun": r"\b(?:bron\w*|sources?|publicati\w*|publications?|referen\w*|rapport\w*"
                   r"|reports?|stud(?:y|ies|ie)\b|onderzoek\w*|literat\w*|papers?|documents?"
                   r"|essays?|jaarbericht\w*|verkenning\w*|adviesorga\w*|works?)\b" + _COMPOUND,
    "plural_source": r"\b(?:sources|bronnen|publications|publicaties|references|referenties"
                     r"|reports|rapporten|studies|articles|artikelen|documents|documenten"
                     r"|works|essays)\b",
    "cite_verb": r"\b(?:cit\w+|quot\w+|aangehaald|geciteerd|citeer\w*|verwij\w+|verwezen"
                 r"|refer\w*|back\w*|support\w*|underpin\w*|onderbouw\w*|steun\w*|staaf\w*"
                 r"|gestaafd|baseer\w*|gebaseerd|based|grondslag|draws?\s+on|drawn|ontleend"
                 r"|opgevoerd|vermeld\w*|evidence|bewijs|given|gegeven|comes?\s+from|komt\s+uit"
                 r"|blijkt|behind|achter|rel(?:y|ies|ied)\s+on|rests?\s+on|beroep\w*|leun\w*"
                 r"|op\s+grond\s+van|on\s+the\s+basis\s+of|grounds)\b",
    "claim_noun": r"\b(?:claim|statement|assertion|point|idea|argument|observation|warning"
                  r"|remark|call|passage|sentence|bewering|stelling|idee|oproep|signalering"
                  r"|uitspraak|constatering|zin|opmerking|gedachte|waarschuwing)\b",
    "that_clause": r"\b(?:claim|statement|assertion|point|idea|argument|observation|warning"
                   r"|remark|bewering|stelling|idee|signalering|uitspraak|constatering"
                   r"|opmerking|saying|zeggen)\s+(?:that|dat)\b|\b(?:say|says|said|zegt|zeggen"
                   r"|stelt|stellen|schrijft|schrijven|writes?|wrote|argues?|claims?)\b[^?]{0,40}"
                   r"\b(?:that|dat)\b",
    "where": r"^\W*(?:where|waar)\b|\b(?:at which point|op welke plek|in which part"
             r"|bij welke passage|waar in)\b",
    "where_cited": r"\b(?:where|waar)\b(?:\W+\w+){0,8}?\W+(?:cite|cites|cited|quote|quoted"
                   r"|refer|refers|referred|referenced"
                   r"|used|aangehaald|geciteerd|verwezen|verwijst|gebruikt|vermeld|genoemd)\b",
    "asks_source": r"\b(?:which|what|whose|welke?|wiens|wie|who|name|from which|uit welke"
                   r"|according to which|volgens welke)\b(?:\W+\w+){0,3}?\W+"
                   r"(?:bron\w*|sources?|publicati\w*|publications?|referen\w*|rapport\w*"
                   r"|reports?|stud(?:y|ies|ie)|onderzoek|literat\w*|documents?|essays?"
                   r"|jaarbericht|adviesorga\w*|organisation|auteur|author|footnote|voetnoot"
                   r"|\w+(?:bron(?:nen)?|rapport(?:en)?|publicaties?|document(?:en)?))",
    "asks_content": r"\b(?:according to (?:the|het|de)|volgens (?:de|het)|conclud\w*"
                    r"|concludeer\w*|how effective|what does (?:it|the \w+) say)\b",
    "year": r"\b(?:19|20)\d\d\b",
}
_CUE_RES = {name: re.compile(pattern, re.I) for name, pattern in CUES.items()}


def cue_features(question: str) -> np.ndarray:
    """One 0/1 feature per cue-word group of ``CUES``, in its order."""
    q = fold(" ".join(question.split()))  # white space collapsed for the cue phrases
    return np.array([1.0 if regex.search(q) else 0.0 for regex in _CUE_RES.values()])


def footnote_numbers(question: str) -> list[int]:
    """The footnote numbers a question names ("voetnoot 12", "footnotes 14 and 15")."""
    numbers: list[int] = []
    for m in _FOOTNOTES_RE.finditer(question):
        numbers.append(int(m.group(1)))
        numbers += [int(n) for n in re.findall(r"\d{1,3}", m.group("more"))]
    return list(dict.fromkeys(numbers))


def features(question: str, vector: np.ndarray | None, centroids: np.ndarray | None) -> np.ndarray:
    """The model's input: cue features, then (when given) centred centroid cosines.

    Args:
        question: the question.
        vector: its normalised query vector, or None for the cue-only model.
        centroids: one normalised row per class of ``KINDS``, or None.

    Returns:
        the feature vector.
    """
    cues = cue_features(question)
    if vector is None or centroids is None:
        return cues
    cosines = centroids @ np.asarray(vector, dtype=np.float64)
    return np.concatenate([cues, cosines - cosines.mean()])


def softmax_predict(params: dict, x: np.ndarray) -> np.ndarray:
    """Class probabilities of a stored logistic model (``mean``, ``scale``, ``coef``, ``bias``)."""
    z = (x - np.asarray(params["mean"])) / np.asarray(params["scale"])
    logits = np.asarray(params["coef"]) @ z + np.asarray(params["bias"])
    logits = logits - logits.max()
    p = np.exp(logits)
    return p / p.sum()


FITTED = FittedFile(DETECTOR_FILE)  # the stored file, or crossval's per-fold refit


def load_detector(path: Path | None = None) -> dict | None:
    """The stored detector parameters (default: ``DETECTOR_FILE``), or None when the file
    is missing or unreadable."""
    return FITTED.read(path)


def use_detector(detector: dict | None) -> dict | None:
    """Classify with ``detector`` instead of the stored file (None: the file again).

    Returns:
        The detector used until now (None: the stored file), to restore it.
    """
    return FITTED.use(detector)


def classify(question: str, vector: np.ndarray | None = None, fingerprint: str | None = None,
             detector: dict | None = None) -> tuple[str, float]:
    """The citation kind of a question and its probability.

    Args:
        question: the question.
        vector: its query vector (from the model ``fingerprint``), or None.
        fingerprint: the embedding model's fingerprint; the embedding part is used
            only when it is the one the detector was fitted with.
        detector: parameters (default: the stored file).

    Returns:
        ``(kind, probability)``; kind is one of ``KINDS``.
    """
    detector = detector or FITTED.current()
    if detector is None:
        return ("footnote", 1.0) if footnote_numbers(question) else ("none", 1.0)
    full = vector is not None and fingerprint == detector.get("fingerprint")
    if full:
        params = detector["full"]
        x = features(question, vector, np.asarray(detector["centroids"]))
    else:
        params = detector["cues_only"]
        x = features(question, None, None)
    p = softmax_predict(params, x)
    best = int(np.argmax(p))
    return KINDS[best], float(p[best])


# --- spans: what the claim or the source is ---------------------------------------

_FOLLOW_UP = re.compile(
    r"\s*[,;]?\s+(?:and|en)\s+(?:where|waar|which|welke|what|wat|with|met|through|via|how|hoe"
    r"|for what|waarvoor|bij welke|in which|what does|wat zegt)\b.*$", re.I)
_THAT = re.compile(
    r"\b(?:claim|statement|assertion|point|idea|argument|observation|warning|remark|notion"
    r"|bewering|stelling|idee|signalering|uitspraak|constatering|opmerking|gedachte|saying"
    r"|zeggen|blijkt|staat|stelt|says|states|waarin staat)\s+(?:that|dat)\s+(?P<q>.+)$"
    r"|\b(?:say|says|said|zegt|zeggen|stelt|stellen|schrijft|schrijven|writes?|wrote|argues?)\b"
    r"[^?]{0,40}?\b(?:that|dat)\s+(?P<q2>.+)$", re.I)
_FRAME = re.compile(
    r"\b(?:which|what|whose|who|whom|where|welke?|wat|wiens|wie|waar|name|can you|kun je"
    r"|is there|are there|is er|zijn er|does|do|did|is|are|was|were|wordt|worden|werd|the article"
    r"|het artikel|the text|de tekst|the authors?|de auteurs?|the piece|het stuk|the publisher|de uitgever"
    r"|bron\w*|sources?|publicati\w*|publications?|referen\w*|rapport\w*|reports?|stud(?:y|ies|ie)"
    r"|\w+(?:bron(?:nen)?|rapport(?:en)?|publicaties?)"
    r"|onderzoek|literatuur|literature|papers?|documents?|essays?|works?|articles?|artikelen"
    r"|cit\w+|quot\w+|aangehaald|geciteerd|verwij\w+|verwezen|backs?|backed|supports?|underpins?"
    r"|onderbouw\w*|steun\w*|gebaseerd|based|draws? on|ligt ten grondslag|ten grondslag"
    r"|as a|als|given|gegeven|genoemd|mentioned|listed|vermeld|used|gebruikt|itself|zelf"
    r"|list|all|alle|staan|appears?|footnotes|voetnoten|reference list|literatuurlijst"
    r"|in|on|for|about|to|of|by|from|at|voor|over|bij|van|door|uit|op|aan|naar|achter|behind"
    r"|the|a|an|de|het|een|that|dat|this|dit|deze)\b", re.I)


# A frame that closes the claim instead of opening it ("the claim that X is supported by
# which study", "de zin waarin staat dat X staat een voetnoot"): a verb, a few words and a
# source noun at the end.
_TAIL = re.compile(
    r"\s+(?:is|are|was|were|wordt|worden|werd|staat|stond|comes?|came|komt|kwam)\b"
    r"(?:\s+[\w'-]+){0,3}?\s+(?:(?:which|what|welke?|wat)\s+(?:[\w'-]+\s+){0,2}?)?"
    r"(?:(?:a|an|een)\s+)?(?:source|stud|report|bron|onderzoek|rapport|publicati|footnote"
    r"|voetnoot|referen|literat|document|paper|essay)\w*$", re.I)


# A question that says the claim's sentence carries a footnote mark.
_PRESUMES_NOTE = re.compile(
    r"\b(?:staat|stond|heeft|has|had|carries|bears|with|met|gets|krijgt)\s+(?:een|a)\s+"
    r"(?:voetnoot|footnote|noot|note|verwijzing)\b", re.I)


def presumes_footnote(question: str) -> bool:
    """Whether a claim question says its sentence has a footnote ("... staat een voetnoot")."""
    return bool(_PRESUMES_NOTE.search(question))


def _cut(text: str) -> str:
    """Without a trailing follow-up question and punctuation."""
    text = _FOLLOW_UP.sub("", " ".join(text.split()))
    return text.strip().rstrip("?.!:; ").strip()


def _strip_frame(text: str) -> str:
    """The words that are left when the question frame words are taken out."""
    rest = " ".join(_FRAME.sub(" ", text).split()).strip(" ,.;:?!'\"")
    return rest or text


def claim_span(question: str) -> str:
    """The statement a 'which source backs ...' question is about.

    The clause after "the claim that" / "de stelling dat" when there is one (on
    either side of a colon), else the question without its frame words.
    """
    parts = [p for p in re.split(r":\s+", " ".join(question.split())) if p.strip()]
    for part in parts:
        m = _THAT.search(part)
        if m:
            return _TAIL.sub("", _cut(m.group("q") or m.group("q2")))
    longest = max(parts, key=lambda p: len(_strip_frame(_cut(p)))) if parts else question
    return _strip_frame(_cut(longest))


def source_span(question: str) -> str:
    """The name of a source (author, organisation, title words, year) a question is about."""
    return _strip_frame(_cut(question))


def detect_citation_question(question: str, vector: np.ndarray | None = None,
                             fingerprint: str | None = None) -> dict | None:
    """Recognise a question about the article's citations themselves.

    Args:
        question: the user's question (Dutch or English).
        vector: its query vector, when the embedding model is the detector's.
        fingerprint: the embedding model's fingerprint.

    Returns:
        ``{"kind": "footnote", "footnote": n, "footnotes": [...]}``,
        ``{"kind": "source" | "set", "query": name}``, ``{"kind": "claim",
        "query": statement}``, each with ``"probability"``; None for an ordinary
        question.
    """
    q = " ".join(question.split())
    if not q:
        return None
    kind, probability = classify(q, vector, fingerprint)
    if kind == "none":
        return None
    numbers = footnote_numbers(q)
    if kind == "footnote" and numbers:
        return {"kind": "footnote", "footnote": numbers[0], "footnotes": numbers,
                "probability": probability}
    if kind in ("source", "set"):
        return {"kind": kind, "query": source_span(q), "probability": probability}
    return {"kind": "claim", "query": claim_span(q), "probability": probability}
