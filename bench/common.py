"""Shared helpers of the benchmarks: paths, timing, memory, child processes, homes."""

from __future__ import annotations

import json
import os
import random
import re
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = Path(sys.executable)
BW = PY.parent / "bronwijzer"
ARTICLE = ROOT / "corpus" / "ruimte-voor-economie-en-werk.txt"
DEV = ROOT / "eval" / "dev.jsonl"
CACHE = Path(os.environ.get("BRONWIJZER_CACHE_DIR") or ROOT / ".cache").resolve()


def dev_questions() -> list[dict]:
    return [json.loads(line) for line in DEV.read_text(encoding="utf-8").splitlines() if line.strip()]


def pct(values, q: float) -> float:
    """The q-th percentile (0-100), linear interpolation."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    pos = (len(ordered) - 1) * q / 100
    low, high = int(pos), min(int(pos) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def summary_ms(seconds: list[float]) -> dict:
    ms = [s * 1000 for s in seconds]
    return {"n": len(ms), "p50_ms": round(pct(ms, 50), 3), "p95_ms": round(pct(ms, 95), 3),
            "mean_ms": round(statistics.fmean(ms), 3), "max_ms": round(max(ms), 3)}


def vm_kib(field: str, pid: int | str = "self") -> int | None:
    """A ``/proc/<pid>/status`` memory field (VmRSS, VmHWM) in KiB."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    match = re.search(rf"^{field}:\s+(\d+) kB", text, re.M)
    return int(match.group(1)) if match else None


def mib(kib: int | None) -> float | None:
    return None if kib is None else round(kib / 1024, 1)


def env_for(home: Path, **extra) -> dict:
    env = dict(os.environ)
    env.update({"BRONWIJZER_HOME": str(home), "BRONWIJZER_CACHE_DIR": str(CACHE),
                "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
                "GRADIO_ANALYTICS_ENABLED": "False", "TOKENIZERS_PARALLELISM": "false",
                "PYTHONUNBUFFERED": "1"})
    path = [str(ROOT / "src"), *(p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p)]
    env["PYTHONPATH"] = os.pathsep.join(str(Path(p).resolve()) for p in path)  # this tree's code
    env.update(extra)
    return env


def run_child(args, env: dict, cwd: Path, timeout: float = 1800) -> dict:
    """Run a child process to its end: wall time, exit code, its peak RSS.

    The peak is the largest ``VmHWM`` read from ``/proc/<pid>/status`` while it runs
    (every 10 ms). ``getrusage``/``wait4``'s ``ru_maxrss`` is not used: Linux counts in
    it the memory image the child had before ``exec`` -- a copy of this (large)
    benchmark process.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        began = time.perf_counter()
        child = subprocess.Popen([str(a) for a in args], env=env, cwd=str(cwd),
                                 stdout=out, stderr=err)
        deadline, peak = began + timeout, 0
        while True:
            peak = max(peak, vm_kib("VmHWM", child.pid) or 0)
            pid, status, usage = os.wait4(child.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                child.kill()
            time.sleep(0.01)
        seconds = time.perf_counter() - began
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return {"seconds": seconds, "code": child.returncode, "peak_rss_mib": mib(peak),
                "cpu_s": usage.ru_utime + usage.ru_stime,
                "stdout": out.read().decode("utf-8", "replace"),
                "stderr": err.read().decode("utf-8", "replace")}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_ok(url: str, timeout: float = 1.0) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status == 200
    except Exception:  # noqa: BLE001 - not up yet
        return False


@contextmanager
def temp_home(prefix: str = "bw-bench-", article: bool = True):
    """A throw-away project home with the article (and sources.json) in its corpus."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        (folder / "corpus" / "sources").mkdir(parents=True)
        if article:
            shutil.copy(ARTICLE, folder / "corpus" / ARTICLE.name)
            if (ROOT / "corpus" / "sources.json").exists():
                shutil.copy(ROOT / "corpus" / "sources.json", folder / "corpus" / "sources.json")
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def vocabulary() -> list[str]:
    """The article's words, for synthetic text that looks like it to BM25 and the model."""
    return re.findall(r"[A-Za-zÀ-ÿ][A-Za-zÀ-ÿ\-]+", ARTICLE.read_text(encoding="utf-8"))


def synthetic_paragraph(rng: random.Random, words: list[str], chars: int = 500) -> str:
    sentences, size = [], 0
    while size < chars:
        n = rng.randint(8, 22)
        sentence = " ".join(rng.choice(words) for _ in range(n))
        sentence = sentence[0].upper() + sentence[1:] + "."
        sentences.append(sentence)
        size += len(sentence) + 1
    return " ".join(sentences)


def self_peak_mib() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)
