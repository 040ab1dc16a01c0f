"""The library a page at a time: the corpus tab's documents and the lookup tab's reference
table, each filtered and paged on the server (one page goes to the browser, never the
whole library), and the article map of the document the reader chooses.

``LibraryActions`` holds the handlers (mixed into ``ui.actions.Actions``) over the
engine's page methods (``Engine.document_page``, ``reference_page``, ``map_outline``…);
``pager`` and the ``*_filters`` functions make the controls ``ui.tabs`` places.
"""

from __future__ import annotations

import gradio as gr

from bronwijzer.phrases import phrase
from bronwijzer.present.catalogue import SHOWS, DocumentFilter, ReferenceFilter
from bronwijzer.ui.render import note
from bronwijzer.ui.views import page_line, render_corpus

# Rows per page. Documents: a screenful of the corpus table. References: the table shows a
# page whole, without scrolling inside itself (``articlemap.TABLE_MAX_HEIGHT`` holds ~60).
DOC_PAGE = 50
REF_PAGE = 50


def _choices(words: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(label, value) for label, value in words]


def show_choices(lang: str) -> list[tuple[str, str]]:
    """The corpus's "show" filter: every document, or one kind of them."""
    return _choices([(phrase("show-all", lang), "")]
                    + [(phrase(f"show-{key}", lang), key) for key in SHOWS])


def kind_choices(kinds: list[str], lang: str) -> list[tuple[str, str]]:
    """The corpus's file-type filter: any type, or one of those in the library."""
    return _choices([(phrase("any-type", lang), "")] + [(k, k) for k in kinds])


def doc_choices(docs: list[str], lang: str) -> list[tuple[str, str]]:
    """The reference table's document filter: every document, or one with footnotes."""
    return _choices([(phrase("any-doc", lang), "")] + [(d, d) for d in docs])


def _number(value) -> int | None:
    """A footnote (or page) number typed in a box; None when empty, not one, or below 1."""
    try:
        number = int(float(str(value).strip()))
    except (TypeError, ValueError, OverflowError):
        return None
    return number if number >= 1 else None


def _lit(outline: dict | None, ids) -> list[str]:
    """The passages of ``ids`` that are blocks of the drawn document."""
    blocks = {b["id"] for b in (outline or {}).get("blocks", ())}
    return [i for i in ids or () if i in blocks]


class LibraryActions:
    """Paging, filtering and map handlers over ``self.holder`` (a ``ui.EngineHolder``)."""

    def corpus_page(self, query: str = "", kind: str = "", show: str = "", page=1,
                    lang: str = "en") -> tuple[str, int]:
        """One page of the corpus tab's documents.

        Args:
            query: words of the title or file name.
            kind: a file type (``pdf``…; "" any).
            show: "" or one of ``present.catalogue.SHOWS``.
            page: 1-based (clamped).
            lang: the interface's language.

        Returns:
            The table's HTML (at most ``DOC_PAGE`` rows) and the page shown.
        """
        engine = self.holder.get()
        filters = DocumentFilter(str(query or ""), str(kind or ""), str(show or ""))
        shown = engine.document_page(page, DOC_PAGE, filters)
        return render_corpus(shown, engine.status(), lang), shown.page

    def corpus(self) -> str:
        """The corpus table's first page, unfiltered."""
        return self.corpus_page()[0]

    def corpus_open(self, query, kind, show, page, lang: str = "en"):
        """Opening the corpus tab: the page asked for, and the file types to filter on."""
        html, page = self.corpus_page(query, kind, show, page, lang)
        kinds = kind_choices(self.holder.get().document_kinds(), lang)
        return html, page, gr.Dropdown(choices=kinds)

    def reference_page(self, query: str = "", year: str = "", doc: str = "", footnote=None,
                       page=1, lang: str = "en"):
        """One page of the reference table.

        Args:
            query: words of the authors, title or organisation.
            year: ``2023`` or ``2019-2023`` ("" any).
            doc: the document whose footnotes to list ("" all).
            footnote: a footnote number (None all).
            page: 1-based (clamped).
            lang: the interface's language.

        Returns:
            The table's rows (at most ``REF_PAGE``), the line saying which, the page shown.
        """
        from bronwijzer.ui.articlemap import reference_table
        filters = ReferenceFilter(str(query or ""), str(year or ""), str(doc or ""),
                                  _number(footnote))
        shown = self.holder.get().reference_page(page, REF_PAGE, filters)
        return (reference_table(list(shown.rows)),
                note("muted", page_line(shown, lang, "refs"), cls="bw-page-line"), shown.page)

    # --- the article map: one document at a time, the one holding what is lit ----------

    def _map(self, doc: str | None, ids=(), what: str = "of the answer") -> tuple[str, str | None]:
        """The map of ``doc`` (default: the document of ``ids``, else the first), its name."""
        from bronwijzer.ui.articlemap import render_map
        engine = self.holder.get()
        mapped = engine.mapped_documents()
        doc = doc if doc in mapped else (engine.map_document_of(ids or ())
                                         or (mapped[0] if mapped else None))
        outline = engine.map_outline(doc) if doc else None
        return render_map([outline] if outline else [], _lit(outline, ids), what), doc

    def map_view(self, view: dict | None, doc: str | None = None) -> str:
        """The lookup's map of the chosen document, lit with what the lookup found.

        Args:
            view: ``{"ids", "what"}`` of the last lookup (None: nothing lit).
            doc: the document chosen (None: the one holding the lit passages).
        """
        view = view or {}
        return self._map(doc, view.get("ids") or (), view.get("what") or "")[0]

    def map_choice(self, view: dict | None, lang: str = "en"):
        """The map's document picker: the mapped documents, the one drawn chosen.

        Args:
            view: ``{"ids"}``: the lit passages (their document is the one drawn).
            lang: unused (the event passes the interface's language).
        """
        engine = self.holder.get()
        ids = (view or {}).get("ids") or ()
        mapped = engine.mapped_documents()
        doc = engine.map_document_of(ids) or (mapped[0] if mapped else None)
        return gr.Dropdown(choices=mapped, value=doc)

    def answer_map(self, data: dict | None, doc: str | None = None) -> str:
        """The chat's map: the chosen document (default: the answer's), its passages lit."""
        ids = [s.get("id") for s in (data or {}).get("sources") or []]
        return self._map(doc, ids)[0]

    def answer_map_choice(self, data: dict | None):
        """After an answer: the chat map's picker set to the document drawn."""
        ids = [s.get("id") for s in (data or {}).get("sources") or []]
        return self.map_choice({"ids": ids})

    def library_words(self, lang: str):
        """The library controls' labels in ``lang`` (the language switch): the corpus tab's
        seven controls, the reference table's seven, the two maps' pickers (``ui.app``)."""
        kinds = self.holder.get().document_kinds() if self.holder.ready else []
        pager = [gr.Button(phrase("previous", lang)), gr.Number(label=phrase("page", lang)),
                 gr.Button(phrase("next", lang))]
        return [gr.Textbox(label=phrase("doc-filter", lang),
                           placeholder=phrase("doc-filter-hint", lang)),
                gr.Dropdown(label=phrase("doc-type", lang), choices=kind_choices(kinds, lang)),
                gr.Dropdown(label=phrase("show", lang), choices=show_choices(lang)),
                *pager, gr.Button(phrase("refresh", lang)),
                gr.Textbox(label=phrase("ref-filter", lang)),
                gr.Textbox(label=phrase("ref-year", lang), placeholder=phrase("ref-year-hint", lang)),
                gr.Dropdown(label=phrase("ref-doc", lang)),
                gr.Textbox(label=phrase("ref-footnote", lang)), *pager,
                gr.Dropdown(label=phrase("map-doc", lang)), gr.Dropdown(label=phrase("map-doc", lang))]


def pager(gr, prefix: str, refresh: bool = False) -> tuple:
    """A row of ‹ Previous, the page number (editable: Enter goes there), Next › and, when
    asked, a Refresh button.

    Args:
        gr: the ``gradio`` module.
        prefix: the elements' id prefix (``bw-corpus``, ``bw-ref``).
        refresh: add the Refresh button (else None in its place).

    Returns:
        ``(previous, page, next, refresh)``.
    """
    with gr.Row(elem_classes="bw-pager", equal_height=True):
        previous = gr.Button(phrase("previous", "en"), size="sm", scale=0, min_width=96,
                             elem_id=f"{prefix}-prev")
        page = gr.Number(value=1, precision=0, minimum=1, label=phrase("page", "en"),
                         show_label=False, container=False, scale=0, min_width=72,
                         elem_id=f"{prefix}-page")
        following = gr.Button(phrase("next", "en"), size="sm", scale=0, min_width=96,
                              elem_id=f"{prefix}-next")
        again = gr.Button(phrase("refresh", "en"), size="sm", scale=0, min_width=96,
                          elem_id=f"{prefix}-refresh") if refresh else None
    return previous, page, following, again


def step(handler, by: int):
    """An event function calling ``handler`` with its page input moved by ``by``.

    The page is the second-to-last input (the language is the last).
    """
    def moved(*values):
        *head, page, lang = values
        return handler(*head, (_number(page) or 1) + by, lang)
    return moved
