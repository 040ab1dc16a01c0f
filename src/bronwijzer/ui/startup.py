"""Start-up of the browser UI: the engine loaded on a background thread, and the page built
with no more work than serving it needs.

On a 2-core machine the engine's loading (onnxruntime, faiss, bm25s, the tokenizer: about
1.3 s of mostly Python work) shares one interpreter lock with Gradio's own start; run side
by side they slow the page by about as much. ``ui.app.serve`` therefore builds and serves
the page first and only then starts the load (``EngineHolder(..., start=False)``,
``start()``); a question asked meanwhile waits for it.
"""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager


class EngineHolder:
    """The engine, loaded once on a background thread (the engine switches indexes itself).

    Args:
        factory: returns a loaded ``Engine``; called once, on the loading thread.
        start: start loading now (else at ``start()``).
    """

    def __init__(self, factory, start: bool = True) -> None:
        self._factory, self.engine, self.error = factory, None, None
        self.began, self.seconds = time.perf_counter(), None
        self._ready, self._started = threading.Event(), threading.Event()
        self._lock = threading.Lock()
        if start:
            self.start()

    def start(self) -> None:
        """Start loading on a background thread (once; later calls do nothing)."""
        with self._lock:
            if self._started.is_set():
                return
            self._started.set()
        threading.Thread(target=self._load, name="bronwijzer-load", daemon=True).start()

    @property
    def started(self) -> bool:
        return self._started.is_set()

    def _load(self) -> None:
        try:
            self.engine = self._factory()
        except Exception as error:  # noqa: BLE001 - shown in the status line
            self.error = f"{type(error).__name__}: {error}"
        finally:
            self.seconds = time.perf_counter() - self.began
            self._ready.set()

    @property
    def ready(self) -> bool:
        return self._ready.is_set()

    def get(self, timeout: float = 900.0):
        """The engine, waiting for it to load; ``gr.Error`` when loading failed."""
        import gradio as gr
        if not self._ready.wait(timeout):
            raise gr.Error("The model and index are still loading; try again shortly.")
        if self.engine is None:
            raise gr.Error(f"The assistant could not start: {self.error}")
        return self.engine


@contextmanager
def one_server_app():
    """While the page is built, skip the server apps Gradio builds and then throws away.

    Gradio 6 builds its FastAPI app (some 80 routes; 0.15-0.2 s each time on 2 cores) in
    ``gr.Blocks()``, again when the ``with`` block closes and again in ``queue()``; each
    replaces the one before, and ``launch()`` builds the one it serves anew. Inside this
    context the first builds are skipped; the ``queue()`` called after it builds one
    (so ``demo.app`` is a working app before launch, as always), unless it is called in
    this context too (``serve``: its ``launch()`` builds the app at once). Gradio
    versions without ``gradio.routes.App.create_app`` are left alone.
    """
    try:
        from gradio.routes import App
        real = App.__dict__["create_app"]
    except (ImportError, KeyError):
        yield
        return
    App.create_app = staticmethod(lambda *args, **kwargs: None)
    try:
        yield
    finally:
        App.create_app = real


def start_when_served(demo, holder: EngineHolder, poll: float = 0.005) -> None:
    """Start ``holder`` loading as soon as ``demo``'s server listens.

    ``launch()`` returns some 0.2 s after that (it calls its own start-up events and checks
    the page); the engine need not wait for those. Call before ``launch()``; calling
    ``holder.start()`` after it as well is harmless.

    Args:
        demo: the ``gr.Blocks`` about to be launched (its ``is_running`` turns true).
        holder: an ``EngineHolder`` made with ``start=False``.
        poll: seconds between looks.
    """
    def wait() -> None:
        while not getattr(demo, "is_running", False) and not holder.started:
            time.sleep(poll)
        holder.start()
    threading.Thread(target=wait, name="bronwijzer-wait-for-server", daemon=True).start()
