"""Every phrase Bronwijzer says to its user, in Dutch and English, in one table.

Answers, citation answers, the terminal text and the UI all take their words from
here, in the language of the question (``nl`` or ``en``; English for anything else).
"""

from __future__ import annotations

PHRASES: dict[str, dict[str, str]] = {
    "abstain": {"nl": "Het artikel geeft hier geen antwoord op.",
                "en": "The text does not answer this."},
    "sources": {"nl": "Bronnen", "en": "Sources"},
    "related": {"nl": "Verwante passages", "en": "Related passages"},
    "references": {"nl": "Voetnoten", "en": "Footnotes"},
    "confidence": {"nl": "zekerheid", "en": "confidence"},
    "cite-footnote": {"nl": "Voetnoot {n} verwijst naar: {refs}",
                      "en": "Footnote {n} refers to: {refs}"},
    "cite-source": {"nl": "Voetnoot {notes} verwijst naar: {ref}",
                    "en": "Footnote {notes} refers to: {ref}"},
    "cite-claim": {"nl": "De bewering wordt onderbouwd met voetnoot {notes}: {refs}",
                   "en": "The claim is backed by footnote {notes}: {refs}"},
    "cited-at": {"nl": "Dit staat bij:", "en": "It is cited at:"},
}


def phrase(key: str, lang: str, **values) -> str:
    """The phrase ``key`` in ``lang`` (English when the language is not in the table).

    Args:
        key: a key of ``PHRASES``.
        lang: ``"nl"`` or ``"en"``.
        **values: values for the phrase's ``{placeholders}``.

    Returns:
        The phrase, formatted.
    """
    table = PHRASES[key]
    text = table.get(lang, table["en"])
    return text.format(**values) if values else text
