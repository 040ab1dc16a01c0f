"""One side of the warm-latency comparison, as its own process (``compare.py`` runs it).

``python warm_worker.py bronwijzer|tutorial QUESTIONS.json ROUNDS OUT.json``: loads its
system, warms it up, then answers every question ``ROUNDS`` times one at a time and
writes the seconds of each answer, the load average and its peak RSS.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import ARTICLE, CACHE, self_peak_mib  # noqa: E402


def _system(kind: str):
    """A function answering one question, and what it is."""
    if kind == "tutorial":
        from tutorial_rag import TutorialRAG
        rag = TutorialRAG(ARTICLE.read_text(encoding="utf-8"))
        return rag.search, f"{len(rag.chunks)} chunks of <= 1000 characters, MiniLM, FAISS flat"
    from bronwijzer.engine import Engine
    from bronwijzer.settings import Settings
    settings = Settings(home=Path.cwd(), cache_dir=CACHE)
    embedder = Engine.load_embedder(settings)
    engine = Engine.open(settings, embedder=embedder, build=False)
    return engine.ask, (f"{len(engine.passages())} passages, "
                        f"{type(embedder).__name__}, hybrid + answer")


def main() -> int:
    kind, questions, rounds, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    texts = json.loads(Path(questions).read_text(encoding="utf-8"))
    began = time.perf_counter()
    answer, what = _system(kind)
    load_s = time.perf_counter() - began
    for text in texts[:5]:
        answer(text)                                  # warm-up
    seconds = []
    for _ in range(rounds):
        for text in texts:
            t = time.perf_counter()
            answer(text)
            seconds.append(time.perf_counter() - t)
    Path(out).write_text(json.dumps({"seconds": seconds, "load_s": load_s, "what": what,
                                     "load_avg": os.getloadavg()[0],
                                     "peak_rss_mib": self_peak_mib(),
                                     "torch_imported": "torch" in sys.modules}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
