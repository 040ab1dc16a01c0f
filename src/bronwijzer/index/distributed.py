"""Builds on Ray: the same index as :func:`bronwijzer.index.build.build_index`, with
the embedding spread over a Ray cluster.

The driver (this process) reads and chunks the corpus, takes the vectors it can reuse
from the live index, and cuts the rest into shards (:mod:`bronwijzer.index.shards`).
Ray Data maps the shards over a pool of actors, each of which loads the embedder once;
every finished shard comes back to the driver, which writes it to the staging folder
with its checksums. A build killed at any point (the driver or a worker) finds the
finished shards on its next run and embeds only the rest; a worker that dies is
restarted by Ray and its shard retried. The index is written and switched to exactly
as a local build does (:func:`bronwijzer.index.store.write_build`), so the live index
is never touched until the new one is whole.

Ray is imported only here, and only when a build runs on it (``pip install
"bronwijzer[ray]"``). Without an address a local Ray starts with this machine's CPUs;
with one (``ray start --head`` prints it) the build joins that cluster, whose nodes
need bronwijzer and the model in their cache (``bronwijzer model``).
"""

from __future__ import annotations

import functools
import json
import os
import time
import warnings
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

from bronwijzer.corpus.loader import file_hashes, load_corpus
from bronwijzer.errors import IndexStateError, ModelError, ModelMismatchError
from bronwijzer.index.build import (
    BuildReport,
    build_index,
    build_lock,
    build_manifest,
    build_passages,
    chunk_settings,
    embed_passages,
    lexical_index,
    sentence_spans,
    skipped_report,
    staleness,
    vector_cache,
)
from bronwijzer.index.shards import ShardStore, npy_bytes, plan_shards
from bronwijzer.index.store import write_build
from bronwijzer.index.tokens import StagedTokens, TokenCollector
from bronwijzer.settings import Settings

# Passages per shard: the unit of work, of retry and of resume. At most 64 passages
# (with their ~4 sentences each, ~1 min on one CPU thread of this machine with the
# default model): little is lost to a kill and Ray's per-task overhead (~10 ms) does
# not count. A smaller build is cut into ~SHARDS_AT_LEAST shards (of >= 4 passages) so
# that every worker has work; the size depends only on the passages to embed, so a
# resumed build cuts the same shards whatever the cluster.
SHARD_PASSAGES = 64
SHARDS_AT_LEAST = 32
# Times Ray restarts a dead embedding actor (and retries its shard) before the build
# stops; a shard that kills every actor it meets then fails the build instead of
# looping. The finished shards stay for the next run.
MAX_RESTARTS = 3
# A local Ray's shared-object store: shards are small (a 64-passage shard is ~0.4 MB
# of vectors), so 256 MiB is ample and keeps Ray's memory small on a shared machine.
OBJECT_STORE_BYTES = 256 * 2**20


@dataclass(frozen=True)
class Identity:
    """The model a build embeds with, known without loading it on the driver."""

    name: str
    fingerprint: str
    dim: int = 0


def build_on_ray(settings: Settings, address: str | None = None, force: bool = False,
                 embedder_factory=None, workers: int | None = None,
                 shard_passages: int | None = None) -> BuildReport:
    """Build (or refresh) the index, embedding on a Ray cluster; resumable.

    Args:
        settings: the settings (corpus, index, model, chunking, batch size).
        address: a Ray cluster's address (``ray start --head`` prints it); None or ""
            starts a local Ray with this machine's CPUs. A Ray already initialised in
            this process is used as it is.
        force: rebuild even when up to date, and re-embed everything.
        embedder_factory: a picklable callable that returns an embedder, called once
            in each actor (default: the settings' model, one CPU thread per actor).
        workers: embedding actors (default: one per CPU of the cluster).
        shard_passages: passages per shard (default: by the passages to embed, at
            most ``SHARD_PASSAGES``).

    Returns:
        A ``BuildReport``; ``reused`` counts the texts taken from the live index and
        from shards a killed build had finished.

    Raises:
        IndexStateError: when the cluster fails the build (finished shards are kept).
    """
    began = time.perf_counter()
    job = _Job(address, embedder_factory or functools.partial(actor_embedder, settings),
               _identity(settings, embedder_factory), workers, shard_passages)
    if not force and staleness(settings, job.identity.name, job.identity.fingerprint) is None:
        return skipped_report(settings, began)
    with build_lock(settings.index):
        hashes = file_hashes(settings.corpus)
        documents, problems = load_corpus(settings.corpus, settings)
        passages = build_passages(documents, settings)
        if passages:
            embedded, total = _build(settings, job, force, hashes, documents, problems, passages)
            return BuildReport(len(documents), len(passages), embedded, total - embedded,
                               tuple(problems), time.perf_counter() - began)
    return build_index(settings, job.factory(), force=True)  # nothing to spread: empty index


@dataclass(frozen=True)
class _Job:
    """Where and how a build embeds: the cluster, the model, the pool, the shard size."""

    address: str | None
    factory: object
    identity: Identity
    workers: int | None
    shard_passages: int | None


def _build(settings, job: _Job, force: bool, hashes, documents, problems, passages):
    """Embed on Ray what neither the live index nor a killed build's shards hold, then
    write the build and switch to it (the caller holds the build lock).

    Returns:
        ``(texts embedded, texts in the index)``.
    """
    spans = [sentence_spans(p.text) for p in passages]
    cache = {} if force else vector_cache(settings, job.identity)
    work = _Work.plan(passages, spans, cache, job, settings)
    store = ShardStore(settings.index)
    missing = [s for s in work.shards if not store.done(s)]
    if missing:
        with ray_session(job.address):
            _embed_on_ray(work, missing, job, store)
    vectors, sentence_vectors = work.assemble(store)
    references = [r for d in documents for r in d.references]
    manifest = build_manifest(settings, job.identity, hashes, documents, problems, passages,
                              vectors)
    tokens = StagedTokens(settings, work.tokens(store), job.factory)
    write_build(settings.index, manifest, passages, spans, vectors, sentence_vectors,
                references, lexical_index(passages, references), tokens, job.factory)
    store.clear()
    return sum(work.texts_in(s) for s in missing), len(passages) + len(sentence_vectors)


def actor_embedder(settings: Settings):
    """The settings' embedder as an actor loads it: onnxruntime with as many threads as
    Ray gave the actor CPUs (not the node's CPU count, which the actors share)."""
    from bronwijzer.model.embed import load_embedder, resolve_model
    from bronwijzer.model.onnx_embed import OnnxEmbedder, onnx_ready
    threads = _assigned_cpus()
    folder, fingerprint = resolve_model(settings.model, settings.cache)
    if fingerprint and onnx_ready(folder):
        return OnnxEmbedder(folder, settings.model, fingerprint,
                            batch_size=settings.embed_batch_size, threads=threads)
    return load_embedder(settings)


def embed_shard(embedder, texts: list[str], spans: list, settings: Settings):
    """The vectors of a shard's passages and of their sentences, embedded as a local
    build embeds them (:func:`bronwijzer.index.build.embed_passages`).

    Args:
        embedder: the actor's embedder.
        texts: the shard's passage texts (distinct).
        spans: each passage's sentence spans.
        settings: the settings (batch size, one-pass sentence vectors).

    Returns:
        ``(passage vectors, sentence vectors)``, float32.
    """
    done = embed_passages(embedder, texts, [tuple(map(tuple, ss)) for ss in spans], {},
                          settings)
    return done.vectors, done.sentence_vectors


class EmbedActor:
    """A Ray Data actor: loads the embedder once, then embeds shard after shard (with the
    passages' token vectors when ``record`` and the model gives token states)."""

    def __init__(self, factory, fingerprint: str, settings: Settings, record: bool = False) -> None:
        self.embedder = factory()
        self.settings = settings
        self.record = record and hasattr(self.embedder, "recorder")
        if self.embedder.fingerprint != fingerprint:
            raise ModelMismatchError(f"a worker loaded the model with fingerprint "
                                     f"{self.embedder.fingerprint}, not {fingerprint}: "
                                     "give every node the same model")

    def __call__(self, batch: dict) -> dict:
        """Embed each shard of the batch (``key``, JSON ``payload``); return the keys and
        the vectors (and token vectors, else empty) as ``.npy`` bytes."""
        out = {"key": [], "passages": [], "sentences": [], "tokens": [], "offsets": []}
        for key, payload in zip(batch["key"], batch["payload"]):
            texts, spans = json.loads(payload)
            collector = TokenCollector()
            if self.record:
                self.embedder.recorder = collector
            try:
                vectors, sentence_vectors = embed_shard(self.embedder, texts, spans, self.settings)
            finally:
                if self.record:
                    self.embedder.recorder = None
            out["key"].append(key)
            out["passages"].append(npy_bytes(vectors))
            out["sentences"].append(npy_bytes(sentence_vectors))
            tokens, offsets = _token_parts(texts, collector.found)
            out["tokens"].append(tokens)
            out["offsets"].append(offsets)
        return {name: np.array(values, dtype=object) for name, values in out.items()}


def _token_parts(texts: list[str], found: dict) -> tuple[bytes, bytes]:
    """A shard's token vectors and offsets as ``.npy`` bytes (empty unless every passage's
    token vectors were recorded)."""
    if not texts or any(t not in found for t in texts):
        return b"", b""
    sizes = [len(found[t]) for t in texts]
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    return (npy_bytes(np.concatenate([found[t] for t in texts]), np.float16),
            npy_bytes(offsets, np.int64))


@contextmanager
def ray_session(address: str | None):
    """Ray for one build: the one already initialised in this process, else a local Ray
    (this machine's CPUs, no dashboard, a small object store) or the cluster at
    ``address``, shut down afterwards."""
    try:
        import ray
    except ImportError:
        raise ModelError('building on Ray needs Ray: pip install "bronwijzer[ray]"') from None
    if ray.is_initialized():
        yield ray
        return
    quiet = {"include_dashboard": False, "log_to_driver": False}
    if address:
        ray.init(address=address, **quiet)
    else:
        ray.init(num_cpus=os.cpu_count() or 1, object_store_memory=OBJECT_STORE_BYTES, **quiet)
    try:
        yield ray
    finally:
        ray.shutdown()


def _embed_on_ray(work: "_Work", missing, job: _Job, store: ShardStore) -> None:
    """Map the missing shards over an actor pool; write each shard as it comes back."""
    import ray
    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = False
    context.print_on_execution_start = False
    size = job.workers or max(1, int(ray.cluster_resources().get("CPU", 1)))
    items = [{"key": s.key, "payload": work.payload(s)} for s in missing]
    with warnings.catch_warnings():  # Ray Data takes the restart limits as "remote args"
        warnings.simplefilter("ignore", DeprecationWarning)
        dataset = ray.data.from_items(items, override_num_blocks=len(items)).map_batches(
            EmbedActor, batch_size=1,
            compute=ray.data.ActorPoolStrategy(size=min(size, len(items))),
            fn_constructor_args=(job.factory, job.identity.fingerprint, work.settings,
                                 0 < len(work.texts) <= work.settings.token_vectors_max_passages),
            num_cpus=1,
            max_restarts=MAX_RESTARTS, max_task_retries=MAX_RESTARTS)
    try:
        for row in dataset.iter_rows():
            store.write(row["key"], row["passages"], row["sentences"], row["tokens"],
                        row["offsets"])
    except Exception as error:  # Ray wraps the worker's error; the finished shards stay
        if isinstance(getattr(error, "cause", None), ModelMismatchError):
            raise error.cause from None
        done = sum(store.done(s) for s in work.shards)
        raise IndexStateError(f"the build on Ray stopped ({type(error).__name__}: "
                              f"{str(error).splitlines()[0][:300]}); {done} of "
                              f"{len(work.shards)} shards are kept: run it again to "
                              "resume") from None


def _assigned_cpus() -> int:
    try:
        import ray
        cpus = ray.get_runtime_context().get_assigned_resources().get("CPU")
    except Exception:  # not in a Ray worker
        cpus = None
    return max(1, int(cpus or os.cpu_count() or 1))


def _identity(settings: Settings, factory) -> Identity:
    """The model's name and fingerprint: from a given factory's embedder, else resolved
    from the settings without loading the model."""
    if factory is not None:
        embedder = factory()
        return Identity(embedder.name, embedder.fingerprint, embedder.dim)
    from bronwijzer.model.embed import folder_fingerprint, resolve_model
    folder, fingerprint = resolve_model(settings.model, settings.cache)
    return Identity(settings.model, fingerprint or folder_fingerprint(folder))


@dataclass(frozen=True)
class _Work:
    """The passages of a build, which distinct texts to embed, and the shards they fall
    in."""

    texts: tuple[str, ...]
    spans: tuple
    todo: tuple[int, ...]
    cache: dict
    shards: tuple
    settings: Settings

    @classmethod
    def plan(cls, passages, spans, cache: dict, job: _Job, settings: Settings) -> "_Work":
        """The work of a build: each distinct passage text not in ``cache``, in shards of
        ``job.shard_passages`` (default: by the count to embed) keyed by the model and
        the sentence encoding."""
        texts = tuple(p.text for p in passages)
        first = {}
        for i, text in enumerate(texts):
            if text not in cache:
                first.setdefault(text, i)
        todo = tuple(first.values())
        size = job.shard_passages or min(SHARD_PASSAGES,
                                         max(4, -(-len(todo) // SHARDS_AT_LEAST)))
        encoding = chunk_settings(settings).get("sentences", "")
        shards = plan_shards([texts[i] for i in todo], [spans[i] for i in todo], size,
                             f"{job.identity.fingerprint}{encoding}")
        return cls(texts, tuple(spans), todo, cache, tuple(shards), settings)

    def payload(self, shard) -> str:
        """A shard's texts and sentence spans, as JSON for a worker."""
        rows = self.todo[shard.start:shard.end]
        return json.dumps([[self.texts[i] for i in rows], [self.spans[i] for i in rows]])

    def texts_in(self, shard) -> int:
        """How many texts (passages and their sentences) a shard embeds."""
        return sum(1 + len(self.spans[i]) for i in self.todo[shard.start:shard.end])

    def assemble(self, store: ShardStore) -> tuple[np.ndarray, np.ndarray]:
        """Passage and sentence vectors in passage order, from the cache and the shards."""
        found = dict(self.cache)
        for shard in self.shards:
            vectors, sentence_vectors = store.read(shard)
            at = 0
            for offset, i in enumerate(self.todo[shard.start:shard.end]):
                count = len(self.spans[i])
                found[self.texts[i]] = (vectors[offset], sentence_vectors[at:at + count])
                at += count
        rows = [found[text] for text in self.texts]
        return (np.stack([v for v, _ in rows]).astype(np.float32),
                np.concatenate([s for _, s in rows]).astype(np.float32))

    def tokens(self, store: ShardStore) -> dict[str, np.ndarray]:
        """Passage text -> token vectors, from the shards that have them."""
        found = {}
        for shard in self.shards:
            for i, vectors in zip(self.todo[shard.start:shard.end], store.read_tokens(shard) or ()):
                found[self.texts[i]] = vectors
        return found
