"""Token vectors and late interaction (MaxSim) over the embedding model's last hidden states.

A text's token vectors are the model's last hidden states for ``prompt + text``, without
the special tokens (``<s>``, ``</s>``) and the prompt's own tokens, each L2-normalised
(``../shared/notes/late-interaction.md``). ``maxsim`` scores a question against a passage
as the mean, over the question's tokens, of the best cosine to any passage token.

Passage token vectors are written at build time (fp16, :mod:`bronwijzer.index.tokens`)
for a corpus of at most ``Settings.token_vectors_max_passages`` passages and read
memory-mapped. Otherwise (a larger corpus, an index built before they were stored, a Ray
build) they are computed at query time, only for the candidates a ranker re-scores, and
kept per passage in a ``TokenCache`` (fp16), so each passage is encoded at most once per
loaded index. A question's token vectors come from the pass that embeds it when the
embedder offers that (``embed_queries_with_tokens``; see ``Retriever.embed_queries``).
"""

from __future__ import annotations

import threading
from typing import Sequence

import numpy as np


def token_vectors(embedder, texts: Sequence[str], kind: str) -> list[np.ndarray]:
    """The normalised token vectors of each text.

    Args:
        embedder: an ``Embedder``. One with a ``token_vectors(texts, kind)`` method is
            asked directly; an ONNX embedder is run for its hidden states; any other
            embeds each word on its own (a stand-in for embedders without token states).
        texts: the texts.
        kind: ``"query"`` or ``"passage"``.

    Returns:
        One float32 array ``(tokens, dim)`` per text (at least one row each).
    """
    texts = list(texts)
    if hasattr(embedder, "token_vectors"):
        vectors = list(embedder.token_vectors(texts, kind))
    elif hasattr(embedder, "session") and hasattr(embedder, "encode"):
        vectors = _onnx_states(embedder, texts, kind)
    else:
        vectors = [_word_vectors(embedder, text, kind) for text in texts]
    return [normalised(v) for v in vectors]


def maxsim_many(question: np.ndarray, passages: Sequence[np.ndarray]) -> np.ndarray:
    """``maxsim`` of one question against several passages, in one matrix product.

    Args:
        question: ``(q, dim)`` normalised token vectors.
        passages: ``(p_i, dim)`` normalised token vectors per passage.

    Returns:
        A float32 array with one score per passage (0.0 for a passage without tokens).
    """
    out = np.zeros(len(passages), dtype=np.float32)
    sizes = np.array([len(p) for p in passages], dtype=np.int64)
    keep = np.flatnonzero(sizes > 0)
    if not len(question) or not len(keep):
        return out
    stacked = np.concatenate([passages[i] for i in keep]).astype(np.float32)
    sims = stacked @ question.astype(np.float32).T
    starts = np.concatenate([[0], np.cumsum(sizes[keep])[:-1]])
    out[keep] = np.maximum.reduceat(sims, starts, axis=0).mean(axis=1)
    return out


def maxsim(question: np.ndarray, passage: np.ndarray) -> float:
    """Mean over the question's tokens of the best cosine to a passage token.

    Args:
        question: ``(q, dim)`` normalised token vectors.
        passage: ``(p, dim)`` normalised token vectors.

    Returns:
        The score in [-1, 1] (0.0 when either side has no tokens).
    """
    if not len(question) or not len(passage):
        return 0.0
    sims = question.astype(np.float32) @ passage.astype(np.float32).T
    return float(sims.max(axis=1).mean())


def normalised(vectors: np.ndarray) -> np.ndarray:
    """Token vectors scaled to unit length (float32, one row per token).

    Args:
        vectors: ``(tokens, dim)`` states.

    Returns:
        The rows L2-normalised.
    """
    vectors = np.asarray(vectors, dtype=np.float32).reshape(-1, np.shape(vectors)[-1])
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


class TokenCache:
    """Passage token vectors by passage id: the index's stored ones, else computed when
    first asked (fp16).

    Args:
        embedder: the index's embedder.
        index: the loaded ``Index``; its stored token vectors (when it has them) are
            used without encoding.
    """

    def __init__(self, embedder, index=None) -> None:
        self.embedder = embedder
        self.index = index if getattr(index, "token_offsets", None) is not None else None
        self._vectors: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()

    def get(self, passages) -> list[np.ndarray]:
        """The token vectors of these passages, encoding only those not seen before.

        Args:
            passages: ``Passage`` records.

        Returns:
            One ``(tokens, dim)`` fp16 array per passage, in order.
        """
        if self.index is not None:
            rows = self.index.rows
            if all(p.id in rows for p in passages):
                return [self.index.tokens_of(rows[p.id]) for p in passages]
        missing = [p for p in passages if p.id not in self._vectors]
        if missing:
            fresh = token_vectors(self.embedder, [p.text for p in missing], "passage")
            with self._lock:
                for p, v in zip(missing, fresh):
                    self._vectors[p.id] = v.astype(np.float16)
        return [self._vectors[p.id] for p in passages]


def _word_vectors(embedder, text: str, kind: str) -> np.ndarray:
    words = text.split() or [text or " "]
    return embedder.embed_batch(words, kind=kind)


def _prompt_ids(embedder, kind: str) -> list[int]:
    """The prompt's own token ids (without specials), as they start an encoded text."""
    prompt = (getattr(embedder, "prompts", None) or {}).get(kind) or ""
    return list(embedder.encode(prompt.strip())[1:-1]) if prompt.strip() else []


def _onnx_states(embedder, texts: list[str], kind: str, batch: int = 8) -> list[np.ndarray]:
    """Last hidden states of an ``OnnxEmbedder`` per text, specials and prompt dropped."""
    from bronwijzer.model.onnx_embed import content_states
    prompt = (getattr(embedder, "prompts", None) or {}).get(kind) or ""
    head = _prompt_ids(embedder, kind)
    encoded = [embedder.encode(prompt + t) for t in texts]
    inputs = {i.name for i in embedder.session.get_inputs()}
    pad = getattr(embedder, "_pad", 0)
    out: list[np.ndarray] = [np.zeros((0, 0), np.float32)] * len(texts)
    order = sorted(range(len(encoded)), key=lambda i: len(encoded[i]))
    for start in range(0, len(order), batch):
        rows = order[start:start + batch]
        width = max(len(encoded[i]) for i in rows)
        ids = np.full((len(rows), width), pad, dtype=np.int64)
        mask = np.zeros_like(ids)
        for r, i in enumerate(rows):
            ids[r, :len(encoded[i])] = encoded[i]
            mask[r, :len(encoded[i])] = 1
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        hidden = embedder.session.run(None, {k: v for k, v in feeds.items() if k in inputs})[0]
        for r, i in enumerate(rows):
            out[i] = content_states(hidden[r], encoded[i], head)
    return out
