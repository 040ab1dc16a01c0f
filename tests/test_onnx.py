"""The torch-free query path: ONNX vectors equal the torch ones, answers are the same,
and ``bronwijzer ask`` on a built index imports neither torch nor sentence-transformers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bronwijzer.engine import Engine
from bronwijzer.model.embed import SentenceTransformerEmbedder, load_embedder, resolve_model
from bronwijzer.model.onnx_embed import OnnxEmbedder

pytestmark = pytest.mark.e2e
PROJECT = Path(__file__).resolve().parents[1]
EVAL_SETS = [PROJECT / "eval" / "dev.jsonl", PROJECT.parent / "shared" / "eval" / "tuning.jsonl"]
EXTRA = ["Wat is brede welvaart?", "netcapaciteit en stikstofruimte",
         "Which footnote backs the claim that the country is stuck?",
         "Hoeveel banen zijn er op bedrijventerreinen?", "What is mixed-use development?",
         "Wie schreef het artikel en voor welke organisatie?", "ruimte voor werk in de stad",
         "Why is there pressure on space for businesses in cities?",
         "Welke aanbevelingen doet Platform31?", "Wat staat er in voetnoot 12?"]
HEAVY = ("torch", "sentence_transformers", "transformers")


def questions(path: Path) -> list[str]:
    return [json.loads(line)["question"] for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]


@pytest.fixture(scope="session")
def onnx_embedder(real_engine):
    return load_embedder(real_engine.settings)


@pytest.fixture(scope="session")
def torch_embedder(real_engine):
    folder, fingerprint = resolve_model(real_engine.settings.model, real_engine.settings.cache)
    return SentenceTransformerEmbedder(folder, name=real_engine.settings.model,
                                       fingerprint=fingerprint)


def test_the_query_path_runs_on_onnx_with_the_torch_fingerprint(real_engine, onnx_embedder,
                                                               torch_embedder):
    onnx = onnx_embedder
    assert isinstance(onnx, OnnxEmbedder)
    assert onnx.fingerprint == torch_embedder.fingerprint and onnx.dim == torch_embedder.dim == 384
    assert isinstance(load_embedder(real_engine.settings, backend="torch"),
                      SentenceTransformerEmbedder)


def test_onnx_vectors_equal_torch_vectors(real_engine, onnx_embedder, torch_embedder):
    onnx = onnx_embedder
    passages = [p.text for p in real_engine.passages()]
    asked = (questions(EVAL_SETS[0]) + EXTRA)[:40]
    assert len(passages) >= 30 and len(asked) == 40
    for texts, kind in ((passages, "passage"), (asked, "query")):
        a, b = onnx.embed_batch(texts, kind), torch_embedder.embed_batch(texts, kind)
        assert a.dtype == np.float32 and a.shape == b.shape
        cos = np.sum(a * b, axis=1)
        assert cos.min() >= 0.9999, f"{kind} {int(cos.argmin())}: cosine {cos.min():.6f}"
    one = onnx.embed_batch(asked[:1], "query")[0]
    assert abs(float(np.linalg.norm(one)) - 1) < 1e-5
    assert float(one @ onnx.embed_batch(asked[:1], "passage")[0]) < 0.9999  # prompts differ
    assert onnx.embed_batch([], "query").shape == (0, 384)


def test_long_text_is_truncated_and_padding_changes_nothing(onnx_embedder):
    onnx = onnx_embedder
    long = "bedrijventerrein " * 600
    short = ["Wat is brede welvaart?"]
    together = onnx.embed_batch(short + [long], "passage")
    alone = onnx.embed_batch(short, "passage")
    assert float(together[0] @ alone[0]) > 0.99999


def test_ask_json_is_the_same_with_either_path(real_engine, torch_embedder):
    other = Engine.open(real_engine.settings, embedder=torch_embedder, build=False)  # same index
    sets = [p for p in EVAL_SETS if p.exists()]
    asked = [q for path in sets for q in questions(path)][::3]  # every kind, a third of each
    assert len(asked) >= 30
    via_onnx, via_torch = real_engine.answer_dicts(asked), other.answer_dicts(asked)
    for q, a, b in zip(asked, via_onnx, via_torch):
        assert [p["id"] for p in a["passages"]][:5] == [p["id"] for p in b["passages"]][:5], q
        assert a["answer"] == b["answer"] and a["abstained"] == b["abstained"], q


SCRIPT = """
import sys
from bronwijzer.cli import main
code = main(["ask", sys.argv[1], "--json"])
heavy = sorted(m for m in sys.modules if m.split(".")[0] in {heavy!r})
print("HEAVY:" + ",".join(heavy), file=sys.stderr if heavy else sys.stdout)
sys.exit(code)
""".format(heavy=set(HEAVY))


def env_for(real_engine) -> dict:
    """The test's environment for a child in the engine's home; this source tree first."""
    import bronwijzer
    src = str(Path(bronwijzer.__file__).resolve().parents[1])
    path = os.pathsep.join(p for p in (src, os.environ.get("PYTHONPATH")) if p)
    return {**os.environ, "BRONWIJZER_HOME": str(real_engine.settings.home),
            "BRONWIJZER_CACHE_DIR": str(real_engine.settings.cache.resolve()),
            "PYTHONPATH": path}


def test_ask_imports_no_torch_and_prints_nothing_on_stderr(real_engine):
    question = "Wat is er in 2025 per provincie van start gegaan op het gebied van bedrijventerreinen?"
    run = subprocess.run([sys.executable, "-c", SCRIPT, question], capture_output=True,
                         text=True, env=env_for(real_engine), cwd=real_engine.settings.home,
                         timeout=300)
    assert run.returncode == 0 and run.stderr == ""
    body, marker = run.stdout.rsplit("HEAVY:", 1)
    assert marker.strip() == "" and json.loads(body)["passages"][0]["rank"] == 1


def test_the_bronwijzer_script_says_only_the_answer(real_engine):
    script = Path(sys.executable).parent / "bronwijzer"
    if not script.exists():
        pytest.skip("the bronwijzer script is not installed beside this python")
    run = subprocess.run([str(script), "ask", "Wat is brede welvaart?"], capture_output=True,
                         text=True, env=env_for(real_engine), cwd=real_engine.settings.home,
                         timeout=300)
    assert run.returncode == 0 and run.stderr == "" and "[1]" in run.stdout
