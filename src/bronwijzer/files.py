"""Small file helpers shared by every stage: atomic writes, hashes, locks.

An atomic write puts the new content in a temporary file beside the target,
fsyncs it and renames it into place, so a reader (or a crash) sees either the old
file or the new one, never half of one.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator


def atomic_write(path: Path, content: bytes | str | Callable[[Path], None],
                 mode: int | None = None) -> None:
    """Replace ``path`` with new content atomically.

    Args:
        path: the file to write.
        content: bytes, text (written as UTF-8), or a function that writes the
            temporary file whose path it is given (e.g. a workbook's ``save``).
        mode: permission bits for the new file (default: those of the old file, or 0o644).
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        if callable(content):
            content(tmp)
        else:
            tmp.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        if mode is None:
            mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def sha256_file(path: Path) -> str:
    """The sha256 hex digest of a file's bytes."""
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


@contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (created if missing) for the ``with`` block.

    Other processes that take the same lock wait; the lock goes with the process.
    """
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
