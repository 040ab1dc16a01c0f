"""An embedder over onnxruntime: the query path without torch or sentence-transformers.

:class:`OnnxEmbedder` runs a model folder's ``onnx/model.onnx`` (written by
``bronwijzer model build``; or a 4-bit graph, :mod:`bronwijzer.model.onnx_4bit`) with
the folder's ``tokenizer.json``, onnxruntime and numpy, and computes what the folder's
sentence-transformers pipeline computes: the prompt of the kind (``query: ``/
``passage: ``) prepended, truncation at the folder's ``max_seq_length`` (512), mean
pooling over the attention mask, L2 normalisation. Its vectors equal the torch path's
(cosine >= 0.9999, tested), so both carry the same fingerprint and serve the same index.
Questions are tokenized by :mod:`bronwijzer.model.unigram` (lean; ``tokenizers`` for
other kinds of tokenizer), index builds by ``tokenizers``
(:meth:`OnnxEmbedder.embed_passages`: batch encoding, offsets for one-pass sentences).

sentence-transformers' own ONNX backend (``backend="onnx"``) is not used: its
``optimum[onnxruntime]`` extra downgrades transformers (5.x to 4.57), tokenizers and
sentence-transformers, and it would import torch all the same.
"""

from __future__ import annotations

import json
import os
from bisect import bisect_right
from pathlib import Path
from typing import Sequence

import numpy as np

from bronwijzer.errors import ModelError
from bronwijzer.model.onnx_export import ONNX_FILE
from bronwijzer.text import distinct

_MEAN = "sentence_transformers.models.Pooling"


def _json(path: Path) -> dict | list:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def onnx_ready(folder: Path) -> bool:
    """Whether :class:`OnnxEmbedder` can run this folder like sentence-transformers does.

    Args:
        folder: a sentence-transformers model folder.

    Returns:
        True when it has ``onnx/model.onnx`` and ``tokenizer.json``, and its modules
        are a transformer, mean pooling and (optionally) normalisation.
    """
    folder = Path(folder)
    modules = _json(folder / "modules.json")
    kinds = [m.get("type", "").rsplit(".", 1)[-1] for m in modules if isinstance(m, dict)]
    if kinds not in (["Transformer", "Pooling", "Normalize"], ["Transformer", "Pooling"]):
        return False
    pooling = _json(folder / modules[1].get("path", "") / "config.json")
    modes = [k for k, v in pooling.items() if k.startswith("pooling_mode_") and v is True]
    return (modes == ["pooling_mode_mean_tokens"] and pooling.get("include_prompt", True)
            and (folder / ONNX_FILE).is_file() and (folder / "tokenizer.json").is_file())


def _encoder(path: Path, max_len: int):
    """A text -> ids function for a ``tokenizer.json`` (truncated, specials added) and
    the padding id: the lean Unigram reader when it applies, else ``tokenizers``."""
    try:
        from bronwijzer.model.unigram import UnigramTokenizer
        lean = UnigramTokenizer(path, max_length=max_len)
        return lean.encode, lean.specials.get("<pad>", 0)
    except (ValueError, KeyError, TypeError):
        from tokenizers import Tokenizer
        tokenizer = Tokenizer.from_file(str(path))
        tokenizer.no_padding()
        tokenizer.enable_truncation(max_length=max_len)
        return (lambda text: tokenizer.encode(text).ids), tokenizer.token_to_id("<pad>") or 0


class OnnxEmbedder:
    """An ``Embedder`` over a model folder's ONNX export, on onnxruntime's CPU provider."""

    def __init__(self, folder: Path, name: str, fingerprint: str, batch_size: int = 32,
                 threads: int | None = None, graph: str = ONNX_FILE) -> None:
        """Open the ONNX session and the tokenizer.

        Args:
            folder: a model folder for which :func:`onnx_ready` holds.
            name: the model name as configured.
            fingerprint: the model's identity (the same as on the torch path).
            batch_size: texts per run (padded to the longest of the batch).
            threads: onnxruntime intra-op threads (default: the CPU count).
            graph: the ONNX file in the folder (``onnx/model_q4.onnx``: 4-bit matmuls).
        """
        import onnxruntime as ort

        self.folder = Path(folder)
        self.name, self.fingerprint = name, fingerprint
        self.batch_size = max(1, batch_size)
        st_config = _json(self.folder / "config_sentence_transformers.json")
        self.prompts = st_config.get("prompts") or {}
        self.max_len = int(_json(self.folder / "sentence_bert_config.json")
                           .get("max_seq_length", 512))
        self.normalize = any("Normalize" in m.get("type", "")
                             for m in _json(self.folder / "modules.json"))
        self.encode, self._pad = _encoder(self.folder / "tokenizer.json", self.max_len)
        self._fast = None
        # set by an index build (index/tokens.py) to keep each embedded passage's token states
        self.recorder = None
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or os.cpu_count() or 1
        options.inter_op_num_threads = 1
        options.log_severity_level = 3  # errors only: nothing on the user's terminal
        try:
            self.session = ort.InferenceSession(str(self.folder / graph), options,
                                                providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own kinds for a damaged file
            raise ModelError(f"cannot load {self.folder / graph}: {exc}; rebuild it "
                             "with `bronwijzer model build --force`") from exc
        self.inputs = {i.name for i in self.session.get_inputs()}
        self.dim = int(self.session.get_outputs()[0].shape[-1])

    def embed_batch(self, texts: Sequence[str], kind: str = "passage") -> np.ndarray:
        """Embed texts with the folder's prompt for ``kind``.

        Args:
            texts: the texts.
            kind: ``"query"`` or ``"passage"``.

        Returns:
            A float32 array ``(len(texts), dim)`` (rows L2-normalised when the folder
            normalises).
        """
        if kind not in ("query", "passage"):
            raise ValueError(f"kind must be one of ('query', 'passage'), not {kind!r}")
        prompt = self.prompts.get(kind) or ""
        return self._finish(self._pooled([self.encode(prompt + t) for t in texts], None)[0])

    def embed_queries_with_tokens(self, texts: Sequence[str]) -> tuple[np.ndarray, list]:
        """Query vectors and token states from one pass (what :meth:`embed_batch` computes).

        Args:
            texts: the questions.

        Returns:
            ``(vectors as embed_batch(texts, "query") gives them, per text its last hidden
            states without the special tokens and the prompt's tokens (float32, not
            normalised; :mod:`bronwijzer.search.tokens` normalises))``.
        """
        prompt = self.prompts.get("query") or ""
        head = self.prompt_ids("query")
        states: list = [None] * len(texts)

        def keep(row, ids, hidden):
            states[row] = content_states(hidden, ids, head)

        out = self._pooled([self.encode(prompt + t) for t in texts], None, keep)[0]
        return self._finish(out), states

    def prompt_ids(self, kind: str) -> list[int]:
        """The token ids of the prompt of ``kind`` (no specials), as they start a text."""
        prompt = (self.prompts.get(kind) or "").strip()
        return list(self.encode(prompt)[1:-1]) if prompt else []

    def embed_passages(self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]],
                       one_pass: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """Vectors of passages and of their sentences, for an index build.

        Tokenizes with ``tokenizers`` (batch encoding in Rust, with offsets; loaded on
        the first call, so the query path never pays for it). With ``one_pass`` each
        passage is encoded once: its vector is the mean of all its token states (as
        :meth:`embed_batch`), each sentence's the mean of the states of the tokens
        whose last character lies in it (between sentences: the next one). A sentence
        with no token left after truncation gets a pass of its own.

        Args:
            texts: the passage texts.
            spans: per passage, its sentences' ``(start, end)`` in the text.
            one_pass: False embeds every sentence in a pass of its own (as
                :meth:`embed_batch` would; a sentence that recurs, once).

        Returns:
            ``(passage vectors (len(texts), dim), sentence vectors (all spans, dim))``,
            float32, normalised as :meth:`embed_batch`.
        """
        prompt = self.prompts.get("passage") or ""
        fast = self._fast_tokenizer()
        encodings = fast.encode_batch([prompt + t for t in texts]) if texts else []
        sentences = [t[s:e] for t, ss in zip(texts, spans) for s, e in ss]
        if not one_pass:  # a sentence that recurs (a report's stock phrases) gets one pass
            once, at = distinct(sentences)
            own = fast.encode_batch([prompt + t for t in once]) if once else []
            return (self._finish(self._pooled([e.ids for e in encodings], None,
                                              self._recording(texts))[0]),
                    self._finish(self._pooled([e.ids for e in own], None)[0])[at])
        owners = [(_token_sentences(e.offsets, e.special_tokens_mask, ss, len(prompt)), len(ss))
                  for e, ss in zip(encodings, spans)]
        passages, sentence_rows = self._pooled([e.ids for e in encodings], owners,
                                               self._recording(texts))
        matrix = np.concatenate(sentence_rows) if sentence_rows else np.zeros((0, self.dim))
        empty = [row for row in range(len(matrix)) if not matrix[row].any()]
        if empty:  # truncated away: a pass of their own
            alone = fast.encode_batch([prompt + sentences[row] for row in empty])
            matrix[empty] = self._pooled([e.ids for e in alone], None)[0]
        return self._finish(passages), self._finish(matrix)

    def _fast_tokenizer(self):
        """``tokenizers``' reader of the folder's tokenizer (truncating, no padding)."""
        if self._fast is None:  # shared with ``token_sentences``: a build loads it once
            self._fast = _passage_tokenizer(self.folder)[0]
        return self._fast

    def _finish(self, matrix: np.ndarray) -> np.ndarray:
        """float32 rows, L2-normalised when the folder normalises."""
        matrix = np.asarray(matrix, dtype=np.float32)
        if self.normalize and len(matrix):
            matrix /= np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)
        return matrix

    def _recording(self, texts: Sequence[str]):
        """A ``(row, ids, hidden row)`` callback handing passage token states to the
        build's recorder (None when no build records them)."""
        recorder = self.recorder
        if recorder is None:
            return None
        head = self.prompt_ids("passage")
        return lambda row, ids, hidden: recorder.add(texts[row], content_states(hidden, ids, head))

    def _pooled(self, id_lists: list[list[int]], owners: list[tuple[np.ndarray, int]] | None,
                keep=None):
        """Mean-pooled states of texts, batched by length; with ``owners`` (per text, the
        sentence of each token, -1 for none, and the number of sentences) also each
        sentence's mean; ``keep(row, ids, hidden row)`` is called for each text.

        Returns:
            ``(text means, per text an array of its sentences' means or [])``.
        """
        out = np.zeros((len(id_lists), self.dim), dtype=np.float32)
        parts: list[np.ndarray] = [np.zeros((0, self.dim), dtype=np.float32)] * len(id_lists)
        order = sorted(range(len(id_lists)), key=lambda i: len(id_lists[i]))
        for start in range(0, len(order), self.batch_size):
            rows = order[start:start + self.batch_size]
            hidden, mask = self._hidden([id_lists[i] for i in rows])
            out[rows] = _mean(hidden, mask)
            for k, row in enumerate(rows):
                if owners is not None:
                    parts[row] = _sentence_means(hidden[k], *owners[row])
                if keep is not None:
                    keep(row, id_lists[row], hidden[k])
        return out, parts

    def _hidden(self, id_lists: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
        """The last hidden states of one padded batch and its attention mask."""
        width = max(len(ids) for ids in id_lists)
        ids = np.full((len(id_lists), width), self._pad, dtype=np.int64)
        mask = np.zeros_like(ids)
        for row, seq in enumerate(id_lists):
            ids[row, :len(seq)] = seq
            mask[row, :len(seq)] = 1
        feeds = {"input_ids": ids, "attention_mask": mask,
                 "token_type_ids": np.zeros_like(ids)}
        hidden = self.session.run(None, {k: v for k, v in feeds.items() if k in self.inputs})[0]
        return hidden, mask


def token_sentences(folder: Path, texts: Sequence[str],
                    spans: Sequence[Sequence[tuple[int, int]]]) -> list[np.ndarray]:
    """The sentence each passage token that :func:`content_states` keeps belongs to.

    The passages are tokenized as :meth:`OnnxEmbedder.embed_passages` tokenizes them
    (the folder's ``tokenizer.json``, its passage prompt, truncation at its
    ``max_seq_length``), so entry ``i`` belongs to the ``i``-th stored token vector.

    Args:
        folder: the model folder (:func:`onnx_ready`).
        texts: the passage texts.
        spans: per passage, its sentences' ``(start, end)``.

    Returns:
        Per passage an int16 array: each kept token's sentence number in its spans
        (-1: none; a token between sentences belongs to the next one).
    """
    tokenizer, prompt, head = _passage_tokenizer(Path(folder))
    out = []
    for enc, ss in zip(tokenizer.encode_batch([prompt + t for t in texts]), spans):
        owner = _token_sentences(enc.offsets, enc.special_tokens_mask, list(ss), len(prompt))
        out.append(owner[_own_tokens(enc.ids, head)].astype(np.int16))
    return out


_TOKENIZERS: dict[Path, tuple] = {}


def _passage_tokenizer(folder: Path) -> tuple:
    """``(tokenizers' Tokenizer (truncating, no padding), the passage prompt, its ids)``
    of a model folder, loaded once per folder (index builds only: ~0.7 s, ~265 MB)."""
    if folder not in _TOKENIZERS:
        from tokenizers import Tokenizer
        tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        tokenizer.no_padding()
        tokenizer.enable_truncation(max_length=int(_json(folder / "sentence_bert_config.json")
                                                   .get("max_seq_length", 512)))
        prompts = _json(folder / "config_sentence_transformers.json").get("prompts") or {}
        prompt = prompts.get("passage") or ""
        head = list(tokenizer.encode(prompt.strip()).ids[1:-1]) if prompt.strip() else []
        _TOKENIZERS.clear()
        _TOKENIZERS[folder] = (tokenizer, prompt, head)
    return _TOKENIZERS[folder]


def content_states(hidden: np.ndarray, ids, head: list[int]) -> np.ndarray:
    """A text's token states without ``<s>``, ``</s>`` and the prompt's tokens.

    Args:
        hidden: the text's row of last hidden states (padding after its tokens).
        ids: its token ids (specials included).
        head: the prompt's token ids (:meth:`OnnxEmbedder.prompt_ids`).

    Returns:
        A copy of the states of its own tokens (all its states when it has none).
    """
    return np.array(hidden[_own_tokens(ids, head)], dtype=np.float32)


def _own_tokens(ids, head: list[int]) -> slice:
    """Where a text's own tokens stand among its ids: past ``<s>`` and the prompt's
    tokens, before ``</s>`` (all of its ids when that leaves none)."""
    ids = list(ids)
    skip = 1 + len(head) if ids[1:1 + len(head)] == head else 1
    return slice(skip, len(ids) - 1) if len(ids) - 1 > skip else slice(0, len(ids))


def _mean(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Mean over the attention mask (sentence-transformers' mean pooling)."""
    weights = mask[:, :, None].astype(np.float32)
    return (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)


def _token_sentences(offsets, special, spans, shift: int) -> np.ndarray:
    """The sentence each token belongs to (-1: special token or prompt).

    A token belongs to the sentence holding its last character; a character between
    two sentences (a space the next word's piece carries) to the next one.
    """
    ends = [e for _, e in spans]
    owner = np.full(len(offsets), -1, dtype=np.int64)
    for i, ((start, end), is_special) in enumerate(zip(offsets, special)):
        if is_special or end <= shift:
            continue
        owner[i] = min(bisect_right(ends, end - 1 - shift), len(ends) - 1)
    return owner


def _sentence_means(hidden: np.ndarray, owner: np.ndarray, count: int) -> np.ndarray:
    """Per sentence the mean of its tokens' states (zeros for a sentence without any)."""
    sizes = np.bincount(owner[owner >= 0], minlength=count)
    sums = np.zeros((count, hidden.shape[1]), dtype=np.float32)
    np.add.at(sums, owner[owner >= 0], hidden[:len(owner)][owner >= 0])
    return sums / np.maximum(sizes, 1)[:, None]
