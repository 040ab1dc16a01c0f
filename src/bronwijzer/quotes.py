"""What answers, citation lookups and their presentation share: a question's language and
terms, the references behind a quoted passage, and footnote markers inside a quote.

It sits below ``answer``, ``cite`` and ``present`` (it imports only records, text and the
index's tokenizer), so none of them needs to import another for these.
"""

from __future__ import annotations

import re

from bronwijzer.index.lexical import tokenize
from bronwijzer.memo import by_identity
from bronwijzer.records import Citation, Reference, Source

_NL = set("de het een en van is op te dat die in voor met zijn wat welke hoe waarom wie waar "
          "wanneer er niet ook aan om naar volgens artikel wordt worden moet kan bij".split())
_EN = set("the a an and of is on to that in for with are what which how why who where when "
          "does do did there not also about according article text be should can by".split())
# Words that frame a question about the text rather than name its subject.
FRAME_TERMS = set(tokenize(["artikel article tekst text auteur auteurs author authors volgens "
                            "according zegt say says noemt mention mentions mentioned"])[0])
_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def detect_lang(text: str) -> str:
    """``nl`` or ``en``: the language of the question's function words (English wins ties
    only when it has some)."""
    words = re.findall(r"[a-zà-ÿ]+", text.lower())
    nl = sum(w in _NL for w in words)
    en = sum(w in _EN for w in words)
    return "en" if en > nl else "nl"


def shared_terms(q_terms: set[str], sentence: str) -> float:
    """The share of ``q_terms`` (stemmed query terms) that a text holds.

    Args:
        q_terms: the query's terms (``index.lexical.tokenize``).
        sentence: the sentence's (or passage's) text.

    Returns:
        A fraction in [0, 1]; 0 for no terms.
    """
    if not q_terms:
        return 0.0
    return len(q_terms & set(tokenize([sentence])[0])) / len(q_terms)


def footnote_superscripts(text: str) -> str:
    """Footnote markers as superscripts (``[12]`` -> ``⁽¹²⁾``), so that in an answer
    ``[k]`` always means source k."""
    return re.sub(r"\s?\[(\d{1,3})\]", lambda m: f"⁽{m.group(1).translate(_SUPERSCRIPT)}⁾", text)


def refs_of(passage, references: tuple[Reference, ...]) -> tuple[Reference, ...]:
    """The references a passage carries (its document's footnotes), or the one it is a source of.

    Args:
        passage: a ``Passage``.
        references: every reference of the index.

    Returns:
        The references, in footnote order.
    """
    by_note, by_place = _reference_tables(references)
    if passage.source_of:
        return tuple(by_place.get(tuple(passage.source_of), ()))
    return tuple(r for n in passage.footnotes for r in by_note.get((passage.doc, n), ()))


@by_identity()
def _reference_tables(references) -> tuple[dict, dict]:
    """The references by ``(doc, footnote)`` and by ``(footnote, position)``, each list in
    the references' order (made once per index's reference tuple)."""
    by_note: dict[tuple[str, int], list] = {}
    by_place: dict[tuple[int, int], list] = {}
    for r in references:
        by_note.setdefault((r.doc, r.footnote), []).append(r)
        by_place.setdefault((r.footnote, r.position), []).append(r)
    return by_note, by_place


def citations_of(sources: list[Source]) -> tuple[Citation, ...]:
    """The footnote references behind the sources, once each, in source order."""
    seen, result = set(), []
    for source in sources:
        for ref in source.references:
            if (ref.doc, ref.footnote, ref.position) not in seen:
                seen.add((ref.doc, ref.footnote, ref.position))
                result.append(Citation(ref.footnote, ref.position, ref.raw, ref.url, ref.doc))
    return tuple(result)
