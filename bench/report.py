"""The benchmark's printed table (``run.py`` writes the figures, this formats them)."""

from __future__ import annotations


def get_path(data, *keys):
    """``data[k1][k2]...``, or None where a key is missing."""
    for key in keys:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data


def table(r: dict) -> str:
    rows: list[tuple[str, str, str]] = []

    def add(label, value, note=""):
        if value is not None:
            rows.append((label, str(value), note))

    for key, t in (r.get("targets") or {}).items():
        cmp = ">=" if r["_targets_spec"][key][3] else "<="
        state = "—" if t["met"] is None else ("MET" if t["met"] else "MISSED")
        if "value_1thread" in t:
            state += (f"; 1 thread: {t['value_1thread']} {t['unit']} "
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
            add(f"warm {part} (article), 1 thread",
                f"p50 {wa1[part]['p50_ms']} / p95 {wa1[part]['p95_ms']} ms", f"n={wa1[part]['n']}")
    for key, label in (("batch", "batch ask_many"), ("batch_threads1", "batch ask_many, 1 thread")):
        b = r.get(key)
        if b:
            add(label, f"{b['questions_per_s']} q/s",
                f"{b['questions']} questions in batches of {b['batch']}, {b['seconds']} s")
    cmp_ = r.get("compare") or {}
    for kind in ("bronwijzer", "tutorial"):
        if kind in cmp_:
            x = cmp_[kind]
            add(f"warm {kind} over dev+tuning", f"p50 {x['p50_ms']} / p95 {x['p95_ms']} ms",
                f"n={x['n']}; load avg {x['load_avg']}; {x['what']}")
    add("tutorial p95 / Bronwijzer p95", cmp_.get("tutorial_p95_over_bronwijzer_p95"))
    for n, x in (r.get("xlsx") or {}).items():
        add(f"xlsx batch of {n}", f"{x['seconds']} s", f"{x['questions_per_s']} q/s, "
            f"{x['ms_per_question']} ms/question; load avg {x['load_avg']}")
    for name, x in (r.get("int8") or {}).items():
        if isinstance(x, dict):
            add(f"int8: {name}", x.get("summary"), x.get("note", ""))
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
    app = get_path(r, "startup", "app") or {}
    add("app: page served", app.get("page_s") and f"{app['page_s']} s",
        app.get("page_runs_s")
        and f"median of {app['page_runs_s']}; load avg {app.get('load_avg')}")
    add("  page served, no engine loading", app.get("page_without_engine_s") and
        f"{app['page_without_engine_s']} s", "the UI alone: import gradio, build, launch")
    add("  import gradio alone", app.get("import_gradio_s") and f"{app['import_gradio_s']} s")
    add("app: first answer after start", app.get("first_answer_s") and f"{app['first_answer_s']} s",
        app.get("first_answer_runs_s") and f"median of {app['first_answer_runs_s']}")
    if app.get("http_chat"):
        add("app: warm chat over HTTP", f"p50 {app['http_chat']['p50_ms']} / "
            f"p95 {app['http_chat']['p95_ms']} ms")
    if app.get("concurrent"):
        add("app: concurrent chat requests",
            f"{app['concurrent']['requests']} in {app['concurrent']['seconds']} s")
    add("app: peak RSS", app.get("peak_rss_mib") and f"{app['peak_rss_mib']} MiB",
        "VmHWM after the first answer, 30 warm and 20 concurrent chats")
    cold = get_path(r, "startup", "cold_ask") or {}
    add("cold `bronwijzer ask` (new process)", cold.get("median_s") and f"{cold['median_s']} s",
        cold and f"CPU {cold.get('median_cpu_s')} s; peak RSS {cold['peak_rss_mib']} MiB; "
                 f"stderr empty: {cold.get('stderr_empty')}; load avg {cold.get('load_avg')}; "
                 f"(import sentence-transformers alone {cold['import_sentence_transformers_s']} s)")
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
