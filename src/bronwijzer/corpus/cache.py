"""The parse cache: each file's reading result (or failure) as plain JSON, so a file costs once.

An entry is keyed by the sha256 of the file's bytes, its name, the limits in force and
``PARSER_VERSION`` (and, for articles, of ``sources.json``, whose URLs they take). A
rebuild reads again only the files whose key changed; a file that failed stays failed,
without being read again, until it (or a limit) changes. The entries live in the index
folder (``index/parsed/<key>.json``); those no build used are removed after it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from pathlib import Path

from bronwijzer.files import atomic_write
from bronwijzer.records import Block, Document, Reference

# Bump when a reader changes what it makes of a file (every cached entry is then stale).
PARSER_VERSION = 1
FOLDER = "parsed"


def document_to_dict(doc: Document) -> dict:
    """A ``Document`` as JSON values."""
    return asdict(doc)


def document_from_dict(data: dict) -> Document:
    """The ``Document`` of ``document_to_dict``."""
    blocks = tuple(Block(**{**b, "footnotes": tuple(b.get("footnotes") or ())})
                   for b in data["blocks"])
    refs = tuple(Reference(**{**r, "authors": tuple(r.get("authors") or ())})
                 for r in data.get("references") or ())
    source_of = tuple(data["source_of"]) if data.get("source_of") else None
    return Document(name=data["name"], title=data["title"], text=data["text"], blocks=blocks,
                    sha256=data["sha256"], references=refs, source_of=source_of)


def cache_key(digest: str, name: str, limits: dict, context: str = "") -> str:
    """The key of a file's entry.

    Args:
        digest: the sha256 of the file's bytes.
        name: its name in the corpus.
        limits: the limits in force (``ParseLimits.as_dict()``).
        context: anything else its reading depends on (the sha256 of ``sources.json``).

    Returns:
        A hex digest.
    """
    blob = json.dumps([PARSER_VERSION, digest, name, limits, context], sort_keys=True)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class ParseCache:
    """The entries in ``folder``; writing failures are ignored (the cache is an optimisation).

    Args:
        folder: ``index/parsed``, or None for no cache.
    """

    def __init__(self, folder: Path | None) -> None:
        self.folder = Path(folder) if folder else None
        self.used: set[str] = set()

    def get(self, key: str) -> dict | None:
        """The cached result for ``key`` (see ``worker.parse_task``), or None."""
        if self.folder is None:
            return None
        try:
            data = json.loads((self.folder / f"{key}.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or data.get("version") != PARSER_VERSION:
            return None
        self.used.add(key)
        return data.get("result")

    def put(self, key: str, result: dict) -> None:
        """Keep ``result`` for ``key``."""
        if self.folder is None:
            return
        self.used.add(key)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            atomic_write(self.folder / f"{key}.json",
                         json.dumps({"version": PARSER_VERSION, "result": result},
                                    ensure_ascii=False))
        except OSError:
            pass

    def prune(self) -> None:
        """Remove the entries not used since this cache was opened."""
        if self.folder is None or not self.folder.is_dir():
            return
        for path in self.folder.glob("*.json"):
            if path.stem not in self.used:
                path.unlink(missing_ok=True)
