"""A lean reader of a Unigram ``tokenizer.json``: the same ids as ``tokenizers``, a tenth
of the memory.

``tokenizers`` builds a byte trie over all 250,002 pieces of multilingual-e5-small's
vocabulary: about 265 MB resident and most of a second to load, the largest share of
a cold ``bronwijzer ask``. :class:`UnigramTokenizer` keeps the vocabulary in a dict
and runs the same Viterbi search as ``tokenizers``' ``Unigram::encode_optimized``
(float64 scores; the shortest piece wins a tie; a character no piece starts with
costs the lowest score minus 10 and becomes ``<unk>``; neighbouring unknowns are
fused into one ``<unk>``). Normalisation and pre-tokenisation are ``tokenizers``'
own objects, built from the same file; special tokens written in the text are
split off first, as ``tokenizers``' added vocabulary does. Equality with
``tokenizers`` is tested on the article, the eval questions and odd texts.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

_UNK_PENALTY = 10.0


def _read_json(path: Path):
    """The file's JSON; with orjson (a dependency of gradio) when it is there: it parses
    multilingual-e5-small's 17 MB ``tokenizer.json`` in ~0.3 s instead of ~0.6 s."""
    raw = path.read_bytes()
    try:
        from orjson import loads
        return loads(raw)
    except (ImportError, ValueError):  # orjson is stricter (NaN, huge ints): json decides
        return json.loads(raw)


class UnigramTokenizer:
    """``encode(text) -> ids`` for a ``tokenizer.json`` with a Unigram model whose
    post-processor wraps a text as ``<s> … </s>`` (checked at load)."""

    def __init__(self, path: Path, max_length: int = 512) -> None:
        """Read the tokenizer file.

        Args:
            path: a ``tokenizer.json`` (Unigram model, no byte fallback).
            max_length: the most ids a text gets, specials included (truncation).

        Raises:
            ValueError: when the file is not of that kind (use ``tokenizers``).
        """
        from tokenizers import Tokenizer

        data = _read_json(Path(path))
        model = data.get("model") or {}
        if model.get("type") != "Unigram" or model.get("byte_fallback"):
            raise ValueError(f"{path}: not a Unigram tokenizer without byte fallback")
        vocab = model["vocab"]
        self.ids = {piece: i for i, (piece, _) in enumerate(vocab)}
        self.scores = [float(score) for _, score in vocab]
        self.unk_id = int(model["unk_id"])
        self.unk_score = min(self.scores) - _UNK_PENALTY
        self.longest = max(len(piece) for piece, _ in vocab)
        self.specials = {t["content"]: int(t["id"]) for t in data.get("added_tokens") or []}
        self._split = re.compile("(" + "|".join(
            re.escape(s) for s in sorted(self.specials, key=len, reverse=True)) + ")") \
            if self.specials else None
        self.bos, self.eos = _wrapping(data.get("post_processor") or {})
        self.max_content = max_length - 2
        shell = dict(data, model={"type": "Unigram", "unk_id": 0, "vocab": [["<unk>", 0.0]],
                                  "byte_fallback": False}, added_tokens=[], post_processor=None)
        tiny = Tokenizer.from_str(json.dumps(shell))
        self.normalizer, self.pre_tokenizer = tiny.normalizer, tiny.pre_tokenizer

    def encode(self, text: str) -> list[int]:
        """The ids of ``<s>`` + the text's pieces (truncated) + ``</s>``."""
        ids: list[int] = []
        segments = self._split.split(text) if self._split else [text]
        for n, segment in enumerate(segments):
            if n % 2:  # a special token written in the text
                ids.append(self.specials[segment])
            elif segment:
                normal = self.normalizer.normalize_str(segment) if self.normalizer else segment
                words = self.pre_tokenizer.pre_tokenize_str(normal) if self.pre_tokenizer \
                    else [(normal, None)]
                for word, _ in words:
                    ids.extend(self._viterbi(word))
        return [self.bos, *ids[:self.max_content], self.eos]

    def _viterbi(self, word: str) -> list[int]:
        """The best-scoring segmentation of one pre-token (``encode_optimized``)."""
        size = len(word)
        best = [0.0] + [None] * size       # best score of a path ending at each position
        back: list[tuple[int, int]] = [(0, 0)] * (size + 1)  # (start, id) of its last piece
        for start in range(size):
            base = best[start]
            single = False
            for end in range(start + 1, min(size, start + self.longest) + 1):
                piece_id = self.ids.get(word[start:end])
                if piece_id is None:
                    continue
                score = self.scores[piece_id] + base
                if best[end] is None or score > best[end]:
                    best[end], back[end] = score, (start, piece_id)
                single = single or end == start + 1
            if not single:
                score = self.unk_score + base
                if best[start + 1] is None or score > best[start + 1]:
                    best[start + 1], back[start + 1] = score, (start, self.unk_id)
        pieces, end = [], size
        while end > 0:
            start, piece_id = back[end]
            if not (piece_id == self.unk_id and pieces and pieces[-1] == self.unk_id):
                pieces.append(piece_id)  # neighbouring unknowns fuse into one <unk>
            end = start
        return pieces[::-1]


def _wrapping(post: dict) -> tuple[int, int]:
    """The ids a TemplateProcessing post-processor puts around a single text."""
    single = post.get("single") or []
    specials = post.get("special_tokens") or {}
    names = [part["SpecialToken"]["id"] for part in single if "SpecialToken" in part]
    if post.get("type") != "TemplateProcessing" or len(single) != 3 or len(names) != 2 \
            or "Sequence" not in single[1]:
        raise ValueError("not a <s> text </s> post-processor")
    return specials[names[0]]["ids"][0], specials[names[1]]["ids"][0]
