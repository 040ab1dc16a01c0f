"""All settings and their defaults, in one place.

Paths default to the project folder (``BRONWIJZER_HOME`` or the current
directory); every field can be overridden by an environment variable
``BRONWIJZER_<FIELD>`` or, from the command line, by the matching option.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace
from pathlib import Path

DEFAULT_MODEL = "multilingual-e5-small"


@dataclass(frozen=True)
class Settings:
    """Everything that can be tuned, with its default."""

    home: Path = Path(".")
    corpus_dir: Path | None = None
    index_dir: Path | None = None
    cache_dir: Path | None = None
    model: str = DEFAULT_MODEL
    # chunking
    chunk_max_chars: int = 1100
    chunk_min_chars: int = 200
    # retrieval
    k: int = 5
    candidates: int = 30
    fusion: str = "rrf"
    # exact IndexFlatIP below this many passages, HNSW from here on (see bench/)
    ann_min_passages: int = 100_000
    hnsw_m: int = 32
    hnsw_ef_search: int = 128
    rrf_k: int = 60
    dense_weight: float = 1.0
    bm25_weight: float = 1.0
    # RRF weight of the ranking by each passage's best sentence cosine (0: off);
    # measured on eval/tuning.jsonl: hit@5 .88 -> .95 (eval/NOTES.md)
    sentence_weight: float = 1.0
    # "learned": the fused candidates re-ranked by search/rank.json (fitted by
    # tune/ranker.py, chosen by 5-fold CV on eval/tuning.jsonl, eval/RANKING.md);
    # "rrf": the fused order as it is. rank.json also holds the query expansion of the
    # ranker's bm25 feature (search/expand.py: k nearest corpus words per question word,
    # least cosine tau), chosen from tune/ranker.EXPANSIONS by an inner 5-fold CV on the
    # tuning candidates (hit@5 + MRR@10): k 2, tau .88 (eval/RANKING.md)
    ranker: str = "learned"
    # passage token vectors (for the ranker's MaxSim) are stored with the index up to this
    # many passages: 768 bytes a token, ~87 KB a passage at this chunking (4-10 GB at the bound),
    # so no question waits for passages to be encoded; above it they are computed for the
    # ranker's candidates when first needed. A disk budget, not a quality choice.
    token_vectors_max_passages: int = 50_000
    # a claim (cite/lookup.py claim_sentences) is scored against every article sentence up to
    # this many article passages; above, against the sentences of its `candidates` best
    # article passages and its `candidates` best footnote-marked sentences (a numpy search of
    # their vectors), so that a citation question costs like another at 1M passages
    # (bench/scale_1m.json). A speed bound, not a quality choice (the eval article's 36
    # passages are far below): the scan costs ~0.25 ms a passage here (0.57 s at 2,000).
    claim_scan_max_passages: int = 1_000
    # follow-up questions (answer/followup.py): a question of at most this many words that
    # refers back and names at most this many corpus words of its own takes the earlier
    # subject; checked on eval/tuning.jsonl (none of its standalone questions is rewritten)
    followup_max_words: int = 10
    followup_max_own_terms: int = 2
    # answering: the sentences chosen to quote (one more may come between two of one
    # passage: answer.compose._bridged)
    max_sentences: int = 3
    # decline below this confidence; 0.5 is the threshold `bronwijzer calibrate` fitted
    abstain_below: float = 0.5
    # the fitted threshold keeps answering this share of the answerable tuning questions
    # (out of fold); the issue asks >= 0.92, a little room is kept for unseen questions
    calibrate_answered: float = 0.95
    embed_batch_size: int = 32
    # index builds: one encoder pass per passage gives its vector and its sentences'
    # vectors (mean over each sentence's tokens) instead of a pass per sentence; ~2.5x
    # fewer encoder tokens, but off: on eval/tuning (176) hit@5 .918 -> .873, answer_hit
    # .645 -> .582, footnote recall .838 -> .784, since the passage's context makes its
    # sentences alike (cosine between sentences of a passage .85 -> .98); measured again
    # with the learned rankers and the sentence MaxSim (tuning CV, eval/NOTES.md session 6):
    # hit@1 .873 -> .754, answer_hit .818 -> .736, footnote recall .919 -> .784
    one_pass_sentences: bool = False
    # the ONNX graph the default model runs: "fp32", "q4" (weight-only 4-bit matmuls,
    # the same vectors: cosine 1.000000) or "q4_int8" (also int8 activations, cosine
    # >= 0.9998); the 4-bit graphs are written beside the export on first use.
    # Chosen by bench/build_speed.py (figures in the README)
    onnx_graph: str = "fp32"
    # ask_many encodes questions in parts of this many, the next part while the
    # previous is answered (bronwijzer.overlap); a speed setting, answers are the same.
    query_chunk: int = 16
    max_question_chars: int = 2000
    # serving
    host: str = "127.0.0.1"
    port: int = 7860
    max_upload_mb: int = 50
    # reading corpus files (corpus/limits.py): each file is parsed in a worker process
    # with these bounds; a file past one is refused with the limit's name in the build
    # report. Chosen to fit twice the 50 MB upload limit and the largest real sources
    # (reports of a few hundred pages), while a hostile file stops within 1.5 GB and 60 s.
    parse_memory_mb: int = 1536        # address space of the worker (RLIMIT_AS)
    parse_seconds: int = 60            # wall time for one file, OCR included
    max_unzipped_mb: int = 100         # the uncompressed members of a .docx/.odt/.xlsx
    max_pdf_pages: int = 1000          # pages of one PDF
    max_pdf_stream_mb: int = 20        # one decompressed PDF stream (pypdf's zlib/LZW/... limits)
    max_repeat: int = 100              # a repeat count such as ODF <text:s text:c="n"/>
    ocr_max_pages: int = 30            # pages of an image-only PDF read by OCR (~1.3 s a page)
    ocr_seconds: int = 45              # OCR time for one file
    max_text_mb: int = 20              # a text, Markdown or HTML file
    max_doc_chars: int = 25_000_000    # the text one file may add (a 20 MB text file)
    max_doc_passages: int = 25_000     # the passages one file may add
    # feedback from the browser (feedback.py): bounded so a visitor cannot fill the disk
    feedback_max_answer_kb: int = 64   # the stored answer of one vote
    feedback_max_mb: int = 20          # feedback.jsonl is rotated to feedback.1.jsonl past this
    feedback_per_minute: int = 10      # votes a session may give per minute
    # the Host names the browser UI answers to besides loopback and --host (a reverse
    # proxy's name), comma-separated; any other Host is refused (DNS rebinding)
    allowed_hosts: str = ""
    # HTTPS: a key and certificate (PEM) handed to Gradio's ssl_keyfile/ssl_certfile
    ssl_keyfile: str = ""
    ssl_certfile: str = ""
    # login: a client is locked out for login_lockout_s after login_max_failures wrong tries
    login_max_failures: int = 10
    login_lockout_s: int = 300

    @property
    def corpus(self) -> Path:
        return Path(self.corpus_dir or self.home / "corpus")

    @property
    def index(self) -> Path:
        return Path(self.index_dir or self.home / "index")

    @property
    def cache(self) -> Path:
        return Path(self.cache_dir or self.home / ".cache")

    def with_(self, **changes) -> "Settings":
        """A copy with the given fields changed (None values are ignored)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


@dataclass(frozen=True)
class Tuning:
    """The weights, margins and limits of answering and citing, in one documented place.

    Each was chosen on ``eval/tuning.jsonl`` (see ``eval/NOTES.md`` and
    ``eval/cite_notes.md``), never on the held-out ``eval/dev.jsonl``; the fitted models
    (``answer/answerability.json``, ``cite/detector.json``) are refitted by
    ``make calibrate``. After changing one, run ``make calibrate && make eval``.
    """

    # A sentence's score: its cosine to the question + this weight x the share of the
    # question's (stemmed) words it holds - this weight x (its passage's rank - 1).
    sentence_lexical_weight: float = 0.10
    sentence_rank_weight: float = 0.02
    # Other passages' best sentences join the answer when within this of the best one.
    # The two weights above and this margin are the plain rule's, used without a sentence
    # ranker fitted for the index's model; the learned one (answer/sentence_rank.json) carries its own margin,
    # chosen with it by inner CV on tuning (tune/sentences.py, eval/RANKING.md).
    sentence_margin: float = 0.03
    # Proposal questions: a bonus for sentences that prescribe ("zou moeten", "should").
    proposal_bonus: float = 0.03
    # A name of the question is known to the corpus when a corpus word shares this
    # share of its letter trigrams (Netherlands ~ Nederland).
    cognate_similarity: float = 0.3
    # Evidence features look at this many ranked sentences.
    evidence_top: int = 20
    # The lack features (answer.lacks) look at this many best-scored sentences; chosen
    # on tuning by the answerability model's out-of-fold declines (eval/NOTES.md).
    lack_top: int = 5
    # The plain answerability rule (another model than the calibrated one): decline
    # when fewer than this share of the question's words are in the chosen sentences.
    fallback_terms: float = 0.2
    # Gathered answers (proposals, "what does the text say about X"): normative
    # sentences within this margin of the best, from at most this many passages of a
    # pool this deep, quoting at most this many sentences. Chosen by
    # `python -m bronwijzer.tune.constants` on eval/tuning.jsonl (+ the authored
    # eval/gather_extra.jsonl, checked against dev), and again per fold by `crossval`.
    gather_margin: float = 0.02
    gather_passages: int = 3
    gather_pool: int = 10
    gather_whole: bool = True
    gather_span: int = 3
    # A referring sentence ("Dit", "This") brings the one before it when that scores
    # within this margin; announcing sentences (":") bring at most this many after them.
    follow_margin: float = 0.08
    announced_max: int = 3
    continue_max: int = 1
    chain_max: int = 3
    gather_min_words: int = 6
    # Claim lookups: a footnoted sentence's cosine + this weight x its passage's share of
    # the best hybrid score.
    claim_passage_weight: float = 0.05
    # ... plus this weight x the share of the claim's terms the sentence holds. The
    # claim is scored with the question's own vector (each question is encoded once);
    # the shared terms bring back what the question's framing words blur (tuning
    # footnote recall of claim questions: .75 without, .81 at 0.05-0.2, the same as
    # encoding the claim a second time; 0.1 is the middle of that flat range).
    claim_lexical_weight: float = 0.1
    # A claim question's sentences: (1 - this) x their score against the question's vector
    # + this x their score against the claim alone, encoded without the one-word names of
    # cited sources (``cite.claims``). Chosen from (0, 0.5, 1) by `python -m
    # bronwijzer.tune.constants` on eval/tuning.jsonl and again per fold by `crossval`.
    claim_vector_weight: float = 0.5
    # The text makes a claim when its best sentence scores at least this; a footnoted
    # sentence within this many sentences of it gives the source, else one anywhere
    # within this margin of it. (0.85 when the claim was encoded on its own; scored with
    # the question's vector the tuning claim questions' best sentences score 0.018 lower
    # on average.) Both chosen by `python -m bronwijzer.tune.constants` on
    # eval/tuning.jsonl (176), and again per fold by `crossval`; 0.81 is the grid's low end
    # (the margin 0.05 -> 0.02 with the claim scored by ``cite.claims``, 2026-12-04).
    claim_min_score: float = 0.81
    claim_window: int = 2
    claim_footnote_margin: float = 0.02
    # A claim answer quotes the run of sentences from the claim's to the marked one (or the
    # marked one and its neighbours, the better-scoring first) as far as it stays this long,
    # else the marked one alone (score.py reads 600 characters of an answer; the references
    # follow the quote). Chosen from (300, 420, 600) like the two above.
    claim_quote_chars: int = 420
    # Questions about a set of sources keep the references scoring this share of the best.
    set_score_share: float = 0.9
    # Finding a source by name: weights of the fields a query word matches, the
    # similarity from which a misspelt word counts, the bonus for the right year.
    source_field_weights: tuple[tuple[str, float], ...] = (
        ("author", 1.0), ("title", 0.7), ("publisher", 0.5))
    source_fuzzy_min: float = 0.8
    source_year_bonus: float = 0.5


TUNING = Tuning()


def _coerce(value: str, default):
    if isinstance(default, bool):
        return value.lower() in {"1", "true", "yes", "on"}
    if isinstance(default, int):
        return int(value)
    if isinstance(default, float):
        return float(value)
    return value


def load_settings(**overrides) -> Settings:
    """Settings from defaults, then ``BRONWIJZER_*`` environment variables, then overrides.

    Args:
        **overrides: field values that win over everything else (None is ignored).

    Returns:
        The resulting frozen ``Settings``.
    """
    base = Settings()
    env: dict = {}
    for f in fields(Settings):
        raw = os.environ.get(f"BRONWIJZER_{f.name.upper()}")
        if raw is None:
            continue
        default = getattr(base, f.name)
        env[f.name] = Path(raw) if f.name in {"home", "corpus_dir", "index_dir", "cache_dir"} \
            else _coerce(raw, default)
    return replace(base, **env).with_(**overrides)
