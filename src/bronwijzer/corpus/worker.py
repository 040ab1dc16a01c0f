"""Reading corpus files in a bounded worker process.

A hostile or broken file (a zip bomb, 300 MB of XML in 1 MB, a PDF flate bomb, thousands
of pages to OCR) must not take the build, or the server that runs it, down with it. Each
file is read in a worker process (``python -m bronwijzer.corpus.worker``: a fresh
interpreter, safe from a server's threads) whose address space is capped (``RLIMIT_AS``,
``parse_memory_mb``) and that is given ``parse_seconds`` per file: past that it is killed
and a new worker reads the next file. A worker that dies (out of memory, a crash in a C library) costs only the
file it was reading; its line in the build report says which limit it hit.

Requests and results cross its pipes as JSON (no pickled objects).
"""

from __future__ import annotations

import json
import os
import select
import struct
import subprocess
import sys
import time
from pathlib import Path

from bronwijzer.corpus.limits import ParseLimits

MB = 1024 * 1024


def parse_task(task: dict, limits: ParseLimits) -> dict:
    """Read one file, catching every failure (in the worker, or in-process).

    Args:
        task: ``{"path", "name", "corpus"}`` (strings).
        limits: the bounds.

    Returns:
        ``{"document": dict | None, "notes": [str], "error": str | None, "limit": str | None}``.
    """
    from bronwijzer.corpus.cache import document_to_dict
    from bronwijzer.corpus.limits import check_document
    from bronwijzer.corpus.read import captured_warnings, failure_reason, read_one
    from bronwijzer.errors import LimitError
    out = {"document": None, "notes": [], "error": None, "limit": None}
    with captured_warnings() as heard:
        try:
            doc, warning = read_one(Path(task["path"]), task["name"], Path(task["corpus"]), limits)
            check_document(doc, limits)
            out["document"], out["notes"] = document_to_dict(doc), [warning] if warning else []
        except LimitError as error:
            out["error"], out["limit"] = error.reason, error.setting
        except MemoryError:
            out["error"], out["limit"] = _memory(limits), "parse_memory_mb"
        except Exception as error:  # noqa: BLE001 - every failure is reported by name
            out["error"] = failure_reason(error)
            # a file that vanished or could not be opened may be back next time: not cached
            out["transient"] = isinstance(error, OSError) or isinstance(error.__cause__, OSError)
            if near_memory_cap(limits):  # libxml2 & co. report a failed allocation as junk
                out["error"], out["limit"] = _memory(limits), "parse_memory_mb"
    out["notes"] += [h for h in heard if h]
    return out


def _peak_kb() -> int | None:
    """This process's peak address space (``VmPeak``, Linux), in kB."""
    try:
        with open("/proc/self/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("VmPeak:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


def near_memory_cap(limits: ParseLimits, share: float = 0.9) -> bool:
    """Whether this process's address space came within ``share`` of ``parse_memory_mb``
    (a failure then is most likely a failed allocation)."""
    peak = _peak_kb()
    return peak is not None and peak * 1024 >= share * limits.parse_memory_mb * MB


def _memory(limits: ParseLimits) -> str:
    return (f"refused: reading it needs more memory than the limit of "
            f"{limits.parse_memory_mb} MB (parse_memory_mb)")


def _send(stream, data: dict) -> None:
    blob = json.dumps(data, ensure_ascii=False).encode("utf-8")
    stream.write(struct.pack(">Q", len(blob)) + blob)
    stream.flush()


def serve(limits: ParseLimits, requests, replies) -> None:
    """The worker's loop: cap the address space, then read files until the input ends.

    Args:
        limits: the bounds (``parse_memory_mb`` becomes ``RLIMIT_AS``).
        requests: a text stream of JSON tasks, one a line.
        replies: a binary stream for the results (8-byte length, then JSON).
    """
    import resource
    cap = limits.parse_memory_mb * MB
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    for line in requests:
        result = parse_task(json.loads(line), limits)
        # start afresh after a failed allocation, or before peaks add up
        result["restart"] = result["limit"] == "parse_memory_mb" or near_memory_cap(limits, 0.5)
        try:
            _send(replies, result)
        except MemoryError:
            _send(replies, {**_failure(_memory(limits), "parse_memory_mb"), "restart": True})
            return
        if result["restart"]:
            return


class BoundedReader:
    """Reads files one at a time in a worker process within ``limits``.

    The worker is ``python -m bronwijzer.corpus.worker`` (a fresh interpreter: nothing of
    the caller's threads or main module comes along). Use as a context manager::

        with BoundedReader(limits) as reader:
            result = reader.read({"path": ..., "name": ..., "corpus": ...})
    """

    def __init__(self, limits: ParseLimits) -> None:
        self.limits = limits
        self._process: subprocess.Popen | None = None

    def __enter__(self) -> "BoundedReader":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _start(self) -> None:
        import bronwijzer
        env = dict(os.environ)
        root = str(Path(bronwijzer.__file__).resolve().parents[1])
        env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
        self._process = subprocess.Popen(
            [sys.executable, "-m", "bronwijzer.corpus.worker",
             json.dumps(self.limits.as_dict())],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)

    def read(self, task: dict) -> dict:
        """Read one file in the worker (started, or started again, as needed).

        Args:
            task: ``{"path", "name", "corpus"}`` (strings).

        Returns:
            The result of ``parse_task``; a file that timed out or stopped its worker gets
            an ``error`` naming the limit.
        """
        if self._process is None or self._process.poll() is not None:
            self._stop()
            self._start()
        deadline = time.monotonic() + self.limits.parse_seconds
        try:
            self._process.stdin.write((json.dumps(task) + "\n").encode("utf-8"))
            self._process.stdin.flush()
            size = struct.unpack(">Q", self._receive(8, deadline))[0]
            result = json.loads(self._receive(size, deadline))
            if result.pop("restart", False):
                self._stop()
            return result
        except TimeoutError:
            self._stop()
            return _failure(f"refused: not read within the limit of {self.limits.parse_seconds}"
                            " s (parse_seconds)", "parse_seconds")
        except (EOFError, OSError, ValueError, struct.error):
            code = self._stop()
            return _failure(f"refused: the reader stopped (exit code {code}), most likely "
                            f"past the memory limit of {self.limits.parse_memory_mb} MB "
                            "(parse_memory_mb)", "parse_memory_mb")

    def _receive(self, size: int, deadline: float) -> bytes:
        """``size`` bytes from the worker, or ``TimeoutError`` past ``deadline``."""
        fd, parts, left = self._process.stdout.fileno(), [], size
        while left:
            ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                raise TimeoutError
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                raise EOFError
            parts.append(chunk)
            left -= len(chunk)
        return b"".join(parts)

    def _stop(self) -> int | None:
        """Stop the worker (killed if it does not end by itself); its exit code."""
        process, self._process = self._process, None
        if process is None:
            return None
        try:
            process.stdin.close()
            process.wait(2 if process.poll() is None and process.returncode is None else 0)
        except (OSError, subprocess.TimeoutExpired):
            pass
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stdout.close()
        return process.returncode

    def close(self) -> None:
        """Stop the worker."""
        self._stop()


def _failure(reason: str, limit: str) -> dict:
    return {"document": None, "notes": [], "error": reason, "limit": limit}


def workers_available() -> bool:
    """Whether worker processes can be started here (POSIX: ``resource`` and ``select``)."""
    return os.name == "posix"


def main(argv: list[str]) -> int:
    """The worker process: ``python -m bronwijzer.corpus.worker LIMITS_JSON``.

    Requests come on stdin; replies go to the original stdout, which is then pointed at
    stderr so that nothing a library prints can mix into them.
    """
    limits = ParseLimits(**json.loads(argv[0]))
    replies = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    serve(limits, sys.stdin, replies)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
