"""Evaluate: score an answers file against gold questions.

Questions (JSONL): ``id``, ``question``, ``gold`` (exact substrings of the
corpus), ``footnotes``, ``answerable``, ``kind``, ``lang``. Answers (JSONL):
what ``bronwijzer batch`` writes. The figures follow the same definitions as
the project's reference scorer: a passage hits a gold string when, after NFKC,
case folding and white-space collapsing, the gold lies in the passage's first
1,200 characters (plus 600 of its references) or they share a run of 60% of it.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import defaultdict
from difflib import SequenceMatcher
from pathlib import Path

import numpy as np

OVERLAP, PASSAGE_BUDGET, REFERENCE_BUDGET = 0.6, 1200, 600
READING_BUDGET, ANSWER_BUDGET = 3000, 600
METRICS = ["n", "hit@1", "hit@5", "hit@3kc", "mrr@10", "gold_coverage@5", "answer_hit",
           "footnote_recall", "abstain_ok", "answer_ok"]


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    text = text.replace("\u2019", "'").replace("\u2018", "'")
    return re.sub(r"\s+", " ", text).strip()


def contains(gold: str, text: str) -> bool:
    """Whether a normalised gold string is in a normalised text (or 60% of it is)."""
    if gold in text:
        return True
    if not text:
        return False
    match = SequenceMatcher(None, gold, text, autojunk=False).find_longest_match(
        0, len(gold), 0, len(text))
    return match.size >= OVERLAP * len(gold)


def _passage_text(passage: dict) -> str:
    text = str(passage.get("text", ""))[:PASSAGE_BUDGET]
    refs = " ".join(str(r) for r in passage.get("references", []) or [])[:REFERENCE_BUDGET]
    return normalise(text + " " + refs)


def score_question(question: dict, answer: dict | None) -> dict:
    """Per-question figures (rank of the first hit, coverage, answer hit, footnotes)."""
    row = {"id": question["id"], "kind": question.get("kind", "?"),
           "lang": question.get("lang", "?"), "missing": answer is None,
           "answerable": bool(question.get("answerable", True))}
    answer = answer or {}
    ranked = [p for p in (answer.get("passages") or []) if isinstance(p, dict)]
    texts = [_passage_text(p) for p in ranked]
    ends = [sum(len(str(p.get("text", ""))) for p in ranked[:i + 1]) for i in range(len(ranked))]
    row["abstained"] = bool(answer.get("abstained", False))
    if row["answerable"]:
        golds = [normalise(g) for g in question.get("gold", [])]
        first = next((r for r, t in enumerate(texts[:10], 1) if any(contains(g, t) for g in golds)),
                     None)
        row["rank"] = first
        row["within3k"] = first is not None and ends[first - 1] <= READING_BUDGET
        covered = sum(any(contains(g, t) for t in texts[:5]) for g in golds)
        row["coverage5"] = covered / len(golds) if golds else 0.0
        said = normalise(re.sub(r"\[\d+\]", " ", str(answer.get("answer") or "")))[:ANSWER_BUDGET]
        row["answer_hit"] = not row["abstained"] and any(contains(g, said) for g in golds)
    gold_notes = set(question.get("footnotes") or [])
    if gold_notes:
        cited = {c.get("footnote") for c in (answer.get("citations") or []) if isinstance(c, dict)}
        row["footnote_recall"] = len(gold_notes & cited) / len(gold_notes)
    return row


def summarise(rows: list[dict]) -> dict:
    """The overall figures of a group of per-question rows."""
    ans = [r for r in rows if r["answerable"]]
    unans = [r for r in rows if not r["answerable"]]

    def mean(values):
        return round(sum(values) / len(values), 4) if values else None

    return {
        "n": len(rows), "missing": sum(r["missing"] for r in rows),
        "hit@1": mean([r.get("rank") == 1 for r in ans]),
        "hit@5": mean([r.get("rank") is not None and r["rank"] <= 5 for r in ans]),
        "hit@3kc": mean([bool(r.get("within3k")) for r in ans]),
        "mrr@10": mean([1 / r["rank"] if r.get("rank") else 0.0 for r in ans]),
        "gold_coverage@5": mean([r.get("coverage5", 0.0) for r in ans]),
        "answer_hit": mean([bool(r.get("answer_hit")) for r in ans]),
        "footnote_recall": mean([r["footnote_recall"] for r in rows if "footnote_recall" in r]),
        "abstain_ok": mean([r["abstained"] for r in unans]),
        "answer_ok": mean([not r["abstained"] for r in ans]),
    }


def evaluate(questions: list[dict], answers: dict[str, dict]) -> dict:
    """The full report: overall, by kind, by language, and per question."""
    rows = [score_question(q, answers.get(str(q["id"]))) for q in questions]
    groups = {}
    for key in ("kind", "lang"):
        buckets = defaultdict(list)
        for r in rows:
            buckets[r[key]].append(r)
        groups[key] = {name: summarise(members) for name, members in sorted(buckets.items())}
    report = {"overall": summarise(rows), "by_kind": groups["kind"], "by_lang": groups["lang"],
              "questions": rows}
    shown = [(answers[str(q["id"])].get("confidence"), bool(r.get("answer_hit")))
             for q, r in zip(questions, rows) if str(q["id"]) in answers]
    if shown and all(isinstance(c, (int, float)) for c, _ in shown):
        from bronwijzer.tune.reliability import brier, reliability
        p = np.array([float(c) for c, _ in shown])
        y = np.array([int(hit) for _, hit in shown])
        report["confidence"] = {"reliability": reliability(p, y), "brier": round(brier(p, y), 4)}
    return report


def read_jsonl(path: Path) -> list[dict]:
    rows = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError as error:
                    raise ValueError(f"{path}:{number}: not JSON: {error}") from None
    return rows


def evaluate_files(questions: Path, answers: Path, json_out: Path | None = None) -> dict:
    """Score an answers file; optionally write the full report as JSON."""
    report = evaluate(read_jsonl(questions), {str(a.get("id")): a for a in read_jsonl(answers)})
    if json_out:
        json_out.write_text(json.dumps(report, indent=1, ensure_ascii=False), encoding="utf-8")
    return report


def format_report(report: dict) -> str:
    """The figures as a table: overall, by kind, by language."""
    def fmt(v):
        return "-" if v is None else (f"{v:.3f}" if isinstance(v, float) else str(v))
    lines = [f"{'':14}" + "".join(f"{c:>16}" for c in METRICS)]
    blocks = [("", {"all": report["overall"]}), ("kind:", report["by_kind"]),
              ("lang:", report["by_lang"])]
    for prefix, block in blocks:
        for name, m in block.items():
            lines.append(f"{(prefix + name) if prefix else 'overall':14}"
                         + "".join(f"{fmt(m[c]):>16}" for c in METRICS))
    misses = [q["id"] for q in report["questions"] if q["answerable"] and not q.get("rank")]
    if misses:
        lines.append("not found in the top 10: " + ", ".join(misses))
    if "confidence" in report:
        from bronwijzer.tune.reliability import format_reliability
        lines += ["", format_reliability(report["confidence"]["reliability"],
                                         report["confidence"]["brier"])]
    return "\n".join(lines)


def authored_questions(path: Path) -> list[dict]:
    """Authored answerable questions with gold (``gather_extra.jsonl``), with ids."""
    if not Path(path).exists():
        return []
    return [{"id": f"authored-{n:03d}", "answerable": True, **q}
            for n, q in enumerate(read_jsonl(Path(path)), 1)]
