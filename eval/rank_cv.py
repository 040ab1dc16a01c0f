"""Out-of-fold answers of the tuning set for the passage rankers (eval/RANKING.md).

Run from the project folder (an index is built when missing)::

    PYTHONPATH=src python eval/rank_cv.py [OUT_DIR] [QUESTIONS]

writes ``OUT_DIR/oof-{rrf,maxsim,learned}.jsonl`` (the 5 folds of every fit,
``tune.answerability.folds_of``; the learned ranker is refitted on each fold's training
part, the other models stay as stored). ``bronwijzer calibrate`` refits the shipped
``search/rank.json``; ``bronwijzer crossval`` refits the ranker with everything else. Score them with
``python ../shared/eval/score.py QUESTIONS OUT_DIR/oof-learned.jsonl``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from bronwijzer.engine import Engine
from bronwijzer.search.tokens import TokenCache
from bronwijzer.settings import load_settings
from bronwijzer.tune.ranker import fit, retriever_of, single_feature, use_ranker


def out_of_fold(questions: list[dict], engine, make_params) -> list[dict]:
    """Every question answered by the engine with a ranker fitted without its fold.

    Args:
        questions: rows of a question set (id, question, gold, answerable).
        engine: an ``Engine``.
        make_params: ``make_params(train_questions, tokens) -> params or None`` (None: the
            fused order), e.g. ``lambda qs, t: fit(qs, engine, tokens=t)``.

    Returns:
        The answers in the ``ask --json`` form with their ``id``, in question order.
    """
    from bronwijzer.tune.answerability import folds_of
    tokens = TokenCache(retriever_of(engine).embedder)
    fold = folds_of(questions)
    answers: dict[int, dict] = {}
    saved = retriever_of(engine).ranker
    try:
        for f in sorted(set(fold)):
            train = [q for q, g in zip(questions, fold) if g != f]
            test = [i for i, g in enumerate(fold) if g == f]
            use_ranker(engine, make_params(train, tokens), tokens)
            dicts = engine.answer_dicts([questions[i]["question"] for i in test])
            answers.update({i: {"id": questions[i]["id"], **d} for i, d in zip(test, dicts)})
    finally:
        retriever_of(engine).ranker = saved
    return [answers[i] for i in range(len(questions))]


def write_jsonl(rows: list[dict], path: Path) -> None:
    """Write rows as JSON lines (the batch form ``score.py`` reads).

    Args:
        rows: the answers.
        path: the file to write.
    """
    with open(path, "w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")


def main(out_dir: Path, questions_path: Path) -> None:
    """Write the three out-of-fold answer files."""
    questions = [json.loads(line) for line in questions_path.read_text(encoding="utf-8")
                 .splitlines() if line.strip()]
    engine = Engine.open(load_settings(ranker="rrf"))
    out_dir.mkdir(parents=True, exist_ok=True)
    variants = {"rrf": lambda train, tokens: None,
                "maxsim": lambda train, tokens: single_feature("maxsim"),
                "learned": lambda train, tokens: fit(train, engine, tokens=tokens)}
    for name, make in variants.items():
        write_jsonl(out_of_fold(questions, engine, make), out_dir / f"oof-{name}.jsonl")
        print(f"wrote {out_dir / f'oof-{name}.jsonl'}", flush=True)


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "eval/out"),
         Path(sys.argv[2] if len(sys.argv) > 2 else "eval/tuning.jsonl"))
