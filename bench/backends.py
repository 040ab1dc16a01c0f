"""Faster back ends for the default model: sentence-transformers' ONNX (fp32 and int8).

sentence-transformers' ``backend="onnx"`` needs optimum-onnx, whose current release
pins ``transformers<4.58`` while the project's sentence-transformers 6.x needs
``transformers>=5``; so it cannot go into the project's venv. When a separate Python
with it exists (``BRONWIJZER_BENCH_ONNX_PYTHON``, default ``/tmp/bvenv/bin/python``:
a venv layered over the project's with ``pip install "optimum-onnx[onnxruntime]"``),
``backend_worker.py`` runs there; the speed and the dev retrieval figures of each back
end are compared here. OpenVINO (optimum-intel) would replace torch 2.13 by a CUDA
build of 2.14 and is not tried.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
from common import CACHE, ROOT, dev_questions, log, pct

NOT_INSTALLABLE = ("optimum-onnx (needed by backend='onnx') pins transformers<4.58; "
                   "sentence-transformers 6.2 needs transformers>=5: no install into the venv")


def _onnx_python() -> str | None:
    candidate = os.environ.get("BRONWIJZER_BENCH_ONNX_PYTHON", "/tmp/bvenv/bin/python")
    if not Path(candidate).exists():
        return None
    ok = subprocess.run([candidate, "-c", "import optimum.onnxruntime, onnxruntime"],
                        capture_output=True).returncode == 0
    return candidate if ok else None


def _retrieval(index, vectors_p, vectors_q, questions, settings) -> dict:
    """Hybrid retrieval figures over the dev questions with the given vectors."""
    import dataclasses

    import faiss

    from bronwijzer.search.retrieve import Retriever
    dense = faiss.IndexFlatIP(vectors_p.shape[1])
    dense.add(np.ascontiguousarray(vectors_p, dtype=np.float32))
    idx = dataclasses.replace(index, vectors=vectors_p, dense=dense)
    retriever = Retriever(idx, None, settings)
    tops, found, rr = [], 0, []
    answerable = 0
    for q, v in zip(questions, vectors_q):
        hits = retriever.search(q["question"], 5, vector=np.asarray(v, dtype=np.float32))
        tops.append([h.passage.id for h in hits])
        if q.get("answerable") and q.get("gold"):
            answerable += 1
            ranks = [h.rank for h in hits if any(_norm(g) in _norm(h.passage.text)
                                                 for g in q["gold"])]
            found += bool(ranks)
            rr.append(1 / min(ranks) if ranks else 0.0)
    return {"recall_at_5": round(found / max(answerable, 1), 4),
            "mrr_at_5": round(float(np.mean(rr)) if rr else 0.0, 4), "tops": tops}


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


def run(home: Path) -> dict:
    from bronwijzer.index.store import load_index
    from bronwijzer.model.embed import load_embedder
    from bronwijzer.settings import Settings
    python = _onnx_python()
    if python is None:
        return {"onnx": {"status": "not run", "note": NOT_INSTALLABLE},
                "openvino": {"status": "not run", "note": "optimum-intel would replace torch"}}
    settings = Settings(home=home, cache_dir=CACHE)
    index = load_index(settings.index)
    questions = dev_questions()
    texts = {"queries": [q["question"] for q in questions],
             "passages": [p.text for p in index.passages]}
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "texts.json").write_text(json.dumps(texts, ensure_ascii=False))
        out = Path(tmp) / "out.npz"
        log(f"backends: torch / onnx / onnx-int8 in {python}")
        done = subprocess.run([python, str(ROOT / "bench" / "backend_worker.py"),
                               str(CACHE / "models" / "multilingual-e5-small"),
                               str(Path(tmp) / "texts.json"), str(out)],
                              capture_output=True, text=True, timeout=3600)
        if done.returncode != 0:
            return {"onnx": {"status": "failed", "note": done.stderr[-800:]}}
        data = dict(np.load(out))
    main = load_embedder(settings)
    main_q = main.embed_batch(texts["queries"], kind="query")
    base = _retrieval(index, index.vectors, main_q, questions, settings)
    # the project's own embedder (transformers 5), same texts, same protocol
    single, batch = [], []
    for _ in range(2):
        main.embed_batch(texts["queries"][:4], kind="query")
        for q in texts["queries"]:
            t = time.perf_counter()
            main.embed_batch([q], kind="query")
            single.append(time.perf_counter() - t)
        for _ in range(2):
            t = time.perf_counter()
            main.embed_batch(texts["passages"], kind="passage")
            batch.append(time.perf_counter() - t)
    torch_single, torch_batch = float(np.median(single)), float(np.median(batch))
    result: dict = {"quant_config": str(data["quant_config"]),
                    "baseline": {"recall_at_5": base["recall_at_5"], "mrr_at_5": base["mrr_at_5"],
                                 "query_p50_ms": round(torch_single * 1000, 2),
                                 "passages_batch_s": round(torch_batch, 3),
                                 "note": "the project's embedder (torch, transformers 5)"}}
    for name in ("torch", "onnx", "onnx_int8"):
        vq, vp = data[f"{name}_queries"], data[f"{name}_passages"]
        fig = _retrieval(index, vp, vq, questions, settings)
        single = data[f"{name}_single_s"] * 1000
        speed_single = torch_single / float(np.median(data[f"{name}_single_s"]))
        speed_batch = torch_batch / float(np.median(data[f"{name}_batch_s"]))
        same_tops = sum(a == b for a, b in zip(fig["tops"], base["tops"]))
        entry = {
            "query_p50_ms": round(pct(single, 50), 2), "query_p95_ms": round(pct(single, 95), 2),
            "passages_batch_s": round(float(np.median(data[f"{name}_batch_s"])), 3),
            "speedup_query": round(speed_single, 2), "speedup_batch": round(speed_batch, 2),
            "min_cosine_to_project_vectors": round(float(min(
                np.min(np.sum(vq * main_q, axis=1)), np.min(np.sum(vp * index.vectors, axis=1)))), 5),
            "recall_at_5": fig["recall_at_5"], "mrr_at_5": fig["mrr_at_5"],
            "same_top5_lists": f"{same_tops}/{len(questions)}",
        }
        no_loss = entry["recall_at_5"] >= base["recall_at_5"] and entry["mrr_at_5"] >= base["mrr_at_5"]
        entry["qualifies"] = bool(no_loss and min(speed_single, speed_batch) >= 1.5)
        entry["summary"] = (f"query p50 {entry['query_p50_ms']} ms (x{entry['speedup_query']}), "
                            f"batch x{entry['speedup_batch']}, R@5 {entry['recall_at_5']}, "
                            f"MRR {entry['mrr_at_5']}, same top-5 {entry['same_top5_lists']}")
        entry["note"] = ("speed-ups against the project's embedder; " +
                         ("QUALIFIES (>= 1.5x on queries and batches, no loss)" if entry["qualifies"]
                          else "does not qualify (>= 1.5x on queries and batches, no loss)"))
        result[name] = entry
        log(f"  {name}: {entry['summary']}")
    for key in ("setup_onnx_export", "setup_onnx_int8_export"):
        result[key + "_s"] = round(float(data[key]), 1)
    result["install"] = NOT_INSTALLABLE
    return result
