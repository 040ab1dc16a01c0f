"""The citation lookup, batch and corpus tabs of the browser UI (wired by ``ui.app.create_app``);
the reference table and the corpus are filtered and paged by ``ui.library``."""

from __future__ import annotations

from bronwijzer.phrases import phrase
from bronwijzer.ui.articlemap import TABLE_HEADERS, TABLE_MAX_HEIGHT, TABLE_TYPES, TABLE_WIDTHS
from bronwijzer.ui.library import doc_choices, kind_choices, pager, show_choices, step
from bronwijzer.ui.upload import UPLOAD_TYPES


def reference_filters(gr, actions, lang):
    """The reference table's filters, its line and pager; returns the table's controls."""
    with gr.Row(elem_id="bw-ref-filters"):
        query = gr.Textbox("", label=phrase("ref-filter", "en"), scale=3, min_width=160,
                           elem_id="bw-ref-query")
        year = gr.Textbox("", label=phrase("ref-year", "en"), placeholder=phrase("ref-year-hint", "en"),
                          scale=1, min_width=110, elem_id="bw-ref-year")
        doc = gr.Dropdown(choices=doc_choices([], "en"), value="", label=phrase("ref-doc", "en"),
                          scale=2, min_width=160, elem_id="bw-ref-doc")
        note = gr.Textbox("", label=phrase("ref-footnote", "en"), placeholder="12", scale=1,
                          min_width=100, elem_id="bw-ref-footnote")
    line = gr.HTML(elem_id="bw-ref-line")
    return {"query": query, "year": year, "doc": doc, "footnote": note, "line": line}


def _wire_references(actions, c: dict, table, lang) -> None:
    """Filtering and paging the reference table: each sends one page."""
    filters = [c["query"], c["year"], c["doc"], c["footnote"]]
    outputs = [table, c["line"], c["page"]]
    private = {"api_visibility": "private"}
    c["query"].submit(lambda *v: actions.reference_page(*v[:4], 1, v[-1]), filters + [lang],
                      outputs, **private)
    for box in (c["year"], c["footnote"]):
        box.submit(lambda *v: actions.reference_page(*v[:4], 1, v[-1]), filters + [lang],
                   outputs, **private)
    c["doc"].input(lambda *v: actions.reference_page(*v[:4], 1, v[-1]), filters + [lang],
                   outputs, **private)
    inputs = filters + [c["page"], lang]
    c["page"].submit(actions.reference_page, inputs, outputs, api_name="references")
    c["prev"].click(step(actions.reference_page, -1), inputs, outputs, **private)
    c["next"].click(step(actions.reference_page, 1), inputs, outputs, **private)


def lookup_tab(gr, actions, lang):
    """The citation lookup tab: the reference table (filtered, a page at a time), lookups,
    the map of a chosen document; returns what the page load fills."""
    gr.Markdown("Every footnote reference, a page at a time — filter them, click a row for its "
                "full lookup — or look up a footnote, a cited source (author, organisation, "
                "title word, year) or the footnotes behind a claim.")
    c = reference_filters(gr, actions, lang)
    c["table"] = gr.Dataframe(headers=list(TABLE_HEADERS), datatype=list(TABLE_TYPES),
                              interactive=False, wrap=False, elem_id="bw-reftable",
                              max_height=TABLE_MAX_HEIGHT, show_search="none", pinned_columns=1,
                              column_widths=list(TABLE_WIDTHS), label="References")
    c["prev"], c["page"], c["next"], _ = pager(gr, "bw-ref")
    _wire_references(actions, c, c["table"], lang)
    with gr.Row():
        c["footnote_pick"] = gr.Dropdown(choices=[], value=None, label="Footnote", scale=1,
                                         min_width=120, elem_id="bw-footnote",
                                         allow_custom_value=True)
        c["doc_pick"] = gr.Dropdown(choices=[], value=None, scale=2, min_width=180,
                                    label="Document (when several have footnotes)",
                                    elem_id="bw-footnote-doc", allow_custom_value=True)
        c["show"] = gr.Button("Show footnote", scale=1, min_width=140, elem_id="bw-show-footnote")
        c["text"] = gr.Textbox(label="Source name or claim", scale=3, elem_id="bw-lookup-text",
                               placeholder="an author, organisation, title word or year — or a "
                                           "sentence")
        c["mode"] = gr.Radio(["source", "claim"], value="source", label="Search for", scale=1,
                             min_width=160)
        c["find"] = gr.Button("Look up", variant="primary", scale=1, min_width=120,
                              elem_id="bw-lookup")
    c["view"] = gr.State({})
    with gr.Row(elem_id="bw-lookup-row"):
        c["result"] = gr.HTML(elem_id="bw-lookup-result")
        with gr.Column(scale=0, min_width=270):
            c["mapdoc"] = gr.Dropdown(choices=[], value=None, label=phrase("map-doc", "en"),
                                      elem_id="bw-lookup-map-doc")
            c["map"] = gr.HTML(elem_id="bw-lookup-map")
    _wire_lookups(actions, c, lang)
    return c


def _wire_lookups(actions, c: dict, lang) -> None:
    """Lookups by footnote, table row, source or claim; each lights the map of its document."""
    result, amap, view, table = c["result"], c["map"], c["view"], c["table"]
    footnote, doc, text, mode = c["footnote_pick"], c["doc_pick"], c["text"], c["mode"]
    private = {"api_visibility": "private"}
    choose = {"fn": actions.map_choice, "inputs": [view, lang], "outputs": [c["mapdoc"]],
              **private}
    footnote.input(actions.lookup_footnote, [footnote, doc], [result, amap, view],
                   api_name="footnote").then(**choose)
    c["show"].click(actions.lookup_footnote, [footnote, doc], [result, amap, view],
                    **private).then(**choose)
    table.select(actions.lookup_row, [table], [result, amap, footnote, doc, view],
                 **private).then(**choose)
    text.submit(actions.lookup_text, [text, mode], [result, amap, view],
                api_name="lookup").then(**choose)
    c["find"].click(actions.lookup_text, [text, mode], [result, amap, view],
                    **private).then(**choose)
    c["mapdoc"].input(actions.map_view, [view, c["mapdoc"]], [amap], **private)


def batch_tab(gr, actions, max_mb: int) -> None:
    """The batch tab: a question file in, the chosen column, an answers file out."""
    gr.Markdown("Upload a question list — CSV/XLSX with a question column («Vraag», «question», "
                "…; optional id «Nr», «id», …), JSONL with `question` fields, or TXT with one "
                f"question a line — pick the column if needed, and download the answers. Up to "
                f"{max_mb} MB.")
    with gr.Row():
        upload = gr.File(label="Questions", file_types=[".csv", ".xlsx", ".jsonl", ".txt"],
                         type="filepath", elem_id="bw-batch-file")
        with gr.Column():
            column = gr.Dropdown(choices=[], value=None, label="Question column",
                                 elem_id="bw-batch-column", allow_custom_value=True)
            fmt = gr.Radio(["jsonl", "csv", "xlsx"], value="xlsx", label="Output format")
            run = gr.Button("Answer all", variant="primary", elem_id="bw-batch-run",
                            interactive=not actions.read_only)
    summary = gr.HTML(elem_id="bw-batch-summary")
    result = gr.File(label="Answers", interactive=False, elem_id="bw-batch-result")
    upload.change(actions.batch_columns, [upload], [column, summary], api_visibility="private")
    run.click(actions.batch, [upload, fmt, column], [result, summary], api_name="batch",
              concurrency_limit=2, concurrency_id="batch")


def corpus_tab(gr, actions, tab, max_mb: int, lang):
    """The corpus tab: the documents, filtered and a page at a time, and uploads.

    Returns:
        The upload event, and the controls the language switch relabels.
    """
    with gr.Row(elem_id="bw-corpus-filters"):
        query = gr.Textbox("", label=phrase("doc-filter", "en"), scale=3, min_width=160,
                           placeholder=phrase("doc-filter-hint", "en"), elem_id="bw-corpus-query")
        kind = gr.Dropdown(choices=kind_choices([], "en"), value="", label=phrase("doc-type", "en"),
                           scale=1, min_width=120, elem_id="bw-corpus-kind")
        show = gr.Dropdown(choices=show_choices("en"), value="", label=phrase("show", "en"),
                           scale=1, min_width=150, elem_id="bw-corpus-show")
    table = gr.HTML(elem_id="bw-corpus")
    previous, page, following, refresh = pager(gr, "bw-corpus", refresh=True)
    gr.Markdown(f"Add cited source documents (PDF, Word, OpenDocument, HTML, Markdown or text, up "
                f"to {max_mb} MB each). They "
                "are stored in `corpus/sources/` and the index is updated incrementally; a "
                "source is linked to its footnote reference when its title and authors match.")
    files = gr.File(label="Source documents", file_types=sorted(UPLOAD_TYPES),
                    file_count="multiple", type="filepath", elem_id="bw-corpus-files",
                    visible=not actions.read_only)
    add = gr.Button("Add and rebuild the index", variant="primary",
                    visible=not actions.read_only)
    note = gr.HTML(elem_id="bw-corpus-note")
    private = {"api_visibility": "private"}
    inputs, outputs = [query, kind, show, page, lang], [table, page]
    for event in (query.submit, kind.input, show.input):
        event(lambda q, k, s, p, lg: actions.corpus_page(q, k, s, 1, lg), inputs, outputs,
              **private)
    refresh.click(actions.corpus_page, inputs, outputs, api_name="corpus")
    page.submit(actions.corpus_page, inputs, outputs, **private)
    previous.click(step(actions.corpus_page, -1), inputs, outputs, **private)
    following.click(step(actions.corpus_page, 1), inputs, outputs, **private)
    tab.select(actions.corpus_open, inputs, [table, page, kind], **private)
    added = add.click(actions.upload, [files], [note, table, files], api_name="upload",
                      concurrency_limit=1, concurrency_id="rebuild")
    return added, [query, kind, show, previous, page, following, refresh]
