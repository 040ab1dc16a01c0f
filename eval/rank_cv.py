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
from bronwijzer.settings import load_settings
from bronwijzer.tune.ranker import fit, out_of_fold, single_feature, write_jsonl


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
