"""The browser UI: chat, citation lookup, batch answering and the corpus, in one Gradio app.

``serve(settings)`` starts it (``bronwijzer serve`` / ``python app.py``);
``create_app(engine_factory)`` builds it for tests. The engine is loaded once, on a
background thread, so the page is up while the model loads. Gradio is imported
inside the functions, so importing this module is cheap.
"""

from __future__ import annotations

import functools
import os
import threading
import time
import warnings

EXAMPLES = (
    "What does the text propose for bedrijventerreinen?",
    "Welke aanbevelingen doet het artikel voor het mkb?",
    "Naar welke publicatie verwijst voetnoot 12?",
    "What does the article say about wachtlijsten in de zorg?",
)
INTRO = ("## Bronwijzer\nAsk about *Ruimte voor economie en werk* (Platform31) and the sources it "
         "cites. Answers quote the text, with numbered sources **[k]** and their footnotes; when "
         "the text has no answer, the assistant says so.")
CSS = """
.gradio-container {max-width: 1180px !important; margin: auto;}
#bw-status {margin-bottom: 4px;}
.bw-examples button {font-size: 0.85em !important;}
"""
SYSTEM_FONTS = ["ui-sans-serif", "system-ui", "Segoe UI", "Roboto", "Helvetica", "Arial",
                "sans-serif"]


class EngineHolder:
    """The engine, loaded once on a background thread (the engine switches indexes itself)."""

    def __init__(self, factory) -> None:
        self._factory, self.engine, self.error = factory, None, None
        self.began, self.seconds = time.perf_counter(), None
        self._ready = threading.Event()
        threading.Thread(target=self._load, name="bronwijzer-load", daemon=True).start()

    def _load(self) -> None:
        try:
            self.engine = self._factory()
        except Exception as error:  # noqa: BLE001 - shown in the status line
            self.error = f"{type(error).__name__}: {error}"
        finally:
            self.seconds = time.perf_counter() - self.began
            self._ready.set()

    @property
    def ready(self) -> bool:
        return self._ready.is_set()

    def get(self, timeout: float = 900.0):
        """The engine, waiting for it to load; ``gr.Error`` when loading failed."""
        import gradio as gr
        if not self._ready.wait(timeout):
            raise gr.Error("The model and index are still loading; try again shortly.")
        if self.engine is None:
            raise gr.Error(f"The assistant could not start: {self.error}")
        return self.engine



def _blocks():
    """``gr.Blocks`` with the theme (system fonts: nothing fetched from the web) and the CSS.

    Theme and CSS go to the constructor so they hold however the app is launched
    (Gradio 6 prefers ``launch()``, and warns; Gradio 5 only takes them here).
    """
    import gradio as gr
    theme = gr.themes.Soft(primary_hue="blue", font=SYSTEM_FONTS,
                           font_mono=["ui-monospace", "Consolas", "monospace"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return gr.Blocks(title="Bronwijzer", analytics_enabled=False, theme=theme, css=CSS)


def _chat_tab(gr, actions) -> None:
    chatbot = gr.Chatbot(label="Conversation", height=600, elem_id="bw-chat",
                         feedback_options=None, buttons=["copy"], group_consecutive_messages=False,
                         placeholder="Ask a question in Dutch or English — or pick an example.")
    with gr.Row():
        question = gr.Textbox(label="Question", placeholder="Stel een vraag / ask a question…",
                              scale=5, elem_id="bw-question", lines=1, max_lines=4)
        ask = gr.Button("Ask", variant="primary", scale=1, elem_id="bw-ask")
        clear = gr.Button("Clear", scale=0)
    with gr.Row(elem_classes="bw-examples"):
        examples = [gr.Button(q, size="sm") for q in EXAMPLES]
    with gr.Accordion("Last answer as JSON", open=False):
        raw = gr.JSON(label="answer")
    outputs = [question, chatbot, raw]
    question.submit(actions.chat, [question, chatbot], outputs, api_name="chat")
    ask.click(actions.chat, [question, chatbot], outputs, api_visibility="private")
    for button, text in zip(examples, EXAMPLES):
        button.click(functools.partial(actions.chat, text), [chatbot], outputs,
                     api_visibility="private")
    clear.click(lambda: ("", [], None), None, outputs, api_visibility="private")


def _lookup_tab(gr, actions) -> None:
    gr.Markdown("Look up a footnote, a cited source (author, organisation, title word, year) "
                "or the footnotes behind a claim.")
    with gr.Row():
        footnote = gr.Dropdown(choices=list(range(1, 21)), value=None, label="Footnote (1–20)",
                               scale=1, min_width=160, elem_id="bw-footnote")
        doc = gr.Dropdown(choices=[], value=None, label="Document (when several have footnotes)",
                          scale=2, min_width=200, elem_id="bw-footnote-doc")
        show = gr.Button("Show footnote", scale=1, min_width=160, elem_id="bw-show-footnote")
        gr.HTML("", scale=2)
    with gr.Row():
        text = gr.Textbox(label="Source name or claim", scale=4, elem_id="bw-lookup-text",
                          placeholder="e.g. Rli · WRR 2023 · Koelemaij — or a sentence")
        mode = gr.Radio(["source", "claim"], value="source", label="Search for", scale=1,
                        min_width=160)
        find = gr.Button("Look up", variant="primary", scale=1, min_width=120,
                         elem_id="bw-lookup")
    result = gr.HTML(elem_id="bw-lookup-result")
    doc.focus(lambda: gr.Dropdown(choices=actions.footnote_documents()), None, doc,
              api_visibility="private")
    footnote.input(actions.lookup_footnote, [footnote, doc], [result], api_name="footnote")
    show.click(actions.lookup_footnote, [footnote, doc], [result], api_visibility="private")
    text.submit(actions.lookup_text, [text, mode], [result], api_name="lookup")
    find.click(actions.lookup_text, [text, mode], [result], api_visibility="private")


def _batch_tab(gr, actions, max_mb: int) -> None:
    gr.Markdown("Upload a question list — CSV/XLSX with a `question` column (optional `id`), "
                "JSONL with `question` fields, or TXT with one question a line — and download "
                f"the answers. Up to {max_mb} MB.")
    with gr.Row():
        upload = gr.File(label="Questions", file_types=[".csv", ".xlsx", ".jsonl", ".txt"],
                         type="filepath", elem_id="bw-batch-file")
        with gr.Column():
            fmt = gr.Radio(["jsonl", "csv", "xlsx"], value="xlsx", label="Output format")
            run = gr.Button("Answer all", variant="primary", elem_id="bw-batch-run")
    summary = gr.HTML(elem_id="bw-batch-summary")
    result = gr.File(label="Answers", interactive=False, elem_id="bw-batch-result")
    run.click(actions.batch, [upload, fmt], [result, summary], api_name="batch",
              concurrency_limit=2, concurrency_id="batch")


def _corpus_tab(gr, actions, tab, max_mb: int):
    table = gr.HTML(elem_id="bw-corpus")
    refresh = gr.Button("Refresh", size="sm")
    gr.Markdown(f"Add cited source documents (PDF, HTML or TXT, up to {max_mb} MB each). They "
                "are stored in `corpus/sources/` and the index is updated incrementally; a "
                "source is linked to its footnote reference when its title and authors match.")
    files = gr.File(label="Source documents", file_types=[".pdf", ".html", ".htm", ".txt"],
                    file_count="multiple", type="filepath", elem_id="bw-corpus-files")
    add = gr.Button("Add and rebuild the index", variant="primary")
    note = gr.HTML(elem_id="bw-corpus-note")
    refresh.click(actions.corpus, None, [table], api_name="corpus")
    tab.select(actions.corpus, None, [table], api_visibility="private")
    return add.click(actions.upload, [files], [note, table, files], api_name="upload",
                     concurrency_limit=1, concurrency_id="rebuild")


def create_app(engine_factory, settings=None):
    """The Gradio app; ``engine_factory()`` is called once, on a background thread.

    Args:
        engine_factory: returns a loaded ``Engine`` (or an ``EngineHolder`` already loading).
        settings: for the upload limit shown (default: ``load_settings()``).

    Returns:
        A ``gr.Blocks`` with its queue set up (several users at a time), not launched.
    """
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    import gradio as gr

    from bronwijzer.settings import load_settings
    from bronwijzer.ui.actions import Actions
    max_mb = (settings or load_settings()).max_upload_mb
    holder = engine_factory if isinstance(engine_factory, EngineHolder) \
        else EngineHolder(engine_factory)
    actions = Actions(holder)
    with _blocks() as demo:
        gr.Markdown(INTRO)
        status = gr.HTML(elem_id="bw-status")
        timer = gr.Timer(1.0)
        with gr.Tabs():
            with gr.Tab("Chat"):
                _chat_tab(gr, actions)
            with gr.Tab("Citation lookup"):
                _lookup_tab(gr, actions)
            with gr.Tab("Batch"):
                _batch_tab(gr, actions, max_mb)
            with gr.Tab("Corpus") as corpus_tab:
                added = _corpus_tab(gr, actions, corpus_tab, max_mb)
        timer.tick(actions.status, None, [status, timer], api_visibility="private",
                   show_progress="hidden")
        demo.load(actions.status, None, [status, timer], api_visibility="private")
        added.then(actions.status, None, [status, timer], api_visibility="private")
    demo.queue(default_concurrency_limit=4)
    demo.bronwijzer_actions = actions
    return demo


def serve(settings) -> None:
    """Serve the UI on ``settings.host:settings.port`` until interrupted."""
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    from bronwijzer.engine import Engine
    began = time.perf_counter()
    holder = EngineHolder(lambda: Engine.open(settings))  # loads while Gradio is imported
    demo = create_app(holder, settings)
    print(f"Bronwijzer: serving http://{settings.host}:{settings.port} "
          f"(the model loads in the background; {time.perf_counter() - began:.1f} s)", flush=True)
    demo.launch(server_name=settings.host, server_port=settings.port, show_error=True,
                max_file_size=f"{settings.max_upload_mb}mb", quiet=True)
