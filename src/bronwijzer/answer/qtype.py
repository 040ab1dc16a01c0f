"""Question types and the kind of sentence that answers them.

A question that asks for an amount wants a sentence with a number; a question
that asks what the text proposes wants a sentence that prescribes ("zou moeten",
"is noodzakelijk", "should"). Both are checks a careful reader makes; they are
used to rank sentences and to weigh the confidence.
"""

from __future__ import annotations

import re

from bronwijzer.text import MARKER

_AMOUNT_QUESTION = re.compile(
    r"\b(hoeveel|how (many|much|large|big|high)|by how much|"
    r"what (?:(?:minimum|maximum|average|total|exact)\s+)?(amount|number|percentage|share|"
    r"price|sum|rate|budget)|what (is|was|were) the (maximum|minimum|average|total)|"
    r"welk(e)? (?:(?:minimale|maximale|minimum|maximum|gemiddelde|totale)\s+)?(bedrag|aantal|"
    r"percentage|tarief|prijs|budget)|hoe (groot|hoog))\b", re.I)
# Numbers in words ("een"/"one" and "half" join them only where a sentence's amount is
# sought: as a count of something they are an article more often than a number).
_COUNT_WORDS = ("twee|drie|vier|vijf|zes|zeven|acht|negen|tien|elf|twaalf|twintig|honderd|"
                "duizend|miljoen|miljard|two|three|four|five|six|seven|eight|nine|ten|"
                "hundred|thousand|million|billion")
_COUNT = re.compile(rf"\d|\b({_COUNT_WORDS})\b", re.I)
_NUMBER = re.compile(rf"\d|\b({_COUNT_WORDS}|een|procent|helft|one|percent|half)\b", re.I)
_PROPOSAL_QUESTION = re.compile(
    r"\b(propos\w*|recommend\w*|suggest\w*|advis\w*|advocat\w*|should|ought|voorstel\w*|"
    r"stelt\b.*\bvoor|aanbevel\w*|adviseer\w*|advies|pleit\w*|zou(den)? moeten)\b", re.I)
# Normative words: a conditional ("zou"), a judgement ("is noodzakelijk"), advice
# ("pleiten voor", "aanbevelen", "should", "recommend"). Plain "moet"/"moeten" is left
# out: it as often describes what a scheme requires.
_PRESCRIPTIVE = re.compile(
    r"\b(zou|zouden|noodzakelijk|belangrijk|verstandig|aanbevel\w*|pleit\w*|adviseer\w*"
    r"|advise\w*|should|recommend\w*|ought)\b", re.I)


def asks_amount(question: str) -> bool:
    return bool(_AMOUNT_QUESTION.search(question))


def asks_proposal(question: str) -> bool:
    return bool(_PROPOSAL_QUESTION.search(question))


def has_number(sentence: str) -> bool:
    """Whether a sentence states an amount (footnote markers do not count)."""
    return bool(_NUMBER.search(MARKER.sub(" ", sentence)))


def has_count(text: str) -> bool:
    """Whether a text gives a count in digits or words (not "een"/"one")."""
    return bool(_COUNT.search(text))


def is_prescriptive(sentence: str) -> bool:
    """Whether a sentence says what should happen."""
    return bool(_PRESCRIPTIVE.search(sentence))
