"""What the evidence lacks for the kind of thing a question asks.

A question that asks *when* wants a month or a date, *who* or *which organisations* a
name, *where* a place, a *comparison* of two named things both of them in one stretch of
text with comparing words, *how much* a number that is neither a year nor one the
question gives itself. A careful reader looks for that in the best sentences before
answering; these features say whether it is there. They are measured over the top
``TUNING.lack_top`` ranked sentences (not only the quoted ones: an answer may sit one
sentence further) and are features of the fitted answerability model
(:mod:`bronwijzer.answer.answerability`; which of them it uses is in its JSON file).

The asked kind comes from Dutch and English wh-words and question frames only (``wanneer``,
``in welke maand``, ``who``, ``waar``, ``vergeleken met``, ``than`` ...), never from the
words of a text.
"""

from __future__ import annotations

import re

from bronwijzer.answer.evidence import asked_kinds, missing_kinds
from bronwijzer.answer.names import COMMON, missing_names
from bronwijzer.text import MARKER, fold

# the features ``lack_features`` gives
LACKS = ("asks_named", "lacks_asked", "lacks_compare", "asked_rank", "lacks_amount",
         "names_unknown_share")
_MONTHS = ("januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|"
           "november|december|january|february|march|may|june|july|august|october")
# kind: how a question asks for it
# A wh-word asks only where a question opens with it (after at most two words: "en
# wanneer", "per wanneer", "door wie"), not where it joins a clause ("... when it grows").
_OPENS = r"^(\W*\w+\W+){0,2}?"
# kind: how a question asks for it
ASKS = {
    "date": re.compile(
        _OPENS + r"(wanneer|when)\b|\b(welke (maand|datum|dag)|which (month|date|day)|"
        r"what (month|date|day)|op welke datum|on what date|in welk kwartaal|which quarter)\b",
        re.I),
    "person": re.compile(
        _OPENS + r"(wie|who|whom|whose)\b|\b(hoe heet|what is the name|wat is de naam|"
        r"naam van|name of|welke (persoon|personen|minister|ministers|voorzitter|directeur|"
        r"wethouder|burgemeester)|which (person|people|minister|chair\w*|director))\b", re.I),
    "organisation": re.compile(
        r"\b(welke (bedrijven|ondernemingen|investeerders|organisaties|instellingen|partij|"
        r"partijen|banken|fondsen)|which (companies|firms|investors|organi[sz]ations|"
        r"institutions|party|parties|banks|funds))\b", re.I),
    "place": re.compile(
        _OPENS + r"(waar|where)\b(?! in (de|het) (tekst|artikel)| in the (text|article))|"
        r"\b(welke (stad|steden|plaats|plaatsen|gemeente|gemeenten|provincie|provincies|"
        r"regio|regio's|land|landen|wijk|locatie|locaties)|which (city|cities|town|towns|"
        r"place|places|municipality|province|provinces|region|regions|country|countries|"
        r"district|location|locations))\b", re.I),
}
_COMPARE = re.compile(
    r"\b(vergelijk\w*|vergeleken|verschil\w*|compar\w*|differ\w*|versus|vs|than|dan|"
    r"ten opzichte van|relative to|in contrast|stronger or weaker|weaker or stronger|"
    r"sterker of zwakker|zwakker of sterker|beter of slechter|better or worse)\b", re.I)
# a sentence that compares: comparative words or "than"
_COMPARING = re.compile(
    r"\b(dan|than|vergeleken|vergelijk\w*|compared|ten opzichte van|relative to|terwijl|"
    r"whereas|meer|minder|more|less|fewer|hoger|lager|higher|lower|groter|kleiner|larger|"
    r"smaller|sterker|zwakker|stronger|weaker|beter|slechter|better|worse|achter\w*|behind|"
    r"voorsprong|ahead)\b", re.I)
_DATE = re.compile(rf"\b({_MONTHS})\b|\b\d{{1,2}}[-/]\d{{1,2}}[-/]\d{{2,4}}\b|"
                   r"\b(kwartaal|quarter|voorjaar|najaar|zomer|winter|spring|autumn|summer)\b",
                   re.I)
_LOCATIVE = re.compile(r"\b(in|te|uit|bij|rond|nabij|near|at|from|around)\s+"
                       r"(de |het |the )?([A-ZÀ-ÖØ-Þ][\w'-]+)")
_CAPITALISED = re.compile(r"(?<![.?!]\s)(?<!^)\b[A-ZÀ-ÖØ-Þ][\w'-]{2,}")


def asked(question: str) -> list[str]:
    """The kinds the question asks for: ``date``, ``person``, ``organisation``,
    ``place``, ``comparison`` (none, one or several)."""
    kinds = [k for k, pattern in ASKS.items() if pattern.search(question)]
    if _COMPARE.search(question) and len(compared_names(question)) >= 2:
        kinds.append("comparison")
    return kinds


def compared_names(question: str) -> list[str]:
    """The named things a question compares: its capitalised words past the first,
    the common ones left out (folded, in order)."""
    words = re.findall(r"[\w'-]+", question)[1:]
    return list(dict.fromkeys(fold(w) for w in words if w[:1].isupper() and len(w) > 2
                              and fold(w) not in COMMON))


def new_names(question: str, sentences: list[str]) -> list[str]:
    """Capitalised words of the sentences (not sentence-initial) the question lacks."""
    known = {fold(w) for w in re.findall(r"[\w'-]+", question)}
    found = []
    for sentence in sentences:
        for word in _CAPITALISED.findall(MARKER.sub(" ", sentence).strip()):
            if fold(word) not in known and fold(word) not in COMMON:
                found.append(word)
    return list(dict.fromkeys(found))


def gives(kind: str, question: str, sentences: list[str]) -> bool:
    """Whether the sentences hold something of ``kind`` the question asks for."""
    text = " ".join(MARKER.sub(" ", s) for s in sentences)
    if kind == "date":
        return bool(_DATE.search(text))
    if kind == "place":
        known = {fold(w) for w in re.findall(r"[\w'-]+", question)}
        return any(fold(m[2]) not in known and fold(m[2]) not in COMMON
                   for m in _LOCATIVE.findall(text))
    if kind == "comparison":
        return compared_together(question, sentences)
    return bool(new_names(question, sentences))


def compared_together(question: str, sentences: list[str]) -> bool:
    """Whether two of the question's compared names stand in one sentence, or in two
    that follow each other, with comparing words there."""
    names = compared_names(question)
    folded = [fold(s) for s in sentences]
    windows = folded + [a + " " + b for a, b in zip(folded, folded[1:])]
    for window in windows:
        present = sum(bool(re.search(rf"\b{re.escape(n)}", window)) for n in names)
        if present >= 2 and _COMPARING.search(window):
            return True
    return False


_NUMERAL = re.compile(r"(?<![\w.,])\d+(?:[.,]\d+)*(?![\w])")
_YEAR = re.compile(r"^(1[89]|20)\d\d$")
_COUNT_WORD = re.compile(r"\b(twee|drie|vier|vijf|zes|zeven|acht|negen|tien|elf|twaalf|twintig|"
                         r"honderd|duizend|two|three|four|five|six|seven|eight|nine|ten|"
                         r"eleven|twelve|twenty|hundred|thousand|dozen|half|helft)\b", re.I)


def new_amount(question: str, sentences: list[str]) -> bool:
    """Whether the sentences state an amount the question does not hold already: a
    number that is neither a year nor one of the question's numbers, or a count word."""
    own = set(_NUMERAL.findall(question))
    for sentence in sentences:
        text = MARKER.sub(" ", sentence)
        if any(n not in own and not _YEAR.match(n) for n in _NUMERAL.findall(text)):
            return True
        if _COUNT_WORD.search(text) and not _COUNT_WORD.search(question):
            return True
    return False


def lacking_amounts(question: str, sentences: list[str]) -> list[str]:
    """The amounts (``answer.evidence`` kinds but years) a question asks for when the
    sentences state no new amount (none when they do or it asks none)."""
    wanted = [k for k in asked_kinds(question) if k != "year"]
    return wanted if wanted and not new_amount(question, sentences) else []


def asked_rank(question: str, sentences: list[str]) -> float:
    """How far down the sentences the first one giving every asked kind stands, as a
    share of their number (0: the best sentence gives it; 1: none does; 0 as well when
    the question asks no kind). Kinds: this module's and the amounts and years of
    ``answer.evidence``."""
    kinds = asked(question)
    amounts = asked_kinds(question)
    if not (kinds or amounts) or not sentences:
        return 0.0
    worst = 0
    for kind in [*kinds, *amounts]:
        position = next((n for n, s in enumerate(sentences)
                         if (not missing_kinds(question, [s]) if kind in amounts
                             else gives(kind, question, [s]))), len(sentences))
        worst = max(worst, position)
    return worst / len(sentences)


def lack_features(question: str, sentences: list[str],
                  vocabulary: frozenset[str]) -> dict[str, float]:
    """The lack features of a question over its top-ranked sentences.

    Args:
        question: the question.
        sentences: the top-ranked sentences of its evidence, best first.
        vocabulary: the corpus's folded words.

    Returns:
        ``asks_named`` (1 when it asks a date, a name, a place or a comparison),
        ``lacks_asked`` (1 when it asks one and the sentences give none of it),
        ``lacks_compare`` (a comparison whose names never stand together comparing),
        ``asked_rank`` (``asked_rank``), ``lacks_amount`` (1 when ``lacking_amounts``),
        ``names_unknown_share`` (the share of its names the corpus lacks).
    """
    kinds = asked(question)
    lacking = [k for k in kinds if not gives(k, question, sentences)]
    names = compared_names(question)
    unknown = missing_names(question, vocabulary)
    return {
        "asks_named": float(bool(kinds)),
        "lacks_asked": float(bool(lacking)),
        "lacks_compare": float("comparison" in lacking),
        "asked_rank": asked_rank(question, sentences),
        "lacks_amount": float(bool(lacking_amounts(question, sentences))),
        "names_unknown_share": len(unknown) / len(names) if names else 0.0,
    }

