"""Start-up: ``python app.py`` to the page served and to the first answer (medians of 3
starts, against ``import gradio`` timed between them); the app's peak memory; a cold
``bronwijzer ask`` in a new process."""

from __future__ import annotations

import os
import signal
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from common import (
    BW,
    PY,
    ROOT,
    dev_questions,
    env_for,
    free_port,
    http_ok,
    log,
    mib,
    run_child,
    summary_ms,
    vm_kib,
)

QUESTION = "Hoe kan de ruimte op bedrijventerreinen beter benut worden?"


def _start_app(home: Path, out) -> tuple[subprocess.Popen, str, float]:
    """``python app.py`` on a free port; returns the process, its URL and its start time."""
    port = free_port()
    began = time.perf_counter()
    app = subprocess.Popen([str(PY), str(ROOT / "app.py"), "--port", str(port)],
                           env=env_for(home), cwd=str(home), stdout=out, stderr=out)
    return app, f"http://127.0.0.1:{port}/", began


def _page_and_answer(app, url: str, began: float, out) -> tuple[dict, object]:
    """Seconds from the start to the page (first HTTP 200 of ``/``) and to a first ``/chat``."""
    from gradio_client import Client

    while not http_ok(url, timeout=0.5):
        if app.poll() is not None:
            out.seek(0)
            raise RuntimeError(f"app.py exited with {app.returncode}: "
                               f"{out.read().decode(errors='replace')[-2000:]}")
        if time.perf_counter() - began > 300:
            raise RuntimeError("the page was not served within 300 s")
        time.sleep(0.02)
    result = {"page_s": round(time.perf_counter() - began, 3),
              "rss_at_page_mib": mib(vm_kib("VmRSS", app.pid))}
    client = Client(url, verbose=False, analytics_enabled=False)
    _, _, answer = client.predict(QUESTION, [], api_name="/chat")
    result["first_answer_s"] = round(time.perf_counter() - began, 3)
    result["first_answer_abstained"] = bool(answer.get("abstained"))
    return result, client


def _stop(app) -> None:
    if app.poll() is None:
        app.send_signal(signal.SIGINT)
        try:
            app.wait(timeout=20)
        except subprocess.TimeoutExpired:
            app.kill()
            app.wait()


def first_answer_only(home: Path) -> dict:
    """One more start of the app: page and first answer (for the median of several)."""
    with tempfile.TemporaryFile() as out:
        app, url, began = _start_app(home, out)
        try:
            return _page_and_answer(app, url, began, out)[0]
        finally:
            _stop(app)


def app_start(home: Path, concurrent: int = 20) -> dict:
    """Start the app, time the page and the first answer, load it a little, read its memory."""
    with tempfile.TemporaryFile() as out:
        app, url, began = _start_app(home, out)
        try:
            result, client = _page_and_answer(app, url, began, out)
            result["rss_after_first_answer_mib"] = mib(vm_kib("VmRSS", app.pid))
            # warm answers through HTTP, one at a time, then a burst of concurrent ones
            questions = [q["question"] for q in dev_questions()]
            seconds = []
            for question in questions:
                t = time.perf_counter()
                client.predict(question, [], api_name="/chat")
                seconds.append(time.perf_counter() - t)
            result["http_chat"] = summary_ms(seconds)
            t = time.perf_counter()
            jobs = [client.submit(questions[i % len(questions)], [], api_name="/chat")
                    for i in range(concurrent)]
            for job in jobs:
                job.result(timeout=600)
            result["concurrent"] = {"requests": concurrent,
                                    "seconds": round(time.perf_counter() - t, 3)}
            result["peak_rss_mib"] = mib(vm_kib("VmHWM", app.pid))
            result["rss_mib"] = mib(vm_kib("VmRSS", app.pid))
            client.close() if hasattr(client, "close") else None
        finally:
            _stop(app)
    return result


UI_ONLY = """
import sys, threading
from bronwijzer.ui.app import create_app
demo = create_app(lambda: threading.Event().wait(), None)
demo.launch(server_name="127.0.0.1", server_port=int(sys.argv[1]), quiet=True)
"""


def page_only(home: Path) -> float:
    """Seconds to the page for the UI alone (an engine that never loads): the UI's share."""
    port = free_port()
    began = time.perf_counter()
    app = subprocess.Popen([str(PY), "-c", UI_ONLY, str(port)], env=env_for(home), cwd=str(home),
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while not http_ok(f"http://127.0.0.1:{port}/", timeout=0.5):
            if app.poll() is not None or time.perf_counter() - began > 300:
                raise RuntimeError("the UI alone did not serve its page")
            time.sleep(0.02)
        return round(time.perf_counter() - began, 3)
    finally:
        app.kill()
        app.wait()


def cold_ask(home: Path, repeat: int = 3) -> dict:
    """``bronwijzer ask`` as a new process (model loaded, index up to date)."""
    runs = [run_child([BW, "ask", QUESTION], env_for(home), home) for _ in range(repeat)]
    bad = [r for r in runs if r["code"] != 0]
    if bad:
        raise RuntimeError(f"bronwijzer ask failed: {bad[0]['stderr'][-2000:]}")
    times = [r["seconds"] for r in runs]
    import_only = run_child([PY, "-c", "import bronwijzer.cli"], env_for(home), home)
    torch_import = run_child([PY, "-c", "import sentence_transformers"], env_for(home), home)
    return {"median_s": round(statistics.median(times), 3), "runs_s": [round(t, 3) for t in times],
            "median_cpu_s": round(statistics.median(r["cpu_s"] for r in runs), 3),
            "stderr_empty": all(not r["stderr"] for r in runs),
            "load_avg": os.getloadavg()[0],
            "peak_rss_mib": max(r["peak_rss_mib"] for r in runs),
            "import_cli_s": round(import_only["seconds"], 3),
            "import_sentence_transformers_s": round(torch_import["seconds"], 3)}


def import_gradio_s(home: Path) -> float:
    """Seconds for a Python that imports gradio: the floor the app's start is measured against.

    It ends with ``os._exit``: a plain ``python -c "import gradio"`` spends some 0.4 s more
    tearing the interpreter down, which the app's page does not wait for.
    """
    code = "import gradio, os; os._exit(0)"
    return run_child([PY, "-c", code], env_for(home), home)["seconds"]


def app_starts(home: Path, repeat: int = 3) -> dict:
    """The app started ``repeat`` times, each after an ``import gradio`` timed under the same
    load: medians of the page, the first answer and ``import gradio``, and what the first two
    take beyond the last (the issue's targets: within 1 s and 3 s of ``import gradio``)."""
    gradio = [import_gradio_s(home)]
    app = app_start(home)
    runs = [app]
    for _ in range(repeat - 1):
        gradio.append(import_gradio_s(home))
        runs.append(first_answer_only(home))
    med = statistics.median
    app["page_runs_s"] = [r["page_s"] for r in runs]
    app["first_answer_runs_s"] = [r["first_answer_s"] for r in runs]
    app["page_s"] = round(med(app["page_runs_s"]), 3)
    app["first_answer_s"] = round(med(app["first_answer_runs_s"]), 3)
    app["import_gradio_s"] = round(med(gradio), 3)
    app["import_gradio_runs_s"] = [round(g, 3) for g in gradio]
    app["page_over_import_gradio_s"] = round(app["page_s"] - app["import_gradio_s"], 3)
    app["first_answer_over_import_gradio_s"] = round(app["first_answer_s"]
                                                     - app["import_gradio_s"], 3)
    app["load_avg"] = os.getloadavg()[0]
    return app


def run(home: Path) -> dict:
    """Both, on a home whose index is already built."""
    log("start-up: python app.py (3 starts)")
    app = app_starts(home)
    log(f"  page {app['page_s']} s, first answer {app['first_answer_s']} s, import gradio "
        f"{app['import_gradio_s']} s (medians of 3; load {app['load_avg']:.2f}); "
        f"peak RSS {app['peak_rss_mib']} MiB")
    app["page_without_engine_s"] = statistics.median(page_only(home) for _ in range(3))
    log(f"  page without engine loading {app['page_without_engine_s']} s")
    log("start-up: cold bronwijzer ask")
    cold = cold_ask(home)
    log(f"  cold ask {cold['median_s']} s")
    return {"app": app, "cold_ask": cold, "cpus": os.cpu_count()}
