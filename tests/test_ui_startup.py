"""Start-up of the browser UI: the page is built and served without the engine, the engine
loads once the server listens, and what needs the engine fills in (or waits) until then.

Fake embedder; ``serve`` runs in-process on a free port (the figures are in bench/startup.py).
"""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import urllib.request

import pytest

pytestmark = [pytest.mark.filterwarnings("ignore:.*no_silent_downcasting"),
              pytest.mark.filterwarnings("ignore:The copy keyword is deprecated")]
QUESTION = "Which publication does footnote 14 point to?"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _page(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.status == 200
        return response.read().decode("utf-8", errors="replace")


def test_a_holder_made_not_to_start_loads_nothing_until_started():
    from bronwijzer.ui.startup import EngineHolder
    calls = []
    holder = EngineHolder(lambda: calls.append(1) or "engine", start=False)
    assert not holder.started and not holder.ready and calls == []
    holder.start()
    holder.start()
    assert holder.get(timeout=10) == "engine" and calls == [1] and holder.started


@pytest.fixture
def app_builds(monkeypatch):
    """Counts Gradio's builds of its server app (``gradio.routes.App.create_app``)."""
    import gradio.routes
    real, built = gradio.routes.App.create_app, []

    def counting(*args, **kwargs):
        built.append(1)
        return real(*args, **kwargs)
    monkeypatch.setattr(gradio.routes.App, "create_app", staticmethod(counting))
    return built


def test_the_page_builds_without_the_engine_and_gradio_builds_its_app_once(article_home,
                                                                           app_builds):
    import gradio.routes

    from bronwijzer.ui.app import create_app
    from bronwijzer.ui.startup import EngineHolder
    counting = gradio.routes.App.create_app
    holder = EngineHolder(lambda: pytest.fail("the engine was loaded"), start=False)
    demo = create_app(holder)
    assert len(app_builds) == 1 and demo.app is not None  # was 3: Blocks(), with-exit, queue()
    assert not holder.started
    assert gradio.routes.App.create_app is counting  # one_server_app put the original back


def test_serve_loads_the_engine_only_once_the_page_is_served(article_home, fake_embedder,
                                                             app_builds):
    from gradio_client import Client

    from bronwijzer.engine import Engine
    from bronwijzer.settings import load_settings
    settings = load_settings().with_(host="127.0.0.1", port=_free_port())
    url = f"http://127.0.0.1:{settings.port}/"
    release, seen = threading.Event(), {}

    def factory():
        seen["page"] = _page(url)  # served before the engine starts loading
        release.wait(30)
        return Engine.open(settings, fake_embedder)
    from bronwijzer.ui.app import serve
    demo = serve(settings, engine_factory=factory, block=False)
    try:
        actions = demo.bronwijzer_actions
        assert "Loading the model" in actions.status()[0]
        client = Client(url, verbose=False, analytics_enabled=False)
        job = client.submit(QUESTION, [], api_name="/chat")  # asked while loading: it waits
        table = {}
        overview = threading.Thread(target=lambda: table.update(v=actions.lookup_overview()))
        overview.start()
        overview.join(0.5)
        assert overview.is_alive() and not job.done()
        release.set()
        _, history, answer = job.result(timeout=60)
        overview.join(30)
    finally:
        release.set()
        demo.close()
    assert "Bronwijzer" in seen["page"]
    assert len(app_builds) == 1  # launch's own; none before it
    assert answer and answer["sources"] and len(history) == 2
    rows, *_, article_map, _ = table["v"]  # the reference table and map, filled in after the load
    assert len(rows) >= 20 and "<svg" in article_map
    assert "Ready" in actions.status()[0]


def test_the_command_line_does_not_import_the_engine_before_it_is_needed():
    code = ("import sys, bronwijzer.cli; "
            "print(*(m in sys.modules for m in ('bronwijzer.engine', 'bm25s', 'numpy')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False", "False"]
