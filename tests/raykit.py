"""Embedders for tests of builds on Ray: importable by Ray's worker processes (the
tests folder is on their PYTHONPATH), with faults to inject into a worker."""

from __future__ import annotations

import os
import time
from pathlib import Path

from conftest import HashEmbedder

_BATCHES = {"n": 0}


class SlowEmbedder(HashEmbedder):
    """The fake embedder, ``delay`` seconds per batch (so a build can be caught midway)."""

    def __init__(self, delay: float = 0.2) -> None:
        super().__init__()
        self.delay = delay

    def embed_batch(self, texts, kind="passage"):
        time.sleep(self.delay)
        return super().embed_batch(texts, kind)


class DyingEmbedder(HashEmbedder):
    """The fake embedder in a worker that dies (the whole process, as a crash or an OOM
    kill would) at its ``after``-th batch, once per ``marker`` file."""

    def __init__(self, marker: str, after: int = 2) -> None:
        super().__init__()
        self.marker, self.after = Path(marker), after

    def embed_batch(self, texts, kind="passage"):
        _BATCHES["n"] += 1
        if _BATCHES["n"] >= self.after and not self.marker.exists():
            self.marker.write_text(str(os.getpid()))
            os._exit(1)
        return super().embed_batch(texts, kind)


class PoisonedEmbedder(HashEmbedder):
    """Kills every worker that meets the ``poison`` text while the ``antidote`` file does
    not exist: a fault that outlives Ray's restarts."""

    def __init__(self, antidote: str, poison: str) -> None:
        super().__init__()
        self.antidote, self.poison = Path(antidote), poison

    def embed_batch(self, texts, kind="passage"):
        if self.poison in texts and not self.antidote.exists():
            os._exit(1)
        return super().embed_batch(texts, kind)
