"""Shared fixtures: isolated paths for every test, a tiny fake embedder, and the
real engine (packaged model, real article) built once per session."""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

PROJECT = Path(__file__).resolve().parents[1]
ARTICLE = PROJECT / "corpus" / "ruimte-voor-economie-en-werk.txt"
MODEL_CACHE = PROJECT / ".cache"


class HashEmbedder:
    """A deterministic bag-of-words embedder for unit tests (no model)."""

    name = "hash-64"
    fingerprint = "hash-64-v1"
    dim = 64

    def __init__(self) -> None:
        self.calls: list[int] = []

    def embed_batch(self, texts, kind: str = "passage") -> np.ndarray:
        self.calls.append(len(texts))
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                h = int(hashlib.md5(word.encode()).hexdigest(), 16)
                out[row, h % self.dim] += 1.0 if (h >> 8) & 1 else -1.0
            norm = np.linalg.norm(out[row])
            out[row] = out[row] / norm if norm else out[row]
            if not norm:
                out[row, 0] = 1.0
        return out


@pytest.fixture(autouse=True)
def isolated_home(tmp_path, monkeypatch):
    """Every test gets its own project home; the model cache is shared."""
    home = tmp_path / "home"
    (home / "corpus" / "sources").mkdir(parents=True)
    monkeypatch.setenv("BRONWIJZER_HOME", str(home))
    monkeypatch.setenv("BRONWIJZER_CACHE_DIR", str(MODEL_CACHE))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    return home


@pytest.fixture
def fake_embedder():
    return HashEmbedder()


@pytest.fixture
def article_home(isolated_home):
    """The isolated home with the real article in its corpus."""
    shutil.copy(ARTICLE, isolated_home / "corpus" / ARTICLE.name)
    sources = PROJECT / "corpus" / "sources.json"
    if sources.exists():
        shutil.copy(sources, isolated_home / "corpus" / "sources.json")
    return isolated_home


@pytest.fixture(scope="session")
def real_engine(tmp_path_factory):
    """The engine with the real packaged model over the real article (built once)."""
    from bronwijzer.engine import Engine
    from bronwijzer.settings import Settings
    home = tmp_path_factory.mktemp("real")
    shutil.copytree(PROJECT / "corpus", home / "corpus",
                    ignore=shutil.ignore_patterns("sources"))
    (home / "corpus" / "sources").mkdir()
    settings = Settings(home=home, cache_dir=MODEL_CACHE)
    return Engine.open(settings)
