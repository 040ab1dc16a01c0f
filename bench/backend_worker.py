"""Run inside a Python that has sentence-transformers' ONNX back end (optimum-onnx +
onnxruntime): embed the same texts with torch, ONNX and ONNX int8, one back end at a
time, in two alternating rounds. Writes vectors and timings to an .npz.

    python bench/backend_worker.py MODEL_FOLDER TEXTS.json OUT.npz
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

warnings.filterwarnings("ignore")
os.environ["HF_HUB_OFFLINE"] = os.environ["TRANSFORMERS_OFFLINE"] = "1"


def main(folder: str, texts_path: str, out_path: str) -> None:
    import transformers
    from sentence_transformers import (
        SentenceTransformer,
        export_dynamic_quantized_onnx_model,
    )
    transformers.logging.set_verbosity_error()
    texts = json.loads(Path(texts_path).read_text(encoding="utf-8"))
    queries, passages = texts["queries"], texts["passages"]
    work = Path(tempfile.mkdtemp(prefix="bw-onnx-"))
    try:
        model_dir = work / "model"
        shutil.copytree(folder, model_dir)
        models, setup = {}, {}
        t = time.perf_counter()
        models["torch"] = SentenceTransformer(str(model_dir), device="cpu", local_files_only=True)
        setup["torch"] = time.perf_counter() - t
        t = time.perf_counter()
        onnx = SentenceTransformer(str(model_dir), backend="onnx", device="cpu",
                                   local_files_only=True)
        onnx.save_pretrained(str(model_dir))             # keeps onnx/model.onnx
        setup["onnx_export"] = time.perf_counter() - t
        models["onnx"] = onnx
        t = time.perf_counter()
        config = "avx512_vnni" if "avx512_vnni" in Path("/proc/cpuinfo").read_text() else "avx2"
        export_dynamic_quantized_onnx_model(onnx, config, str(model_dir))
        quant = next((model_dir / "onnx").glob("model_qint8_*.onnx"))
        models["onnx_int8"] = SentenceTransformer(
            str(model_dir), backend="onnx", device="cpu", local_files_only=True,
            model_kwargs={"file_name": f"onnx/{quant.name}"})
        setup["onnx_int8_export"] = time.perf_counter() - t
        result = {f"setup_{k}": v for k, v in setup.items()}
        result["quant_config"] = config
        for name, model in models.items():          # warm-up, and the vectors compared
            model.encode(queries[:4], prompt_name="query", normalize_embeddings=True)
            result[f"{name}_queries"] = model.encode(queries, prompt_name="query",
                                                     normalize_embeddings=True, batch_size=32)
            result[f"{name}_passages"] = model.encode(passages, prompt_name="passage",
                                                      normalize_embeddings=True, batch_size=32)
        single = {name: [] for name in models}
        batch = {name: [] for name in models}
        for _ in range(2):        # one back end at a time (ONNX Runtime's threads spin after
            for name, model in models.items():   # each call and would slow the others down)
                time.sleep(1.0)
                model.encode(queries[:4], prompt_name="query", normalize_embeddings=True)
                for q in queries:
                    t = time.perf_counter()
                    model.encode([q], prompt_name="query", normalize_embeddings=True)
                    single[name].append(time.perf_counter() - t)
                for _ in range(2):
                    t = time.perf_counter()
                    model.encode(passages, prompt_name="passage", normalize_embeddings=True,
                                 batch_size=32)
                    batch[name].append(time.perf_counter() - t)
        for name in models:
            result[f"{name}_single_s"] = np.array(single[name])
            result[f"{name}_batch_s"] = np.array(batch[name])
        np.savez(out_path, **{k: np.asarray(v) for k, v in result.items()})
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main(*sys.argv[1:4])
