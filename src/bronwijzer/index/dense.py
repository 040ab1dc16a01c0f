"""The dense index a build stores by its size: exact below ``Settings.ann_min_passages``,
HNSW from there on."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def write_hnsw(path: Path, vectors: np.ndarray, m: int) -> None:
    """Write an HNSW graph over the (normalised) vectors, inner product = cosine.

    Args:
        path: the file (dense.faiss).
        vectors: the passage vectors.
        m: the graph's links per node (``Settings.hnsw_m``).
    """
    import faiss
    index = faiss.IndexHNSWFlat(vectors.shape[1], m, faiss.METRIC_INNER_PRODUCT)
    index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    faiss.write_index(index, str(path))


def open_dense(folder: Path, manifest: dict, vectors: np.ndarray):
    """The dense index the manifest names: HNSW (large corpora) or exact ``IndexFlatIP``.

    Args:
        folder: the build folder.
        manifest: its manifest (``dense``, ``hnsw_ef_search``, ``dim``).
        vectors: the (memory-mapped) passage vectors.

    Returns:
        A FAISS index over the passage rows.
    """
    import faiss
    if manifest.get("dense") == "hnsw":  # the graph is read, the vectors memory-mapped
        index = faiss.read_index(str(folder / "dense.faiss"), getattr(faiss, "IO_FLAG_MMAP_IFC", 0))
        index.hnsw.efSearch = int(manifest.get("hnsw_ef_search", 128))
        return index
    index = faiss.IndexFlatIP(int(manifest.get("dim") or vectors.shape[1] or 1))
    if len(vectors):
        index.add(vectors)
    return index
