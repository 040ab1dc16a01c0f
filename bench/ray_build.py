"""Ray build throughput: the real model, 1 and 2 embedding workers on a local Ray.

The corpus is the article, copied ``copies`` times with each paragraph marked by its
copy (so that every text is embedded; nothing is reused). Reports passages/s and
texts/s per worker count, Ray's start-up, the peak RSS of the driver and of each
Ray worker process, and the load average before and after each run.

    PYTHONPATH=src .venv/bin/python bench/ray_build.py [--copies 3] [--workers 1 2]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ARTICLE = ROOT / "corpus" / "ruimte-voor-economie-en-werk.txt"


def loadavg() -> str:
    return Path("/proc/loadavg").read_text().split(" ", 3)[:3].__str__()


def corpus(home: Path, copies: int) -> None:
    (home / "corpus").mkdir(parents=True)
    lines = ARTICLE.read_text(encoding="utf-8").splitlines()
    for k in range(copies):
        marked = [f"({k + 1}) {line}" if len(line) > 80 else line for line in lines]
        (home / "corpus" / f"kopie-{k + 1}.txt").write_text("\n".join(marked), encoding="utf-8")


class RayRss:
    """Samples the RSS (MiB) of the Ray worker processes while a build runs."""

    def __init__(self) -> None:
        self.peak: dict[str, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            for proc in Path("/proc").glob("[0-9]*"):
                try:
                    name = (proc / "cmdline").read_bytes().split(b"\0")[0].decode()
                    if not name.startswith("ray::"):
                        continue
                    rss = next(int(l.split()[1]) for l in (proc / "status").read_text().splitlines()
                               if l.startswith("VmRSS")) / 1024
                except (OSError, StopIteration, ValueError):
                    continue
                key = f"{name} {proc.name}"
                self.peak[key] = max(self.peak.get(key, 0.0), rss)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def run(copies: int, workers: list[int]) -> dict:
    import ray

    from bronwijzer.index.distributed import OBJECT_STORE_BYTES, build_on_ray
    from bronwijzer.settings import Settings
    home = Path(tempfile.mkdtemp(prefix="raybench-"))
    corpus(home, copies)
    os.environ["PYTHONPATH"] = str(ROOT / "src")
    began = time.perf_counter()
    ray.init(num_cpus=os.cpu_count(), include_dashboard=False, log_to_driver=False,
             object_store_memory=OBJECT_STORE_BYTES)
    out = {"ray_start_s": round(time.perf_counter() - began, 1), "copies": copies, "runs": []}
    try:
        for n in workers:
            settings = Settings(home=home, cache_dir=ROOT / ".cache")
            before = loadavg()
            with RayRss() as rss:
                report = build_on_ray(settings, force=True, workers=n)
            texts = report.embedded + report.reused
            out["runs"].append({
                "workers": n, "passages": report.passages, "texts": texts,
                "seconds": round(report.seconds, 1),
                "passages_per_s": round(report.passages / report.seconds, 2),
                "texts_per_s": round(texts / report.seconds, 2),
                "ray_worker_rss_mib": {k: round(v) for k, v in sorted(rss.peak.items())},
                "loadavg_before": before, "loadavg_after": loadavg()})
            print(json.dumps(out["runs"][-1]), flush=True)
    finally:
        ray.shutdown()
        shutil.rmtree(home, ignore_errors=True)
    return out


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--copies", type=int, default=3)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    print(json.dumps(run(args.copies, args.workers), indent=1))
