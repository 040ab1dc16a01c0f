"""The UI served in-process with the real engine, driven through ``gradio_client``.

Questions here are in neither eval set (the follow-up is one of tests/followup_cases.py).
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest

from followup_cases import CONVERSATIONS
from served import launch

pytestmark = [pytest.mark.e2e,  # gradio's queue statistics use pandas options pandas 3 deprecates
              pytest.mark.filterwarnings("ignore:.*no_silent_downcasting"),
              pytest.mark.filterwarnings("ignore:The copy keyword is deprecated")]


@pytest.fixture(scope="module")
def client(real_engine, tmp_path_factory):
    from gradio_client import Client

    from bronwijzer.ui.app import create_app
    demo = create_app(lambda: real_engine, real_engine.settings)
    url = launch(demo)
    try:
        yield Client(url, verbose=False, analytics_enabled=False,
                     download_files=str(tmp_path_factory.mktemp("downloads")))
    finally:
        demo.close()


def test_chat_answers_with_numbered_sources(client):
    box, history, answer = client.predict("what does the text propose for bedrijventerreinen?",
                                          [], api_name="/chat")
    assert box == ""
    assert [m["role"] for m in history] == ["user", "assistant"]
    html = history[1]["content"][0]["text"]
    assert not answer["abstained"] and answer["sources"]
    assert re.search(r"\[\d+\]", answer["answer"])
    assert 'bw-marker' in html and "<mark" in html and "bw-copy-link" in html
    assert answer["sources"][0]["label"] in html.replace("&#95;", "_")
    assert "understood_as" not in answer


def test_follow_up_is_answered_on_the_earlier_subject(client):
    # herontwikkelingsmaatschappijen -> "And in Utrecht?" (found by its subject, not a position)
    _, first, follow, gold = next(c for c in CONVERSATIONS if "herontwikkelingsmaatschappijen" in c[1])
    _, history, _ = client.predict(first, [], api_name="/chat")
    _, history, answer = client.predict(follow, history, api_name="/chat")
    assert answer["question"] == follow
    assert answer["understood_as"].startswith(follow) and "herontwikkelingsmaatschappijen" in \
        answer["understood_as"]
    assert any(gold in p["text"] for p in answer["passages"][:5])
    assert "bw-understood" in history[3]["content"][0]["text"]
    _, _, alone = client.predict(follow, [], api_name="/chat")  # no earlier turn: as asked
    assert "understood_as" not in alone


def test_chat_keeps_the_session_history_and_abstains_visibly(client):
    _, history, _ = client.predict("Which publication does footnote 14 point to?", [],
                                   api_name="/chat")
    _, history, answer = client.predict("What does the article say about the tram network of Groningen?",
                                        history, api_name="/chat")
    assert len(history) == 4
    assert "Koelemaij" in history[1]["content"][0]["text"]
    assert answer["abstained"]
    assert 'class="bw-abstain"' in history[3]["content"][0]["text"]


def test_feedback_through_the_api(client, real_engine):
    _, _, answer = client.predict("Wat zegt het artikel over woon-werkdeals?", [], api_name="/chat")
    note = client.predict(answer["question"], answer, "down", "mist de bedragen",
                          api_name="/feedback")
    assert "recorded" in note
    lines = (Path(real_engine.settings.home) / "feedback.jsonl").read_text("utf-8").splitlines()
    entry = json.loads(lines[-1])
    assert (entry["question"], entry["vote"], entry["comment"]) == (
        "Wat zegt het artikel over woon-werkdeals?", "down", "mist de bedragen")
    assert entry["answer"]["sources"] == answer["sources"]
    assert "bw-error" in client.predict("x", answer, "maybe", "", api_name="/feedback")


def test_lookup_footnote_source_and_claim(client):
    html, amap = client.predict(18, api_name="/footnote")
    assert "Rli" in html and "Cited at" in html and "rli.nl" in html
    assert amap.count("bw-map-hit") >= 1 and "<svg" in amap
    html, amap = client.predict("WRR", "source", api_name="/lookup")
    assert "Goede zaken" in html and "bw-map-hit" in amap
    html, amap = client.predict("het stapelen van bedrijfsruimte op werklocaties", "claim",
                                api_name="/lookup")
    assert "bw-claim" in html and "footnote" in html and "bw-map-hit" in amap
    assert re.search(r"year: (19|20)\d\d", html)  # claim results keep their years
    assert "bw-error" in client.predict("Xyzzyqwerty", "source", api_name="/lookup")[0]


def test_batch_round_trip_with_dutch_columns(client, tmp_path):
    from gradio_client import handle_file
    questions = tmp_path / "vragen.csv"
    questions.write_text("Nr;Vraag;Toelichting\n1;Welke rol krijgt het mkb bij innovatie?;EZ\n"
                         "2;Waar verwijst voetnoot 18 naar?;raad\n"
                         "3;What does the article say about the tram network of Groningen?;zorg\n",
                         encoding="utf-8")
    result, summary = client.predict(handle_file(str(questions)), "csv", None, api_name="/batch")
    assert "3 questions" in summary
    with open(result, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter=";"))  # the list's own delimiter
    assert [r["id"] for r in rows] == ["1", "2", "3"]
    assert Path(result).name == "vragen-answers.csv"
    assert "18" in rows[1]["voetnoten"] and rows[2]["geen antwoord"] == "ja"  # Dutch headers


def test_corpus_table(client):
    html, page = client.predict(api_name="/corpus")
    assert page == 1
    table, line, page = client.predict("Rli", "", "", None, 1, "nl", api_name="/references")
    assert page == 1 and table["data"] and all("Rli" in row[2] for row in table["data"])
    assert "Verwijzingen 1–" in line and "(gefilterd uit" in line
    assert "ruimte-voor-economie-en-werk.txt" in html.replace("&#95;", "_") and "indexed" in html


@pytest.fixture
def small_engine(article_home, fake_embedder):
    from bronwijzer.engine import Engine
    from bronwijzer.settings import load_settings
    return Engine.open(load_settings(), fake_embedder)


def test_beyond_loopback_without_login_uploads_are_refused(small_engine, tmp_path):
    from gradio_client import Client, handle_file

    from bronwijzer.ui.app import launch_options, served_app
    settings = small_engine.settings.with_(host="0.0.0.0")
    demo = served_app(lambda: small_engine, settings)
    url = launch(demo, host="0.0.0.0", **launch_options(settings))   # as `serve` launches it
    try:
        client = Client(url, verbose=False, analytics_enabled=False)
        doc = tmp_path / "nota.txt"
        doc.write_text("Een nota over werklocaties en bedrijventerreinen.", "utf-8")
        with pytest.raises(Exception, match="403"):   # the file is refused (ui/guard.py)
            client.predict([handle_file(str(doc))], api_name="/upload")
        assert not list((settings.corpus / "sources").iterdir())
        note, _, _ = client.predict(None, api_name="/upload")    # the event refuses too
        assert "read-only" in note
        summary = client.predict(None, "csv", None, api_name="/batch")[1]
        assert "read-only" in summary
    finally:
        demo.close()


def test_beyond_loopback_with_login_the_api_needs_it(small_engine):
    from gradio_client import Client

    from bronwijzer.ui.app import served_app
    auth = [("anna", "geheim")]
    demo = served_app(lambda: small_engine, small_engine.settings.with_(host="0.0.0.0"), auth)
    url = launch(demo, host="0.0.0.0", auth=auth)
    try:
        with pytest.raises(Exception):
            Client(url, verbose=False, analytics_enabled=False).predict("Wat?", [], api_name="/chat")
        client = Client(url, auth=("anna", "geheim"), verbose=False, analytics_enabled=False)
        _, _, answer = client.predict("Wat zegt het artikel over woon-werkdeals?", [],
                                      api_name="/chat")
        assert answer["question"] == "Wat zegt het artikel over woon-werkdeals?"
    finally:
        demo.close()
