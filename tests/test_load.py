"""Load: 20 chat requests at once against the served app (real engine, ``gradio_client``).

Skipped when the UI (``bronwijzer.ui.app.create_app``) is not there.
"""

from __future__ import annotations

import json
import socket
import time
from concurrent.futures import TimeoutError as FutureTimeout

import pytest
from conftest import PROJECT

pytestmark = pytest.mark.e2e
ui = pytest.importorskip("bronwijzer.ui.app")
if not hasattr(ui, "create_app"):
    pytest.skip("bronwijzer.ui.app has no create_app yet", allow_module_level=True)

CONCURRENT = 20


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _questions(n: int) -> list[str]:
    rows = [json.loads(line) for line in
            (PROJECT / "eval" / "dev.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    return [rows[i % len(rows)]["question"] for i in range(n)]


@pytest.fixture(scope="module")
def served(real_engine):
    from gradio_client import Client
    demo = ui.create_app(lambda: real_engine, real_engine.settings)
    port = _free_port()
    demo.launch(prevent_thread_lock=True, server_name="127.0.0.1", server_port=port, quiet=True)
    try:
        client = Client(f"http://127.0.0.1:{port}/", verbose=False, analytics_enabled=False)
        if "/chat" not in client.view_api(print_info=False, return_format="dict")["named_endpoints"]:
            pytest.skip("the UI has no /chat api")
        yield client
    finally:
        demo.close()


def test_twenty_concurrent_chat_requests(served, real_engine):
    questions = _questions(CONCURRENT)
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
