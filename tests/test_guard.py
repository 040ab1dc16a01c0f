"""The served UI against a hostile visitor (issue 21): read-only writes nothing, feedback is
bounded, the login locks out guessing, foreign Hosts and Origins are refused, and what a
user typed shows as text. Served in-process with the fake embedder, driven through
``gradio_client`` and plain HTTP."""

from __future__ import annotations

import csv
import html
import json
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from served import launch

pytestmark = [pytest.mark.filterwarnings("ignore:.*no_silent_downcasting"),
              pytest.mark.filterwarnings("ignore:The copy keyword is deprecated")]
QUESTION = "Wat zegt het artikel over bedrijventerreinen?"
HOSTILE_Q = "[klik hier](http://evil.example/x) ![beeld](http://evil.example/pixel.png) <b>vet</b>"


@pytest.fixture
def small_engine(article_home, fake_embedder):
    from bronwijzer.engine import Engine
    from bronwijzer.settings import load_settings
    return Engine.open(load_settings(), fake_embedder)


def _serve(engine, host: str, auth=None):
    """The app as ``bronwijzer serve`` launches it (guarded), and its loopback URL."""
    from bronwijzer.ui.app import launch_options, served_app
    settings = engine.settings.with_(host=host)
    demo = served_app(lambda: engine, settings, auth)
    return demo, launch(demo, host=host, **launch_options(settings, auth))


def _client(url, **kwargs):
    from gradio_client import Client
    return Client(url, verbose=False, analytics_enabled=False, **kwargs)


def test_beyond_loopback_without_login_nothing_is_written_or_read(small_engine, tmp_path):
    from gradio_client import handle_file
    demo, url = _serve(small_engine, "0.0.0.0")
    try:
        client = _client(url)
        _, _, answer = client.predict(QUESTION, [], api_name="/chat")       # questions work
        with pytest.raises(Exception, match="read-only"):
            client.predict(QUESTION, answer, "up", "", api_name="/feedback")
        assert not (small_engine.settings.home / "feedback.jsonl").exists()
        sheet = tmp_path / "vragen.csv"
        sheet.write_text("Nr;Vraag\n1;Wat is een werklocatie?\n", encoding="utf-8")
        upload = httpx.post(url + "gradio_api/upload", files={"files": sheet.open("rb")})
        assert upload.status_code == 403 and "read-only" in upload.text
        with pytest.raises(Exception):
            client.predict([handle_file(str(sheet))], api_name="/upload")
        columns = next(f for f in demo.fns.values() if f.fn.__name__ == "batch_columns")
        with pytest.raises(Exception, match="read-only"):
            columns.fn(str(sheet))                                     # column parsing refused
        assert not list((small_engine.settings.corpus / "sources").iterdir())
    finally:
        demo.close()


def test_with_login_feedback_is_bounded_and_guessing_locks_out(small_engine):
    auth = [("anna", "geheim")]
    demo, url = _serve(small_engine, "0.0.0.0", auth)
    try:
        client = _client(url, auth=("anna", "geheim"))
        _, _, answer = client.predict(QUESTION, [], api_name="/chat")
        assert "recorded" in client.predict(QUESTION, answer, "up", "", api_name="/feedback")
        huge = {**answer, "answer": "x" * 10_000_000}
        assert "limit is 64 KB" in client.predict(QUESTION, huge, "down", "", api_name="/feedback")
        assert "limit is 2,000" in client.predict("waarom " * 2000, answer, "down", "",
                                                  api_name="/feedback")
        path = small_engine.settings.home / "feedback.jsonl"
        assert path.stat().st_size < 64 * 1024 and len(path.read_text("utf-8").splitlines()) == 1
        codes = [httpx.post(url + "login", data={"username": "anna", "password": f"fout{n}"}).status_code
                 for n in range(20)]
        assert codes[0] == 400 and codes[-1] == 429
        right = httpx.post(url + "login", data={"username": "anna", "password": "geheim"})
        assert right.status_code == 429 and "try again" in right.text   # locked out, even so
    finally:
        demo.close()


def test_feedback_rate_per_session(small_engine):
    engine = small_engine.with_settings(feedback_per_minute=3)
    demo, url = _serve(engine, "127.0.0.1")
    try:
        client = _client(url)
        _, _, answer = client.predict(QUESTION, [], api_name="/chat")
        for _ in range(3):
            client.predict(QUESTION, answer, "up", "", api_name="/feedback")
        with pytest.raises(Exception, match="Too many votes"):
            client.predict(QUESTION, answer, "up", "", api_name="/feedback")
    finally:
        demo.close()


def test_rated_vote_still_gets_gradios_like_data():
    """The rate wrapper keeps Gradio's special arguments: the chatbot's 👍/👎 hands the
    wrapped ``vote`` its ``gr.LikeData`` (a string annotation once hid it, and every vote
    in the browser failed with a TypeError)."""
    import gradio as gr
    from gradio.helpers import special_args
    from bronwijzer.ui.chat import ConversationActions
    from bronwijzer.ui.guard import SessionRate, _rated
    seen = []

    class Voting(ConversationActions):
        def feedback(self, question, answer, vote, comment=""):
            seen.append((question, vote, comment))
            return '<span class="bw-ok">recorded</span>'

    rated = _rated(Voting().vote, SessionRate(5))
    like = gr.LikeData(None, {"index": 1, "value": "x", "liked": False})
    inputs, *_ = special_args(rated, [{"1": {"question": "q?"}}, "te kort"], None, like)
    assert rated(*inputs)[1] == "" and seen == [("q?", "down", "te kort")]


def test_foreign_host_and_origin_are_refused_on_loopback(small_engine, tmp_path):
    demo, url = _serve(small_engine, "127.0.0.1")
    try:
        assert httpx.get(url).status_code == 200
        assert httpx.get(url, headers={"Host": "evil.example"}).status_code == 400
        rebound = httpx.post(url + "gradio_api/upload", headers={"Host": "evil.example:7860"},
                             files={"files": ("a.txt", b"tekst")})
        assert rebound.status_code == 400
        page = tmp_path / "a.txt"
        page.write_text("Een nota.", encoding="utf-8")
        foreign = httpx.post(url + "gradio_api/upload", headers={"Origin": "http://evil.example"},
                             files={"files": page.open("rb")})
        assert foreign.status_code == 403
        own = httpx.post(url + "gradio_api/upload", headers={"Origin": url.rstrip("/")},
                         files={"files": page.open("rb")})
        assert own.status_code == 200
    finally:
        demo.close()


def test_the_question_shows_as_text_through_the_api(small_engine):
    demo, url = _serve(small_engine, "127.0.0.1")
    try:
        _, history, _ = _client(url).predict(HOSTILE_Q, [], api_name="/chat")
        content = history[0]["content"]
        shown = content if isinstance(content, str) else content[0]["text"]
        assert html.unescape(shown) == HOSTILE_Q
        assert not any(s in shown for s in ("<a", "<img", "<b>", "](", "!["))
    finally:
        demo.close()


def test_a_link_with_markdown_shows_it_as_text_in_the_browser(small_engine):
    """A crafted ``/?q=`` link: the Markdown link and image show as typed; nothing loads."""
    chromium = Path("/usr/bin/chromium")
    if not chromium.exists():
        pytest.skip("needs the Debian chromium package")
    from playwright.sync_api import sync_playwright
    demo, url = _serve(small_engine, "127.0.0.1")
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(chromium),
                                        args=["--headless=new", "--no-sandbox", "--disable-gpu"])
            page = browser.new_page()
            outside = []
            page.on("request", lambda r: outside.append(r.url)
                    if r.url.startswith("http://evil.example") else None)
            page.goto(url + "?q=" + quote(HOSTILE_Q, safe=""))
            page.locator("#bw-chat .bw-turn").first.wait_for(timeout=60_000)
            chat = page.locator("#bw-chat")
            assert "[klik hier](http://evil.example/x)" in chat.inner_text()
            assert "![beeld](http://evil.example/pixel.png)" in chat.inner_text()
            assert "<b>vet</b>" in chat.inner_text()
            assert chat.locator("a[href^='http'][href*='evil.example'], "
                                "img[src*='evil.example']").count() == 0
            assert outside == []
            browser.close()
    finally:
        demo.close()


# ----------------------------------------------------------------------------- units

def test_feedback_file_rotates_and_csv_neutralises_formulas(tmp_path):
    from bronwijzer import feedback
    from bronwijzer.settings import Settings
    small = Settings(feedback_max_mb=1)
    path = tmp_path / "feedback.jsonl"
    entry = feedback.record("Wat?", {"answer": "a" * 60_000}, "up", settings=small)
    for _ in range(40):
        feedback.append(path, entry, settings=small)
    assert path.stat().st_size <= 1024 * 1024 and path.with_suffix(".1.jsonl").exists()
    odd = ["=1+1", "+1", "-1", "@SUM(A1)", "\tTAB", "\rCR", "gewoon"]
    path.unlink()
    for text in odd:
        feedback.append(path, feedback.record("Wat?", {"answer": text}, "up"))
    out = tmp_path / "votes.csv"
    feedback.export_csv(path, out)
    with open(out, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["answer"] for r in rows] == [f"'{t}" for t in odd[:-1]] + ["gewoon"]


def test_markdown_export_shows_raw_html_as_text():
    from bronwijzer.present.export import conversation_markdown
    md = conversation_markdown([{"question": "<img src=x onerror=alert(1)>", "answer":
                                 "Tekst <script>alert(2)</script> & meer.", "lang": "nl"}])
    assert "<img" not in md and "<script" not in md
    assert "&lt;img src=x onerror=alert(1)>" in md and "&amp; meer" in md


def test_logins_come_from_a_file_or_the_environment(tmp_path, monkeypatch):
    from bronwijzer.ui.app import read_auth
    monkeypatch.setenv("BRONWIJZER_AUTH", "anna:geheim:met:dubbele punten\nbob:wachtwoord")
    users = tmp_path / "users.txt"
    users.write_text("# logins\ncees:sleutel\n", encoding="utf-8")
    assert read_auth(None, users) == [("anna", "geheim:met:dubbele punten"), ("bob", "wachtwoord"),
                                      ("cees", "sleutel")]
    with pytest.warns(FutureWarning, match="ps"):
        read_auth("dora:x")


def test_old_temporary_folders_are_removed(tmp_path):
    import os

    from bronwijzer.ui.guard import clean_temp
    old, new, other = (tmp_path / "bronwijzer-batch-a", tmp_path / "bronwijzer-export-b",
                       tmp_path / "bronwijzer-keep")
    for folder in (old, new, other):
        folder.mkdir()
    os.utime(old, (0, 0))
    os.utime(other, (0, 0))
    assert clean_temp(3600, str(tmp_path)) == 1
    assert not old.exists() and new.exists() and other.exists()


def test_column_parsing_reads_only_the_header_of_a_checked_sheet(tmp_path, isolated_home):
    from openpyxl import Workbook

    from bronwijzer.errors import LimitError
    from bronwijzer.settings import load_settings
    from bronwijzer.ui.guard import header_columns
    book = Workbook()
    sheet = book.active
    sheet.append(["Nr", "Vraag"])
    for n in range(3000):
        sheet.append([n, f"Vraag {n}?"])
    path = tmp_path / "vragen.xlsx"
    book.save(path)
    assert header_columns(path, load_settings()) == (["Nr", "Vraag"], "Vraag")
    with pytest.raises(LimitError, match="max_unzipped_mb"):
        header_columns(path, load_settings(max_unzipped_mb=0))
    assert json.dumps(header_columns(tmp_path / "q.jsonl", load_settings())) == '[[], null]'
