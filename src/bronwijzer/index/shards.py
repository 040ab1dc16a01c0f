"""Staged build work: shards of embedded passages, written with checksums, so that a
build killed at any point resumes where it stopped.

A shard is a run of consecutive passages to embed. Its key is the sha256 of the model
fingerprint and the shard's texts and sentence spans, so a shard found in the staging
folder is reused only for exactly the same input. Each shard is three plain files::

    <key>.passages.npy    the passages' vectors, float32
    <key>.sentences.npy   their sentences' vectors, in passage and sentence order
    <key>.json            rows, dim, and the sha256 of both .npy files (written last)

The JSON file is written last and atomically: a shard without it, or whose checksums
do not match, is embedded again. Nothing here touches the live index.
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


def npy_bytes(array: np.ndarray) -> bytes:
    """An array as the bytes of a ``.npy`` file (no pickle)."""
    buffer = io.BytesIO()
    np.save(buffer, np.ascontiguousarray(array, dtype=np.float32), allow_pickle=False)
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

    def write(self, key: str, passages: bytes, sentences: bytes) -> None:
        """Store a shard's two ``.npy`` files, then (atomically, last) its JSON."""
        self.folder.mkdir(parents=True, exist_ok=True)
        meta = {}
        for part, data in (("passages", passages), ("sentences", sentences)):
            atomic_write(self.folder / f"{key}.{part}.npy", data)
            meta[part] = hashlib.sha256(data).hexdigest()
        atomic_write(self.folder / f"{key}.json", json.dumps(meta))

    def read(self, shard: Shard) -> tuple[np.ndarray, np.ndarray]:
        """The shard's passage and sentence vectors."""
        return tuple(np.load(self.folder / f"{shard.key}.{part}.npy", allow_pickle=False)
                     for part in ("passages", "sentences"))

    def clear(self) -> None:
        """Remove the staging folder (after the build it served is live)."""
        shutil.rmtree(self.folder, ignore_errors=True)
