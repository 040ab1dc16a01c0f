"""Scale of a saved index: open it, answer, and measure what a user waits for.

Writes a synthetic index of ``n`` passages to disk exactly as a build does
(:func:`bronwijzer.index.store.write_build`: passages, vectors, BM25, vocabulary,
the dense index the size chooses), then, in a fresh process: the time to open it, the
first answer after it opened, ask p95 over the dev questions (real query vectors
from the real model), peak RSS, and the folder's size on disk. Passage vectors are
random unit vectors with the real model's vectors for a sample (as bench/scale.py).

    PYTHONPATH=src .venv/bin/python bench/scale_open.py --passages 100000
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from common import CACHE, dev_questions, synthetic_paragraph, vocabulary

DIM = 384


def write_index(root: Path, n: int, sample: int) -> dict:
    """A synthetic index of ``n`` passages under ``root`` (the live build)."""
    from bronwijzer.index.build import lexical_text
    from bronwijzer.index.chunk import passage_id
    from bronwijzer.index.lexical import Lexical
    from bronwijzer.index.store import INDEX_VERSION, write_build
    from bronwijzer.model.embed import load_embedder
    from bronwijzer.records import Passage
    from bronwijzer.settings import Settings
    settings = Settings(cache_dir=CACHE)
    rng, words = random.Random(23), vocabulary()
    texts = [synthetic_paragraph(rng, words, max(120, int(rng.gauss(510, 150)))) for _ in range(n)]
    passages = [Passage(id=passage_id("synthetisch.txt", f"{i}:{t[:40]}"), doc="synthetisch.txt",
                        text=t, paragraph=i + 1, start=0, end=len(t)) for i, t in enumerate(texts)]
    vectors = np.random.default_rng(29).standard_normal((n, DIM), dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    embedder = load_embedder(settings)
    real = np.random.default_rng(31).choice(n, size=min(sample, n), replace=False)
    vectors[real] = embedder.embed_batch([texts[i] for i in real], kind="passage")
    timings = {}
    began = time.perf_counter()
    lexical = Lexical.build([lexical_text(p, []) for p in passages])
    timings["bm25_build_s"] = round(time.perf_counter() - began, 1)
    dense = "hnsw" if n >= settings.ann_min_passages else "flat"
    manifest = {"version": INDEX_VERSION, "model": embedder.name,
                "fingerprint": embedder.fingerprint, "dim": DIM, "passages": n, "dense": dense,
                "hnsw_m": settings.hnsw_m, "hnsw_ef_search": settings.hnsw_ef_search,
                "chunk": {}, "files": {}, "documents": [], "problems": []}
    began = time.perf_counter()
    write_build(root, manifest, passages, [((0, len(t)),) for t in texts], vectors, vectors, [],
                lexical)
    timings["write_s"] = round(time.perf_counter() - began, 1)
    return timings


def serve(root: Path) -> dict:
    """In this (fresh) process: open the index, answer, measure."""
    from bronwijzer.engine import Engine
    from bronwijzer.index.store import load_index
    from bronwijzer.model.embed import load_embedder
    from bronwijzer.settings import Settings
    settings = Settings(cache_dir=CACHE, index_dir=root)
    embedder = load_embedder(settings)
    embedder.embed_batch(["opwarmen"], kind="query")
    questions = [q["question"] for q in dev_questions()]
    began = time.perf_counter()
    engine = Engine(settings, embedder, load_index(root))
    opened = time.perf_counter() - began
    began = time.perf_counter()
    engine.ask(questions[0])
    first = time.perf_counter() - began
    seconds = []
    for q in questions[1:]:
        began = time.perf_counter()
        engine.ask(q)
        seconds.append(time.perf_counter() - began)
    seconds.sort()
    status = Path("/proc/self/status").read_text()
    peak = next(int(l.split()[1]) for l in status.splitlines() if l.startswith("VmHWM"))
    return {"open_s": round(opened, 2), "first_answer_s": round(first, 2),
            "ask_p50_ms": round(1000 * seconds[len(seconds) // 2], 1),
            "ask_p95_ms": round(1000 * seconds[int(0.95 * (len(seconds) - 1))], 1),
            "questions": len(questions), "peak_rss_mib": round(peak / 1024)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--passages", type=int, default=100_000)
    parser.add_argument("--sample", type=int, default=300)
    parser.add_argument("--serve", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        print(json.dumps(serve(args.serve)))
        return
    load = Path("/proc/loadavg").read_text().split()[:3]
    with tempfile.TemporaryDirectory(prefix="scale-open-") as tmp:
        root = Path(tmp) / "index"
        began = time.perf_counter()
        out = {"passages": args.passages, "loadavg_before": load,
               **write_index(root, args.passages, args.sample)}
        out["index_total_s"] = round(time.perf_counter() - began, 1)
        out["disk_mib"] = {p.name: round(p.stat().st_size / 2**20, 1)
                           for p in next(root.glob("b-*")).rglob("*") if p.is_file()
                           and p.stat().st_size > 2**20}
        out["disk_total_mib"] = round(sum(p.stat().st_size for p in root.rglob("*")
                                          if p.is_file()) / 2**20)
        child = subprocess.run([sys.executable, __file__, "--serve", str(root)],
                               capture_output=True, text=True, check=True)
        out.update(json.loads(child.stdout.strip().splitlines()[-1]))
    out["loadavg_after"] = Path("/proc/loadavg").read_text().split()[:3]
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
