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
split off first, as ``tokenizers``' added vocabulary does. The search stops once
``max_length`` ids are known. Equality with ``tokenizers`` is tested on the article,
the eval questions and thousands of generated texts (``tests/test_unigram.py``).

The query path uses it; index builds use ``tokenizers`` itself (batch encoding in
Rust, with offsets, ~5-10x faster on long texts).
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
        alternatives = "|".join(re.escape(s) for s in sorted(self.specials, key=len, reverse=True))
        self._split = re.compile(f"({alternatives})") if self.specials else None
        self.bos, self.eos = _wrapping(data.get("post_processor") or {})
        self.max_content = max_length - 2
        shell = dict(data, model={"type": "Unigram", "unk_id": 0, "vocab": [["<unk>", 0.0]],
                                  "byte_fallback": False}, added_tokens=[], post_processor=None)
        tiny = Tokenizer.from_str(json.dumps(shell))
        self.normalizer, self.pre_tokenizer = tiny.normalizer, tiny.pre_tokenizer

    def encode(self, text: str) -> list[int]:
        """The ids of ``<s>`` + the text's pieces (truncated) + ``</s>``.

        The search stops once ``max_length`` ids are known: later words are not
        segmented, and a long word only up to a point no piece spans past (the pieces
        before such a point do not depend on the rest of the word), so the ids kept
        are those ``tokenizers`` gives after truncating the whole text.
        """
        ids: list[int] = []
        segments = self._split.split(text) if self._split else [text]
        for n, segment in enumerate(segments):
            if len(ids) >= self.max_content:
                break
            if n % 2:  # a special token written in the text
                ids.append(self.specials[segment])
            elif segment:
                ids.extend(self._pieces(segment, self.max_content - len(ids)))
        return [self.bos, *ids[:self.max_content], self.eos]

    def _pieces(self, segment: str, need: int) -> list[int]:
        """The ids of a text without special tokens, at least ``need`` of them when the
        text has that many (more may follow: the caller truncates)."""
        normal = self.normalizer.normalize_str(segment) if self.normalizer else segment
        words = (self.pre_tokenizer.pre_tokenize_str(normal) if self.pre_tokenizer
                 else [(normal, None)])
        ids: list[int] = []
        for word, _ in words:
            if len(ids) >= need:
                break
            ids.extend(self._viterbi(word, need - len(ids)))
        return ids

    def _viterbi(self, word: str, need: int | None = None) -> list[int]:
        """The best-scoring segmentation of one pre-token (``encode_optimized``).

        Args:
            word: the pre-token.
            need: stop once the pieces certain to begin the best path of the whole word
                are at least this many (None: segment the whole word).

        Returns:
            The piece ids of the word, or at least ``need`` ids that begin them.
        """
        size = len(word)
        best = [0.0] + [None] * size       # best score of a path ending at each position
        back: list[tuple[int, int]] = [(0, 0)] * (size + 1)  # (start, id) of its last piece
        count = [0] * (size + 1)            # pieces on that path (unknowns not yet fused)
        for start in range(size):
            if need is not None and count[start] >= need and start % self.longest == 0:
                fixed = self._fixed(back, start)
                if fixed is not None and len(fixed) >= need:
                    return fixed
            base = best[start]
            single = False
            for end in range(start + 1, min(size, start + self.longest) + 1):
                piece_id = self.ids.get(word[start:end])
                if piece_id is None:
                    continue
                score = self.scores[piece_id] + base
                if best[end] is None or score > best[end]:
                    best[end], back[end] = score, (start, piece_id)
                    count[end] = count[start] + 1
                single = single or end == start + 1
            if not single:
                score = self.unk_score + base
                if best[start + 1] is None or score > best[start + 1]:
                    best[start + 1], back[start + 1] = score, (start, self.unk_id)
                    count[start + 1] = count[start] + 1
        return self._backtrack(back, size)

    def _fixed(self, back: list[tuple[int, int]], done: int) -> list[int] | None:
        """The pieces every completion of the word begins with, once positions up to
        ``done`` are final, or None when the paths have not met yet.

        The best path of the whole word passes through one of the last ``longest``
        positions (no piece is longer), so where the best paths to all of those meet,
        the path to there is fixed whatever follows (Viterbi traceback convergence).
        """
        heads = set(range(max(0, done - self.longest + 1), done + 1))
        floor = done - 8 * self.longest
        while len(heads) > 1:
            top = max(heads)
            if top < floor:
                return None
            heads.discard(top)
            heads.add(back[top][0])
        return self._backtrack(back, heads.pop())

    def _backtrack(self, back: list[tuple[int, int]], end: int) -> list[int]:
        """The piece ids of the best path ending at ``end``, unknown runs fused."""
        pieces = []
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
    if (post.get("type") != "TemplateProcessing" or len(single) != 3 or len(names) != 2
            or "Sequence" not in single[1]):
        raise ValueError("not a <s> text </s> post-processor")
    return specials[names[0]]["ids"][0], specials[names[1]]["ids"][0]
