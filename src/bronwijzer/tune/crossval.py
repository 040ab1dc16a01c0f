"""Cross-validated answers of the tuning questions: the honest figures of the tuning set.

``bronwijzer crossval`` answers each fold with everything fitted or chosen refitted
on the other folds only, by the same procedures as ``calibrate`` / ``calibrate-cite``,
in the order they depend on each other:

- the passage ranker (``tune.ranker``; its candidates' features do not depend on any
  fitted model, so they are collected once);
- the sentence ranker (``tune.sentences``), on the sentences of the hits the fold's
  passage ranker gives the training questions, with its margin;
- the citation-question detector, class centroids included (authored citation
  questions of ``eval/cite_extra.jsonl`` always train);
- the answerability model (its ``C`` and threshold by inner cross-validation), on the
  evidence of the training questions retrieved with the fold's ranker and detector;
- the confidence model (``tune.confidence``; labels: whether the fold's models answer
  each training question right);
- the constants of ``tune.constants.CHOICES`` (gather constants, claim thresholds),
  chosen on the fold's training questions (plus the authored proposal questions of
  ``eval/gather_extra.jsonl``);
- the reference cards' routing (``tune.cards``), on the fold's training questions.

Folds are fixed (``tune.answerability.folds_of``) and every fit is deterministic, so
the same code, index and questions give the same answers. The engine's models, ranker,
routing and ``TUNING`` are restored afterwards.
"""

from __future__ import annotations

import logging
from pathlib import Path

from bronwijzer.answer import correctness, sentence_rank
from bronwijzer.answer.answerability import model_from_dict
from bronwijzer.cite.card_answer import current_route, using_route
from bronwijzer.cite.detect import use_detector
from bronwijzer.search.tokens import TokenCache
from bronwijzer.tune import cards, cite_detector, ranker, sentences
from bronwijzer.tune.answerability import (FOLDS, check_questions, fit_model, folds_of,
                                           labels_of, matrix)
from bronwijzer.tune.confidence import confidence_rows, fit_confidence
from bronwijzer.tune.constants import choose_constants, tuned
from bronwijzer.tune.evaluate import authored_questions, read_jsonl

EVAL = Path("eval")
log = logging.getLogger(__name__)


class _Folds:
    """What every fold's fits share: the questions, the detector's question vectors,
    the ranker's candidates; ``fit`` sets the models fitted on one fold's training part."""

    def __init__(self, engine, questions: list[dict], eval_dir: Path) -> None:
        self.engine, self.questions = engine, questions
        self.y = labels_of(questions)
        self.folds = folds_of(questions)
        self.kinds = cite_detector.read_labels(eval_dir / "cite_labels.json")
        extra = eval_dir / "cite_extra.jsonl"
        self.cite_extra = read_jsonl(extra) if extra.exists() else []
        self.authored = authored_questions(eval_dir / "gather_extra.jsonl")
        rows = cite_detector.training_rows(questions, self.kinds, self.cite_extra)
        self.vectors = engine.embed_questions([r["question"] for r in rows])
        self.tokens = TokenCache(ranker.retriever_of(engine).embedder)
        self.samples = ranker.collect(questions, engine, tokens=self.tokens)
        self.items = sentences.collect(questions, engine, self.samples)
        self.table = sentences.Table(ranker.retriever_of(engine).index, engine.settings.k)

    def ranker(self, train: list[int]) -> dict:
        """The passage ranker fitted on the training part's candidates."""
        ids = {str(self.questions[i]["id"]) for i in train}
        return ranker.fit([self.questions[i] for i in train], self.engine, tokens=self.tokens,
                          samples=[s for s in self.samples if s.qid in ids])

    def detector(self, train: list[int]) -> dict:
        """The citation detector fitted on the training questions and the authored ones."""
        n = len(self.questions)
        rows = cite_detector.training_rows([self.questions[i] for i in train], self.kinds,
                                           self.cite_extra)
        vectors = self.vectors[train + list(range(n, len(self.vectors)))]
        model = self.engine.embedding_model()
        return cite_detector.fit_citation_detector(rows, vectors, model["name"],
                                                   model["fingerprint"])

    def fit(self, train: list[int]) -> None:
        """Rank, detect, decline and give confidence with models fitted on ``train`` only.

        The answerability model (C, threshold by inner CV) learns from the training
        questions' evidence under the fold's ranker and detector; the confidence model
        from whether the fold's models then answer them right.
        """
        passage_params = self.ranker(train)
        ranker.use_ranker(self.engine, passage_params, self.tokens)
        ids = {str(self.questions[i]["id"]) for i in train}
        sentence_rank.use_params(sentences.fit([t for t in self.items if t.qid in ids],
                                               self.table, passage_params,
                                               ranker.retriever_of(self.engine).embedder))
        use_detector(self.detector(train))
        questions = [self.questions[i] for i in train]
        evidence = self.engine.evidence([q["question"] for q in questions])
        inner = folds_of(questions)
        data, _ = fit_model(matrix(evidence), self.y[train], inner,
                            self.engine.embedding_model(),
                            answered=self.engine.settings.calibrate_answered)
        self.engine.use_answerability(model_from_dict(data))
        x_right, right = confidence_rows(self.engine, questions, evidence)
        correctness.use_model(fit_confidence(x_right, right, inner,
                                             self.engine.embedding_model()))


def crossval_answers(engine, questions: list[dict], eval_dir: Path = EVAL,
                     choose: bool = True) -> list[dict]:
    """Answer every question with everything fitted or chosen on the other folds only.

    Args:
        engine: the open ``Engine``; its models, ranker, routing and ``TUNING`` are
            restored afterwards.
        questions: the tuning questions.
        eval_dir: where ``cite_labels.json``, ``cite_extra.jsonl`` and
            ``gather_extra.jsonl`` are.
        choose: choose the ``tune.constants`` and the cards' routing per fold (False:
            keep the current values).

    Returns:
        One answer dict per question (``ask --json`` form plus ``id``), in order.
    """
    check_questions(questions)
    with ranker.retriever_of(engine).remembering():  # each question encoded once, not per fold
        return _crossval(engine, questions, Path(eval_dir), choose)


def _crossval(engine, questions: list[dict], eval_dir: Path, choose: bool) -> list[dict]:
    shared = _Folds(engine, questions, eval_dir)
    answers: list = [None] * len(questions)
    saved, saved_detector = engine.use_answerability(None), use_detector(None)
    saved_confidence = correctness.use_model(None)
    saved_sentences = sentence_rank.use_params(None)
    saved_ranker = ranker.retriever_of(engine).ranker
    try:
        for f in range(FOLDS):
            train = [i for i, g in enumerate(shared.folds) if g != f]
            shared.fit(train)
            training = [questions[i] for i in train] + shared.authored
            chosen = choose_constants(engine, training) if choose else {}
            held = [i for i, g in enumerate(shared.folds) if g == f]
            with tuned(**chosen):
                route = (cards.fit([questions[i] for i in train], engine) if choose
                         else current_route())
                log.info("fold %d: chosen %s, cards max_residual %s", f, chosen,
                         route["max_residual"])
                with using_route(route):
                    found = engine.answer_dicts([questions[i]["question"] for i in held])
            for i, answer in zip(held, found):
                answers[i] = {"id": questions[i]["id"], **answer}
    finally:
        engine.use_answerability(saved)
        use_detector(saved_detector)
        correctness.use_model(saved_confidence)
        sentence_rank.use_params(saved_sentences)
        ranker.retriever_of(engine).ranker = saved_ranker
    return answers
