"""Texts a build embeds once and stores beside the passages, so that no question pays
the pass over them when an index is opened:

    b-<id>/expansion_words.json, expansion_vectors.npy
        the corpus's content words, as queries (index/expansion.py, search/expand.py)
    b-<id>/card_texts.json, card_vectors.npy
        each reference's "who" and "what" lines, as passages (cite/cards.py); 24
        references took 0.75 s at the first card question, 10,000 would take minutes

Each pair is a JSON list of distinct texts and a float32 array with one row per text.
A new build reuses the vectors of the texts the live build holds, when the live build
was made with the same model (name and fingerprint); the others are embedded.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class TextVectors:
    """One kind of stored texts: its two file names and how its texts are embedded.

    Args:
        texts_file: the JSON list of texts.
        vectors_file: their vectors (``.npy``, float32, one row per text).
        kind: ``"query"`` or ``"passage"`` (the embedder's ``kind``).
    """

    texts_file: str
    vectors_file: str
    kind: str

    def missing(self, folder: Path | None) -> bool:
        """Whether a build folder lacks these files (it was built before they were stored)."""
        return folder is not None and not (Path(folder) / self.texts_file).is_file()

    def read(self, folder: Path | None) -> tuple[list[str], np.ndarray] | None:
        """The stored texts and vectors; None for a build made before they were stored.

        Raises:
            ValueError: when the two files disagree (the build is damaged).
        """
        if folder is None or self.missing(folder):
            return None
        texts = json.loads((Path(folder) / self.texts_file).read_text(encoding="utf-8"))
        vectors = np.load(Path(folder) / self.vectors_file, allow_pickle=False)
        if not isinstance(texts, list) or len(texts) != len(vectors):
            raise ValueError(f"{self.texts_file} holds {len(texts)} texts, {self.vectors_file} "
                             f"{len(vectors)} vectors")
        return texts, vectors

    def write(self, folder: Path, texts: list[str], embedder, live: Path | None = None) -> None:
        """Write the two files into a new build folder, reusing the live build's vectors.

        Args:
            folder: the new build's folder.
            texts: the distinct texts, in the order they are stored.
            embedder: the index's embedder, or a callable returning it (called only when a
                text needs a pass: a Ray build's driver has none loaded).
            live: a build folder made with the same model, whose stored vectors are reused.
        """
        stored = self.read(live)
        known = dict(zip(*stored)) if stored else {}
        fresh = [t for t in texts if t not in known]
        if fresh:
            made = isinstance(embedder, type) or not hasattr(embedder, "embed_batch")
            model = embedder() if made else embedder
            known.update(zip(fresh, embed_texts(model, fresh, self.kind)))
        dim = len(next(iter(known.values()))) if known else 1
        vectors = np.stack([known[t] for t in texts]) if texts else np.zeros((0, dim), np.float32)
        (Path(folder) / self.texts_file).write_text(json.dumps(texts, ensure_ascii=False),
                                                    encoding="utf-8")
        np.save(Path(folder) / self.vectors_file, np.asarray(vectors, dtype=np.float32))


def embed_texts(embedder, texts: list[str], kind: str) -> np.ndarray:
    """The texts' vectors (float32; an empty ``(0, dim)`` array for no texts)."""
    dim = int(getattr(embedder, "dim", 1) or 1)
    return (np.asarray(embedder.embed_batch(texts, kind=kind), dtype=np.float32) if texts
            else np.zeros((0, dim), np.float32))


EXPANSION = TextVectors("expansion_words.json", "expansion_vectors.npy", "query")
CARDS = TextVectors("card_texts.json", "card_vectors.npy", "passage")
STORED = (EXPANSION, CARDS)


def card_texts(references) -> list[str]:
    """The distinct "who" and "what" lines of the references (``Reference.who``/``what``),
    sorted: what ``CARDS`` stores."""
    return sorted({line for r in references for line in (r.who, r.what)})


def same_model(live_manifest: dict | None, manifest: dict) -> bool:
    """Whether the live build was embedded with the new build's model (name and
    fingerprint), so that its stored vectors can be reused."""
    return bool(live_manifest) and all(
        live_manifest.get(key) == manifest.get(key) for key in ("model", "fingerprint"))
