"""What every command of the ``bronwijzer`` command line is made of, and what they share.

A command module defines, for each command, a function adding its options and, right
below it, its handler decorated with :func:`command`; :mod:`bronwijzer.cli` puts the
registered commands on the parser. Handlers import the engine inside, so that ``--help``
and ``serve``'s first page come before the engine's libraries (numpy, bm25s, faiss) load.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from typing import Callable

from bronwijzer.errors import BronwijzerError
from bronwijzer.settings import Settings

# What the CLI reports as a message (exit code 1) rather than a traceback: the project's
# own errors, and files that cannot be opened or written.
USER_ERRORS = (BronwijzerError, OSError)

Handler = Callable[[argparse.Namespace, Settings], int]


@dataclass(frozen=True)
class Command:
    """One subcommand: its name, its one-line help, its options and its handler."""

    name: str
    help: str
    options: Callable[[argparse.ArgumentParser], None]
    handler: Handler
    description: str | None = None
    common: bool = True  # takes --model, --corpus, --index


REGISTRY: dict[str, Command] = {}


def command(name: str, help: str, options: Callable[[argparse.ArgumentParser], None],
            description: str | None = None, common: bool = True) -> Callable[[Handler], Handler]:
    """Register the decorated handler as the command ``name``.

    Args:
        name: the subcommand as typed (``"fetch-sources"``).
        help: its line in ``bronwijzer --help``.
        options: adds its arguments to its subparser.
        description: the text of ``bronwijzer NAME --help`` (default: ``help`` as a sentence).
        common: whether it takes the common ``--model``/``--corpus``/``--index`` options.

    Returns:
        A decorator that registers the handler and returns it unchanged.
    """
    def register(handler: Handler) -> Handler:
        REGISTRY[name] = Command(name, help, options, handler, description, common)
        return handler
    return register


def print_json(data) -> None:
    """Print ``data`` as indented UTF-8 JSON."""
    json.dump(data, sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")


def open_for_queries(settings: Settings):
    """The engine over the last good index: the query path never builds. A stale index
    is used, and said to be stale on stderr with how to rebuild.

    Args:
        settings: the settings.

    Returns:
        The opened ``Engine``.
    """
    from bronwijzer.engine import Engine
    engine = Engine.open(settings, build=False)
    if note := engine.stale_note():
        print(f"bronwijzer: {note}", file=sys.stderr)
    return engine
