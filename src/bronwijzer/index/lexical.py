"""A Dutch-stemmed BM25 over passages (bm25s + PyStemmer), saved as plain files."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

import numpy as np

from bronwijzer.text import fold


@lru_cache(maxsize=1)
def _stopwords() -> list[str]:
    from bm25s.stopwords import STOPWORDS_DUTCH, STOPWORDS_EN_PLUS
    words = {fold(w) for w in (*STOPWORDS_DUTCH, *STOPWORDS_EN_PLUS)}
    return sorted(words)


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer
    return Stemmer.Stemmer("dutch")


_TOKENS: dict[str, list[str]] = {}  # answering tokenizes the same sentences again and again
_TOKENS_MAX = 50_000


def tokenize(texts: list[str]) -> list[list[str]]:
    """Folded, stop-word-free, Dutch-stemmed tokens of each text.

    Short lists (questions, sentences while answering) are cached per text: bm25s
    sets up a progress bar per call, which costs more than the tokens themselves.

    Args:
        texts: the texts.

    Returns:
        One token list per text.
    """
    import bm25s
    todo = [t for t in dict.fromkeys(texts) if t not in _TOKENS]
    done = dict(zip(todo, bm25s.tokenize(
        [fold(t) for t in todo], stopwords=_stopwords(), stemmer=_stemmer().stemWords,
        return_ids=False, show_progress=False))) if todo else {}
    if len(todo) <= 1000:
        if len(_TOKENS) + len(todo) > _TOKENS_MAX:
            _TOKENS.clear()
        _TOKENS.update(done)
    return [list(done[t] if t in done else _TOKENS[t]) for t in texts]


def vocabulary_of(texts) -> frozenset[str]:
    """The folded words of the texts (the corpus vocabulary the answer stage checks
    names against; stored with the index).

    Args:
        texts: the passages' and references' texts.

    Returns:
        The set of folded ``\\w+`` words.
    """
    return frozenset(w for t in texts for w in re.findall(r"\w+", fold(t)))


class Lexical:
    """BM25 scores for a fixed list of passage texts."""

    def __init__(self, model) -> None:
        self._model = model

    @classmethod
    def build(cls, texts: list[str]) -> "Lexical":
        """Index the texts (one per passage, in passage order)."""
        import bm25s
        model = bm25s.BM25()
        tokens = tokenize(texts) if texts else []
        # an empty corpus still gets a (one-placeholder) index: bm25s cannot index nothing
        model.index([t or ["\u2205"] for t in tokens] or [["\u2205"]], show_progress=False)
        return cls(model)

    def save(self, folder: Path) -> None:
        """Write the index as ``.npy`` and JSON files (no pickle)."""
        self._model.save(str(folder), show_progress=False)

    @classmethod
    def load(cls, folder: Path) -> "Lexical":
        """Open a saved index, its arrays memory-mapped (read on demand, not loaded)."""
        import bm25s
        return cls(bm25s.BM25.load(str(folder), show_progress=False, mmap=True))

    def coverage(self, query: str) -> float:
        """The share of the query's terms that occur in the corpus (0 for none).

        An English question over a Dutch corpus has few; BM25 then says little.
        """
        tokens = tokenize([query])[0]
        vocab = self._model.vocab_dict
        return sum(t in vocab for t in tokens) / len(tokens) if tokens else 0.0

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every passage for the query (0 where no term matches)."""
        tokens = tokenize([query])[0]
        vocab = self._model.vocab_dict
        known = [t for t in tokens if t in vocab]
        size = int(self._model.scores["num_docs"])
        if not known:
            return np.zeros(size, dtype=np.float32)
        return np.asarray(self._model.get_scores(known), dtype=np.float32)


def write_vocabulary(path: Path, passages, references) -> None:
    """Write the corpus's folded words, built with the index rather than at the first question.

    Args:
        path: the file (vocabulary.json).
        passages: the passages.
        references: the references (their text counts too).
    """
    words = vocabulary_of([p.text for p in passages] + [r.raw for r in references])
    path.write_text(json.dumps(sorted(words), ensure_ascii=False), encoding="utf-8")


def read_vocabulary(path: Path) -> frozenset | None:
    """The stored vocabulary; None for a build made before it was stored."""
    try:
        return frozenset(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        return None
