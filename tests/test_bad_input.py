"""Bad input: broken corpus files are reported by name while the rest is indexed;
odd questions get a clear message (exit code 1, no traceback) or a normal answer.

Fake embedder throughout, except the ``e2e`` tests at the end, which send the odd
questions through the real model's tokenizer.
"""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import pytest
from conftest import ARTICLE, PROJECT, HashEmbedder
from pypdf import PdfReader, PdfWriter
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from bronwijzer import cli
from bronwijzer.corpus.worker import BoundedReader
from bronwijzer.engine import Engine
from bronwijzer.errors import QuestionError
from bronwijzer.index.build import build_index
from bronwijzer.index.store import load_index
from bronwijzer.settings import Settings, load_settings

GOOD = "230 miljoen euro"            # a phrase of the article: its passages are indexed
SKIPPED = {                          # bad file -> start of the reason it is skipped for
    "sources/corrupt.pdf": "sources/corrupt.pdf: corrupt or unreadable PDF",
    "sources/encrypted.pdf": "sources/encrypted.pdf: encrypted",
    "sources/empty.pdf": "sources/empty.pdf: empty file",
    "sources/image-only.pdf": "sources/image-only.pdf: no extractable text",
    "sources/binary.txt": "binary file, not text",
    "sources/empty.txt": "empty file",
    "sources/whitespace.md": "empty file",
}
LATIN1 = "Deze notitie over de Mainport Rotterdam is in Latin-1 opgeslagen: café, reünie.\n"


def _text_pdf(path, lines) -> None:
    c = canvas.Canvas(str(path), pagesize=A4)
    y = A4[1] - 90
    for line in lines:
        c.drawString(56, y, line)
        y -= 14
    c.showPage()
    c.save()


def write_bad_files(corpus) -> None:
    """Every kind of bad file beside the real article."""
    sources = corpus / "sources"
    sources.mkdir(parents=True, exist_ok=True)
    rng = random.Random(11)
    (sources / "corrupt.pdf").write_bytes(b"%PDF-1.7\n" + rng.randbytes(6000))
    plain = sources / "plain.pdf.tmp"
    _text_pdf(plain, ["Een geheim rapport over bedrijventerreinen in de regio Eindhoven."])
    locked = PdfWriter(clone_from=PdfReader(plain))
    locked.encrypt(user_password="geheim", owner_password="eigenaar", algorithm="AES-128")
    locked.write(sources / "encrypted.pdf")
    plain.unlink()
    (sources / "empty.pdf").write_bytes(b"")
    c = canvas.Canvas(str(sources / "image-only.pdf"), pagesize=A4)
    c.rect(100, 100, 300, 400, fill=1)          # a "scan": drawing, no text layer
    c.showPage()
    c.save()
    (sources / "binary.txt").write_bytes(b"\x7fELF\x02\x01\x01\x00" + rng.randbytes(20_000))
    (sources / "empty.txt").write_bytes(b"")
    (sources / "whitespace.md").write_bytes(b" \n\t\r\n  \n")
    (sources / "latin1.txt").write_bytes(LATIN1.encode("latin-1"))


@pytest.fixture
def bad_home(article_home):
    write_bad_files(article_home / "corpus")
    return article_home


@pytest.fixture
def fake_model(monkeypatch):
    """``bronwijzer`` commands load the fake embedder instead of the real model."""
    monkeypatch.setattr(Engine, "load_embedder", staticmethod(lambda settings: HashEmbedder()))


def _texts(settings) -> str:
    return "\n".join(p.text for p in load_index(settings.index).passages)


# ----------------------------------------------------------------------------- corpus

def test_bad_files_are_reported_by_name_and_the_rest_is_indexed(bad_home, fake_embedder):
    settings = load_settings()
    report = build_index(settings, fake_embedder)
    problems = {p.name: p for p in report.problems}
    assert set(problems) == set(SKIPPED)   # a Latin-1 text is decoded, not a problem
    for name, reason in SKIPPED.items():
        assert not problems[name].indexed and reason in problems[name].reason, problems[name]
    index = load_index(settings.index)
    docs = {p.doc for p in index.passages}
    assert docs == {ARTICLE.name, "sources/latin1.txt"}
    assert GOOD in _texts(settings)
    latin = next(p for p in index.passages if p.doc == "sources/latin1.txt")
    assert "Mainport Rotterdam" in latin.text and "café, reünie" in latin.text
    # the problems are kept in the manifest, and an unchanged corpus is not rebuilt
    assert {p["name"] for p in index.manifest["problems"]} == set(problems)
    again = build_index(settings, fake_embedder)
    assert again.skipped and {p.name for p in again.problems} == set(problems)


def test_build_command_names_every_bad_file(bad_home, fake_model, capsys):
    assert cli.main(["build"]) == 0
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    for name in SKIPPED:
        assert f"{name}: skipped: " in err
    assert "latin1.txt" not in err
    assert out.startswith("indexed 2 documents")
    assert GOOD in _texts(load_settings())


def test_only_bad_files_gives_an_empty_index_that_declines(isolated_home, fake_model, capsys):
    write_bad_files(isolated_home / "corpus")
    (isolated_home / "corpus" / "sources" / "latin1.txt").unlink()
    assert cli.main(["build"]) == 0
    assert "indexed 0 documents, 0 passages" in capsys.readouterr().out
    engine = Engine.open(load_settings(), embedder=HashEmbedder(), build=False)
    answer = engine.ask("Wat zegt het artikel over bedrijventerreinen?")
    assert answer.abstained and answer.hits == ()
    assert cli.main(["ask", "Wat zegt het artikel over bedrijventerreinen?"]) == 0
    assert "geen antwoord" in capsys.readouterr().out


def test_ten_megabyte_text_file_is_indexed(article_home, fake_embedder):
    paragraph = ("De provincie wijst nieuwe werklocaties aan langs de A2 en de A67, "
                 "zodat bedrijven kunnen groeien zonder de woningbouw te verdringen. ") * 8
    big = article_home / "corpus" / "sources" / "groot.txt"
    n = 10 * 1024 * 1024 // (len(paragraph) + 2) + 1
    big.write_text(f"{paragraph}\n\n" * n + "Slotalinea van het grote bestand.\n", encoding="utf-8")
    assert big.stat().st_size > 10 * 1024 * 1024
    settings = load_settings()
    report = build_index(settings, fake_embedder)
    assert report.problems == ()
    index = load_index(settings.index)
    from_big = [p for p in index.passages if p.doc == "sources/groot.txt"]
    assert len(from_big) >= n and max(len(p.text) for p in from_big) <= settings.chunk_max_chars
    assert "Slotalinea van het grote bestand." in from_big[-1].text
    assert GOOD in _texts(settings)


def test_file_deleted_while_indexing_is_reported(article_home, fake_embedder, monkeypatch):
    doomed = article_home / "corpus" / "sources" / "verdwijnt.txt"
    doomed.write_text("Deze notitie wordt verwijderd terwijl de index wordt gebouwd.\n",
                      encoding="utf-8")
    real_read = BoundedReader.read

    def read_after_delete(self, task):
        if task["name"] == "sources/verdwijnt.txt":
            Path(task["path"]).unlink()        # listed, then gone before it is read
        return real_read(self, task)

    monkeypatch.setattr(BoundedReader, "read", read_after_delete)
    settings = load_settings()
    report = build_index(settings, fake_embedder)
    assert [(p.name, p.reason, p.indexed) for p in report.problems] == \
        [("sources/verdwijnt.txt", "file disappeared while indexing", False)]
    assert GOOD in _texts(settings)
    # the file is gone for good: the next build notices and drops the problem
    monkeypatch.setattr(BoundedReader, "read", real_read)
    again = build_index(settings, fake_embedder)
    assert not again.skipped and again.problems == ()


def test_pdf_vanishing_while_indexing_is_reported(article_home, fake_embedder, monkeypatch):
    pdf = article_home / "corpus" / "sources" / "rapport.pdf"
    _text_pdf(pdf, ["Een rapport over de Brainportregio en de vraag naar werklocaties."])
    real_read = BoundedReader.read

    def read_after_delete(self, task):
        if task["name"] == "sources/rapport.pdf":
            Path(task["path"]).unlink()
        return real_read(self, task)

    monkeypatch.setattr(BoundedReader, "read", read_after_delete)
    report = build_index(load_settings(), fake_embedder)
    assert [p.name for p in report.problems] == ["sources/rapport.pdf"]
    assert not report.problems[0].indexed
    assert GOOD in _texts(load_settings())


# ----------------------------------------------------------------------------- questions

REFUSED = {                          # question -> part of the clear message
    "empty": ("", "the question is empty"),
    "whitespace": (" \t\n\u00a0\u2003 ", "the question is empty"),
    "100k characters": ("waarom " * 14_285 + "nu?", "the limit is 2000"),
    "100k letters": ("x" * 100_000, "the question is 100000 characters"),
    "punctuation": ("?!... ;:, -- (???) «»", "the question has no words"),
    "control characters only": ("\x00\x01\x02\x1b\x7f", "the question has no words"),
}
ODD = {                              # asked and answered normally (possibly declined)
    "arabic": "ما هي السياسة الاقتصادية للحكومة الهولندية؟",
    "chinese": "荷兰政府的经济政策是什么？",
    "markup": "<script>alert('x')</script> Wat is er in 2025 per provincie van start gegaan op het gebied van bedrijventerreinen?",
    "html entities": "Wat&nbsp;is <b>de</b> WBSO? &lt;/p&gt;",
    "control characters": "Wat\x00 is\x07 het budget\x1b[31m voor de WBSO\u200b-regeling?\x08",
    "undecodable bytes": "Wat is \udcff\udcfe het budget voor de WBSO-regeling?",
    "lone surrogates": "WBSO \ud800 budget \udfff 2026",
    "emoji and rtl marks": "\u202eWBSO\u202c budget 2026 💶💶?",
}


@pytest.fixture(scope="module")
def built_home(tmp_path_factory):
    """A home with the article indexed by the fake embedder (built once for the module)."""
    home = tmp_path_factory.mktemp("questions")
    (home / "corpus" / "sources").mkdir(parents=True)
    shutil.copy(ARTICLE, home / "corpus" / ARTICLE.name)
    if (PROJECT / "corpus" / "sources.json").exists():
        shutil.copy(PROJECT / "corpus" / "sources.json", home / "corpus" / "sources.json")
    build_index(Settings(home=home), HashEmbedder())
    return home


class StrictEmbedder(HashEmbedder):
    """The fake embedder, refusing text a real tokenizer cannot encode."""

    def embed_batch(self, texts, kind="passage"):
        for text in texts:
            text.encode("utf-8")             # lone surrogates raise here, as in the tokenizer
        return super().embed_batch(texts, kind)


@pytest.fixture(scope="module")
def engine(built_home):
    return Engine.open(Settings(home=built_home), embedder=StrictEmbedder(), build=False)


@pytest.fixture
def cli_home(built_home, monkeypatch):
    monkeypatch.setenv("BRONWIJZER_HOME", str(built_home))
    monkeypatch.setattr(Engine, "load_embedder", staticmethod(lambda settings: StrictEmbedder()))
    return built_home


@pytest.mark.parametrize("question, reason", REFUSED.values(), ids=REFUSED.keys())
def test_engine_refuses_unaskable_questions_clearly(engine, question, reason):
    with pytest.raises(QuestionError, match=reason):
        engine.ask(question)


@pytest.mark.parametrize("question", ODD.values(), ids=ODD.keys())
def test_engine_answers_odd_questions(engine, question):
    answer = engine.ask(question)
    assert answer.text and 0.0 <= answer.confidence <= 1.0
    assert answer.abstained or answer.sources
    answer.question.encode("utf-8")           # printable / JSON-serialisable as UTF-8
    assert answer.question.split() and "\n" not in answer.question


@pytest.mark.parametrize("question, reason", REFUSED.values(), ids=REFUSED.keys())
@pytest.mark.parametrize("as_json", [False, True], ids=["text", "json"])
def test_ask_command_refuses_with_exit_code_1(cli_home, capsys, question, reason, as_json):
    code = cli.main(["ask", *(["--json"] if as_json else []), question])
    out, err = capsys.readouterr()
    assert code == 1 and out == ""
    assert err.startswith("bronwijzer: ") and reason in err and "Traceback" not in err
    assert len(err) < 300                    # the 100k question is not echoed back


@pytest.mark.parametrize("question", ODD.values(), ids=ODD.keys())
def test_ask_command_answers_odd_questions(cli_home, capsys, question):
    assert cli.main(["ask", question]) == 0
    out, err = capsys.readouterr()
    assert out.strip() and "Traceback" not in err
    out.encode("utf-8")
    assert cli.main(["ask", "--json", question]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["answer"] and isinstance(data["abstained"], bool)
    assert cli.main(["ask", "--passages", question]) == 0
    capsys.readouterr().out.encode("utf-8")


def test_ask_many_refuses_a_batch_with_one_bad_question(engine):
    with pytest.raises(QuestionError):
        engine.ask_many(["Wat is het budget voor de WBSO?", "   "])
    answers = engine.ask_many(list(ODD.values()))
    assert len(answers) == len(ODD)


# ----------------------------------------------------------------------------- real model

@pytest.mark.e2e
@pytest.mark.parametrize("question", ODD.values(), ids=ODD.keys())
def test_real_model_answers_odd_questions(real_engine, question):
    answer = real_engine.ask(question)
    assert answer.text and 0.0 <= answer.confidence <= 1.0
    json.dumps(answer.question, ensure_ascii=False).encode("utf-8")


@pytest.mark.e2e
def test_real_model_takes_a_question_at_the_length_limit(real_engine):
    limit = real_engine.settings.max_question_chars
    question = ("Wat is er in 2025 per provincie van start gegaan op het gebied van bedrijventerreinen? " * 100)[:limit]
    assert not real_engine.ask(question).abstained
    with pytest.raises(QuestionError):
        real_engine.ask(question + " nog meer tekst")
