"""The assistant: one object that holds the model and the index and answers.

Used by the CLI, the batch runner and the UI alike::

    engine = Engine.open(load_settings())
    answer = engine.ask("what does the text propose for bedrijventerreinen?")
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, replace

from bronwijzer.answer.compose import compose, detect_lang
from bronwijzer.errors import QuestionError
from bronwijzer.index.build import BuildReport, build_index, stale_reason
from bronwijzer.index.store import Index, load_index
from bronwijzer.records import Answer, Hit
from bronwijzer.settings import Settings


@dataclass
class Engine:
    """The loaded assistant.

    Args:
        settings: the settings.
        embedder: the ``Embedder`` (its model must be the index's).
        index: the loaded ``Index``.
    """

    settings: Settings
    embedder: object
    index: Index

    def __post_init__(self) -> None:
        from bronwijzer.search.retrieve import Retriever
        self.retriever = Retriever(self.index, self.embedder, self.settings)
        self._lock = threading.Lock()

    @classmethod
    def open(cls, settings: Settings, embedder=None, build: bool = True) -> "Engine":
        """Load the model and the index, building the index first when missing or stale.

        Args:
            settings: the settings.
            embedder: an embedder to use instead of loading ``settings.model``.
            build: build when missing or stale; else refuse a stale index.

        Raises:
            IndexStateError: the index is missing or stale and ``build`` is False.
            ModelMismatchError: the index was built with another model.
        """
        from bronwijzer.errors import IndexStateError
        from bronwijzer.model.embed import check_compatible, load_embedder
        embedder = embedder or load_embedder(settings)
        reason = stale_reason(settings, embedder.name, embedder.fingerprint)
        if reason and build:
            build_index(settings, embedder)
        elif reason and reason != "no index" and "corpus changed" not in reason:
            raise IndexStateError(f"the index cannot be used: {reason}; run `bronwijzer build`")
        index = load_index(settings.index)
        check_compatible(index.manifest.get("model", "?"), index.manifest.get("fingerprint", "?"),
                         embedder)
        return cls(settings, embedder, index)

    def rebuild(self, force: bool = False) -> BuildReport:
        """Rebuild the index incrementally and switch to it."""
        report = build_index(self.settings, self.embedder, force=force)
        self.reload()
        return report

    def reload(self) -> None:
        """Switch to the live index on disk (after a build elsewhere)."""
        from bronwijzer.search.retrieve import Retriever
        with self._lock:
            self.index = load_index(self.settings.index)
            self.retriever = Retriever(self.index, self.embedder, self.settings)

    def answer_dicts(self, questions: list[str]) -> list[dict]:
        """``ask_many`` in the ``ask --json`` form (what batch files hold)."""
        from bronwijzer.present.dicts import answer_to_dict
        return [answer_to_dict(a, self.index.references) for a in self.ask_many(questions)]

    def check_question(self, question: object) -> str:
        """The question, stripped; ``QuestionError`` when it cannot be asked."""
        if not isinstance(question, str) or not question.strip():
            raise QuestionError("the question is empty")
        # lone surrogates (undecodable bytes from the command line) break the tokenizer
        text = re.sub("[\ud800-\udfff]", "\ufffd", " ".join(question.split()))
        if len(text) > self.settings.max_question_chars:
            raise QuestionError(f"the question is {len(text)} characters; "
                                f"the limit is {self.settings.max_question_chars}")
        if not any(c.isalnum() for c in text):
            raise QuestionError("the question has no words")
        return text

    def search(self, question: str, k: int | None = None) -> list[Hit]:
        """Ranked passages for a question (no answer composed)."""
        return self.retriever.search(self.check_question(question), k)

    def ask(self, question: str, k: int | None = None) -> Answer:
        """Answer one question. See ``ask_many``."""
        return self.ask_many([question], k)[0]

    def ask_many(self, questions: list[str], k: int | None = None) -> list[Answer]:
        """Answer questions, embedding them in one batch.

        Citation questions ("what does footnote 12 refer to?") are answered from
        the citation lookup; the others by retrieval and extractive composition.

        Raises:
            QuestionError: for an empty or over-long question.
        """
        texts = [self.check_question(q) for q in questions]
        vectors = self.retriever.embed_queries(texts) if texts else []
        answers = []
        for text, vector in zip(texts, vectors):
            hits = self.retriever.search(text, k or self.settings.k, vector=vector)
            answers.append(self._answer(text, vector, hits))
        return answers

    def _answer(self, text: str, vector, hits: list[Hit]) -> Answer:
        from bronwijzer.cite.lookup import answer_citation_question
        lang = detect_lang(text)
        special = answer_citation_question(self, text, vector, hits, lang)
        if special is not None and special.kind != "cite-claim":
            return special
        plain = compose(text, vector, hits, self.index, self.settings, lang)
        if special is None or plain.abstained:  # a claim the text does not make has no footnote
            return plain
        return replace(special, confidence=plain.confidence)
