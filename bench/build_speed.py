"""Real-text build throughput and query latency: float32 vs 4-bit matmuls, and one encoder
pass per passage vs a pass per sentence (``bench/run.py --only build_speed``, or alone).

The texts are the article's passages and sentences as a build chunks them. Each variant
embeds them through ``OnnxEmbedder.embed_passages`` (what ``bronwijzer build`` runs) and
answers ~100 questions one at a time through ``embed_batch`` (the query path). The
variants take turns round by round, so a busy machine slows them alike; each figure is
the median over the rounds, with the 1-minute load average read from ``/proc/loadavg``
beside it. The 4-bit graphs are written into a throw-away folder of links to the model
folder (the cache is not touched).

    .venv/bin/python bench/build_speed.py --rounds 3
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import ARTICLE, CACHE, ROOT, log, summary_ms  # noqa: E402

GRAPHS = {"fp32": "onnx/model.onnx", "q4": "onnx/model_q4.onnx",
          "q4_int8": "onnx/model_q4_int8.onnx"}
LEVELS = {"q4": 0, "q4_int8": 4}


def load_avg() -> float:
    """The 1-minute load average."""
    return float(Path("/proc/loadavg").read_text().split()[0])


def linked_folder(folder: Path, into: Path) -> Path:
    """A folder of symbolic links to a model folder's files but its graphs, with the
    4-bit graphs written into it (onnx refuses linked weight files)."""
    from bronwijzer.model.onnx_4bit import export_4bit
    into.mkdir(parents=True)
    for path in folder.iterdir():
        if path.name != "onnx":
            (into / path.name).symlink_to(path)
    for name, level in LEVELS.items():
        export_4bit(folder, accuracy_level=level, out=into / GRAPHS[name])
    return into


def article_texts(settings) -> tuple[list[str], list[tuple]]:
    """The article's passage texts and their sentence spans, as a build makes them."""
    from bronwijzer.corpus.loader import load_corpus
    from bronwijzer.index.build import sentence_spans
    from bronwijzer.index.chunk import chunk_document
    documents, _ = load_corpus(ARTICLE.parent)
    passages = [p for d in documents for p in chunk_document(
        d, max_chars=settings.chunk_max_chars, min_chars=settings.chunk_min_chars)]
    return [p.text for p in passages], [sentence_spans(p.text) for p in passages]


def questions(n: int) -> list[str]:
    """Up to ``n`` questions of the project's eval sets (tuning first, then dev)."""
    found = []
    for path in (ROOT / "eval" / "tuning.jsonl", ROOT / "eval" / "dev.jsonl"):
        found += [json.loads(line)["question"]
                  for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return found[:n]


def build_round(embedder, texts, spans, one_pass: bool) -> dict:
    """One build-like pass over the texts."""
    load = load_avg()
    began, cpu = time.perf_counter(), time.process_time()
    _, sentences = embedder.embed_passages(texts, spans, one_pass=one_pass)
    seconds = time.perf_counter() - began
    cpu = time.process_time() - cpu
    return {"s": seconds, "passages_per_s": len(texts) / seconds,
            "texts_per_s": (len(texts) + len(sentences)) / seconds, "cpu_s": cpu, "load": load}


def query_round(embedder, asked: list[str]) -> dict:
    """One question at a time, as ``ask`` embeds it."""
    load = load_avg()
    times, cpu = [], time.process_time()
    for question in asked:
        began = time.perf_counter()
        embedder.embed_batch([question], kind="query")
        times.append(time.perf_counter() - began)
    cpu_ms = (time.process_time() - cpu) * 1000 / max(len(asked), 1)
    return {**summary_ms(times), "cpu_ms": cpu_ms, "load": load}


def _median(rounds: list[dict], key: str) -> float:
    return round(statistics.median(r[key] for r in rounds), 3)


def run(rounds: int = 3, n_questions: int = 100, threads: int | None = None) -> dict:
    """Measure every variant; returns the medians per variant (and the rounds).

    Wall times follow the machine's load; CPU seconds (``cpu_s``, ``cpu_ms`` per
    question) much less, most of all with ``threads=1`` (no spinning pool threads).
    """
    from bronwijzer.model.convert import default_fingerprint, ensure_default_model
    from bronwijzer.model.onnx_embed import OnnxEmbedder
    from bronwijzer.settings import Settings

    settings = Settings(cache_dir=CACHE)
    folder = ensure_default_model(CACHE)
    texts, spans = article_texts(settings)
    asked = questions(n_questions)
    with tempfile.TemporaryDirectory() as tmp:
        log("build_speed: writing the 4-bit graphs")
        linked = linked_folder(folder, Path(tmp) / "model")
        embedders = {name: OnnxEmbedder(linked if name in LEVELS else folder, settings.model,
                                        default_fingerprint(), graph=graph, threads=threads,
                                        batch_size=settings.embed_batch_size)
                     for name, graph in GRAPHS.items()}
        seen: dict[str, list[dict]] = {}
        for r in range(rounds):
            for name, embedder in embedders.items():
                for one_pass in (False, True):
                    key = f"build_{name}_{'one_pass' if one_pass else 'sentence_passes'}"
                    seen.setdefault(key, []).append(build_round(embedder, texts, spans, one_pass))
                seen.setdefault(f"query_{name}", []).append(query_round(embedder, asked))
            log(f"build_speed: round {r + 1} of {rounds} (load {load_avg():.2f})")
    out: dict = {"passages": len(texts), "sentences": sum(len(s) for s in spans),
                 "questions": len(asked), "rounds": rounds, "threads": threads or "all"}
    for key, found in seen.items():
        fields = (("passages_per_s", "texts_per_s", "s", "cpu_s") if key.startswith("build")
                  else ("p50_ms", "p95_ms", "mean_ms", "cpu_ms"))
        out[key] = {f: _median(found, f) for f in fields}
        out[key]["load"] = [round(r["load"], 2) for r in found]
    return out


def table(result: dict) -> str:
    """The figures as a text table."""
    lines = [f"{result['passages']} passages, {result['sentences']} sentences, "
             f"{result['questions']} questions, median of {result['rounds']} rounds, "
             f"threads: {result['threads']}"]
    for key, row in result.items():
        if isinstance(row, dict):
            figures = ", ".join(f"{k} {v}" for k, v in row.items() if k != "load")
            lines.append(f"  {key:<32} {figures}  (load {row['load']})")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--questions", type=int, default=100)
    parser.add_argument("--threads", type=int, help="onnxruntime threads (default: all)")
    parser.add_argument("--output", type=Path, help="also write the figures as JSON here")
    args = parser.parse_args(argv)
    result = run(args.rounds, args.questions, args.threads)
    print(table(result))
    if args.output:
        args.output.write_text(json.dumps(result, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
