"""End to end with the real packaged model on the real article."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bronwijzer.cli import main
from bronwijzer.errors import CiteError
from bronwijzer.evaluate import evaluate_files, read_jsonl
from bronwijzer.present.dicts import answer_to_dict

pytestmark = pytest.mark.e2e
PROJECT = Path(__file__).resolve().parents[1]
SCORER = PROJECT.parent / "shared" / "eval" / "score.py"


def test_bedrijventerreinen_question_finds_the_better_use_paragraph(real_engine):
    hits = real_engine.search("what does the text propose for bedrijventerreinen", 5)
    assert any("ruimte op bedrijventerreinen beter te benutten" in h.passage.text for h in hits)


def test_answer_quotes_the_article_and_cites_sources(real_engine):
    answer = real_engine.ask("Hoe kan de ruimte op bedrijventerreinen beter benut worden?")
    assert not answer.abstained and answer.lang == "nl"
    assert "[1]" in answer.text and answer.sources
    assert answer.sources[0].quote in answer.sources[0].hit.passage.text


def test_off_topic_question_is_declined_in_english(real_engine):
    answer = real_engine.ask("What is the capital of France?")
    assert answer.abstained and answer.text == "The text does not answer this."


def test_cite_footnote_12_is_koelemaij_2023_with_its_sentence(real_engine):
    result = real_engine.cite_footnote(12)
    ref = result["references"][0]
    assert ref["year"] == 2023 and "Koelemaij" in ref["authors"][0]
    assert any("ondergeschoven kindje" in c["sentence"] for c in result["citing"])


def test_cite_source_finds_rli_and_koelemaij(real_engine):
    rli = real_engine.cite_source("rli")
    assert rli["matches"][0]["footnote"] == 18
    koelemaij = real_engine.cite_source("koelemaij")
    assert {m["footnote"] for m in koelemaij["matches"]} >= {12, 13, 14}
    with pytest.raises(CiteError):
        real_engine.cite_source("zzzqqq")
    with pytest.raises(CiteError):
        real_engine.cite_footnote(99)


def test_english_paraphrase_of_a_claim_finds_its_footnoted_sentence(real_engine):
    result = real_engine.cite_claim("Because the national government gives too little "
                                            "direction, the country is stuck in many ways")
    best = result["matches"][0]
    assert 3 in best["footnotes"] and "op slot" in best["sentence"]


def test_cli_ask_and_cite_json(real_engine, monkeypatch, capsys):
    monkeypatch.setenv("BRONWIJZER_HOME", str(real_engine.settings.home))
    assert main(["ask", "Tot wanneer loopt de Actieagenda MKB-Dienstverlening?", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["passages"][0]["rank"] == 1 and {"id", "doc", "location", "text", "score",
                                                 "footnotes", "references"} <= set(data["passages"][0])
    assert main(["cite", "12", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["references"][0]["footnote"] == 12
    assert main(["cite", "99"]) == 1
    assert "does not exist" in capsys.readouterr().err


def test_dev_figures_and_agreement_with_the_reference_scorer(real_engine, tmp_path):
    questions = read_jsonl(PROJECT / "eval" / "dev.jsonl")
    answers = real_engine.ask_many([q["question"] for q in questions])
    out = tmp_path / "answers.jsonl"
    with open(out, "w", encoding="utf-8") as handle:
        for q, a in zip(questions, answers):
            handle.write(json.dumps({"id": q["id"], **answer_to_dict(
                a, real_engine.references())}, ensure_ascii=False) + "\n")
    ours = evaluate_files(PROJECT / "eval" / "dev.jsonl", out)["overall"]
    assert ours["hit@5"] >= 0.9 and ours["footnote_recall"] >= 0.7 and ours["answer_ok"] >= 0.8
    if not SCORER.exists():
        pytest.skip("the reference scorer is not beside the project")
    report = tmp_path / "score.json"
    subprocess.run([sys.executable, str(SCORER), str(PROJECT / "eval" / "dev.jsonl"), str(out),
                    "--json", str(report)], check=True, capture_output=True)
    assert json.loads(report.read_text())["overall"] == ours


def test_a_claim_the_article_does_not_make_is_declined(real_engine):
    answer = real_engine.ask("Which source backs the claim that the capital of France is Paris?")
    assert answer.abstained and not answer.citations
