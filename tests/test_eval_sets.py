"""The held-out dev set stays held out: no authored training question and no test uses a
dev question or a close paraphrase of one (token Jaccard < 0.5, no shared gold)."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

from bronwijzer.tune.evaluate import contains, normalise

PROJECT = Path(__file__).resolve().parents[1]
EVAL = PROJECT / "eval"
CLOSE = 0.5  # token Jaccard from which two questions count as the same question
AUTHORED = ("gather_extra.jsonl", "cite_extra.jsonl")


def _rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]


def tokens(text: str) -> set[str]:
    """The folded word tokens of a text."""
    return set(re.findall(r"\w+", normalise(text)))


def jaccard(a: str, b: str) -> float:
    """Token Jaccard similarity of two texts."""
    x, y = tokens(a), tokens(b)
    return len(x & y) / len(x | y) if x | y else 0.0


def close_to_dev(text: str, dev: list[dict]) -> list[str]:
    """The ids of the dev questions ``text`` is (close to)."""
    folded = normalise(text)
    return [d["id"] for d in dev if jaccard(text, d["question"]) >= CLOSE
            or normalise(d["question"]) in folded]


def shares_gold(gold: list[str], dev: list[dict]) -> list[str]:
    """The ids of dev questions whose gold overlaps one of ``gold`` (the scorer's rule)."""
    ours = [normalise(g) for g in gold]
    return [d["id"] for d in dev for g in d.get("gold", [])
            if any(contains(normalise(g), o) or contains(o, normalise(g)) for o in ours)]


@pytest.fixture(scope="module")
def dev() -> list[dict]:
    return _rows(EVAL / "dev.jsonl")


def test_the_checks_catch_a_dev_question_and_its_paraphrase(dev):
    question = dev[0]["question"]
    assert close_to_dev(question, dev) == [dev[0]["id"]]
    assert close_to_dev("Zeg eens: " + question.lower(), dev)
    assert not close_to_dev("Hoeveel bruggen heeft Venetië?", dev)
    assert shares_gold(dev[0]["gold"][:1], dev)


@pytest.mark.parametrize("name", AUTHORED + ("tuning.jsonl",))
def test_training_questions_are_far_from_every_dev_question(name, dev):
    bad = [(q["question"], close_to_dev(q["question"], dev) or shares_gold(q.get("gold", []), dev))
           for q in _rows(EVAL / name)]
    assert not [b for b in bad if b[1]]


def _literals(path: Path) -> list[str]:
    """The string literals of a Python file (adjacent literals joined, as Python does)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant)
            and isinstance(n.value, str) and len(n.value.split()) >= 3]


def test_no_test_holds_a_dev_question(dev):
    found = [(p.name, text[:60], close_to_dev(text, dev))
             for p in sorted((PROJECT / "tests").glob("*.py")) for text in _literals(p)]
    assert not [f for f in found if f[2]]
