"""Bronwijzer's warm ``ask`` against the tutorial RAG, on the same questions, same sitting.

Each side runs as a child of the benchmark (``warm_worker.py``), one after the other,
alternating twice so that a change in the machine's load hits both; the figures are
p50/p95 per question and the ratio of the tutorial's p95 to Bronwijzer's (above 1:
Bronwijzer is faster).
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from common import PY, ROOT, dev_questions, env_for, log, run_child, summary_ms

TUNING = ROOT.parent / "shared" / "eval" / "tuning.jsonl"


def questions() -> list[str]:
    """dev + tuning (when the tuning set is beside the project)."""
    texts = [q["question"] for q in dev_questions()]
    if TUNING.exists():
        texts += [json.loads(line)["question"]
                  for line in TUNING.read_text(encoding="utf-8").splitlines() if line.strip()]
    return texts


def run(home: Path, rounds: int = 1, alternations: int = 2) -> dict:
    """Both sides, alternating; their latencies, load averages and the p95 ratio."""
    texts = questions()
    seconds: dict[str, list[float]] = {"bronwijzer": [], "tutorial": []}
    info: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        qfile = Path(tmp) / "questions.json"
        qfile.write_text(json.dumps(texts, ensure_ascii=False), encoding="utf-8")
        for turn in range(alternations):
            for kind in ("bronwijzer", "tutorial"):
                out = Path(tmp) / f"{kind}-{turn}.json"
                run = run_child([PY, ROOT / "bench" / "warm_worker.py", kind, qfile, rounds, out],
                                env_for(home), home)
                if run["code"] != 0:
                    raise RuntimeError(f"{kind} worker failed: {run['stderr'][-2000:]}")
                data = json.loads(out.read_text())
                seconds[kind] += data["seconds"]
                entry = info.setdefault(kind, {"load_avg": [], "what": data["what"]})
                entry["load_avg"].append(round(data["load_avg"], 2))
                entry.update(load_s=round(data["load_s"], 3), peak_rss_mib=data["peak_rss_mib"],
                             torch_imported=data["torch_imported"])
                log(f"  {kind} turn {turn}: {summary_ms(data['seconds'])}")
    result = {kind: {**summary_ms(values), **info[kind]} for kind, values in seconds.items()}
    result["questions"] = len(texts)
    result["tutorial_p95_over_bronwijzer_p95"] = round(
        result["tutorial"]["p95_ms"] / result["bronwijzer"]["p95_ms"], 2)
    result["load_avg_end"] = os.getloadavg()
    return result
