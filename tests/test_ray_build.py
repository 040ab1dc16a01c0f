"""Builds on Ray (a local Ray with 2 CPUs, one per test module): the same index as a
local build, an incremental rebuild, and builds killed midway (a worker; the driver)
that resume and end equal to an uninterrupted build."""

from __future__ import annotations

import functools
import os
import signal
import subprocess
import sys
import textwrap
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from conftest import ARTICLE, HashEmbedder
from raykit import DyingEmbedder, PoisonedEmbedder

from bronwijzer import cli
from bronwijzer.engine import Engine
from bronwijzer.errors import IndexStateError
from bronwijzer.index.build import build_index
from bronwijzer.index.shards import STAGING
from bronwijzer.index.store import current_folder, load_index
from bronwijzer.settings import load_settings

ray = pytest.importorskip("ray")
TESTS = Path(__file__).resolve().parent
SRC = TESTS.parent / "src"


@pytest.fixture(scope="module")
def ray_address():
    """One local Ray (2 CPUs) for the module; its workers import from src/ and tests/."""
    old = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(SRC), str(TESTS), old) if p)
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False,
             object_store_memory=128 * 2**20)
    try:
        yield ray.get_runtime_context().gcs_address
    finally:
        ray.shutdown()
        os.environ.pop("PYTHONPATH") if old is None else os.environ.update(PYTHONPATH=old)


@pytest.fixture
def settings(article_home):
    return load_settings()


def _local_twin(settings):
    """The same corpus, indexed in another folder by a local build with the fake model."""
    twin = replace(settings, index_dir=settings.home / "index-local")
    build_index(twin, HashEmbedder())
    return twin


def assert_same_index(left: Path, right: Path, atol: float = 1e-6, least: int = 10,
                      tokens_atol: float = 4e-3) -> None:
    """Two index folders hold the same passages, vectors (within ``atol``), token vectors
    (both or neither; within ``tokens_atol``) and manifest."""
    a, b = load_index(left), load_index(right)
    assert [p.id for p in a.passages] == [p.id for p in b.passages]
    assert a.passages == b.passages and a.sentence_spans == b.sentence_spans
    assert a.vectors.shape == b.vectors.shape and len(a.vectors) >= least
    assert np.allclose(a.vectors, b.vectors, atol=atol)
    assert a.sentence_vectors.shape == b.sentence_vectors.shape
    assert np.allclose(a.sentence_vectors, b.sentence_vectors, atol=atol)
    assert a.references == b.references
    assert (a.token_offsets is None) == (b.token_offsets is None)
    if a.token_offsets is not None:  # the ranker's token vectors (fp16)
        assert np.array_equal(a.token_offsets, b.token_offsets)
        assert np.allclose(a.token_vectors, b.token_vectors, atol=tokens_atol)
        assert (a.token_sentences is None) == (b.token_sentences is None)
        if a.token_sentences is not None:  # the sentence ranker's token owners
            assert np.array_equal(a.token_sentences, b.token_sentences)
    ma, mb = dict(a.manifest), dict(b.manifest)
    assert ma.pop("built") and mb.pop("built")
    assert ma == mb


def _shards(settings) -> list[Path]:
    return sorted((settings.index / STAGING).glob("*.json"))


def test_ray_build_equals_the_local_build(ray_address, settings):
    from bronwijzer.index.distributed import build_on_ray
    twin = _local_twin(settings)
    report = build_on_ray(settings, embedder_factory=HashEmbedder, shard_passages=8)
    assert report.passages > 16 and report.embedded > report.passages and not report.reused
    assert_same_index(twin.index, settings.index)
    assert not (settings.index / STAGING).exists()
    again = build_on_ray(settings, embedder_factory=HashEmbedder)
    assert again.skipped


def test_ray_build_of_repeated_text_equals_the_local_build(ray_address, settings):
    from bronwijzer.index.distributed import build_on_ray
    (settings.corpus / "sources").mkdir(exist_ok=True)
    (settings.corpus / "sources" / "kopie.txt").write_text(
        (settings.corpus / ARTICLE.name).read_text(encoding="utf-8"), encoding="utf-8")
    twin = replace(settings, index_dir=settings.home / "index-local")
    local = build_index(twin, HashEmbedder())
    report = build_on_ray(settings, embedder_factory=HashEmbedder, shard_passages=8)
    assert report.passages > len({p.text for p in load_index(twin.index).passages})
    assert report.embedded == local.embedded and report.reused == local.reused
    assert_same_index(twin.index, settings.index)


def test_ray_rebuild_embeds_only_new_text(ray_address, settings):
    from bronwijzer.index.distributed import build_on_ray
    build_on_ray(settings, embedder_factory=HashEmbedder, shard_passages=8)
    (settings.corpus / "extra.txt").write_text(
        "Een nieuw document over woningbouw.\n\nHet tweede stuk gaat over arbeidsmarkt "
        "en scholing in de regio.", encoding="utf-8")
    report = build_on_ray(settings, embedder_factory=HashEmbedder, shard_passages=8)
    assert 0 < report.embedded <= 6 and report.reused > 100
    assert_same_index(_local_twin(settings).index, settings.index)


def test_a_worker_killed_midway_is_replaced_and_the_build_is_whole(ray_address, settings,
                                                                   tmp_path):
    from bronwijzer.index.distributed import build_on_ray
    marker = tmp_path / "worker-died"
    factory = functools.partial(DyingEmbedder, str(marker), 3)
    build_on_ray(settings, embedder_factory=factory, shard_passages=4)
    assert marker.exists()  # a worker process did exit midway
    assert_same_index(_local_twin(settings).index, settings.index)


def test_a_build_whose_workers_keep_dying_stops_and_resumes(ray_address, settings, tmp_path):
    from bronwijzer.index import distributed
    twin = _local_twin(settings)
    antidote = tmp_path / "antidote"
    poison = load_index(twin.index).passages[-1].text
    factory = functools.partial(PoisonedEmbedder, str(antidote), poison)
    with pytest.raises(IndexStateError, match="resume"):
        distributed.build_on_ray(settings, embedder_factory=factory, shard_passages=4)
    assert current_folder(settings.index) is None  # no half index went live
    kept = len(_shards(settings))
    assert kept > 0
    antidote.write_text("")
    report = distributed.build_on_ray(settings, embedder_factory=factory, shard_passages=4)
    total = report.embedded + report.reused
    assert 0 < report.embedded < total  # the kept shards were not embedded again
    assert_same_index(twin.index, settings.index)


DRIVER = textwrap.dedent("""
    import sys
    sys.path[:0] = [{src!r}, {tests!r}]
    from raykit import SlowEmbedder
    from bronwijzer.index.distributed import build_on_ray
    from bronwijzer.settings import load_settings
    build_on_ray(load_settings(), address={address!r}, embedder_factory=SlowEmbedder,
                 shard_passages=2)
""")


def test_a_driver_killed_midway_resumes_and_the_live_index_stays(ray_address, settings):
    from bronwijzer.index.distributed import build_on_ray
    earlier = settings.home / "earlier"
    earlier.mkdir()
    (earlier / "notitie.txt").write_text("Een eerdere notitie over de regio.", encoding="utf-8")
    build_index(replace(settings, corpus_dir=earlier), HashEmbedder())
    old = current_folder(settings.index)
    script = DRIVER.format(src=str(SRC), tests=str(TESTS), address=ray_address)
    driver = subprocess.Popen([sys.executable, "-c", script], env=os.environ.copy(),
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while len(_shards(settings)) < 3 and driver.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        driver.send_signal(signal.SIGKILL)
        _, err = driver.communicate()
    assert driver.returncode == -signal.SIGKILL, err.decode()[-2000:]
    kept = len(_shards(settings))
    assert kept >= 3 and current_folder(settings.index) == old  # the live index untouched
    load_index(settings.index)
    report = build_on_ray(settings, embedder_factory=HashEmbedder, shard_passages=2)
    assert 0 < report.embedded < report.embedded + report.reused
    assert_same_index(_local_twin(settings).index, settings.index)


@pytest.fixture
def small_corpus(isolated_home):
    """A few paragraphs of the article (a small corpus for the real model)."""
    paragraphs = [p for p in ARTICLE.read_text(encoding="utf-8").splitlines() if len(p) > 200]
    assert len(paragraphs) > 10
    (isolated_home / "corpus" / "klein.txt").write_text("\n\n".join(paragraphs[3:9]),
                                                       encoding="utf-8")
    return load_settings()


def test_build_dash_dash_ray_with_the_real_model_equals_the_local_build(ray_address,
                                                                        small_corpus,
                                                                        monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the driver encoded token vectors the workers should give")
    monkeypatch.setattr("bronwijzer.search.tokens.token_vectors", refuse)
    assert cli.main(["build", "--ray"]) == 0
    monkeypatch.undo()
    twin = replace(small_corpus, index_dir=small_corpus.home / "index-local")
    Engine.build(twin)
    assert_same_index(twin.index, small_corpus.index, atol=2e-5, least=6)
    index = load_index(small_corpus.index)
    assert index.manifest["model"] == "multilingual-e5-small"
    assert index.token_offsets is not None and len(index.token_vectors) > 6 * 20
    assert not (small_corpus.index / STAGING).exists()


def test_shard_token_files_are_checked_like_the_vectors(tmp_path):
    from bronwijzer.index.shards import ShardStore, npy_bytes, plan_shards
    shard = plan_shards(["een", "twee"], [[(0, 3)], [(0, 4)]], 2, "f")[0]
    store = ShardStore(tmp_path)
    tokens = np.arange(5 * 4, dtype=np.float16).reshape(5, 4)
    store.write(shard.key, npy_bytes(np.ones((2, 4))), npy_bytes(np.ones((2, 4))),
                npy_bytes(tokens, np.float16), npy_bytes([0, 2, 5], np.int64))
    parts = store.read_tokens(shard)
    assert store.done(shard) and [len(p) for p in parts] == [2, 3]
    assert np.array_equal(np.concatenate(parts), tokens)
    (store.folder / f"{shard.key}.tokens.npy").write_bytes(npy_bytes(tokens * 2, np.float16))
    assert store.read_tokens(shard) is None and store.done(shard)  # damaged: encoded again
    store.write(shard.key, npy_bytes(np.ones((2, 4))), npy_bytes(np.ones((2, 4))))
    assert store.done(shard) and store.read_tokens(shard) is None  # a model without tokens
