"""The plain, frozen records that flow through the pipeline.

ingest -> ``Document`` (with ``Block`` paragraphs and ``Reference`` footnotes)
chunk  -> ``Passage``
retrieve -> ``Hit``
answer -> ``Answer`` (with numbered ``Source`` passages and ``Citation`` footnotes)
cite   -> ``FootnoteLookup``, ``SourceLookup``, ``ClaimLookup`` (with ``CitedSource`` references)
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Reference:
    """One cited source inside a footnote of the article.

    ``footnote`` is the footnote number, ``position`` the 1-based place of this
    reference within the footnote (footnotes may hold several, separated by ";").
    ``year`` is None for "z.j." (no date); ``publisher`` None when absent.
    ``doc`` names the document whose footnote this is: every document has its
    own numbering, so footnote 12 of one document is not footnote 12 of another.
    """

    footnote: int
    position: int
    authors: tuple[str, ...]
    year: int | None
    title: str
    publisher: str | None
    raw: str
    url: str | None = None
    doc: str = ""

    @property
    def short(self) -> str:
        """A compact label such as ``Raad (2023)`` or ``Jansen & De Vries (z.j.)``."""
        names = [a.split(",")[0].strip() for a in self.authors] or [self.title]
        label = names[0] if len(names) == 1 else (
            f"{names[0]} & {names[1]}" if len(names) == 2 else f"{names[0]} et al.")
        return f"{label} ({self.year if self.year is not None else 'z.j.'})"

    @property
    def who(self) -> str:
        """The authors and publisher as one line (what a name is matched against)."""
        names = list(self.authors) + ([self.publisher] if self.publisher else [])
        return " ; ".join(names) or self.title

    @property
    def what(self) -> str:
        """Who, year and title as one line (what a topic is matched against)."""
        return f"{self.who} ({self.year or 'z.j.'}) {self.title}"


@dataclass(frozen=True)
class Block:
    """A paragraph of a document, with its place in the document's clean text."""

    text: str
    start: int
    end: int
    number: int
    page: int | None = None
    page_label: str | None = None
    footnotes: tuple[int, ...] = ()


@dataclass(frozen=True)
class Document:
    """A corpus file, read and cleaned.

    ``name`` is the path relative to the corpus folder (posix). ``text`` is the
    clean text (inline references replaced by ``[n]`` markers); every block's
    ``start``/``end`` index into it. ``references`` are the references this
    document cites (the article's footnotes). ``source_of`` names the
    (footnote, position) of the reference this document *is*, for cited sources.
    """

    name: str
    title: str
    text: str
    blocks: tuple[Block, ...]
    sha256: str
    references: tuple[Reference, ...] = ()
    source_of: tuple[int, int] | None = None


@dataclass(frozen=True)
class Passage:
    """A retrievable unit: one paragraph, or a piece of a long one, or a few short ones."""

    id: str
    doc: str
    text: str
    paragraph: int
    start: int
    end: int
    page: int | None = None
    page_label: str | None = None
    footnotes: tuple[int, ...] = ()
    source_of: tuple[int, int] | None = None

    @property
    def location(self) -> str:
        """Human-readable place: ``p. 12`` for paged documents, else ``¶7``."""
        if self.page is not None:
            return f"p. {self.page_label or self.page}"
        return f"¶{self.paragraph}"


@dataclass(frozen=True)
class Hit:
    """A passage found for a query, with the fused score and the parts it came from."""

    passage: Passage
    score: float
    rank: int
    dense: float | None = None
    bm25: float | None = None


@dataclass(frozen=True)
class Citation:
    """A footnote reference backing an answer."""

    footnote: int
    position: int
    reference: str
    url: str | None = None
    doc: str = ""


@dataclass(frozen=True)
class Source:
    """A numbered source of an answer: the passage and the sentence quoted from it."""

    number: int
    hit: Hit
    quote: str
    quote_start: int
    quote_end: int
    references: tuple[Reference, ...] = ()


@dataclass(frozen=True)
class Answer:
    """An extractive answer with its numbered sources and footnote citations."""

    question: str
    lang: str
    text: str
    abstained: bool
    confidence: float
    sources: tuple[Source, ...] = ()
    citations: tuple[Citation, ...] = ()
    hits: tuple[Hit, ...] = ()
    kind: str = "answer"
    extra: dict = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class CitedSource:
    """A reference a citation lookup found, with the passages of its own document (when the
    corpus holds it) that match the lookup best, and, for a source lookup, its match score
    and the article sentences that carry its footnote."""

    reference: Reference
    passages: tuple[Hit, ...] = ()
    score: float | None = None
    citing: tuple = ()


@dataclass(frozen=True)
class FootnoteLookup:
    """Footnote ``footnote`` of document ``doc``: the sentences that carry it (``citing``,
    ``cite.references.CitingSentence`` records) and its references."""

    doc: str
    footnote: int
    citing: tuple
    references: tuple[CitedSource, ...]


@dataclass(frozen=True)
class SourceLookup:
    """The references matching ``query`` (an author, organisation, title word or year),
    best first."""

    query: str
    matches: tuple[CitedSource, ...]


@dataclass(frozen=True)
class ClaimMatch:
    """A footnoted article sentence (``passage.text[start:end]``) that makes a claim."""

    score: float
    passage: Passage
    start: int
    end: int
    footnotes: tuple[int, ...]
    references: tuple[CitedSource, ...]

    @property
    def sentence(self) -> str:
        return self.passage.text[self.start:self.end]


@dataclass(frozen=True)
class ClaimLookup:
    """The footnoted sentences that make ``claim``, best first."""

    claim: str
    matches: tuple[ClaimMatch, ...]
