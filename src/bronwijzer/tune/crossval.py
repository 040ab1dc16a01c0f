"""Cross-validated answers of the tuning questions: the honest figures of the tuning set.

``bronwijzer crossval`` answers each fold with models refitted (by the same
procedure as ``calibrate``) on the other folds only.
"""

from __future__ import annotations

from bronwijzer.answer.answerability import model_from_dict
from bronwijzer.tune.answerability import (FOLDS, check_questions, fit_model, folds_of,
                                           labels_of, matrix)


def crossval_answers(engine, questions: list[dict]) -> list[dict]:
    """Answer every question with models fitted on the other folds only.

    Args:
        engine: the open ``Engine``; its answerability model is restored afterwards.
        questions: the tuning questions.

    Returns:
        One answer dict per question (``ask --json`` form plus ``id``), in order.
    """
    check_questions(questions)
    texts = [q["question"] for q in questions]
    x = matrix(engine.evidence(texts))
    y = labels_of(questions)
    folds = folds_of(questions)
    answers: list = [None] * len(questions)
    saved = engine.use_answerability(None)
    try:
        for f in range(FOLDS):
            train = [i for i, g in enumerate(folds) if g != f]
            inner = folds_of([questions[i] for i in train])
            data, _ = fit_model(x[train], y[train], inner, engine.embedding_model(),
                                answered=engine.settings.calibrate_answered)
            engine.use_answerability(model_from_dict(data))
            held = [i for i, g in enumerate(folds) if g == f]
            for i, answer in zip(held, engine.answer_dicts([texts[i] for i in held])):
                answers[i] = {"id": questions[i]["id"], **answer}
    finally:
        engine.use_answerability(saved)
    return answers
