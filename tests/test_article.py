"""Tests for the article parser on the real article and on small synthetic texts."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from bronwijzer.corpus.article import attach_urls, parse_article
from bronwijzer.text import split_sentences

ROOT = Path(__file__).resolve().parents[1]
ARTICLE = ROOT / "corpus" / "ruimte-voor-economie-en-werk.txt"


@pytest.fixture(scope="module")
def raw() -> str:
    return ARTICLE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def parsed(raw):
    return parse_article(raw)


def _by_fn(refs, n):
    return [r for r in refs if r.footnote == n]


def test_counts(parsed):
    _, _, refs = parsed
    assert len(refs) == 24
    assert sorted({r.footnote for r in refs}) == list(range(1, 21))
    assert [len(_by_fn(refs, 2)), len(_by_fn(refs, 1)), len(_by_fn(refs, 9))] == [3, 2, 2]
    assert [r.position for r in _by_fn(refs, 2)] == [1, 2, 3]


def test_years(parsed):
    _, _, refs = parsed
    assert [r.year for r in refs].count(None) == 1
    assert _by_fn(refs, 6)[0].year is None
    assert all(r.year is None or 2000 <= r.year <= 2030 for r in refs)
    assert _by_fn(refs, 15)[0].year == 2021


@pytest.mark.parametrize("fn,pos,authors,year,title,publisher", [
    (12, 1, ("Koelemaij, J.",), 2023,
     "Ruimte voor economie en werk: Hoe sturen G40-gemeenten in het tijdperk van "
     "binnenstedelijke verdichting?", "Platform31"),
    (18, 1, ("Rli",), 2023, "Samen werken", "Raad voor de Leefomgeving en Infrastructuur"),
    (1, 1, ("Gaastra, S.",), 2024,
     "Nieuwjaarsartikel: Het eeuwige tekort vraagt om keuzes", "ESB"),
    (1, 2, ("De Nederlandsche Bank",), 2025,
     "Nederlandse economie onder druk: wat betekent de geopolitieke onzekerheid voor jou?", None),
    (2, 1, ("Stellinga, M.",), 2024,
     "We proppen te veel economie in Nederland. Maar hoe kies je wie moet inschikken?", "NRC"),
    (2, 3, ("DenkWerk",), 2025,
     "Kiezen én delen – werken en investeren voor morgen met een contract voor de toekomst", None),
    (3, 1, ("Van Egmond, A.", "van Hoorn, J."), 2025,
     "Nederland moet keuzes maken voor toekomstbestendige economie", "Platform31"),
    (4, 1, ("WRR",), 2023,
     "Goede zaken. Naar een grotere maatschappelijke bijdrage van ondernemingen",
     "Wetenschappelijke Raad voor het Regeringsbeleid"),
    (5, 1, ("European Commission",), 2025, "Competitiveness Compass", None),
    (6, 1, ("Van Hoorn, J.", "Koelemaij, J."), None,
     "Ruimtelijk Economische Organisatie van Stedelijke Nederland (REOS)", "Platform31"),
    (8, 1, ("Nederlands Comité voor Ondernemerschap",), 2024,
     "Jaarbericht Staat van het mkb 2024: Perspectief op productiviteit. "
     "Verdienvermogen mkb nu versterken", None),
    (9, 1, ("Van Hoorn, J.", "Marinissen, R.", "Rolandus, T."), 2024,
     "Werken aan vraaggerichte publieke dienstverlening aan het mkb", "Platform31"),
    (10, 1, ("Rijksoverheid",), 2025,
     "Invest-NL en Invest International gaan integreren tot een grotere financieringsinstelling",
     None),
    (14, 1, ("Koelemaij, J.", "Rolandus, T.", "ten Kate, J."), 2025,
     "Sturen op ruimte voor werkgelegenheid. Lessen van pioniers", "Platform31"),
    (15, 1, ("Van der Aa, F.", "Dinkla, F.", "Holt, D."), 2021,
     "Essay stedelijk investeren en onrendabele toppen", "Stedelijke transformatie"),
    (16, 1, ("Ministerie van Economische Zaken en Klimaat",), 2023,
     "Programma Ruimte voor Economie", None),
    (19, 1, ("Stadszaken",), 2024,
     "Rijksgrondfaciliteit voor actief grondbeleid: hoe gaat dat werken?", None),
])
def test_hand_checked_references(parsed, fn, pos, authors, year, title, publisher):
    _, _, refs = parsed
    ref = [r for r in refs if (r.footnote, r.position) == (fn, pos)][0]
    assert (ref.authors, ref.year, ref.title, ref.publisher) == (authors, year, title, publisher)


def test_raw_reference_text(parsed):
    _, _, refs = parsed
    assert _by_fn(refs, 18)[0].raw == (
        "Rli (2023) Samen werken. Raad voor de Leefomgeving en Infrastructuur.")
    assert _by_fn(refs, 13)[0].raw.endswith("regio’s op zoek naar evenwicht. Platform31.")
    assert _by_fn(refs, 5)[0].short == "European Commission (2025)"


def test_markers_exactly_once_in_order(parsed):
    clean, _, _ = parsed
    assert re.findall(r"\[(\d+)\]", clean) == [str(n) for n in range(1, 21)]
    assert "minder wenselijk [2]. Doordat" in clean
    assert "op slot [3]." in clean
    assert "schaarste [1] is er behoefte" in clean
    assert "grotere financieringsinstelling [10].\nIn 2024" in clean
    assert "om hierop te sturen [14], maar lopen" in clean


def test_no_reference_text_left(parsed):
    clean, _, refs = parsed
    for ref in refs:
        assert ref.raw not in clean
    for word in ("Stellinga", "Gaastra", "Garretsen", "Dinkla", "Summeren", "(2024)", "z.j."):
        assert word not in clean


def test_false_numbers_kept(parsed):
    clean, _, _ = parsed
    for text in ("6,7 miljoen", "1,8 miljard", "CO2-heffing", "G40-gemeenten",
                 "8 september 2025", "11 juli 2025", "643 miljoen", "maakt Platform31 de balans"):
        assert text in clean


def test_clean_keeps_every_word(raw, parsed):
    clean, _, refs = parsed
    rest = raw
    for ref in refs:
        parts = ref.raw.split()
        pattern = r"\s+".join(re.escape(p) for p in parts)
        rest, count = re.subn(pattern, " ", rest, count=1)
        assert count == 1, ref.raw
    words = re.findall(r"[^\W\d_]+", rest)
    clean_words = iter(re.findall(r"[^\W\d_]+", clean))
    assert all(w in clean_words for w in words)  # in order (subsequence)


def test_title_lines_not_references(parsed):
    clean, blocks, _ = parsed
    assert blocks[0].text == "Ruimte voor economie en werk"
    assert blocks[1].text.startswith("Hoe sturen G40-gemeenten")
    assert blocks[0].footnotes == ()


def test_blocks_offsets(parsed):
    clean, blocks, _ = parsed
    assert [b.number for b in blocks] == list(range(1, len(blocks) + 1))
    for block in blocks:
        assert clean[block.start:block.end] == block.text
        assert block.text == block.text.strip() and "\n" not in block.text
        assert block.footnotes == tuple(int(n) for n in re.findall(r"\[(\d+)\]", block.text))
    assert [n for b in blocks for n in b.footnotes] == list(range(1, 21))
    assert len(clean.strip().split("\n")) == len(blocks)


def test_split_paragraphs_joined(parsed):
    _, blocks, _ = parsed
    first = [b for b in blocks if 1 in b.footnotes][0]
    assert first.text.startswith("Juist in deze tijden")
    assert first.text.endswith("weten waar zij aan toe zijn.")
    tenth = [b for b in blocks if 10 in b.footnotes][0]
    assert tenth.text.startswith("Op 11 juli 2025") and tenth.text.endswith("[10].")


def test_typographic_apostrophes_kept(raw, parsed):
    clean, _, _ = parsed
    assert "regio’s" in clean
    assert clean.count("’") == raw.count("’") - sum(r.raw.count("’") for r in parsed[2])


def test_plain_text_without_references():
    text = "Eerste alinea met 6,7 miljoen en 12 gemeenten.\n\nTweede alinea over CO2 (2023).\n"
    clean, blocks, refs = parse_article(text)
    assert clean == text
    assert refs == ()
    assert [b.text for b in blocks] == ["Eerste alinea met 6,7 miljoen en 12 gemeenten.",
                                       "Tweede alinea over CO2 (2023)."]
    assert [b.number for b in blocks] == [1, 2]


def test_synthetic_footnotes():
    text = ("Een bewering Jansen, P. (2020) Een titel. Uitgever. 1 . Nog een zin "
            "Bureau voor Statistiek (2019) Cijfers?\n2\nVolgende alinea.\n")
    clean, blocks, refs = parse_article(text)
    assert clean == "Een bewering [1]. Nog een zin [2]\nVolgende alinea.\n"
    assert [(r.footnote, r.authors, r.publisher) for r in refs] == [
        (1, ("Jansen, P.",), "Uitgever"), (2, ("Bureau voor Statistiek",), None)]
    assert [b.footnotes for b in blocks] == [(1, 2), ()]


def test_reference_dict(parsed):
    from bronwijzer.present.dicts import reference_dict
    d = reference_dict(parsed[2][0], full=True)
    assert set(d) == {"doc", "footnote", "position", "authors", "year", "title", "publisher", "reference",
                      "short", "url"}
    assert d["authors"] == ["Gaastra, S."] and d["url"] is None
    json.dumps(d)


def test_attach_urls(parsed, tmp_path):
    refs = parsed[2]
    assert attach_urls(refs, tmp_path / "missing.json") == refs
    path = tmp_path / "sources.json"
    path.write_text(json.dumps([{"footnote": 18, "position": 1, "url": "https://x.example/rli",
                                 "kind": "publisher page", "file": None}]))
    out = attach_urls(refs, path)
    assert [r.url for r in out if r.footnote == 18] == ["https://x.example/rli"]
    assert sum(r.url is not None for r in out) == 1


def test_corpus_sources_json(parsed):
    entries = json.loads((ROOT / "corpus" / "sources.json").read_text(encoding="utf-8"))
    keys = {(r.footnote, r.position) for r in parsed[2]}
    for entry in entries:
        assert set(entry) == {"footnote", "position", "url", "kind", "file"}
        assert (entry["footnote"], entry["position"]) in keys
        assert entry["url"].startswith("http")


@pytest.mark.parametrize("text,expected", [
    ("Zie Stellinga, M. (2024) en z.j. publicaties. Daarna o.a. Rli. Klaar.",
     ["Zie Stellinga, M. (2024) en z.j. publicaties.", "Daarna o.a. Rli.", "Klaar."]),
    ("Het budget is 1,8 miljard. Dat is veel [3]. Of niet? Ja!",
     ["Het budget is 1,8 miljard.", "Dat is veel [3].", "Of niet?", "Ja!"]),
    ("Uitgangspunten zijn ‘samenhang’ en ‘ondernemersgerichtheid.’ Vanuit VRO loopt dit.",
     ["Uitgangspunten zijn ‘samenhang’ en ‘ondernemersgerichtheid.’", "Vanuit VRO loopt dit."]),
    ("Eerste regel\nTweede regel. In 2024 meer.",
     ["Eerste regel", "Tweede regel.", "In 2024 meer."]),
    ("Te sturen [14], maar lopen vast. Dit komt omdat.",
     ["Te sturen [14], maar lopen vast.", "Dit komt omdat."]),
    ("", []),
])
def test_split_sentences(text, expected):
    assert [text[a:b] for a, b in split_sentences(text)] == expected


def test_split_sentences_article_blocks(parsed):
    _, blocks, _ = parsed
    for block in blocks:
        spans = split_sentences(block.text)
        assert spans and all(a < b for a, b in spans)
        assert all(spans[i][1] <= spans[i + 1][0] for i in range(len(spans) - 1))
    block = [b for b in blocks if 2 in b.footnotes][0]
    sentences = [block.text[a:b] for a, b in split_sentences(block.text)]
    assert any(s.endswith("minder wenselijk [2].") for s in sentences)
