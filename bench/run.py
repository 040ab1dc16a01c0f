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

PARTS = ("latency", "builds", "startup", "scale", "backends")
TARGETS = {  # key: (label, limit, unit, higher_is_better)
    "ask_p95_article": ("warm ask p95, article", 60, "ms", False),
    "ask_p95_100k": ("warm ask p95, 100k passages", 150, "ms", False),
    "page_served": ("page served after start", 3, "s", False),
    "batch_qps": ("batch throughput", 15, "q/s", True),
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
        import torch
        results["machine"]["torch_threads"] = torch.get_num_threads()
        if {"latency", "startup", "backends"} & set(parts):
            from bronwijzer.index.build import build_index
            build_index(settings, embedder)
        if "latency" in parts:
            from latency import batch_throughput, warm_latency

            from bronwijzer.engine import Engine
            engine = Engine.open(settings, embedder=embedder, build=False)
            default_threads = torch.get_num_threads()
            for threads in dict.fromkeys((default_threads, 1)):
                torch.set_num_threads(threads)
                suffix = "" if threads == default_threads else f"_threads{threads}"
                log(f"latency: warm ask over eval/dev.jsonl (torch threads {threads})")
                results["warm_ask" + suffix] = warm_latency(engine, rounds=args.rounds)
                results["warm_ask" + suffix]["load_avg"] = os.getloadavg()[0]
                log(f"  {results['warm_ask' + suffix]['ask']}")
                log(f"latency: batch of {args.batch_n} (torch threads {threads})")
                results["batch" + suffix] = batch_throughput(engine, n=args.batch_n)
                results["batch" + suffix]["load_avg"] = os.getloadavg()[0]
                log(f"  {results['batch' + suffix]}")
            torch.set_num_threads(default_threads)
        if "builds" in parts:
            from latency import build_memory, builds
            with temp_home() as build_home:
                log("builds: in-process, real model")
                results["builds"] = builds(build_home, embedder)
                log("builds: `bronwijzer build --force` as its own process")
                results["builds"]["process"] = build_memory(build_home)
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
    results["bench_peak_rss_mib"] = self_peak_mib()
    results["load_avg_end"] = os.getloadavg()
    old = _load(args.output) if parts != list(PARTS) else {}
    merged = {**old, **results}            # a partial run updates its parts only
    merged["targets"] = targets(merged)
    args.output.write_text(json.dumps(merged, indent=1, ensure_ascii=False), encoding="utf-8")
    print(table(merged))
    print(f"\nwritten: {args.output}")
    return 0


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


def _get(data, *keys):
    for key in keys:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data


def targets(r: dict) -> dict:
    values = {
        "ask_p95_article": _get(r, "warm_ask", "ask", "p95_ms"),
        "ask_p95_100k": _get(r, "scale", "pipeline", "total", "p95_ms"),
        "page_served": _get(r, "startup", "app", "page_s"),
        "batch_qps": _get(r, "batch", "questions_per_s"),
        "app_rss": _get(r, "startup", "app", "peak_rss_mib"),
    }
    one_thread = {
        "ask_p95_article": _get(r, "warm_ask_threads1", "ask", "p95_ms"),
        "ask_p95_100k": _get(r, "scale", "pipeline_1thread", "total", "p95_ms"),
        "batch_qps": _get(r, "batch_threads1", "questions_per_s"),
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


def table(r: dict) -> str:
    rows: list[tuple[str, str, str]] = []

    def add(label, value, note=""):
        if value is not None:
            rows.append((label, str(value), note))

    for key, t in (r.get("targets") or targets(r)).items():
        cmp = ">=" if TARGETS[key][3] else "<="
        state = "—" if t["met"] is None else ("MET" if t["met"] else "MISSED")
        if "value_1thread" in t:
            state += (f"; torch/faiss 1 thread: {t['value_1thread']} {t['unit']} "
                      f"{'MET' if t['met_1thread'] else 'MISSED'}")
        add(f"TARGET {t['label']}", None if t["value"] is None else f"{t['value']} {t['unit']}",
            f"{cmp} {t['target']} {t['unit']}: {state}")
        if t["value"] is None:
            rows.append((f"TARGET {t['label']}", "not measured", f"{cmp} {t['target']} {t['unit']}"))
    wa = r.get("warm_ask") or {}
    for part in ("embed", "search", "answer", "total", "ask"):
        if part in wa:
            add(f"warm {part} (article)", f"p50 {wa[part]['p50_ms']} / p95 {wa[part]['p95_ms']} ms",
                f"n={wa[part]['n']}")
    wa1 = r.get("warm_ask_threads1") or {}
    for part in ("embed", "ask"):
        if part in wa1:
            add(f"warm {part} (article), torch 1 thread",
                f"p50 {wa1[part]['p50_ms']} / p95 {wa1[part]['p95_ms']} ms", f"n={wa1[part]['n']}")
    for key, label in (("batch", "batch ask_many"), ("batch_threads1", "batch ask_many, 1 thread")):
        b = r.get(key)
        if b:
            add(label, f"{b['questions_per_s']} q/s",
                f"{b['questions']} questions in batches of {b['batch']}, {b['seconds']} s")
    builds = r.get("builds") or {}
    for key, label in (("article_scratch", "build from scratch, article"),
                       ("corpus_scratch", "build from scratch, article + 10 sources"),
                       ("incremental_one_doc", "incremental build, one document changed"),
                       ("noop", "build with nothing changed")):
        x = builds.get(key)
        if x:
            add(label, f"{x['seconds']} s",
                "up to date, skipped" if x.get("skipped") else
                f"{x['passages']} passages ({x['passages_per_s']} passages/s); "
                f"{x['embedded']} texts embedded ({x['embedded_per_s']}/s), {x['reused']} reused")
    if builds.get("incremental_one_doc"):
        add("  unchanged texts re-embedded", builds["incremental_one_doc"]["unchanged_reembedded"])
    proc = builds.get("process")
    if proc:
        add("`bronwijzer build --force` process", f"{proc['seconds']} s",
            f"peak RSS {proc['peak_rss_mib']} MiB")
    app = _get(r, "startup", "app") or {}
    add("app: page served", app.get("page_s") and f"{app['page_s']} s")
    add("  page served, no engine loading", app.get("page_without_engine_s") and
        f"{app['page_without_engine_s']} s", "the UI alone: import gradio, build, launch")
    add("  import gradio alone", app.get("import_gradio_s") and f"{app['import_gradio_s']} s")
    add("app: first answer after start", app.get("first_answer_s") and f"{app['first_answer_s']} s")
    if app.get("http_chat"):
        add("app: warm chat over HTTP", f"p50 {app['http_chat']['p50_ms']} / "
            f"p95 {app['http_chat']['p95_ms']} ms")
    if app.get("concurrent"):
        add("app: concurrent chat requests",
            f"{app['concurrent']['requests']} in {app['concurrent']['seconds']} s")
    add("app: peak RSS", app.get("peak_rss_mib") and f"{app['peak_rss_mib']} MiB",
        "VmHWM after the first answer, 30 warm and 20 concurrent chats")
    cold = _get(r, "startup", "cold_ask") or {}
    add("cold `bronwijzer ask` (new process)", cold.get("median_s") and f"{cold['median_s']} s",
        cold and f"peak RSS {cold['peak_rss_mib']} MiB; import sentence-transformers "
                 f"{cold['import_sentence_transformers_s']} s")
    sc = r.get("scale") or {}
    for row in sc.get("dense", []):
        add(f"dense {row['size']:>7,}: exact", f"p50 {row['flat_query']['p50_ms']} / "
            f"p95 {row['flat_query']['p95_ms']} ms", f"build {row['flat_build_s']} s, "
            f"{row['flat_bytes_mib']} MiB")
        one = row.get("flat_query_1thread")
        if one:
            add(f"dense {row['size']:>7,}: exact, 1 thread",
                f"p50 {one['p50_ms']} / p95 {one['p95_ms']} ms")
        for ef in (64, 128):
            q = row.get(f"hnsw_ef{ef}_query")
            if q:
                rec = row[f"hnsw_ef{ef}_recall10"]
                add(f"dense {row['size']:>7,}: HNSW ef{ef}",
                    f"p50 {q['p50_ms']} / p95 {q['p95_ms']} ms",
                    f"recall@10 dev {rec['dev']}, near-dup {rec['near']} (@1 {rec.get('near_at1')});"
                    f" build {row['hnsw_build_s']} s, {row['hnsw_bytes_mib']} MiB")
    if sc.get("crossover"):
        add("approximate worthwhile from", sc["crossover"],
            "exact p95 (1 thread) > 5 ms and HNSW ef128 recall@10 >= 0.95 on dev queries")
    if sc.get("bm25"):
        bm = sc["bm25"]
        add(f"BM25 {bm['passages']:,}", f"build {bm['build_s']} s",
            f"query p50 {bm['query']['p50_ms']} / p95 {bm['query']['p95_ms']} ms; "
            f"+{bm['rss_growth_mib']} MiB")
    for key, label in (("pipeline", ""), ("pipeline_1thread", ", 1 thread")):
        pipe = sc.get(key) or {}
        for part in ("embed", "search", "answer", "total"):
            if part in pipe:
                add(f"ask at {sc['passages']:,}{label}: {part}",
                    f"p50 {pipe[part]['p50_ms']} / p95 {pipe[part]['p95_ms']} ms")
        for part, s in (pipe.get("search_breakdown") or {}).items():
            add(f"  search part{label}: {part}", f"p50 {s['p50_ms']} / p95 {s['p95_ms']} ms")
    for name, x in (r.get("backends") or {}).items():
        if isinstance(x, dict):
            add(f"backend {name}", x.get("summary") or x.get("status"), x.get("note", ""))
    width = max(len(a) for a, _, _ in rows) if rows else 10
    vwidth = max(len(b) for _, b, _ in rows) if rows else 10
    lines = [f"{'measure':<{width}}  {'value':<{vwidth}}  note", "-" * (width + vwidth + 40)]
    lines += [f"{a:<{width}}  {b:<{vwidth}}  {c}" for a, b, c in rows]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
