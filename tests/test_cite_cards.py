"""Reference cards (cite/cards.py, card_query.py, card_answer.py; tune/cards.py fits
the routing) over a few hand-made references, with the fake embedder: each filter in Dutch and English, names by
spelling and by vector, routing, the answer's citations and sources, and the fit."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from bronwijzer.cite import card_answer
from bronwijzer.cite.card_answer import answer_from_cards, using_route
from bronwijzer.tune.cards import fit
from bronwijzer.cite.card_query import footnote_count, parse
from bronwijzer.cite.cards import build_cards, cards_of, publisher_kinds, terms, title_overlap
from bronwijzer.index.store import Index
from bronwijzer.records import Passage, Reference
from bronwijzer.text import split_sentences

DOC = "notitie.txt"
TITLE = "Groene daken in de stad"


def ref(footnote, position, authors, year, title, publisher=None):
    raw = f"{' & '.join(authors)} ({year or 'z.j.'}) {title}." + (f" {publisher}." if publisher else "")
    return Reference(footnote=footnote, position=position, authors=tuple(authors), year=year,
                     title=title, publisher=publisher, raw=raw, doc=DOC)


REFS = (
    ref(1, 1, ["Jansen, P."], 2019, "Daken die ademen", "Dagblad van het Noorden"),
    ref(1, 2, ["Ministerie van Binnenlandse Zaken"], 2021, "Programma klimaatadaptatie"),
    ref(2, 1, ["Vermeer, K.", "Smit, L."], None, "Wateroverlast in wijken", "Hogeschool Zuid"),
    ref(3, 1, ["Vermeer, K."], 2023, "Groene daken in de stad: een verkenning"),
    ref(4, 1, ["Centrale Bank van Aldoria"], 2024, "Klimaatrisico's voor vastgoed"),
)
PARAS = [
    f"{TITLE}\nDaken kunnen veel regenwater vasthouden [1]. Dat is lang bekend.",
    "In wijken met weinig groen is de overlast groot [2]. Gemeenten zoeken oplossingen.",
    "Middenstuk zonder voetnoten. " * 8,
    "Middenstuk over iets anders. " * 8,
    "Daarom stellen wij voor om groene daken te subsidiëren [3]. "
    "Ook banken zouden het risico moeten meewegen [4].",
]


def make_index() -> Index:
    passages, spans = [], []
    start = 0
    for number, text in enumerate(PARAS, 1):
        notes = tuple(int(n) for n in re.findall(r"\[(\d+)\]", text))
        passages.append(Passage(id=f"p{number}", doc=DOC, text=text, paragraph=number,
                                start=start, end=start + len(text), footnotes=notes))
        spans.append(tuple(split_sentences(text)))
        start += len(text) + 1
    empty = np.zeros((0, 64), dtype=np.float32)
    return Index(folder=Path("."), manifest={"documents": [{"name": DOC, "title": TITLE}]},
                 passages=tuple(passages), sentence_spans=tuple(spans), vectors=empty,
                 sentence_vectors=empty, references=REFS, lexical=None, dense=None)


class Retriever:
    """What the cards read of a retriever: its index and its embedder."""

    def __init__(self, embedder):
        self.index = make_index()
        self.embedder = embedder


@pytest.fixture
def live(fake_embedder):
    return Retriever(fake_embedder)


def ask(live, question, lang="nl"):
    return answer_from_cards(live, question, None, [], lang)


def notes(answer):
    return sorted({(c.footnote, c.position) for c in answer.citations})


# --- the cards themselves ---------------------------------------------------------

def test_cards_hold_the_reference_fields_and_where_they_are_cited():
    cards = build_cards(make_index())
    assert len(cards) == len(REFS)
    first = cards[0]
    assert (first.footnote, first.year, first.shared) == (1, 2019, 2)
    assert "[1]" in first.citing[0].sentence and first.citing[0].passage_id == "p1"
    assert cards[2].year is None and cards[2].shared == 1
    last = cards[4]
    assert last.citing[0].share > 0.66 and cards[0].citing[0].share < 0.2
    assert cards[3].title_overlap == 1.0 and cards[0].title_overlap < 0.5


def test_a_library_s_cards_read_each_footnoted_passage_once():
    from librarygen import counted, library_index
    index = library_index(docs=60, refs=600, articles=12)
    index_counted, reads = counted(index)
    cards = build_cards(index_counted)
    assert len(cards) == 600 and sum(1 for c in cards if c.citing) > 500
    assert len(reads) == len(set(reads)) == int(index.cited_mask.sum())


def test_publisher_kinds_come_from_the_generic_table():
    assert publisher_kinds(["Ministerie van Binnenlandse Zaken"], None) == ("government",)
    assert publisher_kinds(["Jansen, P."], "Dagblad van het Noorden") == ("press",)
    assert publisher_kinds(["Vermeer, K."], "Hogeschool Zuid") == ("research",)
    assert "bank" in publisher_kinds(["Centrale Bank van Aldoria"], None)
    assert publisher_kinds(["Vermeer, K."], None) == ("person",)
    assert publisher_kinds(["Stichting"], None, table={"x": ["iets"]}) == ()


def test_title_overlap_is_the_share_of_the_document_title_held():
    assert title_overlap("Groene daken in de stad: deel 2", [TITLE]) == 1.0
    assert title_overlap("Daken", [TITLE]) == pytest.approx(0.2)
    assert title_overlap("Daken", ["Een"]) == 0.0


def test_cards_are_embedded_once_per_index(live, fake_embedder):
    first = cards_of(live.index, fake_embedder)
    again = cards_of(live.index, fake_embedder)
    assert first is again
    assert fake_embedder.calls == [2 * len(REFS)]
    assert first.who.shape == (len(REFS), fake_embedder.dim)


# --- filters, in both languages -----------------------------------------------------

@pytest.mark.parametrize("question, lang, expected", [
    ("Welke bronnen zijn in 2021 verschenen?", "nl", [(1, 2)]),
    ("Which references date from 2023?", "en", [(3, 1)]),
    ("Welke publicaties van vóór 2021 worden aangehaald?", "nl", [(1, 1)]),
    ("Which cited reports are from after 2022?", "en", [(3, 1), (4, 1)]),
    ("Welke publicatie heeft geen jaartal?", "nl", [(2, 1)]),
    ("Which reference is undated?", "en", [(2, 1)]),
    ("Welke voetnoot bevat meer dan één bron?", "nl", [(1, 1), (1, 2)]),
    ("Which footnote lists more than one source?", "en", [(1, 1), (1, 2)]),
    ("Welke aangehaalde publicatie heeft dezelfde titel als de notitie?", "nl", [(3, 1)]),
    ("Which cited work shares its title with this text?", "en", [(3, 1)]),
    ("Op welke bronnen steunen de voorstellen aan het eind?", "nl", [(3, 1), (4, 1)]),
    ("Which sources are cited in the closing paragraphs?", "en", [(3, 1), (4, 1)]),
    ("Wat is de oudste bron die de notitie aanhaalt?", "nl", [(1, 1)]),
    ("Which is the most recent publication cited?", "en", [(4, 1)]),
    ("Welke publicatie van Vermeer is de nieuwste?", "nl", [(3, 1)]),
    ("Hoeveel bronnen haalt de notitie in totaal aan?", "nl", [(1, 1), (1, 2), (2, 1), (3, 1), (4, 1)]),
    ("How many references does the text have?", "en", [(1, 1), (1, 2), (2, 1), (3, 1), (4, 1)]),
    ("Van welke auteurs worden meerdere publicaties aangehaald?", "nl", [(2, 1), (3, 1)]),
    ("Which authors have more than one work cited?", "en", [(2, 1), (3, 1)]),
])
def test_each_filter_picks_its_cards(live, question, lang, expected):
    answer = ask(live, question, lang)
    assert answer is not None and answer.kind == "cite-cards" and not answer.abstained
    assert notes(answer) == expected


@pytest.fixture
def detector_says(monkeypatch):
    def say(kind):
        monkeypatch.setattr(card_answer, "citation_kind", lambda *args: kind)
    return say


@pytest.mark.parametrize("question, lang, expected", [
    ("Welke krantenartikelen worden aangehaald?", "nl", [(1, 1)]),
    ("Which ministry documents are cited?", "en", [(1, 2)]),
])
def test_a_kind_of_publisher_picks_its_cards(live, detector_says, question, lang, expected):
    detector_says("none")
    answer = ask(live, question, lang)
    assert notes(answer) == expected
    # the kind is named in words of the answer's language, not by its key
    assert ("krant of tijdschrift" if lang == "nl" else "of the kind government") in answer.text


def test_names_and_kinds_spelt_alike_stay_with_the_reference_lookup(live, detector_says):
    detector_says("set")
    assert ask(live, "Which ministry documents are cited?", "en") is None
    assert ask(live, "Welke publicaties van Vermeer worden geciteerd?") is None
    # a filter only bibliography questions set keeps it with the cards
    assert notes(ask(live, "Welke publicaties van Vermeer uit 2023 worden geciteerd?")) == [(3, 1)]
    detector_says("claim")
    assert ask(live, "Welke publicaties van Vermeer worden geciteerd?") is None
    # a kind the references do not spell (no reference says "kennisinstelling") stays here
    detector_says("set")
    assert notes(ask(live, "Welke publicaties van kennisinstellingen worden aangehaald?")) == \
        [(2, 1)]


def test_what_a_source_says_is_left_to_the_passages(live, detector_says):
    detector_says("none")
    assert ask(live, "Wat zegt het rapport van Vermeer over daken?") is None
    assert ask(live, "What does the Vermeer report recommend?", "en") is None


def test_a_name_is_matched_by_spelling(live, detector_says):
    detector_says("none")
    answer = ask(live, "Welke publicaties van Vermeer worden geciteerd?")
    assert notes(answer) == [(2, 1), (3, 1)]
    typo = ask(live, "Which publications by Vermeeer are cited?", "en")
    assert notes(typo) == [(2, 1), (3, 1)]


class SameMeaning:
    """A fake embedder that gives two spellings of one organisation the same vector
    (the way a multilingual model does), so the vector path can be tested."""

    name = "same-meaning"
    fingerprint = "same-meaning-v1"
    dim = 8

    def embed_batch(self, texts, kind="passage"):
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            low = text.lower()
            slot = 0 if "bank" in low else 1 + sum(map(ord, low)) % (self.dim - 1)
            out[row, slot] = 1.0
        return out


def test_a_name_in_another_language_is_matched_by_the_card_vector(detector_says):
    detector_says("set")
    answer = ask(Retriever(SameMeaning()), "Is anything by the Ruritanian national bank cited?", "en")
    assert notes(answer) == [(4, 1)]


def test_a_name_no_card_is_by_gives_a_declined_none(live):
    answer = ask(live, "Is anything by the OECD cited?", "en")
    assert answer.abstained and answer.kind == "cite-cards" and not answer.citations
    assert "None of the 5" in answer.text and answer.extra["reason"]


def test_a_claim_that_is_only_a_name_no_card_is_by_gets_the_none(live, detector_says):
    detector_says("claim")
    answer = ask(live, "Which cited report is by the Rathenau Instituut?", "en")
    assert answer.abstained and answer.kind == "cite-cards" and "Rathenau" in answer.text
    # a claim naming a cited source stays with the source lookup; a real claim too
    assert ask(live, "Which cited report is by Vermeer?", "en") is None
    assert ask(live, "Which source says that green roofs in Aldoria hold rain?", "en") is None


def test_a_passage_that_mentions_an_unknown_name_is_not_a_none(live, detector_says):
    detector_says("source")
    # one unknown name among five other words: the question is about a passage
    assert ask(live, "Does the note give a source for its passage on rain held by "
               "Ruritanian roofs?", "en") is None
    assert ask(live, "Does the note cite the Ruritanian Institute?", "en").abstained


def test_the_most_cited_work_is_the_one_in_most_footnotes(live, fake_embedder):
    even = ask(live, "Welke bron wordt het vaakst geciteerd?")
    assert even.text.startswith("Geen bron staat in meer dan één voetnoot: het artikel haalt "
                                "5 bronnen aan in 4 voetnoten")
    # the same work in a second footnote makes it the most cited
    again = replace(REFS[3], footnote=5, position=1)
    index = replace(make_index(), references=REFS + (again,))
    retriever = Retriever(fake_embedder)
    retriever.index = index
    answer = ask(retriever, "Which source is cited most often?", "en")
    assert "cited in the most footnotes (2)" in answer.text
    assert REFS[3].title in answer.text and "Jansen" not in answer.text
    assert footnote_count(build_cards(index)[0], index.references) == 1


# --- the answer ---------------------------------------------------------------------

def test_the_answer_quotes_each_citing_sentence_with_its_footnote(live):
    answer = ask(live, "Welke bron heeft geen jaartal?")
    source = answer.sources[0]
    assert source.hit.passage.id == "p2" and "[2]" in source.quote
    assert "voetnoot 2" in answer.text and "Wateroverlast in wijken" in answer.text
    assert "In wijken met weinig groen is de overlast groot" in answer.text
    assert answer.hits[0].passage.id == "p2"
    several = ask(live, "Which footnote holds more than one source?", "en")
    assert "one of 2 sources in that footnote" in several.text
    every = ask(live, "Hoeveel bronnen haalt de notitie aan?")
    assert every.text.startswith("Het artikel haalt 5 bronnen aan in 4 voetnoten:")
    oldest = ask(live, "Which is the oldest source cited?", "en")
    assert "with the earliest year" in oldest.text and "(2019)" in oldest.text
    none = ask(live, "Is anything by the OECD cited?", "en")
    assert none.text.startswith("None of the 5 cited sources is by or about")


@pytest.mark.parametrize("question", [
    "Wat stelt de notitie over groene daken?",
    "Which source backs the claim that roofs can hold a lot of rain water in dense districts?",
    "Wat staat er in voetnoot 2 uit 2023?",
    "Hoeveel regenwater houdt een dak vast in 2023?",
])
def test_other_questions_are_left_to_the_rest(live, question):
    assert ask(live, question) is None


def test_route_parameters_decide_how_many_stray_words_may_remain(live):
    question = "Which sources from 2023 discuss green roofs on schools?"
    with using_route({"max_residual": 0}):
        assert ask(live, question, "en") is None
    with using_route({"max_residual": 6}):
        assert ask(live, question, "en") is not None


def test_parse_reads_filters_and_leaves_the_name():
    q = parse("Which reports by the Council of State from 2020 lack a date?")
    assert q.bibliographic and q.years == (2020,) and q.no_year
    assert "state" in q.name_words and "state" in q.named
    assert not parse("How much rain does a roof hold?").bibliographic


def test_terms_name_no_single_publisher():
    table = terms()
    for words in table["publisher_kinds"].values():
        assert all(len(w.split()) <= 2 for w in words)
    assert "aldoria" not in str(table).lower()


# --- the fit --------------------------------------------------------------------------

class FitEngine:
    """Answers like the engine: a cards answer when the route allows it, else a plain one."""

    def __init__(self, residuals, card_right, plain_right):
        self.rows = list(zip(residuals, card_right, plain_right))
        self.asked: list[str] = []

    def answer_dicts(self, texts):
        self.asked.extend(texts)
        limit = card_answer.current_route()["max_residual"]
        out = []
        for r, card_right, plain_right in self.rows[:len(texts)]:
            right = card_right if r <= limit else plain_right
            out.append({"kind": "cite-cards" if r <= limit else "answer", "residual": r,
                        "abstained": False, "answer": "gold" if right else "other",
                        "passages": [], "citations": [{"footnote": 1}] if right else []})
        return out


def question(n):
    return {"id": f"q{n}", "question": f"Which sources from {2020 + n} does the text cite?",
            "gold": ["gold"], "footnotes": [1], "answerable": True}


def test_fit_takes_the_widest_routing_that_loses_nothing():
    engine = FitEngine(residuals=[0, 2, 5], card_right=[True, True, False],
                       plain_right=[False, True, True])
    params = fit([question(i) for i in range(3)], engine)
    assert params["max_residual"] == 4
    assert params["totals"][4] > params["totals"][-1]
    assert params["totals"][6] < params["totals"][4]


def test_fit_routes_nothing_when_the_cards_only_lose():
    engine = FitEngine(residuals=[0, 1], card_right=[False, False], plain_right=[True, True])
    assert fit([question(0), question(1)], engine)["max_residual"] == -1


def test_fit_answers_only_the_questions_the_cards_could_take():
    engine = FitEngine(residuals=[0], card_right=[True], plain_right=[False])
    plain = {"id": "p", "question": "How many homes must be built each year?",
             "gold": ["gold"], "footnotes": [], "answerable": True}
    params = fit([plain, question(0)], engine)
    assert params["n_scored"] == 1 and params["max_residual"] == 6
    assert plain["question"] not in engine.asked and len(engine.asked) == 2
