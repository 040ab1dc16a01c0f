"""Faults: a build killed midway, an index folder that cannot be written, a damaged
index, and an index from an older version or another model (fake embedder)."""

from __future__ import annotations

import errno
import json
import signal
import subprocess
import sys
import textwrap
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from conftest import HashEmbedder

from bronwijzer import cli
from bronwijzer.engine import Engine
from bronwijzer.errors import IndexStateError, ModelMismatchError
from bronwijzer.index import store as index_module
from bronwijzer.index.build import build_index, staleness
from bronwijzer.index.store import INDEX_VERSION, current_folder, load_index
from bronwijzer.settings import load_settings

TESTS = Path(__file__).resolve().parent
QUESTION = "Wat is er in 2025 per provincie van start gegaan op het gebied van bedrijventerreinen?"


class OtherEmbedder(HashEmbedder):
    """Another model: same dimension, other vectors."""

    name = "other-64"
    fingerprint = "other-64-v1"

    def embed_batch(self, texts, kind="passage"):
        return np.ascontiguousarray(super().embed_batch(texts, kind)[:, ::-1])


class UpgradedEmbedder(OtherEmbedder):
    """The same model name as the fake, but other weights (e.g. a new converter version)."""

    name = HashEmbedder.name
    fingerprint = "hash-64-v2"


@pytest.fixture
def settings(article_home):
    return load_settings()


def _assert_answers(engine: Engine) -> None:
    """The engine answers from its index: a real answer (the fake model's confidence is
    low, so nothing is declined here), every quote standing in its passage."""
    answer = engine.with_settings(abstain_below=0.0).ask(QUESTION)
    assert not answer.abstained and answer.sources
    assert all(s.quote and s.quote in s.hit.passage.text for s in answer.sources)


@pytest.fixture
def built(settings):
    """The article indexed by the fake embedder: (settings, passage ids)."""
    build_index(settings, HashEmbedder())
    return settings, [p.id for p in load_index(settings.index).passages]


def _use_model(monkeypatch, embedder_class):
    monkeypatch.setattr(Engine, "load_embedder", staticmethod(lambda settings: embedder_class()))


def _builds(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir() if p.name.startswith("b-"))


# ----------------------------------------------------------------------------- SIGKILL

KILLED_BUILD = textwrap.dedent("""
    import os, sys, time
    from pathlib import Path
    sys.path.insert(0, {tests!r})
    from conftest import HashEmbedder
    from bronwijzer import cli
    from bronwijzer.engine import Engine
    from bronwijzer.index import lexical

    MARK = Path(os.environ["BW_TEST_MARK"])

    class SlowEmbedder(HashEmbedder):
        def embed_batch(self, texts, kind="passage"):
            MARK.touch()
            time.sleep(0.5)
            return super().embed_batch(texts, kind)

    def slow_save(self, folder):          # hangs half-way through writing the new build
        MARK.touch()
        time.sleep(600)

    if sys.argv[1] == "embedding":
        Engine.load_embedder = staticmethod(lambda settings: SlowEmbedder())
    else:
        Engine.load_embedder = staticmethod(lambda settings: HashEmbedder())
        lexical.Lexical.save = slow_save
    sys.exit(cli.main(["build", "--force"]))
""")


@pytest.mark.parametrize("phase", ["embedding", "writing"])
def test_build_killed_midway_keeps_the_previous_index(built, tmp_path, phase, monkeypatch):
    settings, ids = built
    before = current_folder(settings.index)
    (settings.corpus / "notitie.txt").write_text(
        "Een nieuwe notitie over werklocaties en bedrijventerreinen.\n", encoding="utf-8")
    script = tmp_path / "killed_build.py"
    script.write_text(KILLED_BUILD.format(tests=str(TESTS)), encoding="utf-8")
    mark = tmp_path / "busy"
    monkeypatch.setenv("BW_TEST_MARK", str(mark))
    child = subprocess.Popen([sys.executable, str(script), phase],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while not mark.exists():
            assert child.poll() is None, child.communicate()
            assert time.monotonic() < deadline, "the build never got going"
            time.sleep(0.05)
        time.sleep(0.2)
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == -signal.SIGKILL
    # the previous build is still the live one, whole
    assert current_folder(settings.index) == before
    index = load_index(settings.index)
    assert [p.id for p in index.passages] == ids and len(index.vectors) == len(ids)
    if phase == "writing":
        assert len(_builds(settings.index)) == 2          # the half-written build is left over
    _assert_answers(Engine.open(settings, embedder=HashEmbedder(), build=False))
    # the next build takes the lock, succeeds and clears the leftovers (the previous
    # build stays, for readers that read CURRENT just before it moved)
    report = build_index(settings, HashEmbedder())
    assert not report.skipped and report.documents == 2
    assert _builds(settings.index) == sorted([before.name, current_folder(settings.index).name])
    assert not [p for p in settings.index.iterdir() if p.name.startswith(".CURRENT.")]
    assert any(p.doc == "notitie.txt" for p in load_index(settings.index).passages)


# ----------------------------------------------------------------------------- not writable

@pytest.fixture
def blocked_index(isolated_home):
    """An index folder that cannot be created even as root: its parent is a regular file."""
    blocker = isolated_home / "blocker"
    blocker.write_text("not a folder\n", encoding="utf-8")
    return blocker / "index"


def test_unwritable_index_folder_is_a_clear_error(article_home, blocked_index):
    settings = load_settings(index_dir=blocked_index)
    with pytest.raises(IndexStateError, match="cannot write the index folder .*blocker/index"):
        build_index(settings, HashEmbedder())
    with pytest.raises(IndexStateError, match="cannot write the index folder"):
        Engine.open(settings, embedder=HashEmbedder())
    with pytest.raises(IndexStateError, match="no index in .*run `bronwijzer build` first"):
        Engine.open(settings, embedder=HashEmbedder(), build=False)


@pytest.mark.parametrize("command", [["build"], ["build", "--force"], ["ask", QUESTION],
                                     ["ask", "--passages", QUESTION], ["batch", "q.txt", "-o", "a.jsonl"]])
def test_unwritable_index_folder_on_the_command_line(article_home, blocked_index, monkeypatch,
                                                     capsys, command):
    _use_model(monkeypatch, HashEmbedder)
    monkeypatch.chdir(article_home)
    (article_home / "q.txt").write_text(QUESTION + "\n", encoding="utf-8")
    assert cli.main([*command, "--index", str(blocked_index)]) == 1
    out, err = capsys.readouterr()
    # only `build` builds; the query path reports the missing index (issue 21)
    start = "cannot write the index folder" if command[0] == "build" else "no index in"
    assert err.startswith(f"bronwijzer: {start}") and "blocker/index" in err
    assert "Traceback" not in err and len(err.splitlines()) == 1


def test_disk_full_while_writing_keeps_the_previous_index(built, monkeypatch, capsys):
    settings, ids = built
    before = current_folder(settings.index)
    (settings.corpus / "notitie.txt").write_text("Een notitie over werklocaties.\n", encoding="utf-8")
    real_save = np.save

    def full_disk(path, array, *args, **kwargs):
        if Path(path).name == "sentences.npy":
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_save(path, array, *args, **kwargs)

    monkeypatch.setattr(index_module.np, "save", full_disk)
    with pytest.raises(OSError, match="No space left on device"):
        build_index(settings, HashEmbedder())
    assert current_folder(settings.index) == before and _builds(settings.index) == [before.name]
    assert [p.id for p in load_index(settings.index).passages] == ids
    _use_model(monkeypatch, HashEmbedder)
    assert cli.main(["build"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("bronwijzer: ") and "No space left on device" in err
    assert "Traceback" not in err
    monkeypatch.setattr(index_module.np, "save", real_save)
    assert cli.main(["build"]) == 0
    assert any(p.doc == "notitie.txt" for p in load_index(settings.index).passages)


# ----------------------------------------------------------------------------- damaged

@pytest.mark.parametrize("damage", ["vectors", "passages", "manifest", "current"])
def test_damaged_index_is_refused_clearly_and_rebuilt(built, damage, monkeypatch, capsys):
    settings, ids = built
    folder = current_folder(settings.index)
    if damage == "vectors":
        data = (folder / "vectors.npy").read_bytes()
        (folder / "vectors.npy").write_bytes(data[:len(data) // 3])
    elif damage == "passages":
        with open(folder / "passages.jsonl", "a", encoding="utf-8") as handle:
            handle.write('{"id": "half a line\n')
    elif damage == "manifest":
        (folder / "manifest.json").write_text("{", encoding="utf-8")
    else:
        (settings.index / "CURRENT").write_text("b-does-not-exist\n", encoding="utf-8")
    _use_model(monkeypatch, HashEmbedder)
    if damage in ("vectors", "passages"):        # the manifest still says "up to date"
        with pytest.raises(IndexStateError, match=r"unreadable .*bronwijzer build --force"):
            load_index(settings.index)
        assert cli.main(["ask", QUESTION]) == 1
        err = capsys.readouterr().err
        assert "run `bronwijzer build --force`" in err and "Traceback" not in err
        assert cli.main(["build", "--force"]) == 0
    else:                                        # no readable manifest: there is no index
        assert staleness(settings, HashEmbedder.name).kind == "missing"
        assert cli.main(["ask", QUESTION]) == 1  # the query path never builds (issue 21)
        assert "run `bronwijzer build" in capsys.readouterr().err
        assert cli.main(["build"]) == 0
    assert [p.id for p in load_index(settings.index).passages] == ids


# ----------------------------------------------------------------------------- stale

def _edit_manifest(settings, **changes) -> None:
    path = current_folder(settings.index) / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest.update(changes)
    path.write_text(json.dumps(manifest), encoding="utf-8")


def test_index_of_an_older_version_is_detected_and_rebuilt(built):
    settings, ids = built
    _edit_manifest(settings, version=INDEX_VERSION - 1)
    (current_folder(settings.index) / "sentences.npy").unlink()   # an older layout
    reason = staleness(settings, HashEmbedder.name)
    assert reason.kind == "format"
    assert str(reason) == f"index format {INDEX_VERSION - 1} is older than {INDEX_VERSION}"
    with pytest.raises(IndexStateError, match=f"cannot be used: index format {INDEX_VERSION - 1}"):
        Engine.open(settings, embedder=HashEmbedder(), build=False)
    report = build_index(settings, HashEmbedder())
    assert not report.skipped and report.embedded >= report.passages
    # nothing came from the unreadable old build: as many texts embedded as from scratch
    assert build_index(settings, HashEmbedder(), force=True).embedded == report.embedded
    assert load_index(settings.index).manifest["version"] == INDEX_VERSION
    assert staleness(settings, HashEmbedder.name) is None
    assert [p.id for p in Engine.open(settings, embedder=HashEmbedder(), build=False)
            .passages()] == ids


def test_index_without_a_version_is_rebuilt_by_engine_open(built):
    settings, ids = built
    _edit_manifest(settings, version=None)
    engine = Engine.open(settings, embedder=HashEmbedder())
    assert load_index(settings.index).manifest["version"] == INDEX_VERSION
    assert [p.id for p in engine.passages()] == ids


def test_index_of_another_model_is_detected_and_rebuilt(built):
    settings, ids = built
    other = OtherEmbedder()
    assert staleness(settings, other.name).kind == "model"
    assert str(staleness(settings, other.name)) == \
        "index was built with model 'hash-64', not 'other-64'"
    with pytest.raises(IndexStateError, match="built with model 'hash-64', not 'other-64'"):
        Engine.open(settings, embedder=other, build=False)
    engine = Engine.open(settings, embedder=other)
    manifest = load_index(settings.index).manifest
    assert (manifest["model"], manifest["fingerprint"]) == (other.name, other.fingerprint)
    # nothing of the old model's vectors was reused
    expected = other.embed_batch([p.text for p in engine.passages()])
    assert np.allclose(load_index(settings.index).vectors, expected)
    assert [p.id for p in engine.passages()] == ids
    _assert_answers(engine)
    # and the fake model in turn finds that index stale
    with pytest.raises(IndexStateError, match="built with model 'other-64'"):
        Engine.open(settings, embedder=HashEmbedder(), build=False)


def test_same_model_name_with_other_weights_is_detected_and_rebuilt(built, monkeypatch, capsys,
                                                                     tmp_path):
    settings, ids = built
    # what a build from scratch embeds, counted in a folder of its own
    fresh = build_index(replace(settings, index_dir=tmp_path / "fresh"), UpgradedEmbedder())
    upgraded = UpgradedEmbedder()
    assert staleness(settings, upgraded.name, upgraded.fingerprint).kind == "weights"
    with pytest.raises((IndexStateError, ModelMismatchError), match="fingerprint|another version"):
        Engine.open(settings, embedder=upgraded, build=False)
    _use_model(monkeypatch, UpgradedEmbedder)
    assert cli.main(["build"]) == 0
    out = capsys.readouterr().out
    index = load_index(settings.index)
    assert out.startswith(f"indexed 1 documents, {fresh.passages} passages "
                          f"({fresh.embedded} texts embedded, {fresh.reused} reused)")
    assert fresh.passages == len(ids)
    assert index.manifest["fingerprint"] == upgraded.fingerprint
    assert np.allclose(index.vectors, upgraded.embed_batch([p.text for p in index.passages]))
    monkeypatch.setenv("BRONWIJZER_ABSTAIN_BELOW", "0")
    assert cli.main(["ask", "--json", QUESTION]) == 0
    data = json.loads(capsys.readouterr().out)
    assert not data["abstained"] and data["sources"]
    assert all(s["quote"] in s["text"] for s in data["sources"])


def test_ask_with_another_model_asks_for_a_build(built, monkeypatch, capsys):
    settings, ids = built
    _use_model(monkeypatch, OtherEmbedder)
    monkeypatch.setenv("BRONWIJZER_ABSTAIN_BELOW", "0")
    assert cli.main(["ask", "--json", QUESTION]) == 1   # the query path never builds
    assert "run `bronwijzer build`" in capsys.readouterr().err
    assert cli.main(["build"]) == 0
    capsys.readouterr()
    assert cli.main(["ask", "--json", QUESTION]) == 0
    data = json.loads(capsys.readouterr().out)
    assert not data["abstained"] and data["sources"]
    assert load_index(settings.index).manifest["model"] == OtherEmbedder.name


def test_concurrent_builds_wait_for_each_other(built, tmp_path, monkeypatch):
    """A second build started while one is running waits for the lock, then builds."""
    settings, _ = built
    script = tmp_path / "killed_build.py"
    script.write_text(KILLED_BUILD.format(tests=str(TESTS)), encoding="utf-8")
    mark = tmp_path / "busy"
    monkeypatch.setenv("BW_TEST_MARK", str(mark))
    (settings.corpus / "notitie.txt").write_text("Een notitie over werklocaties.\n", encoding="utf-8")
    child = subprocess.Popen([sys.executable, str(script), "writing"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while not mark.exists():
            assert child.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        import threading
        result = {}

        def second_build():
            result["report"] = build_index(settings, HashEmbedder())
            result["done"] = time.monotonic()

        worker = threading.Thread(target=second_build, daemon=True)
        worker.start()
        worker.join(1.0)
        killed = time.monotonic()
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
        worker.join(60)
        assert not worker.is_alive() and not result["report"].skipped
        # it finished only after the first build (holding the lock) was gone
        assert result["done"] > killed, "the second build did not wait for the first"
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert any(p.doc == "notitie.txt" for p in load_index(settings.index).passages)
    assert current_folder(settings.index).name in _builds(settings.index)
    assert len(_builds(settings.index)) == 2      # the live build and the previous one
