"""fetch_sources against a local HTTP server on 127.0.0.1 (no other network)."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from bronwijzer.corpus.fetch import FetchResult, fetch_sources

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
HTML = (b"<!doctype html><html><head><title>Samen werken | Rli</title></head><body><article>"
        b"<p>De raad adviseert over samenwerking op bedrijventerreinen.</p></article></body></html>")
NOT_FOUND = b"<html><head><title>404 Pagina niet gevonden</title></head><body>Oeps</body></html>"

# path -> (status, content type, body, delay in seconds)
ROUTES = {
    "/rapport.pdf": (200, "application/pdf", PDF, 0),
    "/nieuws": (200, "text/html; charset=utf-8", HTML, 0),
    "/weg.pdf": (404, "text/html", NOT_FOUND, 0),
    "/data": (200, "application/json", b'{"a": 1}', 0),
    "/fout.pdf": (200, "text/html", NOT_FOUND, 0),
    "/soft404": (200, "text/html", NOT_FOUND, 0),
    "/nep.pdf": (200, "application/pdf", HTML, 0),
    "/download?id=7": (200, "application/octet-stream", PDF, 0),
    "/blob": (200, "application/octet-stream", b"PK\x03\x04 zip", 0),
    "/groot.pdf": (200, "application/pdf", PDF + b"0" * 5000, 0),
    "/traag.pdf": (200, "application/pdf", PDF, 3.0),
}


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server API)
        self.server.hits.append(self.path)
        status, ctype, body, delay = ROUTES.get(self.path, (404, "text/plain", b"nee", 0))
        time.sleep(delay)
        try:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except OSError:
            pass                      # the client gave up (timeout test)

    def log_message(self, *args):
        pass


@pytest.fixture()
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    httpd.hits = []
    httpd.handle_error = lambda request, address: None
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()
    thread.join(5)


def _corpus(tmp_path: Path, server, routes: list[tuple[int, str | None]],
            files: dict[int, str] | None = None) -> Path:
    base = f"http://127.0.0.1:{server.server_address[1]}"
    records = [{"footnote": fn, "position": 1, "url": base + route if route else None,
                "kind": "document or article page", "file": (files or {}).get(fn)}
               for fn, route in routes]
    (tmp_path / "sources").mkdir()
    path = tmp_path / "sources.json"
    path.write_text(json.dumps(records), encoding="utf-8")
    return path


def _by_footnote(results: list[FetchResult]) -> dict[int, FetchResult]:
    return {r.footnote: r for r in results}


def test_fetches_pdf_and_html_and_records_them(tmp_path, server):
    records = _corpus(tmp_path, server, [(1, "/rapport.pdf"), (2, "/nieuws"), (3, None),
                                         (11, "/download?id=7")])
    results = _by_footnote(fetch_sources(records, tmp_path / "sources", timeout=5))
    assert set(results) == {1, 2, 11}                 # no URL, no result
    assert (results[11].status, results[11].file) == ("fetched", "sources/fn11-1-127.pdf")
    assert (results[1].status, results[1].file) == ("fetched", "sources/fn1-1-127.pdf")
    assert (results[2].status, results[2].file) == ("fetched", "sources/fn2-1-127.html")
    assert (tmp_path / "sources/fn1-1-127.pdf").read_bytes() == PDF
    assert (tmp_path / "sources/fn2-1-127.html").read_bytes() == HTML
    saved = json.loads(records.read_text(encoding="utf-8"))
    assert [r["file"] for r in saved] == ["sources/fn1-1-127.pdf", "sources/fn2-1-127.html", None,
                                          "sources/fn11-1-127.pdf"]
    assert saved[0]["kind"] == "document or article page"
    again = fetch_sources(records, tmp_path / "sources", timeout=5)
    assert [r.status for r in again] == ["skipped", "skipped", "skipped"]
    assert server.hits.count("/rapport.pdf") == 1
    assert not list((tmp_path / "sources").glob(".*"))   # no temporary files left


@pytest.mark.parametrize("route, detail", [
    ("/weg.pdf", "HTTP 404"),
    ("/data", "unsupported content type: application/json"),
    ("/fout.pdf", "expected a PDF, got an HTML page"),
    ("/soft404", "looks like an error page"),
    ("/nep.pdf", "not a PDF"),
    ("/blob", "not a PDF"),
])
def test_bad_responses_fail(tmp_path, server, route, detail):
    records = _corpus(tmp_path, server, [(4, route), (1, "/rapport.pdf")])
    results = _by_footnote(fetch_sources(records, tmp_path / "sources", timeout=5))
    assert results[4].status == "failed" and results[4].detail.startswith(detail)
    assert results[4].file is None
    assert results[1].status == "fetched"             # one failure does not stop the others
    assert sorted(p.name for p in (tmp_path / "sources").iterdir()) == ["fn1-1-127.pdf"]
    assert json.loads(records.read_text())[0]["file"] is None


def test_oversize_and_timeout(tmp_path, server):
    records = _corpus(tmp_path, server, [(5, "/groot.pdf"), (6, "/traag.pdf")])
    started = time.monotonic()
    results = _by_footnote(fetch_sources(records, tmp_path / "sources", timeout=0.3,
                                         max_bytes=1000))
    assert results[5].status == "failed" and results[5].detail.startswith("too large")
    assert results[6].status == "failed" and "timed out" in results[6].detail
    # gave up long before the slow server answered (3 s), however busy the machine
    assert time.monotonic() - started < 2.5
    assert list((tmp_path / "sources").iterdir()) == []


def test_good_file_never_overwritten(tmp_path, server):
    records = _corpus(tmp_path, server, [(7, "/weg.pdf"), (8, "/soft404"), (9, "/nieuws")],
                      {7: "sources/handmatig.pdf"})
    sources = tmp_path / "sources"
    (sources / "handmatig.pdf").write_bytes(PDF + b"% eigen kopie\n")
    (sources / "fn8-1-127.html").write_bytes(HTML)             # fetched earlier, not recorded
    (sources / "fn9-1-127.html").write_bytes(b"half")           # broken earlier attempt
    results = _by_footnote(fetch_sources(records, sources, timeout=5))
    assert (results[7].status, results[7].file) == ("skipped", "sources/handmatig.pdf")
    assert (results[8].status, results[8].file) == ("skipped", "sources/fn8-1-127.html")
    assert results[9].status == "fetched"
    assert (sources / "handmatig.pdf").read_bytes() == PDF + b"% eigen kopie\n"
    assert (sources / "fn8-1-127.html").read_bytes() == HTML
    assert (sources / "fn9-1-127.html").read_bytes() == HTML
    assert "/weg.pdf" not in server.hits and "/soft404" not in server.hits
    saved = json.loads((tmp_path / "sources.json").read_text())
    assert [r["file"] for r in saved] == ["sources/handmatig.pdf", "sources/fn8-1-127.html",
                                          "sources/fn9-1-127.html"]


def test_failed_fetch_keeps_existing_file(tmp_path, server):
    records = _corpus(tmp_path, server, [(10, "/weg.pdf")], {10: "sources/oud.html"})
    old = b"tekst zonder html"                          # not "good", so it is fetched again
    (tmp_path / "sources" / "oud.html").write_bytes(old)
    [result] = fetch_sources(records, tmp_path / "sources", timeout=5)
    assert result.status == "failed" and result.file == "sources/oud.html"
    assert (tmp_path / "sources" / "oud.html").read_bytes() == old
    assert sorted(p.name for p in (tmp_path / "sources").iterdir()) == ["oud.html"]

