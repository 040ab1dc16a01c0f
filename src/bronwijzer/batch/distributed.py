"""Batches on Ray: a large question list answered by a pool of Ray actors, each of
which opens the engine (model and index) once.

The run is :func:`bronwijzer.batch.runner.run_batch` itself, so the input formats, the
output, the error records and ``--resume`` are exactly those of a local batch: each
of its batches is cut into parts that the actors answer side by side, and the answers
come back in question order before the batch is written. A worker that dies is
restarted by Ray and its part retried; a part that fails is answered again one
question at a time, as locally. Every node needs the index at the same path (a
shared folder) and the model in its cache.
"""

from __future__ import annotations

import functools
from contextlib import contextmanager
from pathlib import Path

from bronwijzer.batch.runner import Summary, run_batch
from bronwijzer.index.distributed import MAX_RESTARTS, actor_embedder, ray_session
from bronwijzer.settings import Settings


def open_engine(settings: Settings):
    """The engine as an actor opens it: the existing index (never a build), the model
    with as many threads as Ray gave the actor CPUs."""
    from bronwijzer.engine import Engine
    return Engine.open(settings, embedder=actor_embedder(settings), build=False)


class AnswerActor:
    """Holds one open engine and answers parts of a batch with it."""

    def __init__(self, engine_factory) -> None:
        self.engine = engine_factory()

    def answer(self, questions: list[str]) -> list[dict]:
        """``Engine.answer_dicts`` for the part."""
        return self.engine.answer_dicts(questions)


def run_batch_on_ray(input_path: Path, output_path: Path, settings: Settings,
                     address: str | None = None, *, workers: int | None = None,
                     engine_factory=None, batch_size: int = 32, **options) -> Summary:
    """Answer every question of ``input_path`` into ``output_path`` on a Ray cluster.

    Args:
        input_path: a ``.jsonl``, ``.csv``, ``.xlsx`` or ``.txt`` question list.
        output_path: a ``.jsonl``, ``.csv`` or ``.xlsx`` file, written as the run goes.
        settings: the settings (index, model).
        address: a Ray cluster's address; None or "" starts a local Ray.
        workers: answering actors (default: one per CPU of the cluster).
        engine_factory: a picklable callable that opens the engine in an actor
            (default: :func:`open_engine` with ``settings``).
        batch_size: questions per actor call.
        **options: ``resume``, ``max_chars``, ``progress``, ``column``, ``id_column``
            as for :func:`~bronwijzer.batch.runner.run_batch`.

    Returns:
        The run's ``Summary``.
    """
    if engine_factory is None:  # the actors open the index as it is: build it first if stale
        from bronwijzer.engine import Engine
        Engine.build(settings)
    factory = engine_factory or functools.partial(open_engine, settings)
    with ray_session(address) as ray, _pool(ray, factory, workers) as (answer_fn, size):
        return run_batch(input_path, output_path, answer_fn, batch_size=batch_size * size,
                         **options)


@contextmanager
def _pool(ray, factory, workers: int | None):
    """An ``answer_fn`` that spreads a batch over ``workers`` actors, and their number."""
    from ray.util import ActorPool
    size = workers or max(1, int(ray.cluster_resources().get("CPU", 1)))
    remote = ray.remote(num_cpus=1, max_restarts=MAX_RESTARTS,
                        max_task_retries=MAX_RESTARTS)(AnswerActor)
    actors = [remote.remote(factory) for _ in range(size)]
    pool = ActorPool(actors)

    def answer_fn(questions: list[str]) -> list[dict]:
        step = -(-len(questions) // size)
        parts = [questions[i:i + step] for i in range(0, len(questions), step)]
        return [d for part in pool.map(lambda a, p: a.answer.remote(p), parts) for d in part]

    try:
        yield answer_fn, size
    finally:
        for actor in actors:
            ray.kill(actor)
