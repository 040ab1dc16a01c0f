"""Load: 20 chat requests at once against the served app (real engine, ``gradio_client``).

The questions are the first turns of tests/followup_cases.py (in neither eval set).
"""

from __future__ import annotations

import time
from concurrent.futures import TimeoutError as FutureTimeout

import pytest

from followup_cases import CONVERSATIONS, HELD_OUT
from served import launch

pytestmark = pytest.mark.e2e

CONCURRENT = 20


@pytest.fixture(scope="module")
def served(real_engine):
    from gradio_client import Client

    from bronwijzer.ui.app import create_app
    demo = create_app(lambda: real_engine, real_engine.settings)
    url = launch(demo)
    try:
        client = Client(url, verbose=False, analytics_enabled=False)
        assert "/chat" in client.view_api(print_info=False, return_format="dict")["named_endpoints"]
        yield client
    finally:
        demo.close()


def test_twenty_concurrent_chat_requests(served, real_engine):
    firsts = [first for _, first, _, _ in CONVERSATIONS + HELD_OUT]
    questions = list(dict.fromkeys(firsts))[:CONCURRENT]
    assert len(questions) == CONCURRENT
    expected = {q: a.text for q, a in zip(questions, real_engine.ask_many(questions))}
    began = time.perf_counter()
    jobs = [served.submit(q, [], api_name="/chat") for q in questions]
    results, failures = [], []
    for question, job in zip(questions, jobs):
        try:
            results.append((question, job.result(timeout=180)))
        except (FutureTimeout, Exception) as error:  # noqa: BLE001 - collected and reported
            failures.append(f"{question[:40]}: {type(error).__name__}: {error}")
    seconds = time.perf_counter() - began
    assert not failures, failures
    assert len(results) == CONCURRENT
    for question, (box, history, answer) in results:
        assert box == ""
        assert [m["role"] for m in history] == ["user", "assistant"]
        # no cross-talk between the concurrent sessions: each got its own question's answer
        assert answer["question"] == " ".join(question.split())
        assert answer["answer"] == expected[question]
    print(f"\n{CONCURRENT} concurrent chat requests answered in {seconds:.2f} s")
    assert seconds < 120
