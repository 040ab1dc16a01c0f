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
    # the confidence in words (``confidence_words``): the chance the answer is right
    "sure": {"nl": "zeker", "en": "certain"},
    "likely": {"nl": "waarschijnlijk", "en": "likely"},
    "unsure": {"nl": "onzeker", "en": "uncertain"},
    "understood": {"nl": "Begrepen als", "en": "Understood as"},
    "question": {"nl": "Vraag", "en": "Question"},
    "cite-footnote": {"nl": "Voetnoot {n} verwijst naar: {refs}",
                      "en": "Footnote {n} refers to: {refs}"},
    "cite-source": {"nl": "Voetnoot {notes} verwijst naar: {ref}",
                    "en": "Footnote {notes} refers to: {ref}"},
    "cite-claim": {"nl": "De bewering wordt onderbouwd met voetnoot {notes}: {refs}",
                   "en": "The claim is backed by footnote {notes}: {refs}"},
    "cited-at": {"nl": "Dit staat bij:", "en": "It is cited at:"},
    # why an answer is declined (answer/answerability.py)
    "reason-kind": {"nl": "de vraag vraagt {kind}; de gevonden zinnen geven dat niet",
                    "en": "asks for {kind}; the matching sentences give none"},
    "reason-names": {"nl": "de tekst noemt {names} nergens", "en": "the text never mentions {names}"},
    "reason-weak": {"nl": "de best passende zin is maar zwak verwant ({cosine:.2f})",
                    "en": "the best matching sentence is only weakly related ({cosine:.2f})"},
    "reason-terms": {"nl": "weinig woorden van de vraag staan in de gevonden zinnen ({share:.0%})",
                     "en": "few of the question's words are in the matching sentences ({share:.0%})"},
    "kind-money": {"nl": "een geldbedrag", "en": "an amount of money"},
    "kind-area": {"nl": "een oppervlakte", "en": "an area"},
    "kind-percent": {"nl": "een percentage", "en": "a percentage"},
    "kind-year": {"nl": "een jaartal", "en": "a year"},
    "kind-number": {"nl": "een aantal", "en": "a number"},
    "kind-date": {"nl": "een datum of maand", "en": "a date or month"},
    "kind-person": {"nl": "een naam", "en": "a name"},
    "kind-role": {"nl": "de naam van een persoon", "en": "a person's name"},
    "kind-organisation": {"nl": "de naam van een organisatie", "en": "an organisation's name"},
    "kind-place": {"nl": "een plaats", "en": "a place"},
    "kind-comparison": {"nl": "een vergelijking van de genoemde namen",
                        "en": "a comparison of the names it gives"},
    "cite-no-source": {"nl": "De tekst geeft hier geen bron bij.",
                       "en": "The text gives no source for this."},
    "cite-no-source-reason": {"nl": "de zin die dit zegt heeft geen voetnoot",
                              "en": "the sentence that says this carries no footnote"},
    "cite-no-footnote": {"nl": "Het artikel heeft geen voetnoot {n}; het heeft voetnoten {have}.",
                         "en": "The article has no footnote {n}; it has footnotes {have}."},
    "cite-no-footnote-reason": {"nl": "voetnoot {n} bestaat niet",
                                "en": "footnote {n} does not exist"},
    "cite-set": {"nl": "Het artikel haalt {n} bron(nen) aan die passen bij “{query}”:",
                 "en": "The article cites {n} source(s) matching “{query}”:"},
    "footnote": {"nl": "voetnoot", "en": "footnote"},
    # the browser interface's own words (ui/: buttons, the box, labels of an answer)
    "why": {"nl": "Waarom", "en": "Why"},
    "about": {"nl": "over", "en": "about"},
    "ask": {"nl": "Vraag", "en": "Ask"},
    "clear": {"nl": "Wissen", "en": "Clear"},
    "placeholder": {"nl": "Stel een vraag…", "en": "Ask a question…"},
    "export-md": {"nl": "Gesprek downloaden (.md)", "en": "Download conversation (.md)"},
    "export-docx": {"nl": "Gesprek downloaden (.docx)", "en": "Download conversation (.docx)"},
    "copy-link": {"nl": "Link kopiëren", "en": "Copy link"},
    "copy-md": {"nl": "Kopiëren als Markdown", "en": "Copy as Markdown"},
    # the library a page at a time (ui/library.py: the corpus tab, the reference table, the map)
    "previous": {"nl": "‹ Vorige", "en": "‹ Previous"},
    "next": {"nl": "Volgende ›", "en": "Next ›"},
    "page": {"nl": "Pagina", "en": "Page"},
    "refresh": {"nl": "Vernieuwen", "en": "Refresh"},
    "page-of": {"nl": "pagina {page} van {pages}", "en": "page {page} of {pages}"},
    "shown-docs": {"nl": "Documenten {first}–{last} van {matched}",
                   "en": "Documents {first}–{last} of {matched}"},
    "shown-refs": {"nl": "Verwijzingen {first}–{last} van {matched}",
                   "en": "References {first}–{last} of {matched}"},
    "filtered": {"nl": "(gefilterd uit {total})", "en": "(filtered from {total})"},
    "no-docs": {"nl": "Geen document past bij het filter ({total} in totaal).",
                "en": "No document matches the filter ({total} in all)."},
    "no-refs": {"nl": "Geen verwijzing past bij het filter ({total} in totaal).",
                "en": "No reference matches the filter ({total} in all)."},
    "doc-filter": {"nl": "Filter op titel of bestandsnaam", "en": "Filter by title or file name"},
    "doc-filter-hint": {"nl": "woorden uit de titel of bestandsnaam",
                        "en": "words of the title or file name"},
    "doc-type": {"nl": "Bestandstype", "en": "File type"},
    "any-type": {"nl": "alle typen", "en": "any type"},
    "show": {"nl": "Toon", "en": "Show"},
    "show-all": {"nl": "alle documenten", "en": "all documents"},
    "show-articles": {"nl": "artikelen", "en": "articles"},
    "show-sources": {"nl": "aangehaalde bronnen", "en": "cited sources"},
    "show-footnotes": {"nl": "met voetnoten", "en": "with footnotes"},
    "show-failed": {"nl": "mislukt", "en": "failed"},
    "col-document": {"nl": "Document", "en": "Document"},
    "col-status": {"nl": "Status", "en": "Status"},
    "col-passages": {"nl": "Passages", "en": "Passages"},
    "col-footnotes": {"nl": "Voetnoten", "en": "Footnotes"},
    "col-cited": {"nl": "Aangehaalde bron", "en": "Cited source"},
    "col-note": {"nl": "Opmerking", "en": "Note"},
    "indexed": {"nl": "geïndexeerd", "en": "indexed"},
    "failed": {"nl": "mislukt", "en": "failed"},
    "ref-filter": {"nl": "Auteur, titel of organisatie", "en": "Author, title or organisation"},
    "ref-year": {"nl": "Jaar", "en": "Year"},
    "ref-year-hint": {"nl": "2019-2023", "en": "2019-2023"},
    "ref-doc": {"nl": "Document", "en": "Document"},
    "any-doc": {"nl": "alle documenten", "en": "every document"},
    "ref-footnote": {"nl": "Voetnoot", "en": "Footnote"},
    "map-doc": {"nl": "Document op de kaart", "en": "Document on the map"},
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


# From these probabilities that the answer is right (``Answer.confidence``, fitted out of
# fold on the tuning questions, see tune/confidence.py) a confidence is "sure" / "likely";
# below the second, "unsure". Round figures a reader can check in the reliability table.
CONFIDENCE_WORDS = ((0.75, "sure"), (0.5, "likely"))


def confidence_words(confidence: float, lang: str) -> str:
    """The confidence in words: "zeker" / "waarschijnlijk" / "onzeker" (or in English).

    Args:
        confidence: the probability that the answer is right (0..1).
        lang: ``"nl"`` or ``"en"``.

    Returns:
        The word for the band the confidence falls in (``CONFIDENCE_WORDS``).
    """
    key = next((k for low, k in CONFIDENCE_WORDS if confidence >= low), "unsure")
    return phrase(key, lang)
