"""How well a probability tells right from wrong: the reliability table (bins of equal
size, mean probability vs share right) and the Brier score, for ``bronwijzer eval`` and
the confidence fit alike."""

from __future__ import annotations

import numpy as np

BINS = 5


def brier(p: np.ndarray, y: np.ndarray) -> float:
    """The mean squared difference between the probabilities and the 0/1 outcomes."""
    return float(np.mean((np.asarray(p, dtype=float) - np.asarray(y, dtype=float)) ** 2))


def reliability(p: np.ndarray, y: np.ndarray, bins: int = BINS) -> list[dict]:
    """The reliability table: questions sorted by confidence in ``bins`` bins of equal
    size, each with its count, mean confidence and share right."""
    order = np.argsort(np.asarray(p, dtype=float), kind="stable")
    rows = []
    for part in np.array_split(order, bins):
        if len(part):
            rows.append({"n": int(len(part)), "confidence": round(float(np.mean(p[part])), 4),
                         "right": round(float(np.mean(y[part])), 4)})
    return rows


def format_reliability(rows: list[dict], score: float) -> str:
    """The reliability table and the Brier score as text."""
    lines = ["reliability of `confidence` (bins of equal size):",
             f"{'n':>6}{'mean confidence':>18}{'share right':>14}{'gap':>8}"]
    for row in rows:
        lines.append(f"{row['n']:>6}{row['confidence']:>18.3f}{row['right']:>14.3f}"
                     f"{row['right'] - row['confidence']:>+8.3f}")
    lines.append(f"Brier score {score:.4f}")
    return "\n".join(lines)
