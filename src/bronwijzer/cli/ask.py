"""Commands that answer questions: ``ask`` one, ``batch`` a list of them."""

from __future__ import annotations

from pathlib import Path

from bronwijzer.cli.command import command, open_for_queries, print_json
from bronwijzer.settings import Settings


def ask_options(p) -> None:
    """Options of ``bronwijzer ask``."""
    p.add_argument("question")
    p.add_argument("-k", type=int, default=None, help="how many passages (default 5)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--passages", action="store_true", help="only the ranked passages")
    p.add_argument("--after", action="append", default=[], metavar="EARLIER",
                   help="an earlier question of the conversation (repeat for more), so that "
                        "a follow-up such as \"en wie betaalt dat?\" is read on its subject")


@command("ask", "answer a question, quoting the text with numbered sources and footnotes",
         ask_options, "Answer a question from the article. The answer quotes the text; [k] "
         "points at source k; footnotes list the cited references. When the text has no "
         "answer, Bronwijzer says so.")
def cmd_ask(args, settings: Settings) -> int:
    """Print the answer to one question (or only its ranked passages)."""
    from bronwijzer.present.dicts import answer_to_dict, hit_to_dict
    from bronwijzer.present.terminal import answer_for_terminal, wants_style
    from bronwijzer.present.text import answer_to_text, hits_to_text
    engine = open_for_queries(settings)
    refs = engine.references()
    if args.passages:
        hits = engine.search(args.question, args.k)
        if args.json:
            print_json({"question": args.question, "passages": [hit_to_dict(h, refs) for h in hits]})
        else:
            print(hits_to_text(hits, refs))
        return 0
    answer = engine.ask(args.question, args.k, history=args.after)
    if args.json:
        print_json(answer_to_dict(answer, refs))
    elif wants_style():
        print(answer_for_terminal(answer_to_dict(answer, refs)))
    else:
        print(answer_to_text(answer, refs))
    return 0


def batch_options(p) -> None:
    """Options of ``bronwijzer batch``."""
    p.add_argument("input", type=Path, help=".xlsx, .csv, .jsonl or .txt")
    p.add_argument("--output", "-o", type=Path, required=True, help=".xlsx, .csv or .jsonl")
    p.add_argument("--column", help="the question column, when not called vraag/question")
    p.add_argument("--id-column", help="the id column, when not called nr/id/nummer")
    p.add_argument("--resume", action="store_true", help="skip ids already in OUTPUT")
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--ray", nargs="?", const="", metavar="ADDRESS", help="answer on Ray: a "
                   "local Ray with this machine's CPUs, or the cluster at ADDRESS")


@command("batch", "answer a list of questions (spreadsheet, CSV, JSONL or text) into a file",
         batch_options, "Answer every question of a file. Spreadsheets and CSV files need a "
         "question column («Vraag», «question», … in any case; or name it with --column) and "
         "may have an id column («Nr», «id», …).")
def cmd_batch(args, settings: Settings) -> int:
    """Answer every question of a file into another; print the counts."""
    from bronwijzer.batch.runner import run_batch
    options = {"resume": args.resume, "batch_size": args.batch_size, "progress": not args.quiet,
               "max_chars": settings.max_question_chars, "column": args.column,
               "id_column": args.id_column}
    if args.ray is not None:
        from bronwijzer.batch.distributed import run_batch_on_ray
        summary = run_batch_on_ray(args.input, args.output, settings, args.ray or None, **options)
    else:
        engine = open_for_queries(settings)
        summary = run_batch(args.input, args.output, engine.answer_dicts, **options)
    print(f"{summary.answered} answered, {summary.declined} declined, {summary.failed} failed"
          + (f", {summary.skipped} skipped (already in output)" if summary.skipped else "")
          + f" -> {summary.output}")
    return 0
