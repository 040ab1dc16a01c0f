"""``bronwijzer fetch-sources``: download the cited sources listed in ``corpus/sources.json``.

Each record ``{"footnote", "position", "url", "kind", "file"}`` with a URL is fetched
once into ``corpus/sources/`` (as ``fn<footnote>-<position>-<site>.pdf`` or ``.html``)
and its ``file`` set to the path relative to the corpus folder (``sources/...``).
Downloads go to a temporary file first, so an error page never replaces a good file.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import socket
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from bronwijzer.errors import FetchError
from bronwijzer.files import atomic_write

PDF_TYPES = {"application/pdf", "application/x-pdf", "application/acrobat"}
HTML_TYPES = {"text/html", "application/xhtml+xml"}
USER_AGENT = "Bronwijzer/0.1 (fetch-sources)"
_CHUNK = 1 << 16
_ERROR_TITLE = re.compile(
    rb"<title[^>]*>(\s*(error\W*)?(40\d|50\d)\b\W*(<|not|page|pagina|error|fout|internal|"
    rb"forbidden|service|bad|gateway|niet)|[^<]*\b((page|pagina) (not found|niet gevonden)"
    rb"|access denied))", re.I)


@dataclass(frozen=True)
class FetchResult:
    """What happened to one reference's URL: ``status`` is fetched, skipped or failed."""

    footnote: int
    position: int
    url: str
    status: str
    detail: str
    file: str | None


def fetch_sources(records_path: Path, sources_dir: Path, timeout: float = 20,
                  max_bytes: int = 50_000_000, opener=None) -> list[FetchResult]:
    """Download every record's URL that has no good file yet, and record the file.

    Args:
        records_path: ``corpus/sources.json`` (a list of records); updated atomically.
        sources_dir: where downloaded files go (``corpus/sources``).
        timeout: seconds allowed for connecting and for each read.
        max_bytes: largest download accepted.
        opener: something with ``open(request, timeout=...)`` like ``urllib.request``'s
            openers (default: a standard opener).

    Returns:
        One ``FetchResult`` per record with a URL, in file order. A failure is reported
        in its result and does not stop the others.
    """
    records_path, sources_dir = Path(records_path), Path(sources_dir)
    records = json.loads(records_path.read_text(encoding="utf-8"))
    sources_dir.mkdir(parents=True, exist_ok=True)
    opener = opener or urllib.request.build_opener()
    results = []
    for rec in records:
        if not rec.get("url"):
            continue
        result = _fetch_one(rec, records_path.parent, sources_dir, timeout, max_bytes, opener)
        if result.status != "failed" and result.file != rec.get("file"):
            rec["file"] = result.file
            atomic_write(records_path, json.dumps(records, ensure_ascii=False, indent=1) + "\n")
        results.append(result)
    return results


def _fetch_one(rec: dict, corpus: Path, sources_dir: Path, timeout: float, max_bytes: int,
               opener) -> FetchResult:
    footnote, position, url = int(rec["footnote"]), int(rec.get("position", 1)), str(rec["url"])
    stem = f"fn{footnote}-{position}-{_site(url)}"
    candidates = [corpus / rec["file"], sources_dir / rec["file"]] if rec.get("file") else []
    candidates += [sources_dir / f"{stem}.pdf", sources_dir / f"{stem}.html"]
    for path in candidates:
        if _good_file(path):
            return FetchResult(footnote, position, url, "skipped", "already fetched",
                               _relative(path, corpus))
    try:
        path, kind, size = _download(url, sources_dir, stem, timeout, max_bytes, opener)
    except FetchError as exc:
        return FetchResult(footnote, position, url, "failed", str(exc), rec.get("file"))
    return FetchResult(footnote, position, url, "fetched", f"{kind}, {size} bytes",
                       _relative(path, corpus))


def _site(url: str) -> str:
    """A short, safe name for the URL's site: ``www.example.org`` -> ``example``."""
    labels = [x for x in (urlsplit(url).hostname or "").split(".") if x and x != "www"]
    name = labels[0] if labels else "site"
    return re.sub(r"[^a-z0-9-]+", "-", name.lower()).strip("-")[:30] or "site"


def _relative(path: Path, corpus: Path) -> str:
    try:
        return path.resolve().relative_to(corpus.resolve()).as_posix()
    except ValueError:
        return path.resolve().as_posix()


def _good_file(path: Path) -> bool:
    """An existing, non-empty file whose start matches its type (not an error page)."""
    try:
        if not path.is_file() or path.stat().st_size == 0:
            return False
        with path.open("rb") as fh:
            head = fh.read(_CHUNK)
    except OSError:
        return False
    if path.suffix.lower() == ".pdf":
        return b"%PDF-" in head[:1024]
    if path.suffix.lower() in {".html", ".htm"}:
        return _html_problem(head) is None
    return True


def _html_problem(head: bytes) -> str | None:
    if not re.search(rb"<(!doctype html|html|head|body|p|div|article)\b", head[:_CHUNK], re.I):
        return "not an HTML page"
    if _ERROR_TITLE.search(head):
        return "looks like an error page"
    return None


def _download(url: str, sources_dir: Path, stem: str, timeout: float, max_bytes: int,
              opener) -> tuple[Path, str, int]:
    """Fetch ``url`` into ``sources_dir/<stem>.<ext>``; returns (path, kind, size)."""
    if urlsplit(url).scheme not in {"http", "https"}:
        raise FetchError(f"unsupported URL scheme: {url}")
    request = urllib.request.Request(url, headers={
        "User-Agent": USER_AGENT, "Accept": "application/pdf, text/html;q=0.9, */*;q=0.1"})
    fd, tmp_name = tempfile.mkstemp(dir=sources_dir, prefix=".fetch-", suffix=".part")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            kind = _transfer(opener, request, out, url, timeout, max_bytes)
        with tmp.open("rb") as fh:
            head = fh.read(_CHUNK)
        _check_body(kind, head)
        target = sources_dir / f"{stem}.{kind}"
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
        return target, kind.upper(), target.stat().st_size
    finally:
        tmp.unlink(missing_ok=True)


def _transfer(opener, request, out, url: str, timeout: float, max_bytes: int) -> str:
    """Stream the response into ``out``; returns the kind ("pdf" or "html")."""
    deadline = time.monotonic() + 10 * timeout
    try:
        with opener.open(request, timeout=timeout) as resp:
            status = getattr(resp, "status", None) or resp.getcode()
            if status != 200:
                raise FetchError(f"HTTP {status}")
            kind = _kind(resp.headers.get_content_type(), url)
            length = resp.headers.get("Content-Length")
            if length and length.isdigit() and int(length) > max_bytes:
                raise FetchError(f"too large: {length} bytes > {max_bytes}")
            size = 0
            while chunk := resp.read(_CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise FetchError(f"too large: more than {max_bytes} bytes")
                if time.monotonic() > deadline:
                    raise FetchError(f"download took longer than {10 * timeout:g} s")
                out.write(chunk)
            return kind
    except urllib.error.HTTPError as exc:
        raise FetchError(f"HTTP {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        timed_out = isinstance(exc.reason, (TimeoutError, socket.timeout))
        raise FetchError(f"timed out after {timeout:g} s" if timed_out
                          else f"cannot connect: {exc.reason}") from None
    except (TimeoutError, socket.timeout):
        raise FetchError(f"timed out after {timeout:g} s") from None
    except (OSError, http.client.HTTPException, ValueError) as exc:
        raise FetchError(f"download failed: {exc}") from None


def _kind(content_type: str, url: str) -> str:
    if content_type in PDF_TYPES or content_type.endswith("/octet-stream"):
        return "pdf"                                # octet-stream: the %PDF check decides
    if content_type in HTML_TYPES:
        if urlsplit(url).path.lower().endswith(".pdf"):
            raise FetchError("expected a PDF, got an HTML page")
        return "html"
    raise FetchError(f"unsupported content type: {content_type}")


def _check_body(kind: str, head: bytes) -> None:
    if not head:
        raise FetchError("empty response")
    if kind == "pdf" and b"%PDF-" not in head[:1024]:
        raise FetchError("not a PDF (no %PDF header)")
    if kind == "html" and (problem := _html_problem(head)):
        raise FetchError(problem)


