"""Commands that measure and fit: ``eval``, ``calibrate``, ``crossval``, ``calibrate-cite``."""

from __future__ import annotations

import json
from pathlib import Path

from bronwijzer.cli.command import command
from bronwijzer.settings import Settings

TUNING = Path("eval/tuning.jsonl")


def eval_options(p) -> None:
    """Options of ``bronwijzer eval``."""
    p.add_argument("questions", type=Path)
    p.add_argument("answers", type=Path)
    p.add_argument("--json", type=Path, help="write the full report here")


@command("eval", "score a file of answers against questions with known answers", eval_options,
         common=False)
def cmd_eval(args, settings: Settings) -> int:
    """Print the scores of a file of answers (and write the full report if asked)."""
    from bronwijzer.tune.evaluate import evaluate_files, format_report
    report = evaluate_files(args.questions, args.answers, args.json)
    print(format_report(report))
    return 0


def calibrate_options(p) -> None:
    """Options of ``bronwijzer calibrate``."""
    p.add_argument("questions", type=Path, nargs="?", default=TUNING)
    p.add_argument("--output", "-o", type=Path, help="model JSON (default: the packaged one)")
    p.add_argument("--only", choices=("ranker", "sentences", "answerability", "cards"),
                   action="append",
                   help="refit only these (repeatable; default: all four, in that order)")


@command("calibrate", "refit the passage and sentence rankers, when to decline, the "
         "confidence and the cards' routing on the tuning questions", calibrate_options,
         "Refit, in this order, the passage ranker, the sentence ranker, the answerability "
         "model (when to say the text has no answer) with the confidence model, and when a "
         "question goes to the reference cards, on questions with known answers. The "
         "citation detector has its own command (calibrate-cite); run it first.")
def cmd_calibrate(args, settings: Settings) -> int:
    """Refit the rankers, answerability + confidence and the cards' routing, in that order
    (each later fit answers with the earlier ones), and print their figures."""
    from bronwijzer.tune.answerability import read_questions
    from bronwijzer.engine import Engine
    questions = read_questions(args.questions)  # bad input is reported before the model loads
    engine = Engine.open(settings)
    with engine.remembering():  # each question encoded once across the fits
        _calibrate(engine, questions, args)
    return 0


def _calibrate(engine, questions: list[dict], args) -> None:
    """The fits ``--only`` names (all by default), in the order they depend on each other."""
    only = set(args.only or ("ranker", "sentences", "answerability", "cards"))
    if "ranker" in only:
        _calibrate_ranker(engine, questions, args.questions.name)
    if "sentences" in only:
        from bronwijzer.tune.sentences import calibrate_sentences
        found = calibrate_sentences(engine, questions, args.questions.name)
        print(f"sentences: {found['model']} on {found['n_questions']} questions; margin "
              f"{found['margin']} (inner CV answer_hit {found['cv_answer_hit']:.3f})")
    if "answerability" in only:
        _calibrate_answerability(engine, args.questions, args.output)
    if "cards" in only:
        from bronwijzer.tune.cards import calibrate_cards
        from bronwijzer.cite.card_answer import ROUTE_FILE
        route = calibrate_cards(engine, questions, args.questions.name)
        print(f"cards: max_residual {route['max_residual']} (totals on {route['n_scored']} "
              f"questions the cards could take: {route['totals']}) -> {ROUTE_FILE}")


def _calibrate_ranker(engine, questions: list[dict], name: str) -> None:
    """Refit the passage ranker (the engine ranks with it afterwards) and print its figures."""
    from bronwijzer.search.rank import PARAMS
    from bronwijzer.tune.ranker import calibrate_ranker
    params = calibrate_ranker(engine, questions, name)
    cv = params["cv"]
    print(f"ranker: {params['model']} on {params['n_questions']} questions; out of fold "
          f"among the candidates hit@1 {cv['learned']['hit@1']:.3f} hit@5 "
          f"{cv['learned']['hit@5']:.3f} (fused order {cv['fused']['hit@1']:.3f} "
          f"{cv['fused']['hit@5']:.3f}) -> {PARAMS}")


def _calibrate_answerability(engine, questions_path: Path, output: Path | None) -> None:
    """Refit the answerability and confidence models (the engine uses them afterwards)
    and print the cross-validated trade-off."""
    from bronwijzer.answer import correctness
    from bronwijzer.answer.answerability import MODEL_FILE, model_from_dict
    from bronwijzer.tune.answerability import calibrate
    model = calibrate(engine, questions_path, output or MODEL_FILE)
    engine.use_answerability(model_from_dict(model))
    correctness.use_model(model["confidence"])
    cv = model["cv"]
    print(f"features {', '.join(model['features'])}; C {model['C']}; threshold "
          f"{model['threshold']:.3f}; cross-validated: {cv['declined']:.0%} of unanswerable "
          f"declined, {cv['answered']:.0%} of answerable answered -> {output or MODEL_FILE}")
    print("trade-off (out of fold): threshold, unanswerable declined, answerable answered")
    for row in cv["curve"]:
        print(f"  {row['threshold']:.3f}  {row['declined']:.2f}  {row['answered']:.2f}")


def crossval_options(p) -> None:
    """Options of ``bronwijzer crossval``."""
    p.add_argument("questions", type=Path, nargs="?", default=TUNING)
    p.add_argument("--output", "-o", type=Path, required=True, help="answers .jsonl")


@command("crossval", "answer the tuning questions with everything refitted out of fold",
         crossval_options, "Answer the tuning questions, each fold with the ranker, the "
         "citation detector, the answerability and confidence models, the chosen constants "
         "and the cards' routing fitted on the other folds (honest figures).")
def cmd_crossval(args, settings: Settings) -> int:
    """Write out-of-fold answers to the tuning questions."""
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


def calibrate_cite_options(p) -> None:
    """Options of ``bronwijzer calibrate-cite``."""
    p.add_argument("--tuning", type=Path, default=TUNING)
    p.add_argument("--labels", type=Path, default=Path("eval/cite_labels.json"))
    p.add_argument("--extra", type=Path, default=Path("eval/cite_extra.jsonl"))
    p.add_argument("--output", type=Path, help="default: the packaged cite/detector.json")


@command("calibrate-cite", "refit the detector of questions about footnotes, sources and claims",
         calibrate_cite_options, "Refit the citation-question detector (which questions ask "
         "about footnotes, sources or claims) on the tuning set.")
def cmd_calibrate_cite(args, settings: Settings) -> int:
    """Refit the citation-question detector and print its cross-validated figures."""
    from bronwijzer.cite.detect import DETECTOR_FILE
    from bronwijzer.tune.cite_detector import calibrate_citation_detector
    output = args.output or DETECTOR_FILE
    found = calibrate_citation_detector(settings, args.tuning, args.labels, args.extra, output)
    for name in ("full", "cues_only"):
        print(f"{name}: C={found[name]['C']} cross-validated {found[name]['cv']}")
    print(f"-> {output}")
    return 0
