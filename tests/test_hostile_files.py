"""Hostile corpus files are refused or read within bounded memory and time, named in the
build report, and the rest of the corpus is indexed (issue 21). Each build runs in a
subprocess (``tests/hostile.py``) whose peak memory, its parse workers' included, is checked."""

from __future__ import annotations

import pytest

from hostile import GOOD, make, measured_build

PEAK_MB = 1536
SECONDS = 60


def _check(result: dict, name: str) -> list:
    assert "killed" not in result and "failed" not in result, result
    assert result["peak_mb"] < PEAK_MB, result
    assert result["seconds"] < SECONDS, result
    assert result["documents"] >= 1                    # the good note is indexed
    assert not any(p[0] == GOOD for p in result["problems"]), result
    return [p for p in result["problems"] if p[0] == name]


@pytest.mark.parametrize("kind, setting", [
    ("docx-xml", "max_unzipped_mb"),
    ("docx-zipbomb", "max_unzipped_mb"),
    ("pdf-flate", "max_pdf_stream_mb"),
    ("pdf-blank", "max_pdf_pages"),
    ("text-200mb", "max_text_mb"),
])
def test_a_hostile_file_is_refused_by_its_limit(isolated_home, kind, setting):
    path = make(kind, isolated_home / "corpus")
    name = path.relative_to(isolated_home / "corpus").as_posix()
    try:
        result = measured_build(isolated_home)
    finally:
        path.unlink()  # some are large once unpacked; the 200 MB text is large on disk
    lines = _check(result, name)
    assert len(lines) == 1 and not lines[0][2], result          # one line: skipped
    assert setting in lines[0][1] and "refused" in lines[0][1], lines


def test_odt_space_bomb_is_read_with_the_repeat_clamped(isolated_home):
    make("odt-spaces", isolated_home / "corpus")
    result = measured_build(isolated_home)
    assert _check(result, "sources/spaces.odt") == []
    assert result["documents"] == 2


def test_an_ocr_bomb_is_refused_before_ocr(isolated_home):
    """2,000 blank pages under the page limit: OCR would take ~45 minutes; it is refused."""
    make("pdf-blank", isolated_home / "corpus")
    result = measured_build(isolated_home, max_pdf_pages=5000)
    lines = _check(result, "sources/blank.pdf")
    assert len(lines) == 1 and "ocr_max_pages" in lines[0][1], result


def test_the_memory_limit_kills_only_the_worker(isolated_home):
    """A file that needs more memory than the worker may use is reported with the limit;
    the worker is replaced and the next files are read."""
    from hostile import docx_xml_flood
    corpus = isolated_home / "corpus"
    make("odt-spaces", corpus)
    docx_xml_flood(corpus / "sources" / "dense.docx", megabytes=60)   # under max_unzipped_mb
    result = measured_build(isolated_home, parse_memory_mb=300)
    reasons = {p[0]: p[1] for p in result["problems"]}
    assert "parse_memory_mb" in reasons["sources/dense.docx"], result
    assert result["documents"] == 2 and result["peak_mb"] < 600, result


def test_the_time_limit_kills_only_the_worker(isolated_home):
    from hostile import text_pdf
    corpus = isolated_home / "corpus"
    make("odt-spaces", corpus)
    text_pdf(corpus / "sources" / "a-slow.pdf", pages=480)  # several times the limit here
    result = measured_build(isolated_home, parse_seconds=2)
    reasons = {p[0]: p[1] for p in result["problems"]}
    assert "parse_seconds" in reasons["sources/a-slow.pdf"], result
    assert result["documents"] == 2 and result["seconds"] < 30, result
