"""Follow-up questions: a short question that leans on the previous turn gets its subject.

"en wie betaalt dat?" after "Wat stelt het artikel voor bedrijventerreinen voor?" is
searched as "wie betaalt dat? (bedrijventerreinen)". The decision is made by method,
from the question's form alone, never by naming questions:

1. it is short (at most ``max_words`` words, ``Settings.followup_max_words``), and
2. it leans on what came before: it opens with a connective ("en", "and", "maar",
   "what about", "hoe zit het met" ...) or holds a referring word ("dat", "die", "daar",
   "this", "they", "it" ...; not a relative pronoun: "the loan that banks offer"), and
3. it names at most ``max_own_terms`` content words that the corpus knows (a question
   with its own subject in the corpus's words stands on its own).

The subject of the earlier turn is that turn's content words (stop words and words
that frame a question, such as "artikel" or "text", left out), taken from the earlier
question *as understood*, so a chain of follow-ups keeps its subject. Questions that
stand on their own are returned unchanged (``resolve`` gives None). The word tables are
function words of Dutch and English (closed classes), not tuned values; the two limits
live in ``Settings`` and were checked on ``eval/tuning.jsonl`` (no standalone tuning
question is rewritten after any other: see tests/test_followup.py).
"""

from __future__ import annotations

import re
from typing import Callable, Sequence

MAX_WORDS = 10  # defaults of Settings.followup_max_words / followup_max_own_terms
MAX_OWN_TERMS = 2
CONNECTIVES = ("en", "and", "maar", "but", "ook", "also", "of", "or", "dan", "then", "wat dan",
               "what about", "how about", "and what about", "hoe zit het met", "hoe zit het dan met",
               "en hoe zit het met", "en wat", "and what", "and how", "en hoe", "verder", "further")
REFERRING = frozenset("""
dat dit die deze daar daarvan daarvoor daarmee daarbij daarin daarover daardoor hiervan hiervoor
hiermee hierbij hierin hierover ervan ervoor erin erover ermee daarnaar daarnaartoe daaraan
daarop daaruit daarna hieraan hierop erop eraan hij zij ze hun hen hem
that this these those it its they them their there
""".split())
# the referring words that also open a relative clause (English, Dutch)
RELATIVE = frozenset({"that", "dat", "die"})
ARTICLES = frozenset({"the", "a", "an", "de", "het", "een"})
FRAME_WORDS = frozenset("""
artikel tekst auteur auteurs uitgever stuk volgens zegt zeggen noemt stelt vindt schrijft beschrijft
article text author authors publisher piece according say says said mention mentions mentioned state states
propose proposes proposed describe describes write writes wat welke hoe waarom wie waar wanneer
hoeveel what which how many much why who where when does do did is are was were be the a an of to in for on about
de het een van voor op over met te en and dat that
""".split())
_WORD = re.compile(r"[\w'’-]+", re.UNICODE)


def _words(text: str) -> list[str]:
    return _WORD.findall(text)


def _opens_with_connective(words: list[str]) -> bool:
    lowered = " ".join(w.lower() for w in words)
    return any(lowered == c or lowered.startswith(c + " ") for c in CONNECTIVES)


def _opens_relative_clause(words: list[str], i: int) -> bool:
    """Whether ``words[i]`` is a relative pronoun ("the loan that banks offer ...", "het
    plan dat de regering ..."): one of ``RELATIVE`` right after a noun phrase that an
    article opens (article, then content words only) and followed by a clause of at least
    two words. It points inside the question, not back."""
    if words[i].lower() not in RELATIVE or len(words) - i - 1 < 2:
        return False
    for j in range(i - 2, -1, -1):
        word = words[j].lower()
        if word in ARTICLES:
            return True
        if word in FRAME_WORDS or word in REFERRING:
            return False
    return False


def leans_on_previous(question: str, known_terms: Callable[[str], int],
                      max_words: int = MAX_WORDS, max_own_terms: int = MAX_OWN_TERMS) -> bool:
    """Whether ``question`` reads as a follow-up that needs the earlier turn's subject.

    Args:
        question: the new question.
        known_terms: how many content words of a text the corpus knows (stemmed, stop
            words left out), e.g. ``Engine.known_terms``.
        max_words: the longest question that can be a follow-up.
        max_own_terms: the most corpus words a follow-up may name itself.

    Returns:
        True for a short question that opens with a connective or refers back and
        names (almost) nothing of its own.
    """
    words = _words(question)
    if not words or len(words) > max_words:
        return False
    refers = any(w.lower() in REFERRING and not _opens_relative_clause(words, i)
                 for i, w in enumerate(words))
    if not (refers or _opens_with_connective(words)):
        return False
    own = [w for w in words if w.lower() not in REFERRING and w.lower() not in FRAME_WORDS]
    return known_terms(" ".join(own)) <= max_own_terms


def subject_of(question: str) -> str:
    """The content words of an earlier question, in order: its subject.

    Args:
        question: the earlier question (as understood).

    Returns:
        The words left after stop/frame/referring words and the question mark.
    """
    from bronwijzer.index.lexical import tokenize
    words = [w for w in _words(question)
             if w.lower() not in FRAME_WORDS and w.lower() not in REFERRING]
    kept = [w for w in words if tokenize([w])[0]]  # stop words tokenize to nothing
    return " ".join(dict.fromkeys(kept))


def resolve(question: str, history: Sequence[str], known_terms: Callable[[str], int],
            **limits: int) -> str | None:
    """The question as understood in the conversation, or None when it stands on its own.

    Args:
        question: the new question.
        history: the earlier questions of the conversation as asked, oldest first.
        known_terms: see ``leans_on_previous``.
        **limits: ``max_words`` / ``max_own_terms`` for ``leans_on_previous``.

    Returns:
        ``"<question> (<subject of the previous turn>)"`` for a follow-up; else None.
    """
    question = " ".join(str(question or "").split())
    understood = understood_history([*history, question], known_terms, **limits)
    return understood[-1] if understood and understood[-1] != question else None


def understood_history(history: Sequence[str], known_terms: Callable[[str], int],
                       **limits: int) -> list[str]:
    """Each earlier question as understood (a follow-up carries its predecessor's subject).

    Args:
        history: earlier questions, oldest first.
        known_terms: see ``leans_on_previous``.
        **limits: ``max_words`` / ``max_own_terms`` for ``leans_on_previous``.

    Returns:
        One string per non-empty question, in order.
    """
    understood: list[str] = []
    for question in history:
        question = " ".join(str(question or "").split())
        if not question:
            continue
        rewritten = None
        if understood and leans_on_previous(question, known_terms, **limits):
            subject = subject_of(understood[-1])
            rewritten = f"{question} ({subject})" if subject else None
        understood.append(rewritten or question)
    return understood
