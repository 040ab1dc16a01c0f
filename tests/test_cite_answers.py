"""Citation questions end to end (real model, real article), on wordings in neither eval set:
the fitted detector, claims without a footnote, unknown footnotes, questions about the
sources as a set, and gathered proposal answers."""

from __future__ import annotations

import re

import pytest

from bronwijzer.answer.gather import REFERRING
from bronwijzer.phrases import phrase

pytestmark = pytest.mark.e2e

FRESH = [
    ("Met welke bron staaft de tekst dat bedrijven hun maatschappelijke impact serieuzer "
     "moeten nemen?", "claim"),
    ("Which bron backs the statement that the Netherlands must make choices?", "claim"),
    ("Welke auteur wordt aangehaald bij de stelling dat werkruimte minder oplevert dan "
     "woningen?", "claim"),
    ("Op grond van welke publicatie zegt het artikel dat het traditionele mkb moet wijken?",
     "claim"),
    ("Wat is de bron achter voetnoot 13?", "footnote"),
    ("Tell me about note 7.", "footnote"),
    ("Where in the article is the WRR report quoted?", "source"),
    ("Waar verwijst de tekst naar Stadszaken?", "source"),
    ("Which Platform31 publications does the article cite?", "set"),
    ("Which ESB articles are cited?", "set"),
    ("Welke bronnen van de rijksoverheid worden genoemd?", "set"),
    ("Which sources of financing exist for start-ups according to the article?", None),
    ("Wat stelt het artikel voor aan het Rijk?", None),
    ("How much does the cabinet invest in semiconductors?", None),
    ("What does the WRR report recommend according to the article?", None),
]


def test_detector_with_the_model_on_fresh_wordings(real_engine):
    answers = real_engine.ask_many([q for q, _ in FRESH])
    wrong = [(question, kind, answer.kind) for (question, kind), answer in zip(FRESH, answers)
             if answer.kind != (f"cite-{kind}" if kind else "answer")]
    assert not wrong


@pytest.mark.parametrize("question,lang,fragment", [
    ("Which source backs the statement that every province started a pilot tender for "
     "future-proof business parks in 2025?", "en", "tender voor één pilotproject"),
])
def test_claim_without_footnote_is_declined_with_its_sentence(real_engine, question, lang,
                                                              fragment):
    answer = real_engine.ask(question)
    assert answer.kind == "cite-claim" and answer.abstained
    assert answer.text.startswith(phrase("cite-no-source", lang))
    assert answer.extra["reason"] == phrase("cite-no-source-reason", lang)
    assert len(answer.sources) == 1 and fragment in answer.sources[0].quote
    assert "[1]" in answer.text and not re.search(r"\[\d{2,}\]|⁽", answer.sources[0].quote)
    assert answer.citations == ()
    assert answer.hits[0].passage.id == answer.sources[0].hit.passage.id


@pytest.mark.parametrize("question,footnote", [
    ("Which essay is cited for the point that developers earn less on work space than on "
     "homes?", 15),
    ("Welke bron hoort bij de bewering dat stedelijke gemeenten unaniem functiemenging "
     "ambiëren?", 14),
])
def test_claim_with_footnote_is_cited(real_engine, question, footnote):
    answer = real_engine.ask(question)
    assert answer.kind == "cite-claim" and not answer.abstained
    assert footnote in {c.footnote for c in answer.citations}
    superscript = str(footnote).translate(str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹"))
    assert f"⁽{superscript}⁾" in answer.text


def test_unknown_footnote_is_declined_with_the_reason(real_engine):
    answer = real_engine.ask("Wat staat er in voetnoot 31?")
    numbers = sorted({r.footnote for r in real_engine.references()})
    assert answer.abstained and answer.kind == "cite-footnote"
    assert "31" in answer.extra["reason"] and f"{numbers[0]}–{numbers[-1]}" in answer.text


def _expected(real_engine, keep) -> set[int]:
    return {r.footnote for r in real_engine.references() if keep(r)}


@pytest.mark.parametrize("question,keep", [
    ("Which publications by Platform31 itself does the article cite?",
     lambda r: r.publisher == "Platform31"),
    ("Which ESB articles are cited?", lambda r: r.publisher == "ESB"),
    ("Welke bronnen van de rijksoverheid worden genoemd?",
     lambda r: any(a.startswith(("Rijksoverheid", "Ministerie")) for a in r.authors)),
])
def test_sources_as_a_set_come_from_the_reference_list(real_engine, question, keep):
    answer = real_engine.ask(question)
    expected = _expected(real_engine, keep)
    assert answer.kind == "cite-set" and not answer.abstained and len(expected) >= 2
    assert {c.footnote for c in answer.citations} == expected
    for n in expected:
        assert re.search(rf"\((?:voetnoot|footnote) {n}\)", answer.text)
    numbers = {int(k) for k in re.findall(r"\[(\d+)\]", answer.text)}
    assert numbers == {s.number for s in answer.sources}


def _article_sentences(real_engine) -> list[str]:
    from bronwijzer.text import split_sentences
    from bronwijzer.quotes import footnote_superscripts
    out = []
    for p in sorted((p for p in real_engine.passages() if p.source_of is None),
                    key=lambda p: p.start):
        out += [footnote_superscripts(p.text[s:e].strip()) for s, e in split_sentences(p.text)]
    return out


@pytest.mark.parametrize("question", [
    "Welke aanbevelingen doet Platform31 over ruimtelijk-economische keuzes?",
    "What do the authors propose regarding investment funds?",
    "Wat stelt de tekst voor aan decentrale overheden en gemeenten?",
])
def test_referring_sentences_bring_the_sentence_before_them(real_engine, question):
    answer = real_engine.ask(question)
    quoted = [q.strip() for q in re.findall(r"(.+?) \[\d+\](?:\s|$)", answer.text)]
    article = _article_sentences(real_engine)
    assert quoted and not answer.abstained and all(q in article for q in quoted)
    for i, sentence in enumerate(quoted):
        if REFERRING.match(sentence):
            before = article[article.index(sentence) - 1]
            assert i > 0 and quoted[i - 1] == before, sentence


class _Counting:
    """Wraps an embedder and records every encoding call's texts (``embed_batch``, and
    ``embed_queries_with_tokens`` as a ``"query"`` call when the embedder has it)."""

    def __init__(self, inner) -> None:
        self.inner, self.calls = inner, []
        self.name, self.fingerprint = inner.name, inner.fingerprint

    def embed_batch(self, texts, kind: str = "passage"):
        self.calls.append((list(texts), kind))
        return self.inner.embed_batch(texts, kind)

    def __getattr__(self, name):
        if name == "embed_queries_with_tokens" and hasattr(self.inner, name):
            return self._with_tokens
        raise AttributeError(name)

    def _with_tokens(self, texts):
        self.calls.append((list(texts), "query"))
        return self.inner.embed_queries_with_tokens(texts)


def test_a_claim_question_is_encoded_once(real_engine):
    from bronwijzer.engine import Engine
    counting = _Counting(Engine.load_embedder(real_engine.settings))
    engine = Engine.open(real_engine.settings, embedder=counting, build=False)
    question = FRESH[1][0]
    answer = engine.ask(question)
    assert answer.kind == "cite-claim" and not answer.abstained
    # the question once; the claim on its own (cite.claims) once more, never the question
    # again; single words the ranker's expansion lacks may have a short pass of their own
    # (remembered: in a session that met them before there is none)
    texts = [t for t, _ in counting.calls if any(" " in x for x in t)]
    assert [t for t in texts if question in t] == [[question]]
    assert len(texts) <= 2
