"""Time to the first answer after opening, and warm ``ask`` latency, over the eval questions.

Run from the project folder, over a built index (``bronwijzer build``)::

    PYTHONPATH=src python bench/ask_speed.py [QUESTIONS.jsonl ...]

Default questions: ``../shared/eval/tuning.jsonl`` and ``eval/dev.jsonl`` (206). Prints one
JSON line: seconds from ``Engine.open`` to the first answer (a fresh process, so no token
vectors are cached), then warm p50/p95/mean of ``engine.ask`` (one question at a time,
after a warm-up of five), with ``/proc/loadavg`` before and after (2 shared cores: the
figures are only comparable at a similar load).
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = (ROOT.parent / "shared" / "eval" / "tuning.jsonl", ROOT / "eval" / "dev.jsonl")


def _load() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def _questions(paths) -> list[str]:
    out = []
    for path in paths:
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            if line.strip():
                out.append(json.loads(line)["question"])
    return out


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    low, high = int(pos), min(int(pos) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def main(paths) -> dict:
    """Measure; returns the figures (also printed as JSON)."""
    from bronwijzer.engine import Engine
    from bronwijzer.settings import load_settings

    questions = _questions(paths or DEFAULT)
    settings = load_settings(home=ROOT)
    load_first = _load()
    began = time.perf_counter()
    engine = Engine.open(settings, build=False)
    opened = time.perf_counter()
    engine.ask(questions[0])
    first = time.perf_counter()
    for question in questions[1:6]:
        engine.ask(question)
    load_before = _load()
    times = []
    for question in questions:
        t0 = time.perf_counter()
        engine.ask(question)
        times.append((time.perf_counter() - t0) * 1000)
    figures = {"questions": len(questions), "open_s": round(opened - began, 3),
               "open_to_first_answer_s": round(first - began, 3),
               "first_answer_s": round(first - opened, 3), "load_at_open": load_first,
               "ask_p50_ms": round(_pct(times, 50), 1), "ask_p95_ms": round(_pct(times, 95), 1),
               "ask_mean_ms": round(statistics.mean(times), 1),
               "load_before": load_before, "load_after": _load()}
    print(json.dumps(figures))
    return figures


if __name__ == "__main__":
    main(sys.argv[1:])
