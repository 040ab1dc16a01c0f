"""What the evidence lacks for the kind of thing a question asks.

A question that asks *when* wants a year, a month or a date (*when exactly* or *in which
month*: a month or a date), *which minister* or *who is the chair* a person's name (after
a role word or initials), *what is the name of* or *which organisations* a name, *where*
a place (*where is X cited* asks a place in the text, not one in the world), a
*comparison* of two named things both of them in one stretch of text with comparing
words, *how much* a number that is neither a year nor one the question gives itself. A
plain *who* is left alone: a policy text answers it with groups ("gemeenten, het Rijk").
A name in a place's position ("in de provincies Utrecht en Overijssel") is a place, not
the organisation or person asked for. A careful reader looks for that in the best
sentences before answering; these features say whether it is there. They are measured over the top
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
_ROLE = (r"(?:minister|ministers|staatssecretaris|premier|voorzitter|directeur|wethouder|"
         r"burgemeester|commissaris|gedeputeerde|hoogleraar|chair\w*|director|mayor|president|"
         r"professor|persoon|personen|person|people)")
ASKS = {
    "date": re.compile(
        _OPENS + r"(wanneer|when)\b|\b(welke (maand|datum|dag)|which (month|date|day)|"
        r"what (month|date|day)|op welke datum|on what date|in welk kwartaal|which quarter)\b",
        re.I),
    "person": re.compile(
        r"\b(hoe heet|what is the name|wat is de naam|naam van|name of)\b", re.I),
    # a person in a role ("welke minister", "who is the chair"): a person's name answers it
    "role": re.compile(r"\b(welke|which|what|wie is de|wie was de|who is the|who was the)\s+"
                       + _ROLE + r"\b", re.I),
    "organisation": re.compile(
        r"\b(welke (\w+ )?(bedrijven|ondernemingen|investeerders|beleggers|financiers|"
        r"organisaties|instellingen|partij|partijen|banken|fondsen)|which (\w+ )?(companies|"
        r"firms|investors|financiers|backers|organi[sz]ations|institutions|party|parties|banks|"
        r"funds))\b", re.I),
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
# names in a place's position ("in de provincies Utrecht en Overijssel", "uit Brabant"):
# places, not the organisation or person a question asks for
_PLACED = re.compile(r"\b(?:in|te|uit|nabij|near|from)\s+(?:(?:de|het|the)\s+)?"
                     r"(?:(?:provincies?|gemeenten?|regio'?s?|steden|stad|provinces?|"
                     r"municipalit\w+|regions?|cit(?:y|ies)|towns?)\s+)?([A-ZÀ-Þ][\w'-]+)"
                     r"(?:(?:,\s*|\s+(?:en|and|of|or)\s+)[A-ZÀ-Þ][\w'-]+)*")


# "where in the text is X cited" asks a place in the text, not a place in the world
# (the verb closes the clause: "where are the parks mentioned in the text located?" asks a place)
_IN_TEXT = re.compile(r"\b(where|waar)\b.{0,80}\b(cited|quoted|mentioned|referred to|discussed|"
                      r"named|geciteerd|aangehaald|genoemd|vermeld|besproken|verwezen|verwijst|"
                      r"citeert|noemt)\b\s*(in (the|de|het) (text|article|tekst|artikel|stuk)\s*)?"
                      r"([?,.;:]|$|\b(and|en)\b)", re.I)
# "when exactly", "which month": a year does not answer it
_PRECISE = re.compile(r"\b(precies|exact\w*|welke (maand|datum|dag)|which (month|date|day)|"
                      r"what (month|date|day)|op welke datum|on what date)\b", re.I)
_YEAR_WORD = re.compile(r"\b(1[89]|20)\d\d\b")
# capitalised adjectives of a place ("Nederlandse", "Europese", "Duitse"): not a name
_ADJECTIVE = re.compile(r"(?:[^aeiou]se|sche|ese)$")
# a person's name: after a role word ("minister Adriaansens") or initials ("P. Jansen")
_PERSON = re.compile(r"\b" + _ROLE + r"\s+([A-ZÀ-Þ][\w'-]+)|\b[A-Z]\.\s?([A-ZÀ-Þ][\w'-]{2,})")


def asked(question: str) -> list[str]:
    """The kinds the question asks for: ``date``, ``person``, ``role`` (a person in a
    role), ``organisation``, ``place``, ``comparison`` (none, one or several)."""
    kinds = [k for k, pattern in ASKS.items() if pattern.search(question)]
    if "role" in kinds and "person" in kinds:
        kinds.remove("person")
    if "place" in kinds and _IN_TEXT.search(question):
        kinds.remove("place")
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
            if fold(word) not in known and fold(word) not in COMMON \
                    and not _ADJECTIVE.search(fold(word)):
                found.append(word)
    return list(dict.fromkeys(found))


def new_person(question: str, sentences: list[str]) -> bool:
    """Whether the sentences name a person the question does not: a capitalised word
    after a role word ("minister Adriaansens") or after an initial ("P. Jansen")."""
    known = {fold(w) for w in re.findall(r"[\w'-]+", question)}
    for sentence in sentences:
        for match in _PERSON.finditer(MARKER.sub(" ", sentence)):
            name = match.group(1) or match.group(2)
            if fold(name) not in known and fold(name) not in COMMON:
                return True
    return False


def gives(kind: str, question: str, sentences: list[str]) -> bool:
    """Whether the sentences hold something of ``kind`` the question asks for (for a
    name or an organisation: a new name that does not stand in a place's position)."""
    text = " ".join(MARKER.sub(" ", s) for s in sentences)
    if kind == "date":
        if _PRECISE.search(question) or _YEAR_WORD.search(question):
            return bool(_DATE.search(text))
        own = set(_YEAR_WORD.findall(question))
        return bool(_DATE.search(text)) or any(
            m.group(0) not in own for m in _YEAR_WORD.finditer(text))
    if kind == "place":
        known = {fold(w) for w in re.findall(r"[\w'-]+", question)}
        return any(fold(m[2]) not in known and fold(m[2]) not in COMMON
                   for m in _LOCATIVE.findall(text)) or bool(new_names(question, sentences))
    if kind == "comparison":
        return compared_together(question, sentences)
    if kind == "role":
        return new_person(question, sentences)
    places = {fold(n) for m in _PLACED.finditer(text) for n in _placed(m)}
    return any(fold(n) not in places for n in new_names(question, sentences))


def _placed(match: re.Match) -> list[str]:
    """The names of a ``_PLACED`` match: the first, and every one listed after it."""
    listed = re.findall(r"(?:,\s*|\s+(?:en|and|of|or)\s+)([A-ZÀ-Þ][\w'-]+)",
                        match.group(0)[match.end(1) - match.start(0):])
    return [match.group(1), *listed]


def compared_together(question: str, sentences: list[str]) -> bool:
    """Whether two of the question's compared names stand in one sentence, or in two
    that follow each other, with comparing words there."""
    names = compared_names(question)
    folded = [fold(s) for s in sentences]
    windows = folded + [a + " " + b for a, b in zip(folded, folded[1:])]
    # a compound name is found by its head ("EU-landen": "EU", which "Europese" begins)
    heads = [n.split("-")[0] if len(n.split("-")[0]) > 1 else n for n in names]
    for window in windows:
        present = sum(bool(re.search(rf"\b{re.escape(n)}", window)) for n in heads)
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


def lacking_asked(question: str, sentences: list[str]) -> list[str]:
    """The kinds of ``asked`` the sentences give none of (``lacks_asked``)."""
    return [k for k in asked(question) if not gives(k, question, sentences)]


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
    lacking = lacking_asked(question, sentences)
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

