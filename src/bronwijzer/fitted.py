"""Fitted parameters shipped in the package: read once, replaced for a while, scored.

A fit (``bronwijzer calibrate``) writes its parameters as JSON beside the module that
uses them (``search/rank.json``, ``answer/sentence_rank.json``,
``answer/correctness.json``); cross-validation's folds put their own refits in place
for a while. This module holds what those modules share: the file read (once per path
when cached) and checked, the parameters set in its place, the writer, and the
standardised linear score every one of them computes.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Callable

import numpy as np

from bronwijzer.files import atomic_write

log = logging.getLogger(__name__)


def _is_dict(params) -> bool:
    return isinstance(params, dict)


class FittedFile:
    """One kind of fitted parameters: its packaged JSON file and an override.

    Args:
        path: the packaged JSON file.
        valid: whether read parameters are usable (else they count as missing).
        cached: keep what was read per path (dropped by :meth:`save`).
    """

    def __init__(self, path: Path, valid: Callable[[object], bool] = _is_dict,
                 cached: bool = True) -> None:
        self.path = Path(path)
        self._valid = valid
        self._cached = cached
        self._read: dict[str, dict | None] = {}
        self._override: dict | None = None

    def read(self, path: Path | None = None) -> dict | None:
        """The parameters in ``path`` (default: the packaged file).

        Returns:
            The parameters, or None when the file is missing, not JSON or not valid.
        """
        key = str(path or self.path)
        if key in self._read:
            return self._read[key]
        try:
            params = json.loads(Path(key).read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            log.debug("no usable parameters in %s (%s)", key, error)
            params = None
        params = params if self._valid(params) else None
        if self._cached:
            self._read[key] = params
        return params

    def use(self, params: dict | None) -> dict | None:
        """Use ``params`` instead of the packaged file (None: the file again).

        Returns:
            The parameters set until now (None: the file), to restore them.
        """
        previous, self._override = self._override, params
        return previous

    def current(self) -> dict | None:
        """The parameters set by :meth:`use`, else the packaged file's."""
        return self._override or self.read()

    def save(self, params: dict, path: Path | None = None, compact: bool = False) -> None:
        """Write ``params`` as JSON (sorted keys; atomically) and drop the cached copy.

        Args:
            params: the parameters.
            path: where (default: the packaged file).
            compact: one line without spaces (for files of many numbers), else indented.
        """
        target = Path(path or self.path)
        layout = {"separators": (",", ":")} if compact else {"indent": 1}
        atomic_write(target, json.dumps(params, sort_keys=True, ensure_ascii=False, **layout)
                     + "\n")
        self._read.pop(str(target), None)


def linear(params: dict, x: np.ndarray) -> np.ndarray:
    """A fitted linear model's scores: standardise the features, weigh them, add.

    Args:
        params: ``mean``, ``scale``, ``coef`` and ``intercept`` of the fit.
        x: feature rows (2-D), columns in the fit's ``features`` order.

    Returns:
        One score per row (the logit for a logistic fit).
    """
    x = (x - np.asarray(params["mean"])) / np.asarray(params["scale"])
    return x @ np.asarray(params["coef"]) + float(params["intercept"])
