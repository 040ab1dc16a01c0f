"""End to end with the real packaged model on the real article."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bronwijzer.cli import main
from bronwijzer.errors import CiteError
from bronwijzer.tune.evaluate import evaluate_files, read_jsonl
from bronwijzer.present.dicts import answer_to_dict

pytestmark = pytest.mark.e2e
PROJECT = Path(__file__).resolve().parents[1]
SCORER = PROJECT.parent / "shared" / "eval" / "score.py"
TOLERANCE = 0.03  # per figure, against eval/baseline.json


def test_bedrijventerreinen_question_finds_the_better_use_paragraph(real_engine):
    hits = real_engine.search("what does the text propose for bedrijventerreinen", 5)
    assert any("ruimte op bedrijventerreinen beter te benutten" in h.passage.text for h in hits)


def test_answer_quotes_the_article_and_cites_sources(real_engine):
    answer = real_engine.ask("Hoe kan de ruimte op bedrijventerreinen beter benut worden?")
    assert not answer.abstained and answer.lang == "nl"
    assert "[1]" in answer.text and answer.sources
    assert answer.sources[0].quote in answer.sources[0].hit.passage.text


def test_a_question_about_something_the_text_never_names_is_declined_with_a_reason(real_engine):
    answer = answer_to_dict(real_engine.ask("What does the article say about the tram network "
                                            "of Groningen?"), real_engine.references())
    assert answer["abstained"] and answer["answer"] == "The text does not answer this."
    assert answer["reason"] == "the text never mentions Groningen"


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


def _write(path: Path, rows: list[dict]) -> Path:
    with open(path, "w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    return path


def test_make_eval_figures_hold_and_agree_with_the_reference_scorer(real_engine, tmp_path):
    """Every figure `make eval` prints (tuning cross-validated, dev held out), declines
    included, against eval/baseline.json; and the same figures from ../shared's scorer."""
    from bronwijzer.tune.crossval import crossval_answers
    baseline = json.loads((PROJECT / "eval" / "baseline.json").read_text(encoding="utf-8"))
    tuning = read_jsonl(PROJECT / "eval" / "tuning.jsonl")
    dev = read_jsonl(PROJECT / "eval" / "dev.jsonl")
    answers = {"tuning": _write(tmp_path / "tuning.jsonl", crossval_answers(real_engine, tuning)),
               "dev": _write(tmp_path / "dev.jsonl", [
                   {"id": q["id"], **a} for q, a in
                   zip(dev, real_engine.answer_dicts([q["question"] for q in dev]))])}
    if not SCORER.exists() and os.environ.get("CI") == "true":
        pytest.fail(f"the reference scorer {SCORER} is missing (CI=true)")
    for name, out in answers.items():
        questions = PROJECT / "eval" / f"{name}.jsonl"
        ours = evaluate_files(questions, out)["overall"]
        for metric, expected in baseline[name].items():
            assert ours[metric] == pytest.approx(expected, abs=TOLERANCE), (name, metric, ours)
        if SCORER.exists():
            report = tmp_path / f"{name}-score.json"
            subprocess.run([sys.executable, str(SCORER), str(questions), str(out), "--json",
                            str(report)], check=True, capture_output=True)
            assert json.loads(report.read_text())["overall"] == ours
    if not SCORER.exists():
        pytest.skip("the reference scorer is not beside the project")


def test_a_claim_the_article_does_not_make_is_declined(real_engine):
    answer = real_engine.ask("Which source backs the claim that the capital of France is Paris?")
    assert answer.abstained and not answer.citations
