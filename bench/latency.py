"""Warm ask latency (embed / search / answer), batch throughput, index builds."""

from __future__ import annotations

import random
import time
from pathlib import Path

from common import (
    BW,
    dev_questions,
    env_for,
    log,
    run_child,
    summary_ms,
    synthetic_paragraph,
    vocabulary,
)

VARIANTS = ("{q}", "Volgens het artikel: {q}", "{q} Graag met bron.", "Vraag: {q}",
            "{q} (kort antwoord)", "In de tekst, {q}", "Kun je uitleggen: {q}", "{q} Waarom?")


def warm_latency(engine, rounds: int = 5) -> dict:
    """Each dev question ``rounds`` times, one at a time: the three parts and the whole."""
    questions = [engine.check_question(q["question"]) for q in dev_questions()]
    for q in questions[:3]:
        engine.ask(q)                                  # warm-up
    parts = {"embed": [], "search": [], "answer": [], "total": [], "ask": []}
    for _ in range(rounds):
        for text in questions:
            t0 = time.perf_counter()
            vector = engine.embed_questions([text])[0]
            t1 = time.perf_counter()
            engine.search(text, engine.settings.k, vector=vector)
            t2 = time.perf_counter()
            engine.ask(text)
            t4 = time.perf_counter()
            # the answer step is what ``ask`` spends beyond embedding and searching
            answer = max((t4 - t2) - (t2 - t0), 0.0)
            for key, seconds in zip(parts, (t1 - t0, t2 - t1, answer, t4 - t2, t4 - t2)):
                parts[key].append(seconds)
    return {key: summary_ms(values) for key, values in parts.items()}


def batch_questions(n: int = 1000) -> list[str]:
    rng = random.Random(5)
    base = [q["question"] for q in dev_questions()]
    return [rng.choice(VARIANTS).format(q=base[i % len(base)]) for i in range(n)]


def batch_throughput(engine, n: int = 1000, batch: int = 32) -> dict:
    questions = batch_questions(n)
    engine.ask_many(questions[:batch])                 # warm-up
    began = time.perf_counter()
    answered = 0
    for start in range(0, n, batch):
        answered += len(engine.ask_many(questions[start:start + batch]))
    seconds = time.perf_counter() - began
    return {"questions": answered, "batch": batch, "seconds": round(seconds, 3),
            "questions_per_s": round(answered / seconds, 2)}


def write_synthetic_sources(corpus: Path, docs: int = 10, paragraphs: int = 30) -> list[Path]:
    """Cited-source-like text files: ``docs`` x ``paragraphs`` paragraphs of article words."""
    rng, words = random.Random(17), vocabulary()
    paths = []
    for d in range(docs):
        path = corpus / "sources" / f"synthetisch-{d:02d}.txt"
        text = "\n\n".join(synthetic_paragraph(rng, words, 500) for _ in range(paragraphs))
        path.write_text(f"Synthetisch document {d}\n\n{text}\n", encoding="utf-8")
        paths.append(path)
    return paths


def _report(report) -> dict:
    return {"documents": report.documents, "passages": report.passages,
            "embedded": report.embedded, "reused": report.reused,
            "seconds": round(report.seconds, 3),
            "skipped": report.skipped,
            "passages_per_s": None if report.skipped or not report.seconds
            else round(report.passages / report.seconds, 2),
            "embedded_per_s": None if report.skipped or not report.seconds
            else round(report.embedded / report.seconds, 2)}


def builds(home: Path, embedder) -> dict:
    """From scratch (article alone, then article + synthetic sources), then incremental."""
    from bronwijzer.index.build import build_index
    from bronwijzer.settings import Settings
    settings = Settings(home=home)
    result = {"article_scratch": _report(build_index(settings, embedder, force=True))}
    log(f"  article from scratch: {result['article_scratch']}")
    paths = write_synthetic_sources(home / "corpus")
    result["corpus_scratch"] = _report(build_index(settings, embedder, force=True))
    log(f"  article + {len(paths)} synthetic sources from scratch: {result['corpus_scratch']}")
    # one document changes: one paragraph of one source rewritten
    text = paths[3].read_text(encoding="utf-8").split("\n\n")
    text[5] = text[5].replace(".", ", zo staat het in de herziene versie.", 1)
    paths[3].write_text("\n\n".join(text), encoding="utf-8")
    incremental = build_index(settings, embedder)
    result["incremental_one_doc"] = _report(incremental)
    result["incremental_one_doc"]["unchanged_reembedded"] = max(
        0, incremental.embedded - _changed_texts(settings))
    log(f"  incremental (one document changed): {result['incremental_one_doc']}")
    result["noop"] = _report(build_index(settings, embedder))
    return result


def _changed_texts(settings) -> int:
    """How many texts of the live build are new: the changed passage and its sentences."""
    from bronwijzer.index.store import load_index
    index = load_index(settings.index)
    changed = [i for i, p in enumerate(index.passages) if "herziene versie" in p.text]
    return sum(1 + len(index.sentence_spans[i]) for i in changed)


def build_memory(home: Path) -> dict:
    """``bronwijzer build --force`` as its own process: time and peak RSS."""
    run = run_child([BW, "build", "--force"], env_for(home), home)
    if run["code"] != 0:
        raise RuntimeError(f"bronwijzer build failed: {run['stderr'][-2000:]}")
    return {"seconds": round(run["seconds"], 3), "peak_rss_mib": run["peak_rss_mib"],
            "output": run["stdout"].strip()}


def xlsx_batch(engine, n: int) -> dict:
    """``n`` questions through the batch runner into an ``.xlsx`` (written once at the end)."""
    import json
    import os
    import tempfile

    from bronwijzer.batch.runner import run_batch
    n = int(n)
    with tempfile.TemporaryDirectory() as tmp:
        src, out = Path(tmp) / "q.jsonl", Path(tmp) / "a.xlsx"
        src.write_text("".join(json.dumps({"id": f"q{i}", "question": q}, ensure_ascii=False)
                               + "\n" for i, q in enumerate(batch_questions(n))), encoding="utf-8")
        began = time.perf_counter()
        summary = run_batch(src, out, engine.answer_dicts, batch_size=32, progress=False)
        seconds = time.perf_counter() - began
        size = out.stat().st_size
    done = summary.answered + summary.declined
    return {"questions": done, "failed": summary.failed, "seconds": round(seconds, 2),
            "questions_per_s": round(done / seconds, 1),
            "ms_per_question": round(seconds / max(done, 1) * 1000, 2),
            "xlsx_bytes": size, "load_avg": os.getloadavg()[0]}
