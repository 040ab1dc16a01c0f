"""The UI in headless Chromium (Playwright): a real answer, a footnote lookup, and XSS safety.

Screenshots go to ``tests/artifacts/``. Needs the Debian ``chromium`` package; without it
the tests are skipped, unless ``CI=true`` (then they fail).
"""

from __future__ import annotations

import json
import os
import re
import socket
import time
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser,  # gradio's queue statistics use pandas options pandas 3 deprecates
              pytest.mark.filterwarnings("ignore:.*no_silent_downcasting"),
              pytest.mark.filterwarnings("ignore:The copy keyword is deprecated")]

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
XSS_ARTICLE = """Een artikel over bedrijventerreinen

De gemeente wil het bedrijventerrein Rivierzone vernieuwen <script>window.__xss=1</script> met meer ruimte voor maakbedrijven.

Het plan voor de haven bevat ook <img src=x onerror="window.__xss=2"> een groene inrichting met bomen en waterberging.

Sjablonen zoals ${window.__xss=3} en {{constructor.constructor('window.__xss=4')()}} blijven gewoon tekst.
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{CHROMIUM} is missing (apt-get install -y chromium)")
        pytest.skip(f"{CHROMIUM} is missing: install the Debian package `chromium` to run these")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield browser
        browser.close()


def serve(engine_factory):
    from bronwijzer.ui.app import create_app
    demo = create_app(engine_factory)
    port = free_port()
    demo.launch(prevent_thread_lock=True, server_name="127.0.0.1", server_port=port, quiet=True)
    return demo, f"http://127.0.0.1:{port}/"


def open_page(browser, url: str):
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    page.goto(url)
    page.locator("#bw-status").get_by_text("Ready").wait_for(timeout=120_000)
    return page


def ask(page, question: str, count: int):
    box = page.locator("#bw-question textarea")
    box.fill(question)
    box.press("Enter")
    answer = page.locator("#bw-chat .bw-answer").nth(count - 1)
    answer.wait_for(timeout=60_000)
    return answer


@pytest.fixture(scope="module")
def page(browser, real_engine):
    """One page on the app with the real engine, shared by the tests below (in order)."""
    ARTIFACTS.mkdir(exist_ok=True)
    began = time.perf_counter()
    demo, url = serve(lambda: real_engine)
    page = open_page(browser, url)
    page.bw_timings = {"page_ready_s": round(time.perf_counter() - began, 2)}
    yield page
    (ARTIFACTS / "timings.json").write_text(json.dumps(page.bw_timings), "utf-8")
    page.close()
    demo.close()


@pytest.fixture(scope="module")
def first_answer(page):
    began = time.perf_counter()
    answer = ask(page, "what does the text propose for bedrijventerreinen", 1)
    page.bw_timings["first_answer_s"] = round(time.perf_counter() - began, 2)
    page.screenshot(path=str(ARTIFACTS / "chat.png"), full_page=True)
    return answer


def test_answer_has_markers_and_numbered_sources(first_answer):
    assert re.search(r"\[\d+\]", first_answer.locator(".bw-text").inner_text())
    assert first_answer.locator(".bw-marker").count() >= 1
    source = first_answer.locator(".bw-source").first
    assert source.is_visible() and source.locator("mark").count() >= 1
    assert "ruimte-voor-economie-en-werk.txt" in source.inner_text()


def test_answer_source_shows_a_footnote_reference(first_answer):
    refs = first_answer.locator(".bw-source .bw-ref")
    assert refs.count() >= 1, "no source of the answer shows a footnote reference"
    assert re.search(r"\[\d+\]", refs.first.inner_text())


def test_footnoted_source_shows_its_reference(page, first_answer):
    answer = ask(page, "Naar welke publicatie verwijst voetnoot 12?", 2)
    ref = answer.locator(".bw-source .bw-ref").first
    assert "[12]" in ref.inner_text() and "Koelemaij" in ref.inner_text()
    page.screenshot(path=str(ARTIFACTS / "chat-footnote.png"), full_page=True)


def test_abstention_is_visibly_different(page, first_answer):
    declined = ask(page, "What does the article say about the tram network of Groningen?", 3)
    box = declined.locator(".bw-abstain")
    assert box.is_visible() and "does not answer" in box.inner_text()
    declined.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "chat-abstain.png"), full_page=True)


def test_footnote_lookup_shows_rli(page):
    page.get_by_role("tab", name="Citation lookup").click()
    page.locator("#bw-footnote input").click()
    page.get_by_role("option", name="18", exact=True).click()
    result = page.locator("#bw-lookup-result .bw-lookup")
    result.wait_for(timeout=30_000)
    page.get_by_role("option", name="17", exact=True).wait_for(state="hidden")
    assert "Rli" in result.inner_text()
    assert result.locator("a[href^='https://www.rli.nl/']").count() >= 1
    page.screenshot(path=str(ARTIFACTS / "lookup.png"), full_page=True)


def test_corpus_table(page):
    page.get_by_role("tab", name="Corpus").click()
    table = page.locator("#bw-corpus table")
    table.wait_for(timeout=30_000)
    assert "indexed" in table.inner_text()
    page.screenshot(path=str(ARTIFACTS / "corpus.png"), full_page=True)


def test_document_markup_is_shown_as_text(browser, isolated_home, fake_embedder):
    from bronwijzer.engine import Engine
    from bronwijzer.settings import load_settings
    (isolated_home / "corpus" / "xss-artikel.txt").write_text(XSS_ARTICLE, encoding="utf-8")
    settings = load_settings()
    demo, url = serve(lambda: Engine.open(settings, fake_embedder))
    try:
        page = open_page(browser, url)
        answer = ask(page, "De gemeente wil het bedrijventerrein Rivierzone vernieuwen met ruimte "
                           "voor maakbedrijven", 1)
        text = answer.inner_text()
        assert "<script>window.__xss=1</script>" in text
        assert '<img src=x onerror="window.__xss=2">' in text
        assert "${window.__xss=3}" in text
        assert answer.locator("script, img").count() == 0
        page.wait_for_timeout(500)
        assert page.evaluate("typeof window.__xss") == "undefined"
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "xss.png"), full_page=True)
        page.close()
    finally:
        demo.close()
