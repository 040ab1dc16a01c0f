"""The assistant: one façade over the model and the index, for the CLI, the batch
runner and the UI alike::

    engine = Engine.open(load_settings())
    answer = engine.ask("what does the text propose for bedrijventerreinen?")
    engine.cite_footnote(12)

Callers use only its methods; the index, the retriever and the embedder are private.
The live index is one immutable ``_Live`` record that a rebuild replaces in a single
assignment, so a question always runs against one whole index, without locks.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from bronwijzer.answer.answerability import model_for
from bronwijzer.answer.compose import compose, evidence_for
from bronwijzer.answer.gather import wants_gathering
from bronwijzer.errors import IndexStateError, QuestionError
from bronwijzer.index.build import BuildReport, build_index, read_manifest, staleness
from bronwijzer.index.store import Index, load_index
from bronwijzer.quotes import detect_lang
from bronwijzer.records import Answer, Hit, Passage, Reference
from bronwijzer.search.retrieve import Retriever
from bronwijzer.settings import TUNING, Settings

# A stale index that can still answer (it lags the corpus) is served when not rebuilding.
_SERVABLE = frozenset({"corpus"})


@dataclass(frozen=True)
class _Live:
    """The loaded index and the retriever over it: what a question runs against."""

    index: Index
    retriever: Retriever


@dataclass(frozen=True)
class IndexStatus:
    """What the live index holds, for status lines and the corpus view."""

    model: str
    passages: int
    documents: tuple[dict, ...]
    problems: tuple[dict, ...]
    built: str


class Engine:
    """The loaded assistant.

    Args:
        settings: the settings.
        embedder: the ``Embedder`` (its model must be the index's).
        index: the loaded ``Index``.
    """

    def __init__(self, settings: Settings, embedder, index: Index) -> None:
        self.settings = settings
        self._embedder = embedder
        self._live = _Live(index, Retriever(index, embedder, settings))
        self._rebuilding = threading.Lock()
        self._answerability = model_for(embedder)
        self._catalogued: tuple | None = None  # (the _Live it describes, its Catalogue)

    # --- opening and building ---------------------------------------------------------

    @staticmethod
    def load_embedder(settings: Settings):
        """The embedder for ``settings.model`` (the seam tests replace with a fake)."""
        from bronwijzer.model.embed import load_embedder
        return load_embedder(settings)

    @classmethod
    def open(cls, settings: Settings, embedder=None, build: bool = True) -> "Engine":
        """Load the model and the index, building the index first when missing or stale.

        Args:
            settings: the settings.
            embedder: an embedder to use instead of loading ``settings.model``.
            build: build when missing or stale; else refuse an index that cannot serve.

        Returns:
            The loaded ``Engine``.

        Raises:
            IndexStateError: the index is missing or unusable and ``build`` is False.
            ModelMismatchError: the index was built with another model.
        """
        from bronwijzer.model.embed import check_compatible
        embedder = embedder or cls.load_embedder(settings)
        stale = staleness(settings, embedder.name, embedder.fingerprint)
        if stale and build:
            build_index(settings, embedder)
        elif stale and stale.kind not in _SERVABLE | {"missing"}:
            raise IndexStateError(f"the index cannot be used: {stale}; run `bronwijzer build`")
        index = load_index(settings.index)
        check_compatible(index.manifest.get("model", "?"), index.manifest.get("fingerprint", "?"),
                         embedder)
        engine = cls(settings, embedder, index)
        engine._stale = None if build else stale
        return engine

    def stale_note(self) -> str | None:
        """Why the index serving questions lags the corpus, and how to update it (or None).

        The query path (``ask``, ``batch``, ``serve``) opens with ``build=False``: it answers
        from the last good index, and says so, rather than reading the corpus again.
        """
        stale = getattr(self, "_stale", None)
        if stale is None:
            return None
        return (f"the index is out of date ({stale}); answering from the last build. "
                "Run `bronwijzer build` (or `make index`) to update it.")

    @classmethod
    def build(cls, settings: Settings, force: bool = False, ray: str | None = None) -> BuildReport:
        """Build or refresh the index; the model is loaded only when there is work.

        Args:
            settings: the settings.
            force: rebuild and re-embed everything.
            ray: embed on Ray: ``""`` on a local Ray, else the cluster at this address
                (see :mod:`bronwijzer.index.distributed`); None builds in this process.

        Returns:
            The ``BuildReport`` (``skipped`` when the index was up to date).
        """
        if ray is not None:
            from bronwijzer.index.distributed import build_on_ray
            return build_on_ray(settings, address=ray or None, force=force)
        from bronwijzer.index.upgrade import texts_missing
        from bronwijzer.index.tokens import tokens_missing
        from bronwijzer.model.embed import resolve_model
        _, fingerprint = resolve_model(settings.model, settings.cache)
        if (not force and staleness(settings, settings.model, fingerprint) is None
                and not tokens_missing(settings)  # else the build adds the token files
                and not texts_missing(settings.index)):  # or the stored texts'
            manifest = read_manifest(settings.index) or {}
            return BuildReport(len(manifest.get("documents", [])), manifest.get("passages", 0),
                               0, 0, (), 0.0, skipped=True)
        return build_index(settings, cls.load_embedder(settings), force=force)

    @staticmethod
    def corpus_references(settings: Settings) -> tuple[Reference, ...]:
        """The references of the corpus's articles, read from the corpus (no model, no index)."""
        from bronwijzer.corpus.loader import load_corpus
        documents, _ = load_corpus(settings.corpus, settings)
        return tuple(r for d in documents for r in d.references)

    def rebuild(self, force: bool = False) -> BuildReport:
        """Rebuild the index incrementally (one rebuild at a time) and switch to it.

        Questions go on against the previous index while the build runs.
        """
        with self._rebuilding:
            report = build_index(self.settings, self._embedder, force=force)
            self.reload()
            self._stale = None  # built from the corpus as it is now
        return report

    def reload(self) -> None:
        """Switch to the live index on disk (after a build elsewhere)."""
        index = load_index(self.settings.index)
        self._live = _Live(index, Retriever(index, self._embedder, self.settings))

    def with_settings(self, **changes) -> "Engine":
        """An engine over the same model and index with some settings changed."""
        settings = replace(self.settings, **changes)
        return Engine(settings, self._embedder, self._live.index)

    @property
    def retriever(self) -> Retriever:
        """The live index's ``Retriever``, for fitting and evaluation (``tune/``)."""
        return self._live.retriever

    def remembering(self):
        """A context in which each question text is encoded once (for fits, which ask
        the same questions again); see ``Retriever.remembering``."""
        return self._live.retriever.remembering()

    # --- what the index holds ---------------------------------------------------------

    def references(self) -> tuple[Reference, ...]:
        """Every footnote reference of the corpus's articles, in order."""
        return self._live.index.references

    def passages(self) -> Sequence[Passage]:
        """Every passage of the live index, in corpus order: a sequence whose records are
        parsed when asked for (``passages()[a:b]`` reads one page of a large index)."""
        return self._live.index.passages

    def status(self) -> IndexStatus:
        """The model, passages, documents, problems and build time of the live index."""
        m = self._live.index.manifest
        return IndexStatus(model=str(m.get("model", "?")), passages=int(m.get("passages", 0)),
                           documents=tuple(m.get("documents") or ()),
                           problems=tuple(m.get("problems") or ()), built=str(m.get("built", "?")))

    # --- the library a page at a time (the UI's corpus tab, reference table, map) -----

    def _catalogue(self):
        """The live index's ``present.catalogue.Catalogue``, made once per live index."""
        from bronwijzer.present.catalogue import Catalogue
        live, cached = self._live, self._catalogued
        if cached is None or cached[0] is not live:
            index = live.index
            cached = (live, Catalogue(index.passages, index.references, index.manifest))
            self._catalogued = cached
        return cached[1]

    def document_page(self, page: int = 1, size: int = 50, filters=None):
        """One page of the documents (``present.catalogue.Catalogue.documents``)."""
        return self._catalogue().documents(page, size, filters)

    def document_kinds(self) -> list[str]:
        """The file types of the indexed documents (``pdf``, ``txt``…), sorted."""
        return self._catalogue().document_kinds()

    def reference_page(self, page: int = 1, size: int = 50, filters=None):
        """One page of the references (``present.catalogue.Catalogue.references``)."""
        return self._catalogue().references(page, size, filters)

    def mapped_documents(self) -> list[str]:
        """The documents the article map can draw (those citing footnotes), in order."""
        return self._catalogue().mapped_documents()

    def map_outline(self, doc: str) -> dict | None:
        """One document's article-map outline (``Catalogue.outline``), or None."""
        return self._catalogue().outline(doc)

    def map_document_of(self, passage_ids) -> str | None:
        """The mapped document holding the first of these passages, or None."""
        return self._catalogue().document_of(passage_ids)

    # --- questions --------------------------------------------------------------------

    def check_question(self, question: object) -> str:
        """The question with white space folded; ``QuestionError`` when it cannot be asked."""
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

    def embed_questions(self, questions: list[str]) -> np.ndarray:
        """Query vectors of checked questions, one row each."""
        return self._live.retriever.embed_queries([self.check_question(q) for q in questions])

    def search(self, question: str, k: int | None = None,
               vector: np.ndarray | None = None) -> list[Hit]:
        """Ranked passages for a question (no answer composed)."""
        return self._live.retriever.search(self.check_question(question), k, vector=vector)

    def ask(self, question: str, k: int | None = None, history=()) -> Answer:
        """Answer one question, read in its conversation. See ``ask_many``.

        Args:
            question: the question.
            k: how many passages to retrieve (default ``settings.k``).
            history: the conversation's earlier questions, oldest first. A follow-up
                ("en wie betaalt dat?") is searched with the earlier subject; the answer
                then carries ``extra["understood_as"]`` (see ``answer.followup``).
        """
        from bronwijzer.answer.followup import resolve
        text = self.check_question(question)
        limits = {"max_words": self.settings.followup_max_words,
                  "max_own_terms": self.settings.followup_max_own_terms}
        understood = None
        if history:
            understood = resolve(text, list(history), self.known_terms, **limits)
        if understood is None:
            return self.ask_many([text], k)[0]
        answer = self.ask_many([understood], k)[0]
        return replace(answer, question=text,
                       extra={**answer.extra, "understood_as": understood})

    def known_terms(self, text: str) -> int:
        """How many of the text's content words (stemmed, no stop words) the corpus holds."""
        from bronwijzer.index.lexical import tokenize
        tokens = tokenize([text])[0] if text.strip() else []
        lexical = self._live.index.lexical
        return round(lexical.coverage(text) * len(tokens)) if tokens and lexical else 0

    def ask_many(self, questions: list[str], k: int | None = None) -> list[Answer]:
        """Answer questions, embedding them in parts of ``settings.query_chunk``.

        Citation questions ("what does footnote 12 refer to?") are answered from
        the citation lookup; the others by retrieval and extractive composition.

        Raises:
            QuestionError: for an empty or over-long question.
        """
        from bronwijzer.overlap import overlapped
        live, depth = self._live, k or self.settings.k
        texts = [self.check_question(q) for q in questions]

        def answer(part: list[str], vectors) -> list[Answer]:
            out = []
            for text, vector in zip(part, vectors):
                # a proposal question gathers from a deeper pool; its top ``depth`` are the hits
                pool = live.retriever.search(text, max(depth, TUNING.gather_pool),
                                             vector=vector) if wants_gathering(text) else None
                hits = pool[:depth] if pool else live.retriever.search(text, depth, vector=vector)
                out.append(self._answer(live, text, vector, hits, pool))
            return out
        # the next part is encoded while this one is answered
        return overlapped(texts, self.settings.query_chunk, live.retriever.embed_queries, answer)

    def answer_dicts(self, questions: list[str]) -> list[dict]:
        """``ask_many`` in the ``ask --json`` form (what batch files hold)."""
        from bronwijzer.present.dicts import answer_to_dict
        refs = self.references()
        return [answer_to_dict(a, refs) for a in self.ask_many(questions)]

    def evidence(self, questions: list[str]) -> list[dict | None]:
        """The answerability features of each question (what ``calibrate`` fits on)."""
        live = self._live
        texts = [self.check_question(q) for q in questions]
        vectors = live.retriever.embed_queries(texts) if texts else []
        return [evidence_for(t, v, live.retriever.search(t, self.settings.k, vector=v),
                             live.index, self.settings, live.retriever.query_tokens(t, v))
                for t, v in zip(texts, vectors)]

    def embedding_model(self) -> dict:
        """The embedding model's ``name`` and ``fingerprint``."""
        return {"name": self._embedder.name, "fingerprint": self._embedder.fingerprint}

    def use_answerability(self, model):
        """Answer with another answerability ``Model`` (None: the plain rule).

        Returns:
            The model used until now (to restore it).
        """
        previous, self._answerability = self._answerability, model
        return previous

    def _answer(self, live: _Live, text: str, vector, hits: list[Hit],
                pool: list[Hit] | None) -> Answer:
        from bronwijzer.cite.answers import answer_citation_question
        from bronwijzer.cite.card_answer import answer_from_cards
        lang = detect_lang(text)
        cards = answer_from_cards(live.retriever, text, vector, hits, lang)
        if cards is not None:
            return cards
        special = answer_citation_question(live.retriever, text, vector, hits, lang)
        if special is not None and (special.kind != "cite-claim" or special.abstained):
            return special
        # a claim question is None here when the text does not make the claim; a cited
        # claim carries the confidence of the plain answer
        plain = compose(text, vector, hits, live.index, self.settings, lang,
                        self._answerability, pool=pool, cited_claim=special is not None,
                        tokens=live.retriever.query_tokens(text, vector))
        return plain if special is None else replace(special, confidence=plain.confidence)

    # --- citation lookup (records from cite/, in the ``cite --json`` form) ------------

    def cite_footnote(self, n: int, doc: str | None = None) -> dict:
        """Footnote ``n`` of a document (``doc`` is needed only when several documents
        have footnotes): its references, where it is cited, the source's own passages."""
        from bronwijzer.cite.lookup import cite_footnote
        return self._lookup_dict(cite_footnote(self._live.retriever, n, doc))

    def cite_source(self, text: str) -> dict:
        """The references matching an author, organisation, title word or year."""
        from bronwijzer.cite.lookup import cite_source
        return self._lookup_dict(cite_source(self._live.retriever, text))

    def cite_claim(self, text: str, k: int = 5) -> dict:
        """The footnoted sentences that make a claim, with their sources."""
        from bronwijzer.cite.lookup import cite_claim
        return self._lookup_dict(cite_claim(self._live.retriever, text, k=k))

    def _lookup_dict(self, lookup) -> dict:
        from bronwijzer.present.dicts import lookup_to_dict
        return lookup_to_dict(lookup, self._live.index.references)
