"""The UI at library size: the time to render a page of the corpus tab and of the reference
table, and one document's article map, at 1,000 documents and 10,000 references (synthetic
index records from ``tests/librarygen.py``: nothing parsed or embedded), with the machine's
load. For scale, the same lists rendered whole (what the UI sent before it paged).

    PYTHONPATH=src python bench/ui_library.py [--docs 1000] [--refs 10000] [--repeat 15]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests")]


def _test_module(name: str):
    """A helper module of ``tests/`` (the synthetic library, the fake embedder)."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "tests" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _median_ms(fn, repeat: int) -> float:
    """The median wall time of ``fn()`` in milliseconds."""
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        fn()
        times.append(time.perf_counter() - began)
    return round(statistics.median(times) * 1000, 2)


def _actions(docs: int, refs: int):
    """UI handlers over an engine on a synthetic library, and the seconds to make its index."""
    from bronwijzer.engine import Engine
    from bronwijzer.settings import Settings
    from bronwijzer.ui.actions import Actions
    from bronwijzer.ui.startup import EngineHolder
    began = time.perf_counter()
    index = _test_module("librarygen").library_index(docs, refs)
    engine = Engine(Settings(), _test_module("conftest").HashEmbedder(), index)
    made = time.perf_counter() - began
    holder = EngineHolder(lambda: engine)
    holder.get(timeout=60)
    return Actions(holder), engine, made


def measure(docs: int, refs: int, repeat: int) -> dict:
    """The timings (ms, medians of ``repeat``) and the sizes of what one page sends."""
    from bronwijzer.ui.articlemap import reference_table
    from bronwijzer.ui.views import render_corpus
    actions, engine, made = _actions(docs, refs)
    began = time.perf_counter()
    engine.document_page(1, 50)  # the catalogue is made by the first page asked for
    first = time.perf_counter() - began
    doc = engine.mapped_documents()[len(engine.mapped_documents()) // 2]
    html, _ = actions.corpus_page()
    table, _, _ = actions.reference_page()
    everything = engine.document_page(1, docs * 2)
    return {
        "docs": docs, "refs": refs, "passages": len(engine.passages()),
        "load_1min": round(os.getloadavg()[0], 2), "cpus": os.cpu_count(),
        "index_records_s": round(made, 2), "catalogue_first_page_s": round(first, 3),
        "corpus_page_ms": _median_ms(lambda: actions.corpus_page(), repeat),
        "corpus_page_last_ms": _median_ms(lambda: actions.corpus_page(page=999), repeat),
        "corpus_filtered_ms": _median_ms(lambda: actions.corpus_page("artikel 1", "pdf"), repeat),
        "reference_page_ms": _median_ms(lambda: actions.reference_page(), repeat),
        "reference_page_middle_ms": _median_ms(lambda: actions.reference_page(page=100), repeat),
        "reference_filtered_ms": _median_ms(
            lambda: actions.reference_page("jansen", "2000-2010", "", None, 1), repeat),
        "map_one_document_ms": _median_ms(lambda: actions.answer_map({}, doc), repeat),
        "corpus_page_html_kb": round(len(html.encode()) / 1024, 1),
        "reference_page_rows": len(table),
        "whole_corpus_ms": _median_ms(lambda: render_corpus(everything, engine.status()), 3),
        "whole_corpus_html_kb": round(len(render_corpus(everything, engine.status()).encode())
                                      / 1024, 1),
        "whole_reference_table_ms": _median_ms(
            lambda: reference_table(list(engine.reference_page(1, refs).rows)), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--refs", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    print(json.dumps(measure(args.docs, args.refs, args.repeat), indent=1))


if __name__ == "__main__":
    main()
