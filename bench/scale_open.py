"""Scale of a saved index: open it, answer, and measure what a user waits for.

Writes a synthetic index of ``n`` passages to disk exactly as a build does
(:func:`bronwijzer.index.store.write_build`: passages, vectors, BM25, vocabulary,
the dense index the size chooses), then, in a fresh process: the time to open it, the
first answer after it opened, ask p50/p95 over the dev and tuning questions (real query
vectors from the real model; citation questions included), peak RSS, and the folder's size
on disk. The index holds the real article's build (this checkout's ``index/``: passages,
vectors, footnotes, references) and synthetic passages up to ``n``: random unit vectors,
with the real model's vectors for a sample (as bench/scale.py).

    PYTHONPATH=src .venv/bin/python bench/scale_open.py --passages 100000
    ... --passages 1000000 --keep /tmp/idx1m --ranker none --out bench/scale_1m.json

``--keep`` writes the index once and reuses it; ``--ranker none`` answers in the fused
order; ``--skip RE`` leaves out matching questions; every figure carries the load average,
and the recall@10 of the chosen dense index against exact search on real query vectors.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from common import CACHE, ROOT, dev_questions, synthetic_paragraph, vm_kib, vocabulary

DIM = 384
BUDGET_S = 300  # the asks stop after this long (the questions asked are counted)


def write_index(root: Path, n: int, sample: int) -> dict:
    """A synthetic index of ``n`` passages under ``root`` (the live build): the real
    article's build (``index/`` of this checkout: its passages, vectors, sentence vectors and
    references, so citation questions have footnoted sentences to find) followed by
    synthetic passages up to ``n``."""
    from bronwijzer.index.build import lexical_text
    from bronwijzer.index.chunk import passage_id
    from bronwijzer.index.lexical import Lexical
    from bronwijzer.index.store import INDEX_VERSION, load_index, write_build
    from bronwijzer.model.embed import load_embedder
    from bronwijzer.records import Passage
    from bronwijzer.settings import Settings
    settings = Settings(cache_dir=CACHE)
    article = load_index(ROOT / "index")
    own = len(article.passages)
    rng, words = random.Random(23), vocabulary()
    texts = [synthetic_paragraph(rng, words, max(120, int(rng.gauss(510, 150))))
             for _ in range(n - own)]
    passages = list(article.passages) + [
        Passage(id=passage_id("synthetisch.txt", f"{i}:{t[:40]}"), doc="synthetisch.txt",
                text=t, paragraph=i + 1, start=0, end=len(t)) for i, t in enumerate(texts)]
    spans = list(article.sentence_spans) + [((0, len(t)),) for t in texts]
    vectors = np.random.default_rng(29).standard_normal((n, DIM), dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    embedder = load_embedder(settings)
    real = np.random.default_rng(31).choice(n - own, size=min(sample, n - own), replace=False)
    vectors[own + real] = embedder.embed_batch([texts[i] for i in real], kind="passage")
    vectors[:own] = article.vectors
    sentence_vectors = np.concatenate([article.sentence_vectors, vectors[own:]])
    references = list(article.references)
    timings = {"article_passages": own}
    began = time.perf_counter()
    lexical = Lexical.build([lexical_text(p, references) for p in passages])
    timings["bm25_build_s"] = round(time.perf_counter() - began, 1)
    dense = "hnsw" if n >= settings.ann_min_passages else "flat"
    manifest = {**article.manifest, "version": INDEX_VERSION, "passages": n, "dense": dense,
                "hnsw_m": settings.hnsw_m, "hnsw_ef_search": settings.hnsw_ef_search}
    del article
    began = time.perf_counter()
    write_build(root, manifest, passages, spans, vectors, sentence_vectors, references,
                lexical)
    timings["write_s"] = round(time.perf_counter() - began, 1)
    return timings


def serve(root: Path, ranker: str = "learned", limit: int = 0, skip: str = "") -> dict:
    """In this (fresh) process: open the index, answer, measure (with the load average)."""
    from bronwijzer.engine import Engine
    from bronwijzer.index.store import load_index
    from bronwijzer.model.embed import load_embedder
    from bronwijzer.settings import Settings
    settings = Settings(cache_dir=CACHE, index_dir=root, ranker=ranker)
    embedder = load_embedder(settings)
    embedder.embed_batch(["opwarmen"], kind="query")
    questions = [q["question"] for q in dev_questions() + tuning_questions()]
    if skip:  # questions the citation lookup would take (it scans every article sentence)
        questions = [q for q in questions if not re.search(skip, q, re.I)]
    questions = questions[:limit] if limit else questions
    out = {"ranker": ranker, "skipped_pattern": skip, "loadavg_open": load()}
    began = time.perf_counter()
    index = load_index(root)
    engine = Engine(settings, embedder, index)
    out["open_s"] = round(time.perf_counter() - began, 2)
    out["rss_after_open_mib"] = round(vm_kib("VmRSS") / 1024)
    began = time.perf_counter()
    out["first_answer_profile"] = profiled(engine.ask, questions[0])
    out["first_answer_s"] = round(time.perf_counter() - began, 2)
    out["loadavg_asks_before"] = load()
    timed = ask_all(engine, questions[1:], Path(f"{root}.progress.jsonl"))
    seconds = sorted(t for t, _, _ in timed)
    out["slowest"] = [[round(1000 * t), kind, q[:80]]
                      for t, q, kind in sorted(timed, reverse=True)[:8]]
    out["by_kind"] = by_kind(timed)
    out.update({"loadavg_asks_after": load(), "questions": len(timed) + 1,
                "ask_p50_ms": round(1000 * seconds[len(seconds) // 2], 1),
                "ask_p95_ms": round(1000 * seconds[int(0.95 * (len(seconds) - 1))], 1),
                "ask_max_ms": round(1000 * seconds[-1], 1),
                "rss_after_asks_mib": round(vm_kib("VmRSS") / 1024),
                "rss_anon_mib": round(vm_kib("RssAnon") / 1024),
                "rss_file_mib": round(vm_kib("RssFile") / 1024),  # clean mapped index pages
                "peak_rss_mib": round(vm_kib("VmHWM") / 1024)})
    out["recall"] = recall(index, embedder, questions)
    return out


def ask_all(engine, questions: list[str], progress: Path) -> list[tuple[float, str, str]]:
    """Ask the questions one by one until ``BUDGET_S`` has passed; each question's time is
    also appended to ``progress`` (kept when the run is killed)."""
    timed, stop = [], time.perf_counter() + BUDGET_S
    for q in questions:
        began = time.perf_counter()
        kind = engine.ask(q).kind or ""
        timed.append((time.perf_counter() - began, q, kind))
        with open(progress, "a", encoding="utf-8") as log:
            log.write(json.dumps([round(1000 * timed[-1][0], 1), kind, q, load()]) + "\n")
        if time.perf_counter() > stop:  # a slow machine: the figures of those asked
            break
    return timed


def by_kind(timed: list[tuple[float, str, str]]) -> dict:
    """Ask p50 / p95 / max (ms) of the citation answers (kind ``cite-*``) and the others."""
    out = {}
    for name, keep in (("citation", True), ("other", False)):
        seconds = sorted(t for t, _, kind in timed if kind.startswith("cite") == keep)
        if seconds:
            out[name] = {"questions": len(seconds),
                         "p50_ms": round(1000 * seconds[len(seconds) // 2], 1),
                         "p95_ms": round(1000 * seconds[int(0.95 * (len(seconds) - 1))], 1),
                         "max_ms": round(1000 * seconds[-1], 1)}
    return out


def profiled(call, *args) -> list[str]:
    """Run ``call(*args)`` under cProfile; the 14 functions with the most cumulative time."""
    import cProfile
    import io
    import pstats
    profile = cProfile.Profile()
    profile.runcall(call, *args)
    text = io.StringIO()
    pstats.Stats(profile, stream=text).sort_stats("cumulative").print_stats(14)
    return [line.strip() for line in text.getvalue().splitlines() if line.strip()][-15:]


def tuning_questions() -> list[dict]:
    """The tuning questions (more samples for the ask percentiles than dev alone)."""
    path = Path(__file__).resolve().parents[1] / "eval" / "tuning.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]


def recall(index, embedder, questions: list[str]) -> dict:
    """Recall@10 of the index's chosen dense index against exact search, on the real
    query vectors of ``questions``."""
    queries = embedder.embed_batch(questions, kind="query").astype(np.float32)
    exact = []
    for start in range(0, len(queries), 16):  # 16 queries x all passages at a time
        scores = queries[start:start + 16] @ np.asarray(index.vectors).T
        top = np.argpartition(-scores, 9, axis=1)[:, :10]
        exact += [row[np.argsort(-s[row])] for row, s in zip(top, scores)]
    _, found = index.dense.search(queries, 10)
    hits = [len(set(f.tolist()) & set(t.tolist())) / 10 for f, t in zip(found, exact)]
    return {"dense": index.manifest.get("dense"), "recall10": round(float(np.mean(hits)), 4),
            "queries": len(questions)}


def load() -> list[float]:
    """The machine's load average (1, 5, 15 minutes)."""
    return [round(x, 2) for x in os.getloadavg()]


def add_cards(root: Path) -> float:
    """Give the index the cards' stored vectors a real build writes (index/text_vectors.py),
    when it lacks them; the seconds it took (0 when it had them). The expansion's words are
    left out: a real library's vocabulary exceeds ``MAX_WORDS``, so its build stores none,
    while the synthetic passages' small vocabulary would get them."""
    from bronwijzer.index.store import current_folder, derive_build, load_index
    from bronwijzer.index.text_vectors import CARDS, card_texts
    from bronwijzer.model.embed import load_embedder
    from bronwijzer.settings import Settings
    if not CARDS.missing(current_folder(root)):
        return 0.0
    began = time.perf_counter()
    lines = card_texts(load_index(root).references)
    embedder = load_embedder(Settings(cache_dir=CACHE))
    derive_build(root, lambda folder: CARDS.write(folder, lines, embedder))
    return round(time.perf_counter() - began, 1)


def prepare(root: Path, n: int, sample: int) -> dict:
    """Write the index under ``root`` unless a whole one of ``n`` passages is there."""
    from bronwijzer.index.store import read_manifest
    from bronwijzer.index.upgrade import add_columns
    manifest = read_manifest(root)
    if manifest and manifest.get("passages") == n:  # (an index written before the columns
        began = time.perf_counter()                  # were stored gets them, once)
        added = add_columns(root) is not None
        return {"index_reused": True, "columns_added": added,
                "columns_added_s": round(time.perf_counter() - began, 1) if added else 0,
                "cards_added_s": add_cards(root)}
    began = time.perf_counter()
    out = {"loadavg_write_before": load(), **write_index(root, n, sample)}
    out["cards_added_s"] = add_cards(root)
    out["index_total_s"] = round(time.perf_counter() - began, 1)
    out["loadavg_write_after"] = load()
    return out


def measure(root: Path, n: int, sample: int, ranker: str = "learned", limit: int = 0,
            skip: str = "") -> dict:
    """Prepare the index under ``root``, then open and ask it in a fresh process."""
    out = {"passages": n, **prepare(root, n, sample)}
    out["disk_mib"] = {p.name: round(p.stat().st_size / 2**20, 1)
                       for p in next(root.glob("b-*")).rglob("*") if p.is_file()
                       and p.stat().st_size > 2**20}
    out["disk_total_mib"] = round(sum(p.stat().st_size for p in root.rglob("*")
                                      if p.is_file()) / 2**20)
    out["loadavg_serve_before"] = load()
    child = subprocess.run([sys.executable, __file__, "--serve", str(root), "--ranker", ranker,
                            "--questions", str(limit), "--skip", skip],
                           capture_output=True, text=True, check=True)
    out.update(json.loads(child.stdout.strip().splitlines()[-1]))
    out["loadavg_serve_after"] = load()
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--passages", type=int, default=100_000)
    parser.add_argument("--sample", type=int, default=300)
    parser.add_argument("--keep", type=Path, help="write (or reuse) the index in this folder")
    parser.add_argument("--out", type=Path, help="also write the figures to this JSON file")
    parser.add_argument("--ranker", default="learned",
                        help="the ranker setting to answer with (another name: none)")
    parser.add_argument("--questions", type=int, default=0,
                        help="ask only the first N (dev, then tuning) questions")
    parser.add_argument("--skip", default="", help="leave out questions matching this regex")
    parser.add_argument("--write-only", action="store_true", help="only write the --keep index")
    parser.add_argument("--serve", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.write_only:
        print(json.dumps(prepare(args.keep, args.passages, args.sample)))
        return
    if args.serve:
        print(json.dumps(serve(args.serve, args.ranker, args.questions, args.skip)))
        return
    if args.keep:
        out = measure(args.keep, args.passages, args.sample, args.ranker, args.questions,
                      args.skip)
    else:
        with tempfile.TemporaryDirectory(prefix="scale-open-") as tmp:
            out = measure(Path(tmp) / "index", args.passages, args.sample, args.ranker,
                          args.questions, args.skip)
    print(json.dumps(out, indent=1))
    if args.out:
        args.out.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
