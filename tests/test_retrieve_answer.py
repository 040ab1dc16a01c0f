"""Fusion, answer composition and abstention (fake embedder, real article)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from bronwijzer.quotes import detect_lang, footnote_superscripts
from bronwijzer.engine import Engine
from bronwijzer.errors import QuestionError
from bronwijzer.index.build import build_index
from bronwijzer.index.store import load_index
from bronwijzer.phrases import phrase
from bronwijzer.present.dicts import answer_to_dict
from bronwijzer.search.fusion import fuse, ranks
from bronwijzer.settings import Settings, load_settings


@pytest.fixture
def engine(article_home, fake_embedder):
    settings = load_settings()
    build_index(settings, fake_embedder)
    return Engine(settings, fake_embedder, load_index(settings.index))


def test_ranks_ignore_bm25_zeros():
    r = ranks(np.array([0.0, 2.0, 1.0]), ignore_zero=True)
    assert r[1] == 1 and r[2] == 2 and np.isinf(r[0])


def test_rrf_fusion_rewards_agreement_and_ignores_zero_bm25():
    cosines = np.array([0.9, 0.8, 0.7, 0.1], dtype=np.float32)
    lexical = np.array([0.0, 3.0, 0.0, 0.0], dtype=np.float32)
    fused = fuse(cosines, lexical, Settings(fusion="rrf"))
    assert int(np.argmax(fused)) == 1  # second in dense, first in BM25
    assert fused[0] > fused[2] > fused[3]
    assert np.array_equal(np.argsort(-fuse(cosines, lexical, Settings(fusion="dense"))), [0, 1, 2, 3])


def test_every_marker_points_to_an_existing_source(engine):
    for question in ["Wat kunnen gemeenten doen met verouderde bedrijventerreinen?",
                     "Welke voorstellen doet de tekst voor startende ondernemers?",
                     "What about woondeals and werkruimte?"]:
        engine = engine.with_settings(abstain_below=0.0)
        answer = engine.ask(question)
        numbers = {int(n) for n in re.findall(r"\[(\d+)\]", answer.text)}
        assert numbers and numbers == {s.number for s in answer.sources}
        for source in answer.sources:
            assert footnote_superscripts(source.quote) in answer.text
            assert source.hit.passage.text[source.quote_start:source.quote_end].strip() == source.quote
        data = answer_to_dict(answer, engine.references())
        assert {"answer", "abstained", "confidence", "sources", "citations", "passages"} <= set(data)
        assert 0.0 <= data["confidence"] <= 1.0


def test_abstention_message_follows_the_question_language(engine):
    engine = engine.with_settings(abstain_below=1.01)
    nl = engine.ask("Hoeveel bruggen telt de gemeente Zwolle?")
    en = engine.ask("Who won the football cup in 1990?")
    assert nl.abstained and nl.text == phrase("abstain", "nl") == "Het artikel geeft hier geen antwoord op."
    assert en.abstained and en.text == "The text does not answer this."
    assert nl.hits and not nl.sources  # related passages are still listed


def test_language_detection():
    assert detect_lang("Welke voorstellen doet de tekst voor startende ondernemers?") == "nl"
    assert detect_lang("What does the text propose for bedrijventerreinen?") == "en"
    assert detect_lang("How much money goes to the Groeifonds in 2026?") == "en"


def test_citation_question_cites_the_footnote(engine):
    answer = engine.ask("Wat is de bron achter voetnoot 13?")
    assert answer.kind == "cite-footnote" and not answer.abstained
    assert 13 in {c.footnote for c in answer.citations}
    assert "Koelemaij" in answer.text and "[1]" in answer.text
    assert answer.hits[0].passage.footnotes and 13 in answer.hits[0].passage.footnotes


def test_bad_questions_raise_clear_errors(engine):
    for bad in ["", "   ", "?!?", "x" * 100_000]:
        with pytest.raises(QuestionError):
            engine.ask(bad)


def test_remembering_encodes_each_question_once_and_gives_the_same_vectors(engine,
                                                                          fake_embedder):
    """Fits ask the same questions per fold: inside ``remembering`` each text is encoded
    once, the vectors are those of a fresh pass, and outside it nothing is kept."""
    from bronwijzer.tune.ranker import retriever_of
    retriever = retriever_of(engine)
    questions = ["Wat is schuifruimte?", "Who pays for the transition?"]
    plain = retriever.embed_queries(questions)
    with retriever.remembering():
        fake_embedder.calls.clear()
        first = retriever.embed_queries(questions)
        again = retriever.embed_queries(questions[::-1] + ["Een nieuwe vraag?"])
        encoded = sum(fake_embedder.calls)
    assert encoded == 3  # two questions, then only the new one
    assert np.array_equal(first, plain) and np.array_equal(again[:2], plain[::-1])
    fake_embedder.calls.clear()
    retriever.embed_queries(questions)
    assert sum(fake_embedder.calls) == 2


def test_nested_remembering_keeps_the_outer_memo(engine, fake_embedder):
    """A fit inside cross-validation (``calibrate`` inside ``crossval``) reuses the vectors
    the outer fit encoded, and the outer memo outlives the inner block."""
    retriever = engine.retriever
    with retriever.remembering():
        retriever.embed_queries(["Wat is schuifruimte?"])
        fake_embedder.calls.clear()
        with retriever.remembering():
            retriever.embed_queries(["Wat is schuifruimte?", "Een nieuwe vraag?"])
        retriever.embed_queries(["Een nieuwe vraag?"])
        assert sum(fake_embedder.calls) == 1
