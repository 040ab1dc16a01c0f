"""Dynamic int8 quantisation of the ONNX export, measured only (not adopted unless every
eval figure stays the same): query speed, cosine to fp32, and the eval figures of dev and
tuning with an index embedded by the int8 model."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from common import log, pct, temp_home
from compare import TUNING

DEV = Path(__file__).resolve().parents[1] / "eval" / "dev.jsonl"


def _quantised_folder(folder: Path, tmp: Path) -> Path:
    """A copy of the model folder (hard links) whose ONNX graph is int8-quantised."""
    from onnxruntime.quantization import QuantType, quantize_dynamic
    out = tmp / folder.name
    shutil.copytree(folder, out, copy_function=os.link, ignore=shutil.ignore_patterns("onnx"))
    (out / "onnx").mkdir()
    quantize_dynamic(str(folder / "onnx" / "model.onnx"), str(out / "onnx" / "model.onnx"),
                     weight_type=QuantType.QInt8)
    return out


def _figures(engine, path: Path, tmp: Path) -> dict:
    from bronwijzer.tune.evaluate import evaluate_files, read_jsonl
    questions = read_jsonl(path)
    out = tmp / f"answers-{path.stem}.jsonl"
    dicts = engine.answer_dicts([q["question"] for q in questions])
    out.write_text("".join(json.dumps({"id": q["id"], **d}, ensure_ascii=False) + "\n"
                           for q, d in zip(questions, dicts)), encoding="utf-8")
    return evaluate_files(path, out)["overall"]


def _speed(embedder, texts: list[str]) -> dict:
    embedder.embed_batch(texts[:3], "query")
    times = []
    for text in texts:
        t = time.perf_counter()
        embedder.embed_batch([text], "query")
        times.append((time.perf_counter() - t) * 1000)
    return {"p50_ms": round(pct(times, 50), 2), "p95_ms": round(pct(times, 95), 2)}


def run(settings) -> dict:
    """fp32 against int8: speed, cosine, eval figures (each with its own index)."""
    from bronwijzer.engine import Engine
    from bronwijzer.index.build import build_index
    from bronwijzer.model.embed import load_embedder
    from bronwijzer.model.onnx_embed import OnnxEmbedder
    sets = [p for p in (DEV, TUNING) if p.exists()]
    texts = [json.loads(line)["question"] for p in sets
             for line in p.read_text(encoding="utf-8").splitlines() if line.strip()]
    result: dict = {}
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        fp32 = load_embedder(settings)
        log("int8: quantising the ONNX export")
        folder = _quantised_folder(fp32.folder, tmp)
        int8 = OnnxEmbedder(folder, fp32.name, fp32.fingerprint + ":int8")
        cos = np.sum(fp32.embed_batch(texts, "query") * int8.embed_batch(texts, "query"), axis=1)
        for name, emb in (("fp32", fp32), ("int8", int8)):
            with temp_home(prefix=f"bw-{name}-") as home:
                s = settings.with_(home=home, index_dir=home / "index")
                build_index(s, emb)
                engine = Engine.open(s, embedder=emb, build=False)
                figs = {p.stem: _figures(engine, p, tmp) for p in sets}
            speed = _speed(emb, texts)
            result[name] = {"query": speed, "figures": figs, "summary":
                            f"query p50 {speed['p50_ms']} / p95 {speed['p95_ms']} ms; " +
                            "; ".join(f"{k}: hit@5 {v['hit@5']}, answer_ok {v['answer_ok']}, "
                                      f"abstain_ok {v['abstain_ok']}" for k, v in figs.items())}
            log(f"  {name}: {result[name]['summary']}")
        same = result["fp32"]["figures"] == result["int8"]["figures"]
        result["int8"]["cosine_to_fp32"] = {"min": round(float(cos.min()), 5),
                                            "mean": round(float(cos.mean()), 5)}
        result["int8"]["note"] = (f"cosine to fp32 min {cos.min():.4f} / mean {cos.mean():.4f}; "
                                  + ("every eval figure the same" if same else
                                     "eval figures differ: NOT adopted"))
        result["adopt_int8"] = same
    return result
