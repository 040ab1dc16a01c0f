"""Batches on Ray (a local Ray with 2 CPUs for the module): the same output file as a
local batch, and ``--resume`` that skips what is already answered."""

from __future__ import annotations

import functools
import json
import os
from pathlib import Path

import pytest
from conftest import HashEmbedder

from bronwijzer.batch.runner import run_batch
from bronwijzer.engine import Engine
from bronwijzer.settings import load_settings

ray = pytest.importorskip("ray")
TESTS = Path(__file__).resolve().parent
SRC = TESTS.parent / "src"
QUESTIONS = [
    "Wat is het budget voor de WBSO-regeling in 2026?",
    "Hoeveel ruimte is er voor bedrijven in de stad?",
    "Waarom verdwijnen werklocaties bij verdichting?",
    "Wat kost een woning in Amsterdam?",
    "",
    "Welke rol heeft het Rijk bij werklocaties?",
    "Wat is mengen van wonen en werken?",
    "Hoe staat het met de arbeidsmarkt?",
]


@pytest.fixture(scope="module", autouse=True)
def local_ray():
    old = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(SRC), str(TESTS), old) if p)
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False,
             object_store_memory=128 * 2**20)
    try:
        yield
    finally:
        ray.shutdown()
        os.environ.pop("PYTHONPATH") if old is None else os.environ.update(PYTHONPATH=old)


def fake_engine(settings):
    """The engine over the fake model (what each actor opens), answering everything."""
    return Engine.open(settings, embedder=HashEmbedder(), build=False).with_settings(
        abstain_below=0.0)


@pytest.fixture
def settings(article_home):
    settings = load_settings()
    Engine.open(settings, embedder=HashEmbedder())  # builds the index
    return settings


def _write(path: Path, questions) -> Path:
    path.write_text("".join(json.dumps({"id": f"q{i}", "question": q}, ensure_ascii=False) + "\n"
                            for i, q in questions), encoding="utf-8")
    return path


def test_batch_on_ray_writes_what_a_local_batch_writes_and_resumes(settings, tmp_path):
    from bronwijzer.batch.distributed import run_batch_on_ray
    questions = _write(tmp_path / "q.jsonl", enumerate(QUESTIONS))
    local = run_batch(questions, tmp_path / "local.jsonl", fake_engine(settings).answer_dicts,
                      batch_size=3, progress=False)
    factory = functools.partial(fake_engine, settings)
    spread = run_batch_on_ray(questions, tmp_path / "ray.jsonl", settings, workers=2,
                              engine_factory=factory, batch_size=2, progress=False)
    assert local.answered >= 5 and local.failed == 1
    assert (spread.answered, spread.declined, spread.failed) == (
        local.answered, local.declined, local.failed)
    expected = (tmp_path / "local.jsonl").read_bytes()
    assert (tmp_path / "ray.jsonl").read_bytes() == expected

    half = _write(tmp_path / "half.jsonl", list(enumerate(QUESTIONS))[:3])
    run_batch(half, tmp_path / "resumed.jsonl", fake_engine(settings).answer_dicts,
              progress=False)
    resumed = run_batch_on_ray(questions, tmp_path / "resumed.jsonl", settings, workers=2,
                               engine_factory=factory, batch_size=2, resume=True,
                               progress=False)
    assert resumed.skipped == 3 and resumed.answered + resumed.declined + resumed.failed == 5
    assert (tmp_path / "resumed.jsonl").read_bytes() == expected
