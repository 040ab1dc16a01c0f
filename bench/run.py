"""Bronwijzer benchmarks: speed, memory and scale (``make bench``).

Prints a table and writes ``bench/results.json``. Every part runs in a throw-away
project home (the article copied in), with the real default model from the
project cache; nothing in the project's own ``index/`` is touched.

    .venv/bin/python bench/run.py                  # everything (~10-15 min on 2 cores)
    .venv/bin/python bench/run.py --only latency,startup
    .venv/bin/python bench/run.py --scale 20000    # a smaller scale run
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import CACHE, ROOT, log, self_peak_mib, temp_home  # noqa: E402
from report import get_path, table  # noqa: E402

PARTS = ("latency", "compare", "xlsx", "int8", "builds", "build_speed", "startup", "scale",
         "backends", "ui_library")
TARGETS = {  # key: (label, limit, unit, higher_is_better)
    "ask_p95_article": ("warm ask p95, article", 60, "ms", False),
    "tutorial_ratio": ("tutorial RAG p95 / Bronwijzer p95", 1.5, "x", True),
    "cold_ask": ("cold `bronwijzer ask`, median of 3", 2, "s", False),
    "cold_ask_rss": ("cold `bronwijzer ask`, peak RSS", 400, "MiB", False),
    "ask_p95_100k": ("warm ask p95, 100k passages", 150, "ms", False),
    "page_served": ("page served after start", 3, "s", False),
    "page_over_gradio": ("page served, beyond `import gradio`", 1, "s", False),
    "answer_over_gradio": ("first answer, beyond `import gradio`", 3, "s", False),
    "batch_qps": ("batch throughput", 100, "q/s", True),
    "app_rss": ("app peak RSS", 1536, "MiB", False),
}


def main(argv=None) -> int:
    args = _parser().parse_args(argv)
    parts = [p for p in (args.only.split(",") if args.only else PARTS) if p]
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ["HF_HUB_OFFLINE"] = os.environ["TRANSFORMERS_OFFLINE"] = "1"
    from bronwijzer.model.convert import ensure_default_model
    from bronwijzer.model.embed import load_embedder
    from bronwijzer.settings import Settings

    ensure_default_model(CACHE)
    results: dict = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                                 "platform": platform.platform(),
                                 "load_avg_start": os.getloadavg()},
                     "started": time.strftime("%Y-%m-%dT%H:%M:%S")}
    with temp_home() as home:
        settings = Settings(home=home, cache_dir=CACHE)
        t = time.perf_counter()
        embedder = load_embedder(settings)
        results["model_load_s"] = round(time.perf_counter() - t, 3)
        results["machine"]["embedder"] = type(embedder).__name__
        if {"latency", "compare", "xlsx", "int8", "startup", "backends"} & set(parts):
            from bronwijzer.index.build import build_index
            build_index(settings, embedder)
        if "latency" in parts:
            from bronwijzer.engine import Engine
            from latency import batch_throughput, warm_latency
            engine = Engine.open(settings, embedder=embedder, build=False)
            for suffix, engine_t in (("", engine), ("_threads1", _one_thread(settings, embedder))):
                log(f"latency: warm ask over eval/dev.jsonl{suffix}")
                results["warm_ask" + suffix] = warm_latency(engine_t, rounds=args.rounds)
                results["warm_ask" + suffix]["load_avg"] = os.getloadavg()[0]
                log(f"  {results['warm_ask' + suffix]['ask']}")
                log(f"latency: batch of {args.batch_n}{suffix}")
                results["batch" + suffix] = batch_throughput(engine_t, n=args.batch_n)
                results["batch" + suffix]["load_avg"] = os.getloadavg()[0]
                log(f"  {results['batch' + suffix]}")
        if "compare" in parts:
            import compare
            log("compare: Bronwijzer warm ask vs the tutorial RAG (dev + tuning)")
            results["compare"] = compare.run(home)
        if "xlsx" in parts:
            from latency import xlsx_batch
            from bronwijzer.engine import Engine
            engine = Engine.open(settings, embedder=embedder, build=False)
            log("xlsx: 1,000 and 5,000 questions into an .xlsx")
            results["xlsx"] = {n: xlsx_batch(engine, n) for n in ("1000", "5000")}
        if "int8" in parts:
            import int8
            results["int8"] = int8.run(settings)
        if "builds" in parts:
            from latency import build_memory, builds
            with temp_home() as build_home:
                log("builds: in-process, real model")
                results["builds"] = builds(build_home, embedder)
                log("builds: `bronwijzer build --force` as its own process")
                results["builds"]["process"] = build_memory(build_home)
        if "build_speed" in parts:
            import build_speed
            results["build_speed"] = build_speed.run()
            print(build_speed.table(results["build_speed"]))
        if "startup" in parts:
            import startup
            results["startup"] = startup.run(home)
        if "scale" in parts:
            import scale
            results["scale"] = scale.run(embedder, settings, n=args.scale)
            results["scale"]["crossover"] = scale.crossover(results["scale"]["dense"])
        if "backends" in parts:
            import backends
            results["backends"] = backends.run(home)
        if "ui_library" in parts:
            import ui_library
            log("ui_library: corpus and reference pages at 1,000 documents / 10,000 references")
            results["ui_library"] = ui_library.measure(1000, 10_000, repeat=15)
    results["bench_peak_rss_mib"] = self_peak_mib()
    results["load_avg_end"] = os.getloadavg()
    old = _load(args.output) if parts != list(PARTS) else {}
    merged = {**old, **results}            # a partial run updates its parts only
    merged["targets"] = targets(merged)
    merged["_targets_spec"] = {k: list(v) for k, v in TARGETS.items()}
    args.output.write_text(json.dumps(merged, indent=1, ensure_ascii=False), encoding="utf-8")
    print(table(merged))
    print(f"\nwritten: {args.output}")
    return 0


def _one_thread(settings, embedder):
    """An engine whose ONNX session runs on one thread (the same engine when not ONNX)."""
    from bronwijzer.engine import Engine
    from bronwijzer.model.onnx_embed import OnnxEmbedder
    if isinstance(embedder, OnnxEmbedder):
        embedder = OnnxEmbedder(embedder.folder, embedder.name, embedder.fingerprint, threads=1)
    return Engine.open(settings, embedder=embedder, build=False)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--only", help=f"comma-separated parts of {','.join(PARTS)}")
    p.add_argument("--scale", type=int, default=100_000, help="passages of the scale test")
    p.add_argument("--rounds", type=int, default=5, help="rounds over the dev questions")
    p.add_argument("--batch-n", type=int, default=1000, help="questions of the batch test")
    p.add_argument("--output", type=Path, default=ROOT / "bench" / "results.json")
    return p


def _load(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def targets(r: dict) -> dict:
    values = {
        "ask_p95_article": get_path(r, "warm_ask", "ask", "p95_ms"),
        "ask_p95_100k": get_path(r, "scale", "pipeline", "total", "p95_ms"),
        "page_served": get_path(r, "startup", "app", "page_s"),
        "page_over_gradio": get_path(r, "startup", "app", "page_over_import_gradio_s"),
        "answer_over_gradio": get_path(r, "startup", "app", "first_answer_over_import_gradio_s"),
        "batch_qps": get_path(r, "batch", "questions_per_s"),
        "app_rss": get_path(r, "startup", "app", "peak_rss_mib"),
        "tutorial_ratio": get_path(r, "compare", "tutorial_p95_over_bronwijzer_p95"),
        "cold_ask": get_path(r, "startup", "cold_ask", "median_s"),
        "cold_ask_rss": get_path(r, "startup", "cold_ask", "peak_rss_mib"),
    }
    one_thread = {
        "ask_p95_article": get_path(r, "warm_ask_threads1", "ask", "p95_ms"),
        "ask_p95_100k": get_path(r, "scale", "pipeline_1thread", "total", "p95_ms"),
        "batch_qps": get_path(r, "batch_threads1", "questions_per_s"),
    }
    out = {}
    for key, value in values.items():
        label, limit, unit, higher = TARGETS[key]
        met = None if value is None else (value >= limit if higher else value <= limit)
        out[key] = {"label": label, "value": value, "target": limit, "unit": unit, "met": met}
        alt = one_thread.get(key)
        if alt is not None:
            out[key]["value_1thread"] = alt
            out[key]["met_1thread"] = alt >= limit if higher else alt <= limit
    return out


if __name__ == "__main__":
    sys.exit(main())
