"""The citation lookup, batch and corpus tabs of the browser UI (wired by ``ui.app.create_app``)."""

from __future__ import annotations

from bronwijzer.ui.articlemap import TABLE_HEADERS, TABLE_MAX_HEIGHT, TABLE_TYPES, TABLE_WIDTHS
from bronwijzer.ui.upload import UPLOAD_TYPES


def lookup_tab(gr, actions):
    """The citation lookup tab: the reference table, lookups, the map; returns what loads."""
    gr.Markdown("Every footnote reference at a glance — click a row for its full lookup — or "
                "look up a footnote, a cited source (author, organisation, title word, year) or "
                "the footnotes behind a claim.")
    table = gr.Dataframe(headers=list(TABLE_HEADERS), datatype=list(TABLE_TYPES),
                         interactive=False, wrap=False, elem_id="bw-reftable",
                         max_height=TABLE_MAX_HEIGHT, show_search="filter", pinned_columns=1,
                         column_widths=list(TABLE_WIDTHS),
                         label="References")
    with gr.Row():
        footnote = gr.Dropdown(choices=[], value=None, label="Footnote", scale=1, min_width=120,
                               elem_id="bw-footnote", allow_custom_value=True)
        doc = gr.Dropdown(choices=[], value=None, label="Document (when several have footnotes)",
                          scale=2, min_width=180, elem_id="bw-footnote-doc",
                          allow_custom_value=True)
        show = gr.Button("Show footnote", scale=1, min_width=140, elem_id="bw-show-footnote")
        text = gr.Textbox(label="Source name or claim", scale=3, elem_id="bw-lookup-text",
                          placeholder="an author, organisation, title word or year — or a sentence")
        mode = gr.Radio(["source", "claim"], value="source", label="Search for", scale=1,
                        min_width=160)
        find = gr.Button("Look up", variant="primary", scale=1, min_width=120,
                         elem_id="bw-lookup")
    with gr.Row(elem_id="bw-lookup-row"):
        result = gr.HTML(elem_id="bw-lookup-result")
        with gr.Column(scale=0, min_width=270):
            amap = gr.HTML(elem_id="bw-lookup-map")
    footnote.input(actions.lookup_footnote, [footnote, doc], [result, amap], api_name="footnote")
    show.click(actions.lookup_footnote, [footnote, doc], [result, amap], api_visibility="private")
    table.select(actions.lookup_row, [table], [result, amap, footnote, doc],
                 api_visibility="private")
    text.submit(actions.lookup_text, [text, mode], [result, amap], api_name="lookup")
    find.click(actions.lookup_text, [text, mode], [result, amap], api_visibility="private")
    return table, footnote, doc, amap


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


def corpus_tab(gr, actions, tab, max_mb: int):
    """The corpus tab: the documents table and uploads; returns the upload event."""
    table = gr.HTML(elem_id="bw-corpus")
    refresh = gr.Button("Refresh", size="sm")
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
    refresh.click(actions.corpus, None, [table], api_name="corpus")
    tab.select(actions.corpus, None, [table], api_visibility="private")
    return add.click(actions.upload, [files], [note, table, files], api_name="upload",
                     concurrency_limit=1, concurrency_id="rebuild")
