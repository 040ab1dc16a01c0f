"""Scale: 100,000 synthetic passages. Exact (faiss IndexFlatIP) against approximate
(IndexHNSWFlat, inner product) search, BM25 at that size, and the whole ask pipeline.

Vectors: the real model's for a sample of passages, random unit vectors for the rest
(dim 384). Queries: the dev questions (real query vectors) and near-duplicates of
random passages (a unit vector plus noise), so recall is measured where the
neighbours are real and where they are random.
"""

from __future__ import annotations

import gc
import random
import time

import numpy as np
from common import (
    dev_questions,
    log,
    mib,
    pct,
    summary_ms,
    synthetic_paragraph,
    vm_kib,
    vocabulary,
)

DIM = 384


def unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def corpus(n: int, sample: int, embedder) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Texts, their vectors (real for the first ``sample``), and the real rows' ids."""
    rng, words = random.Random(23), vocabulary()
    sizes = [int(rng.gauss(510, 150)) for _ in range(n)]
    texts = [synthetic_paragraph(rng, words, max(120, s)) for s in sizes]
    vectors = unit(np.random.default_rng(29).standard_normal((n, DIM), dtype=np.float32))
    real = np.random.default_rng(31).choice(n, size=sample, replace=False)
    began = time.perf_counter()
    vectors[real] = embedder.embed_batch([texts[i] for i in real], kind="passage")
    log(f"  embedded {sample} sample passages with the real model in "
        f"{time.perf_counter() - began:.1f} s")
    return texts, vectors, real


def queries(embedder, vectors: np.ndarray, real: np.ndarray, near: int = 200):
    """Real dev query vectors, and noisy copies of random passages' vectors."""
    questions = [q["question"] for q in dev_questions()]
    real_q = embedder.embed_batch(questions, kind="query")
    rng = np.random.default_rng(37)
    ids = rng.choice(len(vectors), size=near, replace=False)
    return questions, real_q, near_duplicates(vectors, ids, rng)


def near_duplicates(vectors: np.ndarray, ids: np.ndarray, rng) -> np.ndarray:
    """Unit vectors near the given passages' (noise of norm ~0.5: cosine ~0.9)."""
    noise = rng.standard_normal((len(ids), DIM), dtype=np.float32) * (0.5 / np.sqrt(DIM))
    return unit(vectors[ids] + noise)


def _time_search(index, q: np.ndarray, k: int, repeat: int = 1) -> tuple[list[float], np.ndarray]:
    seconds, found = [], None
    for _ in range(repeat):
        rows = []
        for row in q:
            t = time.perf_counter()
            _, ids = index.search(row.reshape(1, -1), k)
            seconds.append(time.perf_counter() - t)
            rows.append(ids[0])
        found = np.array(rows)
    return seconds, found


def recall_at(found: np.ndarray, truth: np.ndarray, k: int = 10) -> float:
    hits = [len(set(f[:k]) & set(t[:k])) / k for f, t in zip(found, truth)]
    return round(float(np.mean(hits)), 4)


def dense_at(size: int, vectors: np.ndarray, qsets: dict, ef_values=(64, 128), m: int = 32) -> dict:
    """Exact and HNSW at one corpus size: build, latency, memory, recall@10."""
    import faiss
    data = np.ascontiguousarray(vectors[:size])
    out: dict = {"size": size}
    rss0 = vm_kib("VmRSS")
    t = time.perf_counter()
    flat = faiss.IndexFlatIP(DIM)
    flat.add(data)
    out["flat_build_s"] = round(time.perf_counter() - t, 3)
    out["flat_bytes_mib"] = round(len(faiss.serialize_index(flat)) / 2**20, 1)
    truth, flat_lat = {}, []
    for name, q in qsets.items():
        seconds, truth[name] = _time_search(flat, q, 10, repeat=3)
        flat_lat += seconds
    out["flat_query"] = summary_ms(flat_lat)
    threads = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    out["flat_query_1thread"] = summary_ms(
        [s for q in qsets.values() for s in _time_search(flat, q, 10, repeat=3)[0]])
    faiss.omp_set_num_threads(threads)
    # the retriever asks for 30 candidates
    out["flat_query_k30"] = summary_ms(_time_search(flat, qsets["dev"], 30, repeat=3)[0])
    rss1 = vm_kib("VmRSS")
    t = time.perf_counter()
    hnsw = faiss.IndexHNSWFlat(DIM, m, faiss.METRIC_INNER_PRODUCT)
    hnsw.hnsw.efConstruction = 40
    hnsw.add(data)
    out["hnsw_build_s"] = round(time.perf_counter() - t, 3)
    out["hnsw_bytes_mib"] = round(len(faiss.serialize_index(hnsw)) / 2**20, 1)
    out["rss_growth_flat_mib"] = mib((rss1 or 0) - (rss0 or 0))
    out["rss_growth_hnsw_mib"] = mib((vm_kib("VmRSS") or 0) - (rss1 or 0))
    for ef in ef_values:
        hnsw.hnsw.efSearch = ef
        lat, recalls = [], {}
        for name, q in qsets.items():
            seconds, found = _time_search(hnsw, q, 10, repeat=3)
            lat += seconds
            recalls[name] = recall_at(found, truth[name])
            recalls[name + "_at1"] = recall_at(found, truth[name], 1)
        out[f"hnsw_ef{ef}_query"] = summary_ms(lat)
        out[f"hnsw_ef{ef}_recall10"] = recalls
    del flat, hnsw
    gc.collect()
    return out


def bm25_at(texts: list[str], questions: list[str]) -> tuple[dict, object]:
    from bronwijzer.index.lexical import Lexical
    rss0 = vm_kib("VmRSS")
    t = time.perf_counter()
    lexical = Lexical.build(texts)
    built = time.perf_counter() - t
    lat = []
    for _ in range(3):
        for q in questions:
            t = time.perf_counter()
            lexical.scores(q)
            lat.append(time.perf_counter() - t)
    return {"passages": len(texts), "build_s": round(built, 2), "query": summary_ms(lat),
            "rss_growth_mib": mib((vm_kib("VmRSS") or 0) - (rss0 or 0))}, lexical


def pipeline_at(texts, vectors, lexical, embedder, settings, questions) -> dict:
    """The deployed ask path over the big index (exact dense + BM25 + fusion + answer)."""
    import faiss

    from bronwijzer.answer.compose import compose
    from bronwijzer.index.chunk import passage_id
    from bronwijzer.index.store import Index
    from bronwijzer.records import Passage
    from bronwijzer.search.retrieve import Retriever
    passages = tuple(Passage(id=passage_id("synthetisch.txt", f"{i}:{t[:40]}"), doc="synthetisch.txt",
                             text=t, paragraph=i + 1, start=0, end=len(t))
                     for i, t in enumerate(texts))
    dense = faiss.IndexFlatIP(DIM)
    dense.add(vectors)
    index = Index(folder=None, manifest={}, passages=passages,
                  sentence_spans=tuple(((0, len(t)),) for t in texts), vectors=vectors,
                  sentence_vectors=vectors, references=(), lexical=lexical, dense=dense)
    retriever = Retriever(index, embedder, settings)
    parts = {"embed": [], "search": [], "answer": [], "total": []}
    for q in questions[:3]:
        retriever.search(q, settings.k)
    for _ in range(3):
        for q in questions:
            t0 = time.perf_counter()
            vector = retriever.embed_queries([q])[0]
            t1 = time.perf_counter()
            hits = retriever.search(q, settings.k, vector=vector)
            t2 = time.perf_counter()
            compose(q, vector, hits, index, settings)
            t3 = time.perf_counter()
            for key, s in zip(parts, (t1 - t0, t2 - t1, t3 - t2, t3 - t0)):
                parts[key].append(s)
    # where the search time goes
    vector = retriever.embed_queries([questions[0]])[0]
    inner = {"faiss_k30": [], "bm25_scores": [], "fuse_and_rank": []}
    from bronwijzer.search.fusion import fuse
    for q in questions:
        t0 = time.perf_counter()
        cos = retriever._cosines(vector, None)
        t1 = time.perf_counter()
        lex = lexical.scores(q)
        t2 = time.perf_counter()
        fused = fuse(cos, lex, settings)
        order = np.argsort(-fused, kind="stable")  # as Retriever.search ranks
        order[np.isfinite(fused[order])][:settings.k]
        t3 = time.perf_counter()
        for key, s in zip(inner, (t1 - t0, t2 - t1, t3 - t2)):
            inner[key].append(s)
    return {**{k: summary_ms(v) for k, v in parts.items()},
            "search_breakdown": {k: summary_ms(v) for k, v in inner.items()}}


def run(embedder, settings, n: int = 100_000, sample: int = 500,
        sizes=(10_000, 30_000, 50_000, 100_000)) -> dict:
    log(f"scale: generating {n} passages")
    t = time.perf_counter()
    texts, vectors, real = corpus(n, sample, embedder)
    log(f"  corpus ready in {time.perf_counter() - t:.1f} s")
    questions, real_q, noisy = queries(embedder, vectors, real)
    result: dict = {"passages": n, "real_vectors": sample, "dim": DIM,
                    "queries": {"dev": len(real_q), "near_duplicate": len(noisy)}}
    result["dense"] = []
    sizes = sorted({s for s in sizes if s < n} | {n})
    for size in sizes:
        log(f"  dense at {size}")
        qsets = {"dev": real_q, "near": noisy}
        if size < n:          # near-duplicate queries of passages inside the smaller corpus
            rng = np.random.default_rng(size)
            ids = rng.choice(size, size=len(noisy), replace=False)
            qsets["near"] = near_duplicates(vectors, ids, rng)
        result["dense"].append(dense_at(size, vectors, qsets))
        log(f"    {result['dense'][-1]}")
    log("  BM25 at full size")
    result["bm25"], lexical = bm25_at(texts, questions)
    log(f"    {result['bm25']}")
    log("  whole ask pipeline at full size")
    import faiss
    import torch
    result["pipeline"] = pipeline_at(texts, vectors, lexical, embedder, settings, questions)
    result["pipeline"]["threads"] = {"torch": torch.get_num_threads(),
                                     "faiss": faiss.omp_get_max_threads()}
    log(f"    {result['pipeline']}")
    torch_threads, faiss_threads = torch.get_num_threads(), faiss.omp_get_max_threads()
    torch.set_num_threads(1)
    faiss.omp_set_num_threads(1)
    try:
        result["pipeline_1thread"] = pipeline_at(texts, vectors, lexical, embedder, settings,
                                                 questions)
    finally:
        torch.set_num_threads(torch_threads)
        faiss.omp_set_num_threads(faiss_threads)
    log(f"    1 thread: {result['pipeline_1thread']}")
    result["peak_rss_mib"] = mib(vm_kib("VmHWM"))
    return result


def crossover(dense: list[dict], budget_ms: float = 5.0) -> str:
    """The smallest size at which exact search's p95 (one thread) exceeds the budget
    while HNSW (efSearch 128) keeps recall@10 >= 0.95 on the real (dev) queries."""
    for row in dense:
        ok = row["hnsw_ef128_recall10"]["dev"] >= 0.95
        if row["flat_query_1thread"]["p95_ms"] > budget_ms and ok:
            return f"{row['size']}"
    return f"> {dense[-1]['size']}"


__all__ = ["run", "crossover", "pct"]
