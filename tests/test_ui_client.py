"""The UI served in-process with the real engine, driven through ``gradio_client``."""

from __future__ import annotations

import csv
import re
import socket
from pathlib import Path

import pytest

pytestmark = [pytest.mark.e2e,  # gradio's queue statistics use pandas options pandas 3 deprecates
              pytest.mark.filterwarnings("ignore:.*no_silent_downcasting"),
              pytest.mark.filterwarnings("ignore:The copy keyword is deprecated")]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def client(real_engine, tmp_path_factory):
    from gradio_client import Client

    from bronwijzer.ui.app import create_app
    demo = create_app(lambda: real_engine, real_engine.settings)
    port = free_port()
    demo.launch(prevent_thread_lock=True, server_name="127.0.0.1", server_port=port, quiet=True)
    try:
        yield Client(f"http://127.0.0.1:{port}/", verbose=False, analytics_enabled=False,
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
    assert 'class="bw-marker"' in html and "<mark" in html
    assert answer["sources"][0]["label"] in html.replace("&#95;", "_")


def test_chat_keeps_the_session_history_and_abstains_visibly(client):
    _, history, _ = client.predict("Naar welke publicatie verwijst voetnoot 12?", [],
                                   api_name="/chat")
    _, history, answer = client.predict("What does the article say about the tram network of Groningen?",
                                        history, api_name="/chat")
    assert len(history) == 4
    assert "Koelemaij" in history[1]["content"][0]["text"]
    assert answer["abstained"]
    assert 'class="bw-abstain"' in history[3]["content"][0]["text"]


def test_lookup_footnote_source_and_claim(client):
    html = client.predict(18, api_name="/footnote")
    assert "Rli" in html and "Cited at" in html and "rli.nl" in html
    html = client.predict("WRR", "source", api_name="/lookup")
    assert "Goede zaken" in html
    html = client.predict("georganiseerde samenwerking op bedrijventerreinen", "claim",
                          api_name="/lookup")
    assert "bw-claim" in html and "footnote" in html
    assert "bw-error" in client.predict("Xyzzyqwerty", "source", api_name="/lookup")


def test_batch_round_trip(client, tmp_path):
    from gradio_client import handle_file
    questions = tmp_path / "vragen.csv"
    questions.write_text("id;question\nq1;Welke aanbevelingen doet het artikel voor het mkb?\n"
                         "q2;Naar welke publicatie verwijst voetnoot 18?\n"
                         "q3;What does the article say about the tram network of Groningen?\n",
                         encoding="utf-8")
    result, summary = client.predict(handle_file(str(questions)), "csv", api_name="/batch")
    assert "3 questions" in summary
    with open(result, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["id"] for r in rows] == ["q1", "q2", "q3"]
    assert Path(result).name == "vragen-answers.csv"
    assert "18" in rows[1]["footnotes"] and rows[2]["abstained"] == "true"


def test_corpus_table(client):
    html = client.predict(api_name="/corpus")
    assert "ruimte-voor-economie-en-werk.txt" in html.replace("&#95;", "_") and "indexed" in html
