"""The UI in headless Chromium (Playwright): answers, follow-ups, links, the reference table,
the article map, copying, votes, access modes and XSS safety.

Each test opens its own page (no answer is picked by its position on a shared page); the
questions are in neither eval set. Screenshots go to ``tests/artifacts/`` (git-ignored).
Needs the Debian ``chromium`` package; without it the tests are skipped, unless
``CI=true`` (then they fail).
"""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path
from urllib.parse import quote

import pytest

from followup_cases import CONVERSATIONS
from served import launch

pytestmark = [pytest.mark.browser,  # gradio's queue statistics use pandas options pandas 3 deprecates
              pytest.mark.filterwarnings("ignore:.*no_silent_downcasting"),
              pytest.mark.filterwarnings("ignore:The copy keyword is deprecated")]

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
XSS_ARTICLE = """Een artikel over bedrijventerreinen <b>vet</b>

De gemeente wil het bedrijventerrein Rivierzone vernieuwen <script>window.__xss=1</script> met meer ruimte voor maakbedrijven
Kwaad, K. (2024) Plan <img src=x onerror="window.__xss=2"> voor ${window.__xss=3} {{constructor.constructor('window.__xss=4')()}}. Uitgeverij <script>window.__xss=5</script>.
1
en dat levert werk op in de stad.

Het plan voor de haven bevat ook <img src=x onerror="window.__xss=2"> een groene inrichting met bomen en waterberging.

Sjablonen zoals ${window.__xss=3} en {{constructor.constructor('window.__xss=4')()}} blijven gewoon tekst.
"""


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


def serve(engine_factory, settings=None, **kwargs):
    from bronwijzer.ui.app import served_app
    from bronwijzer.settings import load_settings
    settings = settings or load_settings()
    demo = served_app(engine_factory, settings, kwargs.get("auth"))
    return demo, launch(demo, host=settings.host, **kwargs)


SIZES = {"wide": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


def open_page(browser, url: str, ready: bool = True, size: str | None = None):
    page = browser.new_page(viewport=SIZES.get(size, {"width": 1400, "height": 1000}))
    page.goto(url)
    if ready:
        page.locator("#bw-status").get_by_text("Ready").wait_for(timeout=120_000)
    return page


def open_tab(page, name: str, timeout: float = 60.0) -> None:
    """Click the tab ``name``, from the tabs' overflow menu when it does not fit (a phone).

    Gradio moves the tabs that do not fit into the menu only after it has measured them,
    so a tab seen in the row may be gone a moment later (CI once waited 30 s on one):
    each way is tried with a short timeout, again and again, until one takes.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    deadline = time.monotonic() + timeout
    while True:
        try:
            tab = page.get_by_role("tab", name=name)
            if tab.is_visible():
                tab.click(timeout=2_000)
            else:
                page.locator("button[aria-label='More tabs']").first.click(timeout=2_000)
                page.locator(".overflow-dropdown button", has_text=name).first.click(
                    timeout=2_000)
            return
        except PlaywrightTimeout:
            if time.monotonic() > deadline:
                raise
            page.keyboard.press("Escape")  # close a menu left open by the other way


def turn_of(page, question: str):
    """The answer to ``question`` in the chat, found by its link (not by position)."""
    link = "?q=" + quote(question, safe="")
    turn = page.locator(f'#bw-chat .bw-turn:has(a.bw-copy-link[href="{link}"])')
    turn.wait_for(timeout=240_000)  # a busy 2-core machine
    return turn


def ask(page, question: str):
    box = page.locator("#bw-question textarea")
    box.fill(question)
    box.press("Enter")
    return turn_of(page, question)


def shot(page, name: str, full_page: bool = True) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=full_page)


def in_view(page, locator) -> bool:
    """Whether the element's box lies inside the viewport (and inside its scrolled chat)."""
    box, size = locator.bounding_box(), page.viewport_size
    return bool(box) and box["y"] >= 0 and box["y"] + box["height"] <= size["height"] + 1


def no_side_scroll(page) -> bool:
    """True when nothing sticks out sideways (else it fails naming the widest elements)."""
    wide = page.evaluate("""() => [...document.querySelectorAll('body *')]
        .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1
                     && e.getBoundingClientRect().width > 0)
        .slice(0, 12).map(e => e.tagName + '#' + e.id + '.' + e.className + ' ' + (e.parentElement.className || '') + ' '
                             + Math.round(e.getBoundingClientRect().right))""")
    fits = page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert fits, f"the page is {width} px wide: {wide}"
    return fits


@pytest.fixture(scope="module")
def url(browser, real_engine):
    """The app with the real engine; every test opens its own page on it."""
    began = time.perf_counter()
    demo, url = serve(lambda: real_engine, real_engine.settings)
    page = open_page(browser, url)
    timings = {"page_ready_s": round(time.perf_counter() - began, 2)}
    page.close()
    yield url
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "timings.json").write_text(json.dumps(timings), "utf-8")
    demo.close()


def test_answer_has_markers_numbered_sources_and_the_map(browser, url):
    page = open_page(browser, url)
    question = "what does the text propose for bedrijventerreinen"
    answer = ask(page, question)
    assert re.search(r"\[\d+\]", answer.locator(".bw-text").inner_text())
    assert answer.locator(".bw-marker").count() >= 1
    source = answer.locator(".bw-source").first
    assert source.is_visible() and source.locator("mark").count() >= 1
    assert "ruimte-voor-economie-en-werk.txt" in source.inner_text()
    assert answer.locator(".bw-source .bw-ref").count() >= 1
    sources = answer.locator(".bw-source").count()
    hits = page.locator("#bw-map .bw-map-hit")
    page.wait_for_function("document.querySelectorAll('#bw-map .bw-map-hit').length > 0")
    assert 1 <= hits.count() <= sources
    assert page.locator("#bw-map .bw-map-note").count() >= 20  # every reference is drawn
    shot(page, "chat.png")
    page.close()


def test_follow_up_is_answered_on_the_earlier_subject(browser, url):
    page = open_page(browser, url)
    # herontwikkelingsmaatschappijen -> "And in Utrecht?" (found by its subject, not a position)
    _, first, follow, gold = next(c for c in CONVERSATIONS if "herontwikkelingsmaatschappijen" in c[1])
    ask(page, first)
    answer = ask(page, follow)
    understood = answer.locator(".bw-understood").inner_text()
    assert understood.startswith("Understood as:") and "herontwikkelingsmaatschappijen" in understood
    assert gold in answer.locator(".bw-answer").inner_text()
    shot(page, "chat-follow-up.png")
    page.close()


def test_link_asks_the_question_on_load(browser, url):
    question = "Which publication does footnote 14 point to?"
    page = open_page(browser, url + "?q=" + quote(question), ready=False)
    answer = turn_of(page, question)  # no input: the address asked it
    assert "Koelemaij" in answer.locator(".bw-ref").first.inner_text()
    answer.locator(".bw-copy-link").click()
    page.wait_for_function("typeof window.__bw_copied === 'string'", timeout=10_000)
    assert page.evaluate("window.__bw_copied") == url + "?q=" + quote(question, safe="")
    shot(page, "link.png")
    page.close()


def test_markdown_copy_holds_markers_and_footnote_references(browser, url):
    page = open_page(browser, url)
    answer = ask(page, "Welke rol krijgt het mkb bij innovatie?")
    answer.locator(".bw-copy-md").click()
    page.wait_for_function("typeof window.__bw_copied === 'string'", timeout=10_000)
    copied = page.evaluate("window.__bw_copied")
    assert re.search(r"\[1\] ", copied) and "**Bronnen**" in copied
    assert re.search(r"\[\^\d+\]: \S", copied), "no footnote reference in the Markdown"
    page.close()


def test_abstention_is_visibly_different(browser, url):
    page = open_page(browser, url)
    declined = ask(page, "What does the article say about the tram network of Groningen?")
    box = declined.locator(".bw-abstain")
    assert box.is_visible() and "does not answer" in box.inner_text()
    shot(page, "chat-abstain.png")
    page.close()


def test_reference_table_is_there_before_any_input_and_opens_a_lookup(browser, url):
    page = open_page(browser, url)
    page.get_by_role("tab", name="Citation lookup").click()
    table = page.locator("#bw-reftable")
    table.get_by_text("Gaastra (2024)", exact=True).last.wait_for(timeout=30_000)
    assert table.locator("[role=row]").count() >= 10
    assert page.locator("#bw-lookup-map svg").count() == 1
    table.get_by_text("WRR (2023)", exact=True).last.click()
    result = page.locator("#bw-lookup-result .bw-lookup")
    result.wait_for(timeout=30_000)
    assert "Footnote 4" in result.inner_text() and "Goede zaken" in result.inner_text()
    page.wait_for_function("document.querySelectorAll('#bw-lookup-map .bw-map-hit').length > 0")
    shot(page, "lookup.png")
    page.close()


def test_vote_is_written_to_feedback_jsonl(browser, url, real_engine):
    path = Path(real_engine.settings.home) / "feedback.jsonl"
    before = len(path.read_text("utf-8").splitlines()) if path.exists() else 0
    page = open_page(browser, url)
    question = "Wat zegt het artikel over woon-werkdeals?"
    ask(page, question)
    page.locator("#bw-comment textarea").fill("mist de bedragen")
    page.locator("#bw-chat button[aria-label=Dislike]").first.click()
    page.locator("#bw-chat-note .bw-ok").wait_for(timeout=30_000)
    lines = path.read_text("utf-8").splitlines()
    assert len(lines) == before + 1
    entry = json.loads(lines[-1])
    assert (entry["question"], entry["vote"], entry["comment"]) == (question, "down",
                                                                    "mist de bedragen")
    assert entry["answer"]["sources"]
    shot(page, "vote.png")
    page.close()


def test_corpus_table(browser, url):
    page = open_page(browser, url)
    page.get_by_role("tab", name="Corpus").click()
    table = page.locator("#bw-corpus table")
    table.wait_for(timeout=30_000)
    assert "indexed" in table.inner_text()
    shot(page, "corpus.png")
    page.close()


@pytest.mark.parametrize("size", ["wide", "phone"])
def test_corpus_and_references_filter_and_page(browser, url, size):
    """The corpus tab and the reference table are filtered on the server, a page at a time,
    with a pager; on a phone nothing sticks out sideways."""
    page = open_page(browser, url, size=size)
    open_tab(page, "Corpus")
    page.locator("#bw-corpus table").wait_for(timeout=30_000)
    assert "page 1 of 1" in page.locator("#bw-corpus").inner_text()
    for control in ("#bw-corpus-prev", "#bw-corpus-next", "#bw-corpus-page input"):
        assert page.locator(control).is_visible(), control
    box = page.locator("#bw-corpus-query textarea, #bw-corpus-query input").first
    box.fill("qqqzzz")
    box.press("Enter")
    page.locator("#bw-corpus").get_by_text("No document matches").wait_for(timeout=30_000)
    assert page.locator("#bw-corpus table").count() == 0
    assert no_side_scroll(page)
    shot(page, f"screen-corpus-{size}.png", full_page=False)
    open_tab(page, "Citation lookup")
    table = page.locator("#bw-reftable")
    table.get_by_text("Gaastra (2024)", exact=True).last.wait_for(timeout=60_000)
    query = page.locator("#bw-ref-query textarea, #bw-ref-query input").first
    query.fill("WRR")
    query.press("Enter")
    page.locator("#bw-ref-line").get_by_text("filtered from 24").wait_for(timeout=30_000)
    assert "WRR (2023)" in table.inner_text() and "Gaastra (2024)" not in table.inner_text()
    assert no_side_scroll(page)
    shot(page, f"screen-references-filtered-{size}.png", full_page=False)
    page.close()


def test_document_markup_is_shown_as_text(browser, isolated_home, fake_embedder):
    from bronwijzer.engine import Engine
    from bronwijzer.settings import load_settings
    (isolated_home / "corpus" / "xss-artikel.txt").write_text(XSS_ARTICLE, encoding="utf-8")
    settings = load_settings()
    demo, url = serve(lambda: Engine.open(settings, fake_embedder), settings)
    try:
        page = open_page(browser, url)
        question = "De gemeente wil het bedrijventerrein Rivierzone vernieuwen met maakbedrijven"
        answer = ask(page, question)
        text = answer.inner_text()
        assert "<script>window.__xss=1</script>" in text
        assert '<img src=x onerror="window.__xss=2">' in text
        ask(page, "en wie betaalt dat <script>window.__xss=7</script>?")
        page.get_by_role("tab", name="Citation lookup").click()
        page.locator("#bw-reftable").get_by_text("Kwaad (2024)", exact=True).last.click()
        page.locator("#bw-lookup-result .bw-lookup").wait_for(timeout=30_000)
        assert "Uitgeverij <script>" in page.locator("#bw-lookup-result").inner_text()
        assert "<img src=x" in page.locator("#bw-reftable").inner_text()
        for where in ("#bw-chat", "#bw-map", "#bw-lookup-result", "#bw-lookup-map", "#bw-reftable",
                      "#bw-status"):
            assert page.locator(f"{where} script, {where} img").count() == 0, where
        page.wait_for_timeout(500)
        assert page.evaluate("typeof window.__xss") == "undefined"
        shot(page, "xss.png")
        page.close()
    finally:
        demo.close()


def test_page_says_read_only_or_asks_for_a_login(browser, article_home, fake_embedder):
    from bronwijzer.engine import Engine
    from bronwijzer.settings import load_settings
    settings = load_settings().with_(host="0.0.0.0")
    demo, url = serve(lambda: Engine.open(settings, fake_embedder), settings)
    try:
        page = open_page(browser, url)
        assert "Read-only" in page.locator("#bw-access").inner_text()
        shot(page, "read-only.png")
        page.close()
    finally:
        demo.close()
    demo, url = serve(lambda: Engine.open(settings, fake_embedder), settings,
                      auth=[("anna", "geheim")])
    try:
        page = open_page(browser, url, ready=False)
        page.get_by_label("username").or_(page.locator("input[type=text]")).first.wait_for(
            timeout=30_000)
        assert page.locator("input[type=password]").count() == 1
        assert page.locator("#bw-chat").count() == 0
        shot(page, "login.png")
        page.close()
    finally:
        demo.close()


@pytest.mark.parametrize("size", ["wide", "phone"])
def test_question_box_and_answer_start_in_view(browser, url, size):
    page = open_page(browser, url, size=size)
    assert "Ready" in page.locator("#bw-status").inner_text()
    shot(page, f"screen-start-{size}.png", full_page=False)
    assert in_view(page, page.locator("#bw-question textarea"))
    ask(page, "Welke rol krijgt het mkb bij innovatie?")
    answer = ask(page, "What does the text propose for bedrijventerreinen?")
    page.wait_for_function("window.__bw_scrolled >= 2")
    page.wait_for_timeout(300)
    first = answer.locator(".bw-text")
    top = first.bounding_box()["y"]
    chat = page.locator("#bw-chat").bounding_box()
    assert chat["y"] <= top <= chat["y"] + chat["height"] - 20, "the answer's start is not shown"
    assert 0 <= top <= page.viewport_size["height"] - 20
    assert in_view(page, page.locator("#bw-question textarea"))
    label = page.locator("#bw-chat label, #bw-chat [data-testid=block-label]")
    assert label.count() == 0 or not label.first.is_visible(), "a label floats over the chat"
    assert no_side_scroll(page), "the page scrolls sideways"
    shot(page, f"screen-answer-{size}.png", full_page=False)
    page.close()


def test_status_is_shown_from_the_first_paint(browser, url):
    page = browser.new_page(viewport=SIZES["wide"])
    page.goto(url, wait_until="domcontentloaded")
    page.locator("#bw-status .bw-ok, #bw-status .bw-error").first.wait_for(timeout=30_000)
    assert page.locator("#bw-status").inner_text().strip()
    page.close()


@pytest.mark.parametrize("size", ["wide", "phone"])
def test_answer_reads_as_text_with_a_badge_per_source_group(browser, url, size):
    page = open_page(browser, url, size=size)
    answer = ask(page, "Welke rol krijgt het mkb bij innovatie?")
    badges = answer.locator(".bw-text .bw-marker")
    numbers = [b.inner_text() for b in badges.all()]
    assert numbers and all(a != b for a, b in zip(numbers, numbers[1:])), numbers
    assert len(numbers) <= answer.locator(".bw-source").count() + 1
    title = badges.first.get_attribute("title")
    assert title and len(title) > 30  # the passage it stands for, shown on hover
    badges.first.hover()
    badges.first.click()
    page.wait_for_timeout(400)
    assert answer.locator(".bw-source.bw-flash").count() == 1  # clicked: its source, flashed
    shot(page, f"screen-badges-{size}.png", full_page=False)
    page.close()


@pytest.mark.parametrize("size", ["wide", "phone"])
def test_decline_shows_its_reason(browser, url, size):
    page = open_page(browser, url, size=size)
    declined = ask(page, "Wat zegt het artikel over de haven van Harlingen?")
    reason = declined.locator(".bw-abstain .bw-reason")
    assert reason.is_visible() and "Harlingen" in reason.inner_text()
    shot(page, f"screen-decline-{size}.png", full_page=False)
    page.close()


def references_all_shown(page, table) -> None:
    """Every reference row lies inside the table's frame and the table does not scroll."""
    rows = table.locator("[role=row].virtual-row")  # Gradio 6: a virtual grid of div rows
    frame = table.bounding_box()
    boxes = [r.bounding_box() for r in rows.all() if r.is_visible()]
    shown = [b for b in boxes if b and b["y"] + b["height"] <= frame["y"] + frame["height"] + 1]
    assert len(shown) >= 24, f"{len(shown)} of {len(boxes)} reference rows shown"
    scrolls = page.evaluate("""() => [...document.querySelectorAll(
        '#bw-reftable .virtual-table-viewport, #bw-reftable .table-container')]
        .filter(s => s.scrollHeight > s.clientHeight + 2).length""")
    assert scrolls == 0, "the reference table scrolls inside itself"
    assert table.locator(".virtual-row a[href^=http]").count() >= 5
    assert "[link" not in table.inner_text(), "a link cell shows its Markdown (cut short)"


def columns_readable(page) -> None:
    """Every column of the reference table is wide enough for its header on one line."""
    heads = page.evaluate("""() => [...document.querySelectorAll('#bw-reftable th')].map(th => {
        const r = th.getBoundingClientRect(), c = th.querySelector('.header-content');
        return [th.title, Math.round(r.width), Math.round(r.height),
                c.scrollWidth <= c.clientWidth + 1]; })""")
    assert len(heads) == 8, heads
    assert all(width >= 56 and height <= 48 and whole for _, width, height, whole in heads), heads


@pytest.mark.parametrize("size", ["wide", "phone"])
def test_reference_table_claim_years_and_map(browser, url, size):
    page = open_page(browser, url, size=size)
    if size == "phone":
        page.locator("button[aria-label*='tabs'], .tab-container button:has-text('⋯'), "
                     "button:has-text('...')").first.click(timeout=5_000) if \
            not page.get_by_role("tab", name="Citation lookup").is_visible() else None
    page.get_by_role("tab", name="Citation lookup").click()
    table = page.locator("#bw-reftable")
    table.get_by_text("Gaastra (2024)", exact=True).last.wait_for(timeout=60_000)
    columns_readable(page)
    if size == "wide":
        page.set_viewport_size({"width": 1280, "height": 1800})  # "full height"
        page.wait_for_timeout(500)
        references_all_shown(page, table)
        shot(page, "screen-references-wide.png")
        page.set_viewport_size(SIZES["wide"])
    else:
        assert no_side_scroll(page)  # the table may scroll sideways inside itself
        shot(page, "screen-references-phone.png", full_page=False)
    page.locator("#bw-lookup-text textarea, #bw-lookup-text input").first.fill(
        "bedrijventerreinen verduurzamen en intensiveren")
    page.get_by_role("radio", name="claim").check()
    page.locator("#bw-lookup").click()
    claim = page.locator("#bw-lookup-result .bw-claim").first
    claim.wait_for(timeout=120_000)
    assert re.search(r"year: (19|20)\d\d", page.locator("#bw-lookup-result").inner_text())
    page.wait_for_function("document.querySelectorAll('#bw-lookup-map .bw-map-hit').length > 0")
    block = page.locator("#bw-lookup-map .bw-map-block").first
    assert ":" in block.locator("title").text_content()  # first words on hover
    if size == "wide":
        block.click()
        page.locator("#bw-lookup-map .bw-map-passage").wait_for(timeout=10_000)
        assert len(page.locator("#bw-lookup-map .bw-map-passage").inner_text()) > 20
    assert no_side_scroll(page)
    width = page.locator("#bw-lookup-result").bounding_box()["width"]
    assert width >= 0.6 * page.viewport_size["width"], f"the lookup result is {width} px wide"
    claim.scroll_into_view_if_needed()
    shot(page, f"screen-claim-{size}.png", full_page=False)
    page.close()


def test_docx_upload_is_indexed_and_answerable(browser, isolated_home, fake_embedder, tmp_path):
    from docx import Document
    from bronwijzer.engine import Engine
    from bronwijzer.settings import load_settings
    (isolated_home / "corpus" / "notitie.txt").write_text(
        "Een notitie\n\nDe haven krijgt een groene inrichting met bomen.\n", encoding="utf-8")
    word = tmp_path / "Werklocaties.docx"
    document = Document()
    document.add_paragraph("Gemengde werklocaties houden maakbedrijven in de binnenstad.")
    document.save(str(word))
    settings = load_settings()
    demo, url = serve(lambda: Engine.open(settings, fake_embedder), settings)
    try:
        page = open_page(browser, url, size="wide")
        page.get_by_role("tab", name="Corpus").click()
        page.locator("#bw-corpus-files input[type=file]").set_input_files(str(word))
        page.get_by_role("button", name="Add and rebuild the index").click()
        note = page.locator("#bw-corpus-note")
        note.get_by_text("Werklocaties.docx: indexed").wait_for(timeout=120_000)
        shot(page, "screen-upload-wide.png", full_page=False)
        page.get_by_role("tab", name="Chat").click()
        answer = ask(page, "Gemengde werklocaties houden maakbedrijven in de binnenstad")
        assert "Werklocaties.docx" in answer.locator(".bw-source").first.inner_text()
        page.close()
    finally:
        demo.close()


@pytest.mark.parametrize("size", ["wide", "phone"])
def test_status_says_the_index_is_stale(browser, isolated_home, fake_embedder, size):
    from bronwijzer.engine import Engine
    from bronwijzer.settings import load_settings
    (isolated_home / "corpus" / "notitie.txt").write_text(
        "Een notitie\n\nDe haven krijgt een groene inrichting met bomen.\n", encoding="utf-8")
    settings = load_settings()
    Engine.open(settings, fake_embedder)  # builds the index; then the corpus changes
    (isolated_home / "corpus" / "later.txt").write_text(
        "Later\n\nGemengde werklocaties houden maakbedrijven in de stad.\n", encoding="utf-8")
    demo, url = serve(lambda: Engine.open(settings, fake_embedder, build=False), settings)
    try:
        page = open_page(browser, url, size=size)
        stale = page.locator("#bw-status .bw-stale")
        stale.wait_for(timeout=30_000)
        assert stale.is_visible() and "out of date" in stale.inner_text()
        assert "later.txt" in stale.inner_text() and "bronwijzer build" in stale.inner_text()
        assert no_side_scroll(page)
        shot(page, f"screen-stale-{size}.png", full_page=False)
        page.close()
    finally:
        demo.close()
