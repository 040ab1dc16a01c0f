"""The UI without a browser: HTML escaping, upload checks, handlers and app wiring (fake embedder)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from bronwijzer.ui.render import esc, render_answer, render_answer_text, render_error
from bronwijzer.ui.views import render_corpus, render_lookup

EVIL = '<script>window.__xss=1</script><img src=x onerror="window.__xss=2"> ${x} {{y}} `z` *w*'
XSS_ARTICLE = """Een artikel over bedrijventerreinen

De gemeente wil het bedrijventerrein Rivierzone vernieuwen <script>window.__xss=1</script> met meer ruimte voor maakbedrijven.

Het plan voor de haven bevat ook <img src=x onerror="window.__xss=2"> een groene inrichting met bomen en waterberging.
"""


def assert_inert(html: str) -> bool:
    """No markup from EVIL survived: only escaped text."""
    lowered = html.lower()
    for needle in ("<script", "<img", "onerror=\"", "javascript:", "${", "{{"):
        assert needle not in lowered, needle
    assert "&lt;script&gt;" in html
    return True


def evil_answer(abstained: bool = False) -> dict:
    ref = {"footnote": 3, "position": 1, "reference": EVIL, "short": EVIL,
           "url": "javascript:window.__xss=3"}
    text = f"Zin {EVIL} [4]. [1]"
    source = {"number": 1, "label": EVIL, "doc": EVIL, "location": "¶2", "quote": f"Zin {EVIL} [4].",
              "quote_start": 0, "quote_end": len(f"Zin {EVIL} [4]."), "text": f"Zin {EVIL} [4]. Meer.",
              "footnotes": [4], "references": [ref]}
    return {"question": EVIL, "lang": "nl", "kind": "answer",
            "answer": "Het artikel geeft hier geen antwoord op." if abstained else text,
            "abstained": abstained, "confidence": 0.2 if abstained else 0.93,
            "sources": [] if abstained else [source], "citations": [],
            "passages": [{"label": EVIL, "doc": EVIL, "text": EVIL}]}


# --- rendering --------------------------------------------------------------------------------

def test_esc_neutralises_markup_markdown_and_templates():
    out = esc(EVIL)
    assert "<" not in out and ">" not in out and '"' not in out
    assert "$" not in out and "{" not in out and "`" not in out and "*" not in out


def test_answer_escapes_every_document_text():
    html = render_answer(evil_answer())
    assert_inert(html)
    assert "<mark" in html and "bw-marker" in html
    assert "href=" not in html  # the javascript: URL is not made a link
    assert "\n\n" not in html  # one raw-HTML block for the chatbot's Markdown


def test_abstention_is_a_distinct_box_with_related_passages():
    html = render_answer(evil_answer(abstained=True))
    assert_inert(html)
    assert 'class="bw-abstain"' in html and "Het artikel geeft hier geen antwoord op." in html
    assert "Verwante passages" in html and "zekerheid 0.20" in html


def test_source_markers_differ_from_footnote_markers():
    passage = "Eerst dit. Bedrijven groeien hard [1] in de regio [7]. Daarna dat."
    sources = [{"number": 1, "quote": "Eerst dit.", "text": passage}]
    text = "Eerst dit. [1] Bedrijven groeien hard [1] in de regio [7]. [1]"
    html = render_answer_text(text, sources)
    # the two sentences from source 1 share one badge, after the footnote markers
    assert len(re.findall(r'class="bw-marker bw-n-1"[^>]*>\[1\]</span>', html)) == 1
    assert len(re.findall(r'<sup[^>]*>\[(1|7)\]</sup>', html)) == 2
    assert html.index("<sup") < html.rindex("bw-marker")


def test_every_quoted_sentence_is_marked_in_its_source():
    passage = "Eerst dit. Dan iets anders. Bedrijven groeien hard [7]. Slot."
    source = {"number": 1, "label": "a.txt ¶1", "quote": "Eerst dit.", "quote_start": 0,
              "quote_end": 10, "text": passage, "references": []}
    data = {"lang": "nl", "answer": "Eerst dit. [1] Bedrijven groeien hard [7]. [1]",
            "abstained": False, "confidence": 0.9, "sources": [source]}
    marks = re.findall(r'<mark[^>]*>(.*?)</mark>', render_answer(data))
    assert marks[0] == "Eerst dit." and marks[1].startswith("Bedrijven groeien hard")
    assert len(marks) == 2


def test_references_link_only_http_urls():
    data = evil_answer()
    data["sources"][0]["references"][0]["url"] = 'https://example.org/a?b=1&c="x"'
    html = render_answer(data)
    assert 'href="https://example.org/a?b=1&amp;c=' not in html  # quotes are not valid in a URL
    data["sources"][0]["references"][0]["url"] = "https://example.org/a?b=1&c=2"
    assert 'href="https://example.org/a?b=1&amp;c=2"' in render_answer(data)
    assert 'rel="noopener noreferrer nofollow"' in render_answer(data)


def test_lookup_results_are_escaped():
    citing = [{"sentence": EVIL, "doc": EVIL, "location": "¶1", "passage_id": "x"}]
    ref = {"footnote": 2, "position": 1, "reference": EVIL, "short": EVIL, "url": None,
           "authors": [EVIL], "year": None, "title": EVIL, "publisher": EVIL,
           "source_passages": [{"label": EVIL, "doc": EVIL, "location": "p. 1", "text": EVIL}]}
    results = [{"kind": "footnote", "footnote": 2, "citing": citing, "references": [ref]},
               {"kind": "source", "query": EVIL, "matches": [{**ref, "citing": citing}]},
               {"kind": "claim", "claim": EVIL, "matches": [
                   {"sentence": EVIL, "doc": EVIL, "location": "¶1", "footnotes": [2],
                    "score": 0.5, "passage": EVIL, "references": [ref]}]}]
    for result in results:
        assert_inert(render_lookup(result))
    assert_inert(render_error(EVIL))


def test_corpus_table_shows_status_reason_and_link(article_home):
    from bronwijzer.records import Reference
    ref = Reference(18, 1, ("Rli",), 2023, "Samen werken", None, "Rli (2023) Samen werken.",
                    "https://www.rli.nl/x")
    from bronwijzer.engine import IndexStatus
    from bronwijzer.present.catalogue import Catalogue
    status = IndexStatus(model="m", passages=15, built="2026-01-01",
                         documents=({"name": "sources/rli.pdf", "passages": 12, "source_of": [18, 1]},
                                    {"name": EVIL, "passages": 3, "source_of": None}),
                         problems=({"name": "sources/scan.pdf", "reason": EVIL, "indexed": False},))
    catalogue = Catalogue((), (ref,), {"documents": status.documents, "problems": status.problems})
    html = render_corpus(catalogue.documents(), status)
    assert_inert(html)
    assert "failed" in html and "indexed" in html and "Rli (2023)" in html
    assert 'href="https://www.rli.nl/x"' in html


# --- uploads ----------------------------------------------------------------------------------

@pytest.mark.parametrize("name, expected", [
    ("../../etc/passwd.txt", "passwd.txt"),
    ("..\\..\\windows\\evil.PDF", "evil.pdf"),
    (".hidden.html", "hidden.html"),
    ("Rapport über ruimte (2023)?.htm", "Rapport-uber-ruimte-2023.htm"),
    ("....pdf", "upload.pdf"),
    ("a" * 300 + ".txt", "a" * 80 + ".txt"),
])
def test_safe_name(name, expected):
    from bronwijzer.ui.actions import safe_name
    assert safe_name(name) == expected


@pytest.mark.parametrize("name", ["script.js", "archive.zip", "no-extension", "x.pdf.exe"])
def test_safe_name_refuses_other_types(name):
    from bronwijzer.errors import UploadError
    from bronwijzer.ui.actions import safe_name
    with pytest.raises(UploadError):
        safe_name(name)


@pytest.mark.parametrize("name, data, reason", [
    ("fake.pdf", b"<html><body>hi</body></html>", "not a PDF"),
    ("image.txt", b"\x89PNG\r\n\x1a\n" + bytes(100), "binary"),
    ("zip.html", b"PK\x03\x04" + bytes(100), "binary"),
    ("plain.html", b"just words, no tags at all", "does not look like HTML"),
    ("pdf.txt", b"%PDF-1.7 rest", "binary"),
    ("empty.txt", b"  \n", "empty"),
    ("renamed.docx", b"%PDF-1.7 rest", "not a docx document"),
    ("empty-zip.odt", b"PK\x05\x06" + bytes(18), "not a odt document"),
])
def test_store_upload_sniffs_content(tmp_path, name, data, reason):
    from bronwijzer.errors import UploadError
    from bronwijzer.ui.actions import store_upload
    (tmp_path / name).write_bytes(data)
    with pytest.raises(UploadError, match=reason):
        store_upload(tmp_path / name, tmp_path / "sources", 5)
    assert not (tmp_path / "sources").exists() or not any((tmp_path / "sources").iterdir())


def test_store_upload_size_limit_and_names(tmp_path):
    from bronwijzer.errors import UploadError
    from bronwijzer.ui.actions import store_upload
    sources = tmp_path / "corpus" / "sources"
    big = tmp_path / "big.txt"
    big.write_bytes(b"word " * 250_000)
    with pytest.raises(UploadError, match="1 MB limit"):
        store_upload(big, sources, 1)
    up = tmp_path / "up"
    up.mkdir()
    (up / "..nota 1.txt").write_text("Een nota.", encoding="utf-8")
    first, new = store_upload(up / "..nota 1.txt", sources, 1)
    again, new_again = store_upload(up / "..nota 1.txt", sources, 1)
    (up / "..nota 1.txt").write_text("Een andere nota.", encoding="utf-8")
    other, _ = store_upload(up / "..nota 1.txt", sources, 1)
    assert (first.name, new, again, new_again, other.name) == ("nota-1.txt", True, first, False,
                                                               "nota-1-2.txt")
    assert {p.parent for p in (first, other)} == {sources.resolve()}
    assert not [p for p in sources.iterdir() if p.name.startswith(".")]


# --- handlers over a fake-embedder engine -----------------------------------------------------

@pytest.fixture
def actions(article_home, fake_embedder):
    from bronwijzer.engine import Engine
    from bronwijzer.settings import load_settings
    from bronwijzer.ui.actions import Actions
    from bronwijzer.ui.app import EngineHolder
    holder = EngineHolder(lambda: Engine.open(load_settings(), fake_embedder))
    holder.get(timeout=60)
    return Actions(holder)


def test_chat_lookup_and_errors(actions):
    box, history, data, turns = actions.chat("Which publication does footnote 14 point to?", [])
    assert box == "" and [m["role"] for m in history] == ["user", "assistant"]
    assert data["sources"] and "bw-marker" in history[1]["content"]
    assert turns == {"1": data} and "Copy link" in history[1]["content"]
    _, history, data, turns = actions.chat("   ", history, turns)
    assert len(history) == 2 and data is None and list(turns) == ["1"]
    _, history, _, turns = actions.chat("x" * 5000, history, turns)
    assert "bw-error" in history[-1]["content"] and list(turns) == ["1"]
    html, amap, view = actions.lookup_footnote(18)
    assert "Rli" in html and amap.count("bw-map-hit") == 1 and len(view["ids"]) == 1
    assert "does not exist" in actions.lookup_footnote(99)[0]
    assert actions.footnote_documents() == ["ruimte-voor-economie-en-werk.txt"]   # the picker
    assert "Rli" in actions.lookup_footnote(18, "ruimte-voor-economie-en-werk.txt")[0]
    assert "bw-error" in actions.lookup_footnote(18, "nota.pdf")[0]
    assert "bw-error" in actions.lookup_text("qqqzzz", "source")[0]
    claim, claim_map, _ = actions.lookup_text("bedrijventerreinen verduurzamen", "claim")
    assert "bw-claim" in claim and "bw-map-hit" in claim_map  # the map lit anew
    assert re.search(r"year: (19|20)\d\d", claim), "a claim's references lost their years"
    assert "Ready" in actions.status()[0]


def test_page_load_without_a_link_leaves_the_chat_alone(actions):
    """The load event can land after the reader typed or asked: without ``?q=`` it must
    not clear the box or the chat (it once did, and answers vanished in the browser)."""
    from types import SimpleNamespace
    _, history, _, turns = actions.chat("Which publication does footnote 14 point to?", [])
    updates = actions.from_link([], {}, SimpleNamespace(query_params={}))
    assert len(updates) == 4
    assert all(u == {"__type__": "update"} for u in updates)  # gr.skip(): nothing changes
    linked = actions.from_link(history, turns, SimpleNamespace(query_params={"q": "footnote 3"}))
    assert linked[0] == "" and len(linked[1]) == 4 and list(linked[3]) == ["1", "3"]


def test_batch_writes_the_chosen_format(actions, tmp_path):
    questions = tmp_path / "vragen.jsonl"
    questions.write_text("\n".join(json.dumps({"id": f"q{i}", "question": q}) for i, q in
                                   enumerate(["Wat is het mkb?", "Voetnoot 18?", ""])), "utf-8")
    out, summary = actions.batch(str(questions), "csv", progress=lambda *a, **k: None)
    assert Path(out).suffix == ".csv" and Path(out).name == "vragen-answers.csv"
    assert "3 questions" in summary and "1 failed" in summary
    bad = tmp_path / "vragen.docx"
    bad.write_bytes(b"x")
    assert actions.batch(str(bad), "csv", progress=lambda *a, **k: None)[0] is None


def test_upload_adds_a_source_and_rebuilds(actions, tmp_path):
    doc = tmp_path / "Samen werken (Rli).txt"
    doc.write_text("Samen werken\n\nDe Rli adviseert over bedrijventerreinen.\n", "utf-8")
    evil = tmp_path / "evil.pdf"
    evil.write_bytes(b"<script>alert(1)</script>")
    note, table, cleared = actions.upload([str(doc), str(evil)])
    assert "Samen-werken-Rli.txt: indexed, 1 passage" in note and "Index rebuilt" in note
    assert "evil.pdf: the file is not a PDF" in note
    assert "sources/Samen-werken-Rli.txt" in table and cleared is None
    assert (actions.holder.engine.settings.corpus / "sources" / "Samen-werken-Rli.txt").is_file()
    assert "already in the corpus" in actions.upload([str(doc)])[0]


def test_upload_takes_word_opendocument_and_markdown(actions, tmp_path):
    from docx import Document
    word = tmp_path / "Werklocaties.docx"
    document = Document()
    document.add_heading("Werklocaties in de stad", level=1)
    document.add_paragraph("Gemengde werklocaties houden maakbedrijven in de binnenstad.")
    document.save(str(word))
    md = tmp_path / "notitie.md"
    md.write_text("# Notitie\n\nHavengebieden vragen om waterberging.\n", "utf-8")
    note, table, _ = actions.upload([str(word), str(md)])
    assert "Werklocaties.docx: indexed, 1 passage" in note, note
    assert "notitie.md: indexed" in note and "bw-error" not in note
    answer = actions.holder.get().ask("Wat houden gemengde werklocaties in de binnenstad?")
    assert any(s.hit.passage.doc.endswith("Werklocaties.docx") for s in answer.sources)


XSS_FOOTNOTED = """Een artikel over bedrijventerreinen <b>vet</b> <script>window.__xss=6</script>

De gemeente wil het bedrijventerrein Rivierzone vernieuwen <script>window.__xss=1</script> met meer ruimte voor maakbedrijven
Kwaad, K. (2024) Plan <img src=x onerror="window.__xss=2"> voor ${window.__xss=3} {{constructor.constructor('window.__xss=4')()}}. Uitgeverij <script>window.__xss=5</script>.
1
en dat levert werk op in de stad.

Het plan voor de haven bevat ook <img src=x onerror="window.__xss=2"> een groene inrichting met bomen en waterberging.
"""


def test_xss_is_escaped_in_chat_follow_up_map_table_and_status(isolated_home, fake_embedder):
    from bronwijzer.engine import Engine
    from bronwijzer.settings import load_settings
    from bronwijzer.ui.app import EngineHolder
    from bronwijzer.ui.actions import Actions
    from bronwijzer.ui.chat import render_turn
    (isolated_home / "corpus" / "xss.txt").write_text(XSS_FOOTNOTED, encoding="utf-8")
    actions = Actions(EngineHolder(lambda: Engine.open(load_settings(), fake_embedder)))
    _, history, data, turns = actions.chat("De gemeente wil het bedrijventerrein Rivierzone "
                                           "vernieuwen met ruimte voor maakbedrijven", [])
    assert "<script>" in data["answer"]  # the engine keeps the text as is ...
    assert_inert(history[1]["content"])  # ... the UI shows it as text
    _, history, follow, _ = actions.chat(f"en dat {EVIL}?", history, turns)
    assert_inert(history[2]["content"]) and assert_inert(history[3]["content"])
    follow = {**data, "question": EVIL, "understood_as": EVIL}
    assert_inert(render_turn(follow))
    assert "<pre" in render_turn(follow) and "\n\n" not in render_turn(follow)
    amap = actions.answer_map(data)
    for needle in ("<script", "<img", 'onerror="', "${", "{{"):  # shown as text, never markup
        assert needle not in amap.lower()
    assert "<svg" in amap and "bw-map-hit" in amap
    table, _, _, _, _, _, tab_map, _ = actions.lookup_overview()
    cells = [str(c) for row in table for c in row]
    assert any("<img src=x" in c for c in cells)  # plain-text cells: Gradio shows them as text
    assert all("<" not in row[4] for row in table)  # the Markdown link column holds no document text
    assert "<svg" in tab_map
    assert_inert(actions.status()[0].replace("&lt;b&gt;", "&lt;script&gt;"))
    assert "<b>" not in actions.status()[0]


def test_create_app_builds_with_named_endpoints(fake_embedder, article_home):
    import gradio as gr

    from bronwijzer.engine import Engine
    from bronwijzer.settings import load_settings
    from bronwijzer.ui.app import create_app
    demo = create_app(lambda: Engine.open(load_settings(), fake_embedder))
    assert isinstance(demo, gr.Blocks)
    names = {fn.api_name for fn in demo.fns.values()}
    assert {"chat", "footnote", "lookup", "batch", "upload", "corpus", "feedback"} <= names


def test_importing_ui_does_not_import_gradio():
    import subprocess
    import sys
    code = "import sys, bronwijzer.ui.app; print('gradio' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_status_while_loading_and_after_a_failed_load(actions):
    import threading

    import gradio as gr

    from bronwijzer.ui.actions import Actions
    from bronwijzer.ui.app import EngineHolder
    release = threading.Event()
    slow = Actions(EngineHolder(lambda: release.wait(10) and actions.holder.engine))
    assert "Loading the model" in slow.status()[0]
    release.set()
    slow.holder.get(timeout=10)
    assert "Ready" in slow.status()[0]

    def fail():
        raise RuntimeError("no <model> here")
    broken = Actions(EngineHolder(fail))
    with pytest.raises(gr.Error, match="could not start"):
        broken.chat("Wat is het mkb?", [])
    html = broken.status()[0]
    assert "could not start" in html and "&lt;model&gt;" in html
