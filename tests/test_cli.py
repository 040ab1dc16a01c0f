"""The command line's success paths (the fake model over the real article), settings
from the environment, the fusion variants, and the scorer on made-up answers."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from conftest import HashEmbedder

from bronwijzer import cli
from bronwijzer.engine import Engine
from bronwijzer.tune.evaluate import evaluate_files
from bronwijzer.search.fusion import fuse
from bronwijzer.settings import Settings, load_settings


@pytest.fixture
def fake_cli(article_home, monkeypatch):
    """``bronwijzer`` commands over the real article with the fake model, index built."""
    monkeypatch.setattr(Engine, "load_embedder", staticmethod(lambda settings: HashEmbedder()))
    assert cli.main(["build"]) == 0
    return article_home


def test_refs_lists_every_reference_as_text_and_json(fake_cli, capsys):
    capsys.readouterr()
    assert cli.main(["refs", "--json"]) == 0
    refs = json.loads(capsys.readouterr().out)
    assert len(refs) == 24 and len({r["footnote"] for r in refs}) == 20
    rli = next(r for r in refs if r["footnote"] == 18)
    assert rli["authors"] and rli["year"] == 2023 and rli["reference"].startswith(rli["authors"][0])
    assert cli.main(["refs"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 24 and lines[0].startswith("[1.1] ")


def test_cite_source_and_claim_print_their_matches(fake_cli, capsys):
    capsys.readouterr()
    assert cli.main(["cite", "--source", "Rli 2023", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["kind"] == "source" and result["matches"][0]["footnote"] == 18
    assert result["matches"][0]["citing"], "where footnote 18 is cited"
    assert cli.main(["cite", "--claim", "revolverende fondsen voor bedrijventerreinen", "--json"]) == 0
    claim = json.loads(capsys.readouterr().out)
    assert claim["kind"] == "claim" and claim["matches"]
    for match in claim["matches"]:
        assert match["footnotes"] and match["sentence"] in match["passage"]
        assert {r["footnote"] for r in match["references"]} <= set(match["footnotes"])
    assert cli.main(["cite", "--source", "Rli"]) == 0
    assert "Rli" in capsys.readouterr().out


def test_cite_without_a_match_says_so_and_exits_1(fake_cli, capsys):
    capsys.readouterr()
    assert cli.main(["cite", "99"]) == 1
    assert "Footnote 99 does not exist" in capsys.readouterr().err
    assert cli.main(["cite"]) == 1
    assert "give a footnote number" in capsys.readouterr().err


def test_batch_resume_answers_only_the_new_questions(fake_cli, capsys, tmp_path):
    questions = tmp_path / "q.jsonl"
    out = tmp_path / "a.jsonl"
    rows = [{"id": f"q{i}", "question": q} for i, q in enumerate(
        ["Wat zegt de tekst over bedrijventerreinen?", "What about the WBSO?"])]
    questions.write_text("".join(json.dumps(r) + "\n" for r in rows[:1]), encoding="utf-8")
    assert cli.main(["batch", str(questions), "-o", str(out), "--quiet"]) == 0
    first = out.read_text(encoding="utf-8")
    questions.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    capsys.readouterr()
    assert cli.main(["batch", str(questions), "-o", str(out), "--resume", "--quiet"]) == 0
    summary = capsys.readouterr().out
    assert "1 skipped (already in output)" in summary
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in records] == ["q0", "q1"]
    assert out.read_text(encoding="utf-8").startswith(first)


def _gold(tmp_path: Path) -> Path:
    gold = [{"id": "a", "question": "?", "gold": ["de kern van de zaak"], "footnotes": [3, 4],
             "answerable": True, "kind": "fact", "lang": "nl"},
            {"id": "u", "question": "?", "gold": [], "footnotes": [], "answerable": False,
             "kind": "unanswerable", "lang": "en"}]
    path = tmp_path / "gold.jsonl"
    path.write_text("".join(json.dumps(g) + "\n" for g in gold), encoding="utf-8")
    return path


def test_eval_scores_made_up_answers_as_worked_out_by_hand(tmp_path, capsys):
    answers = [{"id": "a", "abstained": False, "answer": "Dit is de kern van de zaak [1].",
                "passages": [{"text": "iets anders"}, {"text": "Hier staat de kern van de zaak."}],
                "citations": [{"footnote": 3}]},
               {"id": "u", "abstained": True, "answer": "", "passages": [], "citations": []}]
    path = tmp_path / "answers.jsonl"
    path.write_text("".join(json.dumps(a) + "\n" for a in answers), encoding="utf-8")
    report = evaluate_files(_gold(tmp_path), path)["overall"]
    assert report["hit@1"] == 0.0 and report["hit@5"] == 1.0 and report["mrr@10"] == 0.5
    assert report["answer_hit"] == 1.0 and report["footnote_recall"] == 0.5
    assert report["abstain_ok"] == 1.0 and report["answer_ok"] == 1.0
    assert cli.main(["eval", str(_gold(tmp_path)), str(path), "--json", str(tmp_path / "r.json")]) == 0
    assert "hit@5" in capsys.readouterr().out
    assert json.loads((tmp_path / "r.json").read_text())["overall"]["mrr@10"] == 0.5


def test_settings_come_from_the_environment_with_their_types(monkeypatch, tmp_path):
    monkeypatch.setenv("BRONWIJZER_K", "7")
    monkeypatch.setenv("BRONWIJZER_ABSTAIN_BELOW", "0.25")
    monkeypatch.setenv("BRONWIJZER_FUSION", "convex")
    monkeypatch.setenv("BRONWIJZER_INDEX_DIR", str(tmp_path / "elsewhere"))
    settings = load_settings(k=3)
    assert settings.k == 3, "an explicit override wins over the environment"
    assert settings.abstain_below == 0.25 and settings.fusion == "convex"
    assert settings.index == tmp_path / "elsewhere"
    monkeypatch.setenv("BRONWIJZER_K", "seven")
    with pytest.raises(ValueError):
        load_settings()


def test_convex_and_single_method_fusion():
    cosines = np.array([0.9, 0.5, -np.inf, 0.7], dtype=np.float32)
    lexical = np.array([0.0, 8.0, 4.0, 2.0], dtype=np.float32)
    dense = fuse(cosines, lexical, Settings(fusion="dense"))
    assert list(np.argsort(-dense)[:3]) == [0, 3, 1] and dense[2] == -np.inf
    bm25 = fuse(cosines, lexical, Settings(fusion="bm25"))
    assert list(np.argsort(-bm25)[:3]) == [1, 2, 3] and bm25[0] == -np.inf
    convex = fuse(cosines, lexical, Settings(fusion="convex", dense_weight=0.5, bm25_weight=0.5))
    # each part scaled to [0, 1] over its own candidates (BM25 zeros and missing cosines
    # count as 0), then weighted: .5*1 + 0, 0 + .5*1, 0 + .5*(4-2)/(8-2), .5*.5 + 0
    assert np.allclose(convex, [0.5, 0.5, 0.5 / 3, 0.25])
