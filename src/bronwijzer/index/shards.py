"""Staged build work: shards of embedded passages, written with checksums, so that a
build killed at any point resumes where it stopped.

A shard is a run of consecutive passages to embed. Its key is the sha256 of the model
fingerprint and the shard's texts and sentence spans, so a shard found in the staging
folder is reused only for exactly the same input. Each shard is three plain files::

    <key>.passages.npy    the passages' vectors, float32
    <key>.sentences.npy   their sentences' vectors, in passage and sentence order
    <key>.json            rows, dim, and the sha256 of both .npy files (written last)

The JSON file is written last and atomically: a shard without it, or whose checksums
do not match, is embedded again. A worker whose model gives token states adds two more,
checked the same way (their absence or damage only costs encoding them on the driver)::

    <key>.tokens.npy      the passages' token vectors, float16 (index/tokens.py)
    <key>.offsets.npy     int64 (passages + 1,): passage ``i`` owns rows ``[o[i], o[i+1])``

Nothing here touches the live index.
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bronwijzer.files import atomic_write, sha256_file

STAGING = "staging"


@dataclass(frozen=True)
class Shard:
    """Passages ``start`` to ``end`` (exclusive) of the passages to embed."""

    key: str
    start: int
    end: int


def plan_shards(texts: list[str], spans: list, size: int, fingerprint: str) -> list[Shard]:
    """Cut the passages to embed into shards of ``size`` passages, keyed by content.

    Args:
        texts: the passages' texts.
        spans: each passage's sentence spans.
        size: passages per shard.
        fingerprint: the model's fingerprint (other weights, other keys).

    Returns:
        The shards, in passage order.
    """
    shards = []
    for start in range(0, len(texts), max(1, size)):
        end = min(start + max(1, size), len(texts))
        digest = hashlib.sha256(fingerprint.encode() + b"\0")
        for text, ss in zip(texts[start:end], spans[start:end]):
            digest.update(json.dumps([text, [list(s) for s in ss]]).encode() + b"\0")
        shards.append(Shard(digest.hexdigest()[:32], start, end))
    return shards


def npy_bytes(array: np.ndarray, dtype=np.float32) -> bytes:
    """An array as the bytes of a ``.npy`` file (no pickle), as ``dtype``."""
    buffer = io.BytesIO()
    np.save(buffer, np.ascontiguousarray(array, dtype=dtype), allow_pickle=False)
    return buffer.getvalue()


class ShardStore:
    """The staging folder of one index: finished shards, checked on every read."""

    def __init__(self, index_root: Path) -> None:
        self.folder = Path(index_root) / STAGING

    def done(self, shard: Shard) -> bool:
        """Whether the shard is in the folder, whole (both checksums match)."""
        try:
            meta = json.loads((self.folder / f"{shard.key}.json").read_text(encoding="utf-8"))
            return all(sha256_file(self.folder / f"{shard.key}.{part}.npy") == meta[part]
                       for part in ("passages", "sentences"))
        except (OSError, ValueError, KeyError, TypeError):
            return False

    def write(self, key: str, passages: bytes, sentences: bytes, tokens: bytes = b"",
              offsets: bytes = b"") -> None:
        """Store a shard's ``.npy`` files (the token parts when given), then (atomically,
        last) its JSON with their checksums."""
        self.folder.mkdir(parents=True, exist_ok=True)
        meta = {}
        parts = {"passages": passages, "sentences": sentences, "tokens": tokens,
                 "offsets": offsets}
        for part, data in parts.items():
            if data:
                atomic_write(self.folder / f"{key}.{part}.npy", data)
                meta[part] = hashlib.sha256(data).hexdigest()
        atomic_write(self.folder / f"{key}.json", json.dumps(meta))

    def read(self, shard: Shard) -> tuple[np.ndarray, np.ndarray]:
        """The shard's passage and sentence vectors."""
        return tuple(np.load(self.folder / f"{shard.key}.{part}.npy", allow_pickle=False)
                     for part in ("passages", "sentences"))

    def read_tokens(self, shard: Shard) -> list[np.ndarray] | None:
        """The token vectors of each of the shard's passages, or None when the shard has
        none (a model without token states) or they fail their checksums."""
        try:
            meta = json.loads((self.folder / f"{shard.key}.json").read_text(encoding="utf-8"))
            paths = [self.folder / f"{shard.key}.{part}.npy" for part in ("tokens", "offsets")]
            if not all(sha256_file(p) == meta[p.name.split(".")[1]] for p in paths):
                return None
            tokens, offsets = (np.load(p, allow_pickle=False) for p in paths)
        except (OSError, ValueError, KeyError, TypeError):
            return None
        if offsets.ndim != 1 or int(offsets[-1]) != len(tokens):
            return None
        return [tokens[a:b] for a, b in zip(offsets[:-1], offsets[1:])]

    def clear(self) -> None:
        """Remove the staging folder (after the build it served is live)."""
        shutil.rmtree(self.folder, ignore_errors=True)
