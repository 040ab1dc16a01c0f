"""Bibliography questions on the real article, through the engine with the real model.

The questions are written for this test (none is taken from a tuning or dev file);
``test_questions_are_far_from_dev`` keeps every one of them below a token Jaccard of 0.5
to every dev question.
"""

from __future__ import annotations

import json
import re

import pytest

from conftest import PROJECT

pytestmark = pytest.mark.e2e

# (question, footnotes the citations must hold, footnotes they must not hold)
CASES = [
    ("Welke aangehaalde werken dateren uit 2021?", {15}, {4, 12}),
    ("List the cited publications from 2023.", {4, 12, 16, 18}, {15, 17}),
    ("Staat er in de literatuur een titel zonder jaar van uitgave?", {6}, {4, 12}),
    ("Which of the references carries no year at all?", {6}, {15}),
    ("Bij welke noten worden meerdere bronnen tegelijk opgevoerd?", {1, 2, 9}, {4, 12}),
    ("Is there a footnote that combines more than one source?", {1, 2, 9}, {4, 12}),
    ("Does the text refer to anything published by the Dutch central bank?", {1}, {4, 9}),
    ("Is er een geciteerd rapport met dezelfde titel als dit stuk zelf?", {12}, {16, 17}),
    ("Which references does the closing part of the text rest on?", {19, 20}, {1, 2, 4}),
    ("Welke bronnen stammen van vóór 2024?", {4, 12, 15, 16, 18}, {1, 20}),
]


def _tokens(text: str) -> set[str]:
    return set(re.findall(r"\w+", text.lower()))


def test_questions_are_far_from_dev():
    dev = [json.loads(line)["question"] for line in
           (PROJECT / "eval" / "dev.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    for question, _, _ in CASES + [(q, None, None) for q in DECLINED]:
        mine = _tokens(question)
        for other in dev:
            theirs = _tokens(other)
            assert len(mine & theirs) / len(mine | theirs) < 0.5, (question, other)


@pytest.mark.parametrize("question, wanted, unwanted", CASES)
def test_bibliography_questions_are_answered_from_the_cards(real_engine, question, wanted,
                                                            unwanted):
    answer = real_engine.ask(question)
    cited = {c.footnote for c in answer.citations}
    assert answer.kind == "cite-cards" and not answer.abstained, answer.text
    assert wanted <= cited and not unwanted & cited, (cited, answer.text)
    # every source quotes a sentence that carries one of the cited footnotes
    for source in answer.sources:
        assert any(f"[{n}]" in source.quote for n in cited), source.quote


DECLINED = ["Is anything by the OECD among the cited sources?",
            "Haalt het artikel een publicatie van het IMF aan?"]


@pytest.mark.parametrize("question", DECLINED)
def test_an_organisation_that_is_not_cited_gets_none(real_engine, question):
    answer = real_engine.ask(question)
    assert answer.kind == "cite-cards" and answer.abstained and not answer.citations


def test_a_name_spelt_alike_is_answered_with_its_footnote(real_engine):
    answer = real_engine.ask("Verwijst de tekst naar een publicatie van de Europese Commissie?")
    assert answer.kind.startswith("cite-") and not answer.abstained
    assert {c.footnote for c in answer.citations} == {5}


def test_ordinary_questions_do_not_go_to_the_cards(real_engine):
    for question in ("Wat vraagt de tekst van een nieuw kabinet op het gebied van economie?",
                     "Which footnote supports the point about regional development agencies?",
                     "What does the cited SER report advise on productivity?"):
        assert real_engine.ask(question).kind != "cite-cards"
