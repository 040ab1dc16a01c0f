"""Cross-validated answers of the tuning questions: the honest figures of the tuning set.

``bronwijzer crossval`` answers each fold with everything fitted or chosen refitted
on the other folds only, by the same procedures as ``calibrate`` / ``calibrate-cite``:

- the answerability model (its ``C`` and threshold by inner cross-validation);
- the citation-question detector, class centroids included (authored citation
  questions of ``eval/cite_extra.jsonl`` always train);
- the confidence model (``tune.confidence``; labels: the answers of the packaged
  models, whether each is right);
- the constants of ``tune.constants.CHOICES`` (gather constants, claim thresholds),
  chosen on the fold's training questions (plus the authored proposal questions of
  ``eval/gather_extra.jsonl``).

The engine's models and ``TUNING`` are restored afterwards.
"""

from __future__ import annotations

import logging
from pathlib import Path

from bronwijzer.answer import correctness
from bronwijzer.answer.answerability import model_from_dict
from bronwijzer.cite.detect import use_detector
from bronwijzer.tune import cite_detector
from bronwijzer.tune.answerability import (FOLDS, check_questions, fit_model, folds_of,
                                           labels_of, matrix)
from bronwijzer.tune.confidence import confidence_rows, fit_confidence
from bronwijzer.tune.constants import choose_constants, tuned
from bronwijzer.tune.evaluate import read_jsonl

EVAL = Path("eval")
log = logging.getLogger(__name__)


def authored_questions(path: Path) -> list[dict]:
    """Authored answerable questions with gold (``gather_extra.jsonl``), with ids."""
    if not Path(path).exists():
        return []
    return [{"id": f"authored-{n:03d}", "answerable": True, **q}
            for n, q in enumerate(read_jsonl(Path(path)), 1)]


class _Folds:
    """What every fold's fits share: the questions, their evidence and vectors."""

    def __init__(self, engine, questions: list[dict], eval_dir: Path) -> None:
        self.engine, self.questions = engine, questions
        texts = [q["question"] for q in questions]
        evidence = engine.evidence(texts)
        self.x = matrix(evidence)
        self.x_right, self.right = confidence_rows(engine, questions, evidence)
        self.y = labels_of(questions)
        self.folds = folds_of(questions)
        self.kinds = cite_detector.read_labels(eval_dir / "cite_labels.json")
        extra = eval_dir / "cite_extra.jsonl"
        self.cite_extra = read_jsonl(extra) if extra.exists() else []
        self.authored = authored_questions(eval_dir / "gather_extra.jsonl")
        rows = cite_detector.training_rows(questions, self.kinds, self.cite_extra)
        self.vectors = engine.embed_questions([r["question"] for r in rows])

    def detector(self, train: list[int]) -> dict:
        """The citation detector fitted on the training questions and the authored ones."""
        n = len(self.questions)
        rows = cite_detector.training_rows([self.questions[i] for i in train], self.kinds,
                                           self.cite_extra)
        vectors = self.vectors[train + list(range(n, len(self.vectors)))]
        model = self.engine.embedding_model()
        return cite_detector.fit_citation_detector(rows, vectors, model["name"],
                                                   model["fingerprint"])

    def answerability(self, train: list[int]):
        """The answerability model fitted (C, threshold by inner CV) on the training part."""
        inner = folds_of([self.questions[i] for i in train])
        data, _ = fit_model(self.x[train], self.y[train], inner, self.engine.embedding_model(),
                            answered=self.engine.settings.calibrate_answered)
        return model_from_dict(data)

    def confidence(self, train: list[int]) -> dict:
        """The confidence model fitted on the training part."""
        inner = folds_of([self.questions[i] for i in train])
        return fit_confidence(self.x_right[train], self.right[train], inner,
                              self.engine.embedding_model())


def crossval_answers(engine, questions: list[dict], eval_dir: Path = EVAL,
                     choose: bool = True) -> list[dict]:
    """Answer every question with everything fitted or chosen on the other folds only.

    Args:
        engine: the open ``Engine``; its models and ``TUNING`` are restored afterwards.
        questions: the tuning questions.
        eval_dir: where ``cite_labels.json``, ``cite_extra.jsonl`` and
            ``gather_extra.jsonl`` are.
        choose: choose the ``tune.constants`` per fold (False: keep the current values).

    Returns:
        One answer dict per question (``ask --json`` form plus ``id``), in order.
    """
    check_questions(questions)
    shared = _Folds(engine, questions, Path(eval_dir))
    answers: list = [None] * len(questions)
    saved, saved_detector = engine.use_answerability(None), use_detector(None)
    saved_confidence = correctness.use_model(None)
    try:
        for f in range(FOLDS):
            train = [i for i, g in enumerate(shared.folds) if g != f]
            use_detector(shared.detector(train))
            engine.use_answerability(shared.answerability(train))
            correctness.use_model(shared.confidence(train))
            training = [questions[i] for i in train] + shared.authored
            chosen = choose_constants(engine, training) if choose else {}
            log.info("fold %d: chosen %s", f, chosen)
            held = [i for i, g in enumerate(shared.folds) if g == f]
            with tuned(**chosen):
                found = engine.answer_dicts([questions[i]["question"] for i in held])
            for i, answer in zip(held, found):
                answers[i] = {"id": questions[i]["id"], **answer}
    finally:
        engine.use_answerability(saved)
        use_detector(saved_detector)
        correctness.use_model(saved_confidence)
    return answers
