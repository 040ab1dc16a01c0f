"""The learned ranker with the real model: out-of-fold figures on the tuning set, each fold
refitting it (eval/RANKING.md), and the shipped parameters in use."""

from __future__ import annotations

import json

import numpy as np

from bronwijzer.search.rank import LearnedRanker, linear_scores
from bronwijzer.tune.answerability import folds_of
from bronwijzer.tune.ranker import candidate_figures, collect, fit_samples
from conftest import PROJECT

# measured out of fold (5 folds, seed 0): hit@5 .936, hit@1 .773 (the fused order: .909, .682)
HIT5_FLOOR = 0.91
HIT1_FLOOR = 0.74


def _tuning() -> list[dict]:
    lines = (PROJECT / "eval" / "tuning.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def test_the_refitted_ranker_beats_the_fused_order_out_of_fold(real_engine):
    questions = _tuning()
    samples = collect(questions, real_engine)
    by_id = {s.qid: s for s in samples}
    folds = dict(zip([str(q["id"]) for q in questions], folds_of(questions)))
    learned, fused = [], []
    for f in range(5):
        params = fit_samples([s for s in samples if folds[s.qid] != f])
        for s in (by_id[q] for q, g in folds.items() if g == f and q in by_id):
            learned.append(s.labels[np.argsort(-linear_scores(params, s.matrix), kind="stable")])
            fused.append(s.labels)
    hit5 = np.mean([labels[:5].any() for labels in learned])
    hit1 = np.mean([labels[0] == 1 for labels in learned])
    assert len(learned) == sum(q["answerable"] for q in questions)
    assert hit5 >= HIT5_FLOOR and hit1 >= HIT1_FLOOR
    assert hit1 > np.mean([labels[0] == 1 for labels in fused])
    figures = candidate_figures(samples, [folds[s.qid] for s in samples])  # what calibrate prints
    assert figures["learned"] == {"hit@1": hit1, "hit@5": hit5}


def test_the_shipped_parameters_rank_the_default_engine(real_engine):
    ranker = real_engine._live.retriever.ranker
    assert isinstance(ranker, LearnedRanker)
    assert ranker.params["embedding_model"]["fingerprint"] == real_engine.embedding_model()["fingerprint"]
    hits = real_engine.search("Which planning principle is now in fashion after years of keeping "
                              "homes and workplaces apart?")
    assert len(hits) == real_engine.settings.k and len({h.passage.id for h in hits}) == len(hits)
