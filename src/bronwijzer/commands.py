"""The handlers behind each ``bronwijzer`` subcommand.

The engine is imported inside the handlers that use it: ``serve`` shows its page before
the engine's libraries (numpy, bm25s, scipy, faiss) load.
"""

from __future__ import annotations

import json
import sys

from bronwijzer.errors import BronwijzerError, CiteError
from bronwijzer.settings import Settings

# What the CLI reports as a message (exit code 1) rather than a traceback: the project's
# own errors, and files that cannot be opened or written.
USER_ERRORS = (BronwijzerError, OSError)


def print_json(data) -> None:
    """Print ``data`` as indented UTF-8 JSON."""
    json.dump(data, sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")


def cmd_build(args, settings: Settings) -> int:
    from bronwijzer.engine import Engine
    report = Engine.build(settings, force=args.force)
    for problem in report.problems:
        state = "indexed with a warning" if problem.indexed else "skipped"
        print(f"{problem.name}: {state}: {problem.reason}", file=sys.stderr)
    if report.skipped:
        print(f"index is up to date ({report.passages} passages)")
    else:
        print(f"indexed {report.documents} documents, {report.passages} passages "
              f"({report.embedded} texts embedded, {report.reused} reused) "
              f"in {report.seconds:.1f} s")
    return 0


def cmd_ask(args, settings: Settings) -> int:
    from bronwijzer.engine import Engine
    from bronwijzer.present.dicts import answer_to_dict, hit_to_dict
    from bronwijzer.present.terminal import answer_for_terminal, wants_style
    from bronwijzer.present.text import answer_to_text, hits_to_text
    engine = Engine.open(settings)
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


def cmd_refs(args, settings: Settings) -> int:
    from bronwijzer.cite.references import footnote_docs, resolve_doc
    from bronwijzer.engine import Engine
    from bronwijzer.present.dicts import reference_dict
    refs = Engine.corpus_references(settings)
    if args.doc is not None:
        doc = resolve_doc(refs, args.doc)
        refs = tuple(r for r in refs if r.doc == doc)
    if args.json:
        print_json([reference_dict(r, full=True) for r in refs])
        return 0
    several = len(footnote_docs(refs)) > 1
    for r in refs:
        year = r.year if r.year is not None else "z.j."
        print((f"{r.doc} " if several else "")
              + f"[{r.footnote}.{r.position}] {'; '.join(r.authors)} ({year}) {r.title}"
              + (f" — {r.publisher}" if r.publisher else "") + (f" <{r.url}>" if r.url else ""))
    return 0


def cmd_cite(args, settings: Settings) -> int:
    from bronwijzer.engine import Engine
    from bronwijzer.present.text import lookup_to_text
    if args.footnote is None and not args.source and not args.claim:
        raise CiteError("give a footnote number, --source TEXT or --claim TEXT")
    engine = Engine.open(settings)
    if args.footnote is not None:
        result = engine.cite_footnote(args.footnote, args.doc)
    elif args.source:
        result = engine.cite_source(args.source)
    else:
        result = engine.cite_claim(args.claim)
    print_json(result) if args.json else print(lookup_to_text(result))
    return 0


def cmd_batch(args, settings: Settings) -> int:
    from bronwijzer.batch.runner import run_batch
    from bronwijzer.engine import Engine
    engine = Engine.open(settings)
    summary = run_batch(args.input, args.output, engine.answer_dicts, resume=args.resume,
                        batch_size=args.batch_size, max_chars=settings.max_question_chars,
                        progress=not args.quiet, column=args.column, id_column=args.id_column)
    print(f"{summary.answered} answered, {summary.declined} declined, {summary.failed} failed"
          + (f", {summary.skipped} skipped (already in output)" if summary.skipped else "")
          + f" -> {summary.output}")
    return 0


def cmd_eval(args, settings: Settings) -> int:
    from bronwijzer.tune.evaluate import evaluate_files, format_report
    report = evaluate_files(args.questions, args.answers, args.json)
    print(format_report(report))
    return 0


def cmd_calibrate(args, settings: Settings) -> int:
    from bronwijzer.answer.answerability import MODEL_FILE
    from bronwijzer.tune.answerability import calibrate, read_questions
    from bronwijzer.engine import Engine
    read_questions(args.questions)  # bad input is reported before the model loads
    model = calibrate(Engine.open(settings), args.questions, args.output or MODEL_FILE)
    cv = model["cv"]
    print(f"features {', '.join(model['features'])}; C {model['C']}; threshold "
          f"{model['threshold']:.3f}; cross-validated: {cv['declined']:.0%} of unanswerable "
          f"declined, {cv['answered']:.0%} of answerable answered -> {args.output or MODEL_FILE}")
    print("trade-off (out of fold): threshold, unanswerable declined, answerable answered")
    for row in cv["curve"]:
        print(f"  {row['threshold']:.3f}  {row['declined']:.2f}  {row['answered']:.2f}")
    return 0


def cmd_crossval(args, settings: Settings) -> int:
    from bronwijzer.tune.answerability import read_questions
    from bronwijzer.tune.crossval import crossval_answers
    from bronwijzer.engine import Engine
    questions = read_questions(args.questions)
    answers = crossval_answers(Engine.open(settings), questions)
    with open(args.output, "w", encoding="utf-8") as handle:
        for answer in answers:
            handle.write(json.dumps(answer, ensure_ascii=False) + "\n")
    declined = sum(a["abstained"] for a in answers)
    print(f"{len(answers) - declined} answered, {declined} declined (cross-validated) "
          f"-> {args.output}")
    return 0


def cmd_calibrate_cite(args, settings: Settings) -> int:
    from bronwijzer.cite.detect import DETECTOR_FILE
    from bronwijzer.tune.cite_detector import calibrate_citation_detector
    output = args.output or DETECTOR_FILE
    found = calibrate_citation_detector(settings, args.tuning, args.labels, args.extra, output)
    for name in ("full", "cues_only"):
        print(f"{name}: C={found[name]['C']} cross-validated {found[name]['cv']}")
    print(f"-> {output}")
    return 0


def cmd_model(args, settings: Settings) -> int:
    from bronwijzer.model.convert import ensure_default_model
    folder = ensure_default_model(settings.cache, force=args.force)
    print(f"model ready: {folder}")
    return 0


def cmd_fetch_sources(args, settings: Settings) -> int:
    from bronwijzer.corpus.fetch import fetch_sources
    results = fetch_sources(settings.corpus / "sources.json", settings.corpus / "sources",
                            timeout=args.timeout)
    for r in results:
        print(f"[{r.footnote}.{r.position}] {r.status}: {r.url} {r.detail}")
    failed = sum(r.status == "failed" for r in results)
    print(f"{len(results) - failed} ok, {failed} failed; run `bronwijzer build` to index them")
    return 0


def cmd_serve(args, settings: Settings) -> int:
    from bronwijzer.ui.app import read_auth, serve
    auth = read_auth(args.auth, args.auth_file)
    serve(settings.with_(host=args.host, port=args.port), auth=auth, read_only=args.read_only)
    return 0


def cmd_feedback(args, settings: Settings) -> int:
    from bronwijzer import feedback
    path = settings.home / feedback.FILE_NAME
    entries = feedback.read(path)
    if args.csv:
        n = feedback.export_csv(path, args.csv)
        print(f"{n} votes -> {args.csv}")
        return 0
    up = sum(e.get("vote") == "up" for e in entries)
    print(f"{len(entries)} votes in {path}: {up} up, {len(entries) - up} down"
          + ("; export them with --csv FILE" if entries else ""))
    return 0
