"""The overlapped encode/answer stages: same results, same order, errors raised."""

from __future__ import annotations

import threading
import time

import pytest
from conftest import HashEmbedder

from bronwijzer.overlap import overlapped


def test_results_come_in_order_and_the_stages_overlap():
    events = []

    def produce(part):
        events.append(("produce", part[0], threading.current_thread().name))
        time.sleep(0.02)
        return [x * 10 for x in part]

    def consume(part, produced):
        events.append(("consume", part[0], threading.current_thread().name))
        time.sleep(0.02)
        return [p + 1 for p in produced]

    assert overlapped(list(range(10)), 3, produce, consume) == [x * 10 + 1 for x in range(10)]
    assert [e[:2] for e in events if e[0] == "produce"] == [("produce", s) for s in (0, 3, 6, 9)]
    # answering runs on the worker, encoding on the caller
    assert {e[2] for e in events if e[0] == "consume"} != {threading.current_thread().name}
    assert {e[2] for e in events if e[0] == "produce"} == {threading.current_thread().name}


def test_small_inputs_and_errors():
    assert overlapped([], 4, lambda p: p, lambda p, q: q) == []
    assert overlapped([1, 2], 4, lambda p: p, lambda p, q: [x * 2 for x in q]) == [2, 4]

    def broken(part, produced):
        if part[0] == 4:
            raise ValueError("part 4 fails")
        return produced
    with pytest.raises(ValueError, match="part 4"):
        overlapped(list(range(8)), 2, lambda p: p, broken)


def test_ask_many_gives_the_same_answers_whatever_the_chunk(article_home):
    from bronwijzer.engine import Engine
    from bronwijzer.settings import Settings
    settings = Settings(home=article_home)
    engine = Engine.open(settings, embedder=HashEmbedder())  # builds the index first
    questions = ["Wat zegt het artikel over bedrijventerreinen?", "Waar verwijst voetnoot 3 naar?",
                 "What does the text propose for the mkb?", "Welke rol heeft het Rijk?",
                 "Wie betaalt de transitie?"] * 3
    whole = engine.with_settings(query_chunk=100).ask_many(questions)
    parts = engine.with_settings(query_chunk=2).ask_many(questions)
    assert [a.question for a in parts] == questions
    assert [(a.text, a.abstained, [h.passage.id for h in a.hits]) for a in parts] == \
        [(a.text, a.abstained, [h.passage.id for h in a.hits]) for a in whole]
