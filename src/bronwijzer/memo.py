"""What is made once per index's reference list, remembered by the list's identity.

An index's references are one tuple for as long as the index is loaded; tables made from
them (the source names a claim is stripped of, the references by footnote) are asked for
with every question. Hashing a tuple of 10,000 references per question would cost what
the table saves, so ``by_identity`` remembers the last few results by the tuple itself
(kept alive with them) and makes them anew for anything else (a list, another tuple).
"""

from __future__ import annotations

import functools
import threading
from typing import Callable, TypeVar

T = TypeVar("T")


def by_identity(size: int = 4) -> Callable[[Callable[[object], T]], Callable[[object], T]]:
    """A decorator: ``fn(items)`` made once per tuple ``items`` (the last ``size`` tuples).

    Args:
        size: how many tuples' results to keep.

    Returns:
        The decorator.
    """
    def decorate(fn: Callable[[object], T]) -> Callable[[object], T]:
        kept: dict[int, tuple[object, T]] = {}
        lock = threading.Lock()

        @functools.wraps(fn)
        def remembered(items) -> T:
            known = kept.get(id(items))
            if known is not None and known[0] is items:
                return known[1]
            made = fn(items)
            if isinstance(items, tuple):  # immutable: safe to remember
                with lock:
                    while len(kept) >= size:
                        kept.pop(next(iter(kept)))
                    kept[id(items)] = (items, made)
            return made
        return remembered
    return decorate
