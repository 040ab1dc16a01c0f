"""Compare retrieval methods and abstention thresholds on a gold question set.

    .venv/bin/python eval/compare.py [eval/tuning.jsonl]

Prints hit@1 / hit@5 / MRR for dense, BM25 and the fusion variants, and the
abstention trade-off (answerable questions answered vs unanswerable declined)
over a range of thresholds. The model and index load once. Methods are compared on
the tuning questions; the retrieval variants fit nothing, and the abstention table
uses the packaged answerability model (fitted on tuning: in-sample there, so the
honest decline figures come from `bronwijzer crossval`). Never choose on dev.
"""

from __future__ import annotations

import sys
from pathlib import Path

from bronwijzer.engine import Engine
from bronwijzer.tune.evaluate import read_jsonl, score_question, summarise
from bronwijzer.present.dicts import answer_to_dict
from bronwijzer.settings import load_settings

VARIANTS = {
    "dense": {"fusion": "dense"},
    "bm25": {"fusion": "bm25"},
    "rrf 1:1": {"fusion": "rrf", "dense_weight": 1.0, "bm25_weight": 1.0, "sentence_weight": 0.0},
    "rrf 1:1:1 +sent": {"fusion": "rrf", "dense_weight": 1.0, "bm25_weight": 1.0,
                        "sentence_weight": 1.0},
    "rrf 2:1": {"fusion": "rrf", "dense_weight": 2.0, "bm25_weight": 1.0},
    "rrf 1:2": {"fusion": "rrf", "dense_weight": 1.0, "bm25_weight": 2.0},
    "convex .5/.5": {"fusion": "convex", "dense_weight": 0.5, "bm25_weight": 0.5},
    "convex .7/.3": {"fusion": "convex", "dense_weight": 0.7, "bm25_weight": 0.3},
}


def retrieval_table(engine: Engine, questions: list[dict]) -> None:
    print(f"{'method':14}{'hit@1':>8}{'hit@5':>8}{'mrr@10':>8}{'cover@5':>9}")
    vectors = engine.embed_questions([q["question"] for q in questions])
    for name, change in VARIANTS.items():
        variant = engine.with_settings(**change)
        rows = []
        for q, v in zip(questions, vectors):
            hits = variant.search(q["question"], 10, vector=v)
            data = {"passages": [{"text": h.passage.text, "references": [
                r.raw for r in engine.references() if r.footnote in h.passage.footnotes]}
                for h in hits]}
            rows.append(score_question(q, data))
        s = summarise(rows)
        print(f"{name:14}{s['hit@1']:>8.3f}{s['hit@5']:>8.3f}{s['mrr@10']:>8.3f}"
              f"{s['gold_coverage@5']:>9.3f}")


def abstention_table(engine: Engine, questions: list[dict]) -> None:
    answers = engine.with_settings(abstain_below=0.0).ask_many([q["question"] for q in questions])
    rows = sorted((a.confidence, bool(q.get("answerable", True)), q["id"], a.kind)
                  for q, a in zip(questions, answers))
    print("\nconfidence per question (A answerable, U unanswerable):")
    for confidence, answerable, qid, kind in rows:
        print(f"  {confidence:.3f} {'A' if answerable else 'U'} {qid} {kind}")
    n_a = sum(a for _, a, _, _ in rows) or 1
    n_u = sum(not a for _, a, _, _ in rows) or 1
    print(f"\n{'threshold':>10}{'answered':>10}{'declined':>10}")
    for t in [0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]:
        answered = sum(a and c >= t for c, a, _, _ in rows) / n_a
        declined = sum((not a) and c < t for c, a, _, _ in rows) / n_u
        print(f"{t:>10.2f}{answered:>10.3f}{declined:>10.3f}")


def main() -> None:
    path = Path(sys.argv[1] if len(sys.argv) > 1 else "eval/tuning.jsonl")
    questions = read_jsonl(path)
    engine = Engine.open(load_settings())
    retrieval_table(engine, questions)
    abstention_table(engine, questions)
    answers = [answer_to_dict(a, engine.references())
               for a in engine.ask_many([q["question"] for q in questions])]
    rows = [score_question(q, a) for q, a in zip(questions, answers)]
    print("\nwith the current settings:", summarise(rows))


if __name__ == "__main__":
    main()
