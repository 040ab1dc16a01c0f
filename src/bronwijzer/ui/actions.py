"""What the UI's events do: the engine loaded once (in the background), and the handlers.

``Actions`` holds the event handlers ``ui.create_app`` wires up, over a
``ui.EngineHolder``; they return HTML from ``ui_render``/``ui_views``. Uploads are
checked here (name, size, type by extension and content).
"""

from __future__ import annotations

import os
import re
import tempfile
import time
import unicodedata
import uuid
from pathlib import Path, PurePosixPath

import gradio as gr

from bronwijzer.corpus.loader import SOURCES_DIR
from bronwijzer.errors import BronwijzerError, CiteError, QuestionError, UploadError
from bronwijzer.ui.render import count, esc, render_answer, render_error, render_ok
from bronwijzer.ui.views import render_batch_summary, render_corpus, render_lookup

UPLOAD_TYPES = {".pdf": "pdf", ".html": "html", ".htm": "html", ".txt": "text"}
BATCH_TYPES = (".csv", ".xlsx", ".jsonl", ".txt")
OUTPUT_TYPES = ("jsonl", "csv", "xlsx")
_BINARY_MAGIC = (b"PK\x03\x04", b"\x7fELF", b"MZ", b"\x89PNG", b"GIF8", b"\xff\xd8\xff",
                 b"\x1f\x8b", b"Rar!", b"7z\xbc\xaf", b"\xd0\xcf\x11\xe0")
_HTML_SIGN = re.compile(rb"<\s*(!doctype\s+html|html|head|body|title|p|div|article|h[1-6])\b", re.I)


def safe_name(name: str) -> str:
    """A harmless file name for an upload: its last path part, ASCII ``[A-Za-z0-9._-]``.

    Raises:
        UploadError: the extension is not .pdf, .html, .htm or .txt.
    """
    base = PurePosixPath(str(name).replace("\\", "/")).name
    base = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode()
    stem, dot, ext = base.rpartition(".")
    ext = f".{ext.lower()}" if dot else ""
    if ext not in UPLOAD_TYPES:
        raise UploadError(f"{base or name!r}: only PDF, HTML and TXT files can be added "
                          f"(not {ext or 'a file without extension'})")
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", stem)
    stem = re.sub(r"\.{2,}", ".", re.sub(r"-{2,}", "-", stem)).strip(".-_ ")[:80].strip(".-_")
    return f"{stem or 'upload'}{ext}"


def sniff(data: bytes, ext: str) -> None:
    """Refuse content that does not match the extension (``UploadError``)."""
    kind, head = UPLOAD_TYPES[ext], data[:8192]
    if kind == "pdf":
        if b"%PDF-" not in data[:1024]:
            raise UploadError("the file is not a PDF (no %PDF header)")
        return
    if not data.strip():
        raise UploadError("the file is empty")
    if b"%PDF-" in data[:1024] or head.startswith(_BINARY_MAGIC) or b"\x00" in head:
        raise UploadError(f"the file is binary, not {kind}")
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        if error.start < len(head) - 4:  # not just a character cut at the sample's end
            try:
                head.decode("cp1252")
            except UnicodeDecodeError:
                raise UploadError(f"the file is not readable {kind} text") from None
    if kind == "html" and not _HTML_SIGN.search(data[:65536]):
        raise UploadError("the file does not look like HTML (no html/body/p tags)")


def store_upload(path: str | os.PathLike, sources: Path, max_mb: int) -> tuple[Path, bool]:
    """Copy an uploaded file into ``sources`` under a safe, unused name.

    Returns:
        The stored path and whether it is new (False: the same bytes were already there).

    Raises:
        UploadError: bad extension or content, or over ``max_mb`` megabytes.
    """
    path = Path(path)
    name = safe_name(path.name)
    if path.stat().st_size > max_mb * 1024 * 1024:
        raise UploadError(f"{name}: larger than the {max_mb} MB limit")
    data = path.read_bytes()
    try:
        sniff(data, Path(name).suffix)
    except UploadError as error:
        raise UploadError(f"{name}: {error}") from None
    sources.mkdir(parents=True, exist_ok=True)
    root = sources.resolve()
    stem, ext = Path(name).stem, Path(name).suffix
    for n in range(1, 1000):
        dest = root / (name if n == 1 else f"{stem}-{n}{ext}")
        if dest.parent != root:
            raise UploadError(f"{name}: refused (outside the sources folder)")
        if dest.exists():
            if dest.is_file() and dest.read_bytes() == data:
                return dest, False
            continue
        tmp = root / f".upload-{uuid.uuid4().hex}.part"
        tmp.write_bytes(data)
        os.replace(tmp, dest)
        return dest, True
    raise UploadError(f"{name}: too many files with this name")


class Actions:
    """The event handlers, over one ``EngineHolder``."""

    def __init__(self, holder) -> None:
        self.holder = holder

    def status(self):
        """The status line, and the timer stopped once loading is over."""
        h = self.holder
        if not h.ready:
            text = f"⏳ Loading the model and the index… ({time.perf_counter() - h.began:.0f} s)"
            return render_ok(text), gr.Timer(active=True)
        if h.engine is None:
            return render_error(f"The assistant could not start: {h.error}"), gr.Timer(active=False)
        st = h.engine.status()
        text = (f"✓ Ready — {count(len(st.documents), 'document')}, "
                f"{count(st.passages, 'passage')}, model {st.model} (loaded in {h.seconds:.1f} s)")
        return render_ok(text), gr.Timer(active=False)

    def chat(self, question: str, history: list | None):
        """Answer one question; returns the cleared box, the history and the answer dict."""
        history = list(history or [])
        if not (question or "").strip():
            return "", history, None
        data = None
        try:
            data = self.holder.get().answer_dicts([question])[0]
            reply = render_answer(data)
        except QuestionError as error:
            reply = render_error(f"Cannot ask this: {error}")
        history += [{"role": "user", "content": esc(question.strip())},
                    {"role": "assistant", "content": reply}]
        return "", history, data

    def footnote_documents(self) -> list[str]:
        """The documents that have footnotes (for the lookup's document picker)."""
        from bronwijzer.cite.references import footnote_docs
        return footnote_docs(self.holder.get().references())

    def lookup_footnote(self, footnote, doc: str | None = None) -> str:
        try:
            n = int(footnote)
            return render_lookup(self.holder.get().cite_footnote(n, doc or None))
        except (BronwijzerError, TypeError, ValueError) as error:
            return render_error(str(error) or "Choose a footnote number.")

    def lookup_text(self, text: str, mode: str) -> str:
        if not (text or "").strip():
            return render_error("Type a source name (author, organisation, title word, year) "
                                "or a claim from the article.")
        engine = self.holder.get()
        cite = engine.cite_claim if str(mode).lower().startswith("claim") else engine.cite_source
        try:
            return render_lookup(cite(text.strip()))
        except CiteError as error:
            return render_error(str(error))

    def batch(self, file, fmt: str, progress=gr.Progress()):
        """Answer a question file; returns the result file and a summary."""
        from bronwijzer.batch.runner import read_questions, run_batch
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
            total = sum(1 for _ in read_questions(path, engine.settings.max_question_chars)) or 1
            out = Path(tempfile.mkdtemp(prefix="bronwijzer-batch-")) / \
                f"{Path(safe_name(path.stem + '.txt')).stem}-answers.{fmt}"
            summary = run_batch(path, out, self._answer_fn(total, progress), batch_size=8,
                                max_chars=engine.settings.max_question_chars, progress=False)
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

    def corpus(self) -> str:
        engine = self.holder.get()
        return render_corpus(engine.status(), engine.references())

    def upload(self, files) -> tuple[str, str, None]:
        """Store uploaded files in corpus/sources/, rebuild incrementally, report."""
        engine = self.holder.get()
        files = [f for f in (files if isinstance(files, list) else [files]) if f]
        if not files:
            return render_error("Choose one or more PDF, HTML or TXT files."), self.corpus(), None
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

    @staticmethod
    def _rebuilt(added: list[str], report, seconds: float) -> str:
        failed = {p.name.split("/")[-1]: p.reason for p in report.problems if not p.indexed}
        bad = [f"{n}: {failed[n]}" for n in added if n in failed]
        text = (f"Added {', '.join(added)}; index rebuilt in {seconds:.1f} s "
                f"({count(report.documents, 'document')}, {count(report.passages, 'passage')}; "
                f"{count(report.embedded, 'text')} embedded, {report.reused} reused).")
        return render_ok(text) + "".join(render_error(f"Not indexed — {b}") for b in bad)
