"""Choosing the hand-set constants of ``TUNING`` by their figures on tuning questions.

The gather constants (proposal answers) and the claim thresholds (citation answers)
are not fitted by a model: each is chosen from a small grid by answering the
training questions and scoring the answers (``tune.evaluate``), one constant at a
time in the order of ``CHOICES``, starting from the current values; a tie keeps the
current value (the questions cannot tell the two apart), else goes to the smaller one. ``crossval`` chooses them again in every fold on that fold's
training questions; ``python -m bronwijzer.tune.constants`` chooses them on the
whole tuning set (the values written in ``settings.Tuning``).
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import fields

from bronwijzer.settings import TUNING
from bronwijzer.tune.evaluate import score_question

# The grids (ascending). The gather constants were first set on authored questions
# that mirrored dev (issue 19); they are chosen here on tuning questions only.
CHOICES: dict[str, tuple] = {
    "gather_margin": (0.02, 0.03, 0.05),
    "gather_passages": (3, 4, 5),
    "gather_pool": (10, 15),
    "gather_whole": (False, True),
    "gather_span": (3, 4, 5),
    "claim_vector_weight": (0.0, 0.5, 1.0),
    "claim_min_score": (0.81, 0.82, 0.83, 0.84, 0.85),
    "claim_footnote_margin": (0.02, 0.035, 0.05),
    "claim_quote_chars": (300, 420, 600),
}


@contextmanager
def tuned(**values):
    """Run with some ``TUNING`` constants changed, restored afterwards.

    ``TUNING`` is one frozen record that answering reads at call time; offline
    fitting (this module, ``crossval``) changes it in place for the duration, one
    process answering one fold at a time. Not for serving.
    """
    known = {f.name for f in fields(TUNING)}
    unknown = set(values) - known
    if unknown:
        raise KeyError(f"not a TUNING constant: {sorted(unknown)}")
    saved = {name: getattr(TUNING, name) for name in values}
    try:
        for name, value in values.items():
            object.__setattr__(TUNING, name, value)
        yield
    finally:
        for name, value in saved.items():
            object.__setattr__(TUNING, name, value)


def question_score(question: dict, answer: dict) -> float:
    """What one answer earns: the answer quotes gold, the footnotes named, a right
    decline or a right answer (each 0..1, summed)."""
    row = score_question(question, answer)
    value = row.get("footnote_recall", 0.0)
    if row["answerable"]:
        return value + float(bool(row.get("answer_hit"))) + float(not row["abstained"])
    return value + float(row["abstained"])


def total_score(engine, questions: list[dict]) -> float:
    """The summed ``question_score`` of the engine's answers to the questions."""
    answers = engine.answer_dicts([q["question"] for q in questions])
    return sum(question_score(q, a) for q, a in zip(questions, answers))


def affected(engine, questions: list[dict]) -> dict[str, list[dict]]:
    """The questions each group of constants can change: ``gather`` the questions that
    gather (``answer.gather.wants_gathering``), ``claim`` those the citation detector
    in use takes for claim questions. Answering only them keeps a choice fast."""
    from bronwijzer.answer.gather import wants_gathering
    from bronwijzer.cite.detect import classify
    texts = [q["question"] for q in questions]
    vectors = engine.embed_questions(texts)
    fingerprint = engine.embedding_model()["fingerprint"]
    return {"gather": [q for q in questions if wants_gathering(q["question"])],
            "claim": [q for q, v in zip(questions, vectors)
                      if classify(q["question"], v, fingerprint)[0] == "claim"]}


def choose_constants(engine, questions: list[dict], choices=CHOICES) -> dict:
    """Each constant of ``choices`` in turn, by the total score on the questions it
    can change (``affected``; a constant of no group is scored on all).

    Args:
        engine: the open engine, with the models it should answer with.
        questions: the questions to choose on (with gold, as in ``eval/tuning.jsonl``).
        choices: constant name -> candidate values.

    Returns:
        ``{name: chosen value}`` for every constant of ``choices``.
    """
    chosen = {name: getattr(TUNING, name) for name in choices}
    groups = affected(engine, questions)
    for name, grid in choices.items():
        subset = groups.get(name.split("_")[0], questions)
        best = None
        for value in grid:
            with tuned(**{**chosen, name: value}):
                score = round(total_score(engine, subset), 6) if subset else 0.0
            if best is None or score > best[0] or (score == best[0] and value == chosen[name]):
                best = (score, value)  # a tie keeps the current value
        chosen[name] = best[1]
    return chosen


def main() -> None:
    """Print the constants chosen on the whole tuning set (``eval/tuning.jsonl``) plus the
    authored proposal questions, as ``crossval`` chooses them on each fold's training part."""
    import json
    import sys
    from pathlib import Path

    from bronwijzer.engine import Engine
    from bronwijzer.settings import load_settings
    from bronwijzer.tune.evaluate import authored_questions, read_jsonl
    path = Path(sys.argv[1] if len(sys.argv) > 1 else "eval/tuning.jsonl")
    questions = read_jsonl(path) + authored_questions(Path("eval/gather_extra.jsonl"))
    print(json.dumps(choose_constants(Engine.open(load_settings()), questions)))


if __name__ == "__main__":
    main()
