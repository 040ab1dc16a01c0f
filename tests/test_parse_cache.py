"""A file costs once: the parse cache keeps each file's result or failure, so a rebuild reads
only what changed; the query path never builds (issue 21)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conftest import HashEmbedder

from bronwijzer.corpus.loader import load_corpus
from bronwijzer.corpus.worker import BoundedReader
from bronwijzer.index.build import build_index
from bronwijzer.index.store import current_folder
from bronwijzer.settings import load_settings

NOTE = "Een notitie over werklocaties en bedrijventerreinen in de regio.\n"


def _corpus(home: Path) -> Path:
    corpus = home / "corpus"
    (corpus / "notitie.txt").write_text(NOTE, encoding="utf-8")
    (corpus / "sources" / "kapot.pdf").write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >>\n")
    return corpus


def _reads(monkeypatch) -> list[str]:
    """The names the worker is asked to read, from now on."""
    names, real = [], BoundedReader.read

    def read(self, task):
        names.append(task["name"])
        return real(self, task)
    monkeypatch.setattr(BoundedReader, "read", read)
    return names


def test_a_rebuild_reads_only_the_added_file(isolated_home, monkeypatch):
    _corpus(isolated_home)
    settings = load_settings()
    reads = _reads(monkeypatch)
    first = build_index(settings, HashEmbedder())
    assert sorted(reads) == ["notitie.txt", "sources/kapot.pdf"]
    assert [p.name for p in first.problems] == ["sources/kapot.pdf"]
    (settings.corpus / "sources" / "nieuw.txt").write_text("Een nieuwe bron over werk.\n",
                                                           encoding="utf-8")
    reads.clear()
    second = build_index(settings, HashEmbedder())
    assert reads == ["sources/nieuw.txt"]                 # not the failed nor the unchanged file
    assert second.documents == 2
    bad = next(p for p in second.problems if p.name == "sources/kapot.pdf")
    assert "not read again" in bad.reason and not bad.indexed
    # a changed file is read again; an entry no build uses any more is dropped
    (settings.corpus / "notitie.txt").write_text(NOTE + "\nMet een tweede alinea.\n",
                                                 encoding="utf-8")
    reads.clear()
    build_index(settings, HashEmbedder())
    assert reads == ["notitie.txt"]
    assert len(list((settings.index / "parsed").glob("*.json"))) == 3


def test_other_limits_read_the_files_again(isolated_home):
    corpus = _corpus(isolated_home)
    stats: dict = {}
    load_corpus(corpus, load_settings(), stats)
    load_corpus(corpus, load_settings(), stats)
    assert stats["read"] == [] and len(stats["cached"]) == 2
    load_corpus(corpus, load_settings(max_pdf_pages=10), stats)
    assert sorted(stats["read"]) == ["notitie.txt", "sources/kapot.pdf"]


ASK = """
import json, resource, sys, time
sys.path.insert(0, sys.argv[2])
from conftest import HashEmbedder
from bronwijzer import cli
from bronwijzer.engine import Engine
Engine.load_embedder = staticmethod(lambda settings: HashEmbedder())
began = time.perf_counter()
code = cli.main(["ask", "--json", sys.argv[1]])
print(json.dumps({"code": code, "seconds": time.perf_counter() - began,
                  "self_mb": next(int(line.split()[1]) for line in open("/proc/self/status")
                                  if line.startswith("VmHWM")) / 1024,  # not the parent's peak
                  "children_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))
"""


def test_ask_answers_from_the_last_index_without_reading_a_bad_file(article_home):
    """A bomb added after the last build: ``ask`` neither rebuilds nor reads it, answers from
    the last index within 5 s and 500 MB, and says the index is stale and how to rebuild."""
    from hostile import docx_xml_flood
    settings = load_settings()
    build_index(settings, HashEmbedder())
    before = current_folder(settings.index)
    docx_xml_flood(settings.corpus / "sources" / "flood.docx", megabytes=300)
    done = subprocess.run([sys.executable, "-c", ASK, "Wat zegt het artikel over bedrijventerreinen?",
                           str(Path(__file__).parent)], capture_output=True, text=True, timeout=120)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    answer = json.loads("\n".join(done.stdout.strip().splitlines()[:-1]))
    assert result["code"] == 0 and answer["passages"], done.stderr
    assert result["seconds"] < 5 and result["self_mb"] < 500, result
    assert result["children_mb"] == 0                       # no worker was started
    assert "out of date" in done.stderr and "bronwijzer build" in done.stderr
    assert current_folder(settings.index) == before          # not rebuilt
