"""Feedback, export, the article map, source kinds, access modes and the CLI for people."""

from __future__ import annotations

import csv
import json
import zipfile
import os
import subprocess
import sys

import pytest

from bronwijzer import feedback
from bronwijzer.present.export import answer_markdown, conversation_docx, conversation_markdown
from bronwijzer.present.overview import source_kind
from bronwijzer.ui.articlemap import reference_table, render_map

ANSWER = {"question": "Wie betaalt de werkruimte?", "lang": "nl", "kind": "answer",
          "answer": "Er moet een onrendabele top gefinancierd worden⁽¹⁵⁾. [1]", "abstained": False,
          "confidence": 0.9, "understood_as": "Wie betaalt de werkruimte? (bedrijventerreinen)",
          "sources": [{"number": 1, "id": "p33", "label": "artikel.txt ¶33", "doc": "artikel.txt",
                       "quote": "Er moet een onrendabele top gefinancierd worden [15].",
                       "footnotes": [15], "references": [
                           {"footnote": 15, "position": 1, "reference": "Van der Aa (2021) Essay.",
                            "short": "Van der Aa (2021)", "url": "https://example.org/essay"}]}],
          "citations": [{"footnote": 15, "position": 1, "reference": "Van der Aa (2021) Essay.",
                         "url": "https://example.org/essay"}], "passages": []}


def test_answer_markdown_keeps_markers_sources_and_footnotes():
    md = answer_markdown(ANSWER)
    assert "gefinancierd worden[^15]. [1]" in md
    assert "[1] artikel.txt ¶33: «Er moet" in md and "»[^15]" in md
    assert "[^15]: Van der Aa (2021) Essay. <https://example.org/essay>" in md
    assert "*Begrepen als: Wie betaalt de werkruimte? (bedrijventerreinen)*" in md
    whole = conversation_markdown([ANSWER, {**ANSWER, "question": "Tweede?"}])
    assert "## 2. Tweede?" in whole and "[^1-15]:" in whole and "[^2-15]:" in whole


def test_conversation_docx_holds_question_answer_and_footnotes(tmp_path):
    from docx import Document
    path = conversation_docx([{**ANSWER, "question": "Wie\x07 betaalt?"}], tmp_path / "c.docx")
    text = "\n".join(p.text for p in Document(str(path)).paragraphs)
    assert "1. Wie betaalt?" in text and "onrendabele top" in text
    with zipfile.ZipFile(path) as package:  # the reference is a Word footnote now
        notes = package.read("word/footnotes.xml").decode()
    assert "Van der Aa (2021) Essay." in notes and "https://example.org/essay" in notes


def test_feedback_is_appended_whole_and_survives_a_cut_line(tmp_path):
    path = tmp_path / "feedback.jsonl"
    feedback.append(path, feedback.record("Vraag?", ANSWER, "up", "klopt"))
    with open(path, "ab") as handle:
        handle.write(b'{"question": "half')  # a line cut short by a crash
    feedback.append(path, feedback.record("Vraag 2?", ANSWER, "👎"))
    entries = feedback.read(path)
    assert [(e["question"], e["vote"], e["comment"]) for e in entries] == [
        ("Vraag?", "up", "klopt"), ("Vraag 2?", "down", "")]
    assert entries[0]["answer"]["sources"][0]["id"] == "p33" and entries[0]["time"].endswith("+00:00")
    with pytest.raises(feedback.FeedbackError):
        feedback.record("Vraag?", ANSWER, "maybe")


def test_feedback_appends_from_many_threads_without_mixing(tmp_path):
    import threading
    path = tmp_path / "feedback.jsonl"
    big = {**ANSWER, "answer": "x" * 20000}
    threads = [threading.Thread(target=feedback.append,
                                args=(path, feedback.record(f"q{i}", big, "up")))
               for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(e["question"] for e in feedback.read(path)) == sorted(f"q{i}" for i in range(12))
    assert len(path.read_text("utf-8").splitlines()) == 12


def test_feedback_cli_exports_csv(isolated_home, tmp_path):
    path = isolated_home / "feedback.jsonl"
    feedback.append(path, feedback.record("=HYPERLINK(1)", ANSWER, "down", "mist de kosten"))
    out = tmp_path / "fb.csv"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    run = subprocess.run([sys.executable, "-m", "bronwijzer.cli", "feedback", "--csv", str(out)],
                         capture_output=True, text=True, env=env, check=True)
    assert "1 votes" in run.stdout
    with open(out, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert rows[0]["vote"] == "down" and rows[0]["comment"] == "mist de kosten"
    assert rows[0]["question"] == "'=HYPERLINK(1)" and rows[0]["footnotes"] == "15"


@pytest.mark.parametrize("authors, publisher, kind", [
    (("Ministerie van Economische Zaken",), None, "government"),
    (("European Commission",), None, "government"),
    (("Rli",), "Raad voor de Leefomgeving en Infrastructuur", "advisory"),
    (("Nederlands Comité voor Ondernemerschap",), None, "advisory"),
    (("Gaastra, S.",), "Het Financieele Dagblad", "press"),
    (("Bekkers, H.",), "Tijdschrift voor Bestuur", "press"),
    (("Gaastra, S.",), "ESB", "other"),  # an outlet's name alone says nothing
    (("Jansen, P.",), "Eigen Beheer", "other"),
])
def test_source_kinds_from_organisation_types(authors, publisher, kind):
    assert source_kind(authors, publisher) == kind


def test_own_publisher_is_read_from_the_references():
    from bronwijzer.present.overview import own_publishers
    from bronwijzer.records import Reference

    def ref(n, publisher):
        return Reference(n, 1, ("Jansen, P.",), 2024, "T", publisher, "raw", None, "a.txt")
    refs = [ref(1, "Stichting Stad & Werk"), ref(2, "Stichting Stad & Werk"), ref(3, "Raad X"),
            ref(4, "Stichting Stad  &  Werk")]
    own = own_publishers(refs)
    assert own == {"stichting stad werk"}
    assert source_kind(("Jansen, P.",), "Stichting Stad & Werk", own) == "own"
    assert source_kind(("Jansen, P.",), "Raad X", own) == "advisory"
    assert own_publishers(refs[:2] + refs[2:3]) == set()  # two references are not enough
    assert own_publishers(refs + [ref(5, "Raad X"), ref(6, "Raad X")]) == set()  # a tie


def test_map_marks_footnotes_by_kind_and_highlights_passages():
    docs = [{"doc": "a.pdf", "blocks": [
        {"id": "p1", "location": "p. 1", "page": 1, "chars": 400, "footnotes": [(3, ["press"])]},
        {"id": "p2", "location": "p. 2", "page": 2, "chars": 90,
         "footnotes": [(4, ["government", "advisory"])]}]}]
    svg = render_map(docs, ["p2"])
    assert svg.count("bw-map-block") == 2 and svg.count("bw-map-hit") == 1
    assert svg.count('class="bw-map-note"') == 3 and "#ea580c" in svg and "#7c3aed" in svg
    assert "p. 2" in svg and "stroke-dasharray" in svg  # page marks for paged documents
    assert "<script" not in render_map([{**docs[0], "doc": "<script>x</script>"}]).lower()


def test_reference_table_links_only_http():
    rows = [{"footnote": 1, "short": "A (2020)", "title": "T", "url": "javascript:alert(1)",
             "kind": "press", "cited_at": ["¶4"], "times": 1},
            {"footnote": 2, "short": "B (2021)", "title": "U", "url": "https://x.org/a b",
             "kind": "other", "cited_at": [], "times": 0},
            {"footnote": 3, "short": "C (2022)", "title": "V", "url": "https://x.org/c",
             "kind": "government", "cited_at": ["¶5", "¶9"], "times": 2}]
    table = reference_table(rows)
    assert [r[4] for r in table] == ["", "", "[link ↗](<https://x.org/c>)"]
    assert table[2][6:] == ["¶5, ¶9", 2] and table[0][5] == "press"


def test_access_modes_and_logins(tmp_path):
    from bronwijzer.ui.app import access_mode, read_auth
    assert access_mode("127.0.0.1", None, False) == (False, "")
    read_only, note = access_mode("0.0.0.0", None, False)
    assert read_only and "Read-only" in note
    read_only, note = access_mode("0.0.0.0", [("a", "b")], False)
    assert not read_only and "login" in note
    users = tmp_path / "users.txt"
    users.write_text("# team\nanna:geheim:1\n\nbob:pw\n", "utf-8")
    assert read_auth("eve:x", users) == [("eve", "x"), ("anna", "geheim:1"), ("bob", "pw")]
    with pytest.raises(ValueError, match="USER:PASSWORD"):
        read_auth("nocolon")


def test_read_only_refuses_uploads_and_batches(article_home, fake_embedder, tmp_path):
    from bronwijzer.engine import Engine
    from bronwijzer.settings import load_settings
    from bronwijzer.ui.app import EngineHolder
    from bronwijzer.ui.actions import Actions
    actions = Actions(EngineHolder(lambda: Engine.open(load_settings(), fake_embedder)),
                      read_only=True)
    doc = tmp_path / "nota.txt"
    doc.write_text("Een nota over werklocaties.", "utf-8")
    note, _, _ = actions.upload([str(doc)])
    assert "read-only" in note and not (article_home / "corpus" / "sources" / "nota.txt").exists()
    assert "read-only" in actions.batch(str(doc), "csv", progress=lambda *a, **k: None)[1]


def test_vote_records_the_answer_with_the_comment(article_home, fake_embedder):
    from types import SimpleNamespace

    from bronwijzer.engine import Engine
    from bronwijzer.settings import load_settings
    from bronwijzer.ui.app import EngineHolder
    from bronwijzer.ui.actions import Actions
    actions = Actions(EngineHolder(lambda: Engine.open(load_settings(), fake_embedder)))
    _, history, data, turns = actions.chat("Wat zegt het artikel over woon-werkdeals?", [])
    note, box = actions.vote(turns, "te kort", SimpleNamespace(index=1, liked=False))
    assert "recorded" in note and box == ""
    entry = json.loads((article_home / "feedback.jsonl").read_text("utf-8"))
    assert (entry["vote"], entry["comment"], entry["answer"]) == ("down", "te kort", data)
    assert "bw-error" in actions.vote(turns, "", SimpleNamespace(index=0, liked=True))[0]
    md, docx = actions.export_files(turns)  # ready before the click: one click downloads
    assert md.value["path"].endswith(".md") and docx.value["path"].endswith(".docx")
    assert md.interactive and docx.interactive
    assert actions.export_files({})[1].interactive is False


def test_help_describes_commands_for_people():
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    out = subprocess.run([sys.executable, "-m", "bronwijzer.cli"], capture_output=True,
                         text=True, env=env).stdout
    assert "answer a question, quoting the text" in out and "feedback" in out
    assert "A thin layer" not in out and "command line" not in out.lower().split("\n")[0]


def test_terminal_answer_is_wrapped_and_marked_only_when_styled():
    from bronwijzer.present.terminal import answer_for_terminal
    data = {**ANSWER, "answer": "Begin. " + "woord " * 30 + "«een citaat dat lang doorloopt "
            + "over meerdere regels heen» [1]"}
    styled = answer_for_terminal(data, cols=40, styled=True)
    plain = answer_for_terminal(data, cols=40, styled=False)
    assert "\033[1;36m[1]\033[0m" in styled and "\033[" not in plain
    assert max(len(line) for line in plain.splitlines()) <= 40
    assert "Begrepen als:" in plain and "Bronnen:" in plain and "Voetnoten:" in plain


@pytest.mark.e2e
def test_ask_after_an_earlier_question_on_the_command_line(capsys, real_engine, monkeypatch):
    from bronwijzer import cli
    from bronwijzer.engine import Engine
    monkeypatch.setattr(Engine, "open", classmethod(lambda cls, settings, **kw: real_engine))
    assert cli.main(["ask", "And in Utrecht?", "--json", "--after",
                     "What does the text say about herontwikkelingsmaatschappijen?"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["understood_as"] == "And in Utrecht? (herontwikkelingsmaatschappijen)"
    assert "Utrecht en Overijssel" in data["answer"]


def test_batch_tab_offers_the_columns_and_uses_the_chosen_one(article_home, fake_embedder,
                                                              tmp_path):
    from openpyxl import Workbook, load_workbook

    from bronwijzer.engine import Engine
    from bronwijzer.settings import load_settings
    from bronwijzer.ui.actions import Actions
    from bronwijzer.ui.app import EngineHolder
    book = Workbook()
    for row in (["Nr", "Onderwerp", "Toelichting"], [7, "Wat zegt het artikel over woondeals?", "x"]):
        book.active.append(row)
    path = tmp_path / "lijst.xlsx"
    book.save(path)
    actions = Actions(EngineHolder(lambda: Engine.open(load_settings(), fake_embedder)))
    dropdown, note = actions.batch_columns(str(path))
    assert [c[0] for c in dropdown.choices] == ["Nr", "Onderwerp", "Toelichting"]
    assert dropdown.value is None
    assert "choose the question column" in note
    assert "no question column" in actions.batch(str(path), "xlsx", None,
                                                 progress=lambda *a, **k: None)[1]
    out, summary = actions.batch(str(path), "xlsx", "Onderwerp", progress=lambda *a, **k: None)
    rows = list(load_workbook(out).active.iter_rows(values_only=True))
    assert rows[1][:2] == ("7", "Wat zegt het artikel over woondeals?") and "1 question" in summary


def test_overview_keeps_each_documents_own_footnote_numbers():
    from bronwijzer.present.overview import outline, reference_rows
    from bronwijzer.records import Passage, Reference
    refs = (Reference(1, 1, ("Ministerie van EZ",), 2024, "Nota", None, "EZ (2024) Nota.", None,
                      "a.txt"),
            Reference(1, 1, ("Gaastra, S.",), 2024, "Stuk", "Dagblad", "Gaastra (2024) Stuk.", None,
                      "b.pdf"))
    passages = (Passage("pa", "a.txt", "Zin [1].", 1, 0, 8, footnotes=(1,)),
                Passage("pb", "b.pdf", "Zin [1].", 1, 0, 8, page=3, footnotes=(1,)))
    asked = []
    rows = reference_rows(refs, lambda ref: asked.append(ref.doc) or [
        {"location": "¶1", "passage_id": "p" + ref.doc[0]}])
    assert asked == ["a.txt", "b.pdf"] and [r["doc"] for r in rows] == ["a.txt", "b.pdf"]
    assert [r["kind"] for r in rows] == ["government", "press"]
    docs = {d["doc"]: d["blocks"][0]["footnotes"] for d in outline(passages, refs)}
    assert docs == {"a.txt": [(1, ["government"])], "b.pdf": [(1, ["press"])]}


def test_status_line_says_the_index_is_stale_until_rebuilt(article_home, fake_embedder):
    from bronwijzer.engine import Engine
    from bronwijzer.settings import load_settings
    from bronwijzer.ui.actions import Actions
    from bronwijzer.ui.app import EngineHolder
    settings = load_settings()
    Engine.open(settings, fake_embedder)  # builds the index
    current = Actions(EngineHolder(lambda: Engine.open(settings, fake_embedder, build=False)))
    current.holder.get(timeout=60)
    assert "Ready" in current.status_html() and "bw-stale" not in current.status_html()
    (article_home / "corpus" / "notitie.txt").write_text(
        "Een notitie\n\nDe haven krijgt een <b>groene</b> inrichting met bomen.\n", "utf-8")
    stale = Actions(EngineHolder(lambda: Engine.open(settings, fake_embedder, build=False)))
    engine = stale.holder.get(timeout=60)
    html = stale.status_html()
    assert "Ready" in html and 'class="bw-stale"' in html
    assert "out of date" in html and "bronwijzer build" in html
    engine.rebuild()  # the corpus tab's upload rebuilds: the index is current again
    assert "bw-stale" not in stale.status_html() and "Ready" in stale.status_html()
