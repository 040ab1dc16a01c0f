"""What the UI's events do: the handlers over the engine loaded once (in the background).

``Actions`` holds the event handlers ``ui.app.create_app`` wires up, over a
``ui.app.EngineHolder``; they return HTML from ``ui.render``/``ui.views``/``ui.articlemap``.
Uploads are checked by ``ui.upload``; the chat's handlers are in ``ui.chat``, the paged
corpus, reference table and map in ``ui.library``.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import gradio as gr

from bronwijzer.corpus.loader import SOURCES_DIR
from bronwijzer.errors import BronwijzerError, CiteError, UploadError
from bronwijzer.ui.chat import ConversationActions
from bronwijzer.ui.library import LibraryActions
from bronwijzer.ui.render import count, render_error, render_ok
from bronwijzer.ui.templating import render_inline
from bronwijzer.ui.upload import safe_name, sniff, store_upload  # noqa: F401 - re-exported
from bronwijzer.ui.views import render_batch_summary, render_lookup

BATCH_TYPES = (".csv", ".xlsx", ".jsonl", ".txt")
OUTPUT_TYPES = ("jsonl", "csv", "xlsx")


class Actions(ConversationActions, LibraryActions):
    """The event handlers, over one ``EngineHolder``.

    Args:
        holder: the ``ui.EngineHolder``.
        read_only: refuse uploads, rebuilds and batches (the API included).
    """

    def __init__(self, holder, read_only: bool = False) -> None:
        self.holder, self.read_only = holder, read_only

    @staticmethod
    def access_note(access: str) -> str:
        """The page's line about who may use it and what is switched off."""
        return render_ok(access) if access else ""

    def _refuse(self, what: str) -> str | None:
        if self.read_only:
            return render_error(f"This server is read-only: {what} are switched off.")
        return None

    def status(self):
        """The status line, and the timer stopped once loading is over."""
        return self.status_html(), gr.Timer(active=not self.holder.ready)

    def status_html(self) -> str:
        """The status line (``templates/status.html``): loading (from the first paint on),
        ready, or why it failed; ready over an index older than the corpus, a note saying
        so and how to update it (``Engine.stale_note``)."""
        h = self.holder
        if not h.ready:
            text = f"⏳ Loading the model and the index… ({time.perf_counter() - h.began:.0f} s)"
            return render_inline("status.html", kind="ok", text=text)
        if h.engine is None:
            return render_inline("status.html", kind="error",
                                 text=f"The assistant could not start: {h.error}")
        st, refs = h.engine.status(), h.engine.references()
        titles = [d.get("title") or d["name"] for d in st.documents if not d.get("source_of")]
        notes = {r.footnote for r in refs}
        text = (f"✓ Ready — {'; '.join(titles[:3]) or 'no article'}"
                f"{' …' if len(titles) > 3 else ''} ({count(len(notes), 'footnote')}, "
                f"{count(len(refs), 'reference')}) · {count(len(st.documents), 'document')}, "
                f"{count(st.passages, 'passage')}, model {st.model} (loaded in {h.seconds:.1f} s)")
        stale = h.engine.stale_note()
        return render_inline("status.html", kind="ok", text=text,
                             stale=stale[:1].upper() + stale[1:] if stale else "")

    def lookup_overview(self, lang: str = "en"):
        """On page load: the reference table's first page (its line, page and document
        filter), the footnote and document choices, and the map of the first document.

        Returns:
            Values for ``ui.app.LOOKUP_LOAD``'s components, in its order.
        """
        from bronwijzer.ui.library import doc_choices
        refs = self.holder.get().references()
        table, line, page = self.reference_page(lang=lang)
        docs = sorted({r.doc for r in refs if r.doc})
        amap = self.map_view({})
        return (table, line, page, gr.Dropdown(choices=doc_choices(docs, lang), value=""),
                gr.Dropdown(choices=sorted({r.footnote for r in refs}), value=None),
                gr.Dropdown(choices=docs, value=None), amap, self.map_choice({}, lang))

    def footnote_documents(self) -> list[str]:
        """The documents that have footnotes (for the lookup's document picker)."""
        from bronwijzer.cite.references import footnote_docs
        return footnote_docs(self.holder.get().references())

    def lookup_row(self, table, select: gr.SelectData):
        """A click on a row of the reference table: that footnote's full lookup."""
        from bronwijzer.ui.articlemap import document_of_row
        index = select.index[0] if isinstance(select.index, (list, tuple)) else select.index
        rows = table.values.tolist() if hasattr(table, "values") else list(table or [])
        row = list(select.row_value or []) or list(rows[index])
        doc = str(row[1] or "") or (document_of_row(rows, index) if rows else "")
        footnote, doc = int(row[0]), doc or None
        html, amap, view = self.lookup_footnote(footnote, doc)
        return html, amap, footnote, doc, view

    def lookup_footnote(self, footnote, doc: str | None = None):
        """A footnote's lookup, and the map of its document with its citing passages lit.

        Returns:
            The result's HTML, the map (unchanged on an error), and the map's view
            (``{"ids", "what"}``: what the map's document picker keeps lit).
        """
        try:
            n = int(footnote)
            result = self.holder.get().cite_footnote(n, doc or None)
        except (BronwijzerError, TypeError, ValueError) as error:
            return render_error(str(error) or "Choose a footnote number."), gr.skip(), gr.skip()
        view = {"ids": [c["passage_id"] for c in result["citing"]],
                "what": f"citing footnote {n}"}
        return render_lookup(result), self.map_view(view), view

    def lookup_text(self, text: str, mode: str):
        """A source or claim lookup, and the map lit with the passages it found.

        Args:
            text: a source name (author, organisation, title word, year) or a claim.
            mode: ``source`` or ``claim``.

        Returns:
            The result's HTML, the map (of the document holding what was found), and the
            map's view (both unchanged on an error).
        """
        if not (text or "").strip():
            return render_error("Type a source name (author, organisation, title word, year) "
                                "or a claim from the article."), gr.skip(), gr.skip()
        engine = self.holder.get()
        claim = str(mode).lower().startswith("claim")
        try:
            result = (engine.cite_claim if claim else engine.cite_source)(text.strip())
        except CiteError as error:
            return render_error(str(error)), gr.skip(), gr.skip()
        view = {"ids": _found_passages(result, engine),
                "what": "matching the claim" if claim else "citing the source"}
        return render_lookup(result), self.map_view(view), view

    def batch_columns(self, file):
        """After an upload: the table's columns to choose the question column from."""
        from bronwijzer.ui.guard import header_columns
        if not file:
            return gr.Dropdown(choices=[], value=None), ""
        try:  # the header rows only, after a zip-size check (issue 21)
            names, found = header_columns(Path(file), self.holder.get().settings)
        except (BronwijzerError, OSError) as error:
            return gr.Dropdown(choices=[], value=None), render_error(str(error))
        note = "" if found or not names else render_error(
            "No column is called «question» or «vraag»: choose the question column.")
        return gr.Dropdown(choices=names, value=found), note

    def batch(self, file, fmt: str, column: str | None = None, progress=gr.Progress()):
        """Answer a question file; returns the result file and a summary."""
        from bronwijzer.batch.runner import read_questions, run_batch
        if refused := self._refuse("batches"):
            return None, refused
        if not file:
            return None, render_error("Choose a question file (CSV, XLSX, JSONL or TXT) first.")
        path, fmt = Path(file), (fmt or "jsonl").lower().lstrip(".")
        engine = self.holder.get()
        if path.suffix.lower() not in BATCH_TYPES or fmt not in OUTPUT_TYPES:
            return None, render_error(f"{path.name}: use a .csv, .xlsx, .jsonl or .txt file, "
                                      "and jsonl, csv or xlsx output.")
        if path.stat().st_size > engine.settings.max_upload_mb * 1024 * 1024:
            return None, render_error(f"{path.name}: larger than {engine.settings.max_upload_mb} MB")
        began = time.perf_counter()
        try:
            total = sum(1 for _ in read_questions(path, engine.settings.max_question_chars,
                                                  column or None)) or 1
            out = Path(tempfile.mkdtemp(prefix="bronwijzer-batch-")) / \
                f"{Path(safe_name(path.stem + '.txt')).stem}-answers.{fmt}"
            summary = run_batch(path, out, self._answer_fn(total, progress), batch_size=8,
                                max_chars=engine.settings.max_question_chars, progress=False,
                                column=column or None)
        except (BronwijzerError, OSError) as error:
            return None, render_error(str(error))
        return str(out), render_batch_summary(summary, time.perf_counter() - began)

    def _answer_fn(self, total: int, progress):
        done = [0]
        progress(0, desc=f"0 / {total} questions")

        def answer_fn(questions: list[str]) -> list[dict]:
            result = self.holder.get().answer_dicts(questions)
            done[0] += len(questions)
            progress(min(done[0] / total, 1.0), desc=f"{done[0]} / {total} questions")
            return result
        return answer_fn

    def upload(self, files) -> tuple[str, str, None]:
        """Store uploaded files in corpus/sources/, rebuild incrementally, report."""
        if refused := self._refuse("uploads and rebuilds"):
            return refused, self.corpus(), None
        engine = self.holder.get()
        files = [f for f in (files if isinstance(files, list) else [files]) if f]
        if not files:
            return (render_error("Choose one or more PDF, Word, OpenDocument, HTML, Markdown or "
                                 "text files."), self.corpus(), None)
        notes, added = [], []
        for f in files:
            try:
                dest, new = store_upload(f, engine.settings.corpus / SOURCES_DIR,
                                         engine.settings.max_upload_mb)
            except UploadError as error:
                notes.append(render_error(str(error)))
                continue
            if new:
                added.append(dest.name)
            else:
                notes.append(render_ok(f"{dest.name} is already in the corpus."))
        if added:
            began = time.perf_counter()
            report = engine.rebuild()  # slow part: questions go on against the old index
            notes.insert(0, self._rebuilt(added, report, time.perf_counter() - began))
        return "".join(notes), self.corpus(), None

    def _rebuilt(self, added: list[str], report, seconds: float) -> str:
        """The build's report for the added files: passages, or why not, and warnings."""
        docs = {d["name"].split("/")[-1]: d for d in self.holder.get().status().documents}
        problems: dict[str, list] = {}
        for p in report.problems:
            problems.setdefault(p.name.split("/")[-1], []).append(p)
        text = (f"Index rebuilt in {seconds:.1f} s ({count(report.documents, 'document')}, "
                f"{count(report.passages, 'passage')}; {count(report.embedded, 'text')} embedded, "
                f"{report.reused} reused).")
        notes = [render_ok(text)]
        for name in added:
            failed = [p.reason for p in problems.get(name, []) if not p.indexed]
            warned = [p.reason for p in problems.get(name, []) if p.indexed]
            if failed or name not in docs:
                notes.append(render_error(f"{name}: not indexed — "
                                          f"{'; '.join(failed) or 'no text found'}"))
                continue
            passages = docs[name].get("passages", 0)
            notes.append(render_ok(f"{name}: indexed, {count(passages, 'passage')}"
                                   + (f" (warning: {'; '.join(warned)})" if warned else "")))
        return "".join(notes)


def _found_passages(result: dict, engine) -> list[str]:
    """The map's passages a source or claim lookup found (claims name a document and place)."""
    if result.get("kind") == "source":
        return [c["passage_id"] for m in result["matches"] for c in m.get("citing") or []]
    matches = result.get("matches") or []
    where = {}
    for doc in dict.fromkeys(m.get("doc") for m in matches):
        outline = engine.map_outline(doc) if doc else None
        where.update({(doc, b["location"]): b["id"] for b in (outline or {}).get("blocks", ())})
    return [where[(m["doc"], m["location"])] for m in matches
            if (m.get("doc"), m.get("location")) in where]
