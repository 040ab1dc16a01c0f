"""How a build goes live: a new folder beside the live one, filled, synced to disk, then
``CURRENT`` switched to it atomically; the builds before the previous one are deleted.
A build killed midway leaves ``CURRENT`` pointing at the previous build, which stays whole."""

from __future__ import annotations

import os
import shutil
import time
import uuid
from pathlib import Path

from bronwijzer.errors import IndexStateError
from bronwijzer.files import atomic_write

KEEP_BUILDS = 2  # the live build and the one before it, for readers still loading it


def publish(root: Path, write) -> Path:
    """A new build filled by ``write(folder)``, synced to disk and switched to; a failure
    leaves the live one (and removes the new folder).

    Args:
        root: the index folder.
        write: fills the new build folder.

    Returns:
        The new build folder.

    Raises:
        IndexStateError: when the index folder cannot be written.
    """
    folder = _new_folder(root)
    try:
        write(folder)
        _fsync_tree(folder)
        _switch(root, folder.name)
    except OSError:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    _clear_old(root, keep=folder.name)
    return folder


def _new_folder(root: Path) -> Path:
    """A new, empty build folder under ``root``."""
    try:
        root.mkdir(parents=True, exist_ok=True)
        folder = root / f"b-{time.strftime('%Y%m%d%H%M%S')}-{uuid.uuid4().hex[:6]}"
        folder.mkdir()
    except OSError as error:
        raise IndexStateError(f"cannot write the index folder {root}: {error.strerror or error}") from None
    return folder


def _fsync_tree(folder: Path) -> None:
    for path in folder.rglob("*"):
        if path.is_file():
            with open(path, "rb") as handle:
                os.fsync(handle.fileno())


def _switch(root: Path, name: str) -> None:
    atomic_write(root / "CURRENT", name + "\n")


def _clear_old(root: Path, keep: str) -> None:
    """Delete builds older than the previous one (``KEEP_BUILDS`` stay, the live one
    included) and stray ``CURRENT`` temp files: a reader that read ``CURRENT`` just
    before it moved can still load the build it named (and retries once after that)."""
    builds = sorted((p for p in root.iterdir() if p.is_dir() and p.name.startswith("b-")
                     and p.name != keep),
                    key=lambda p: ((p / "manifest.json").is_file(), p.stat().st_mtime), reverse=True)
    whole = [p for p in builds if (p / "manifest.json").is_file()][:KEEP_BUILDS - 1]
    for path in builds:
        if path not in whole:   # older builds, and leftovers of killed builds
            shutil.rmtree(path, ignore_errors=True)
    for path in root.glob(".CURRENT.*"):
        path.unlink(missing_ok=True)
