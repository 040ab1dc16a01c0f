"""Finding the question and id columns of a spreadsheet or CSV by the names people give them."""

from __future__ import annotations

# Usual names, in order of preference, matched in any case; any other column can be named.
QUESTION_NAMES = ("question", "questions", "vraag", "vragen", "vraagstelling")
ID_NAMES = ("id", "nr", "nr.", "nummer", "no", "no.", "number", "#", "volgnummer")


def find_column(names: list[str], chosen: str | None, usual: tuple[str, ...]) -> int:
    """The index of a column in a lowered header.

    Args:
        names: the header's names, lower case.
        chosen: the name the user gave (any case), or None.
        usual: the names to try, in order, when none was given.

    Returns:
        The column's index, or -1 when there is none.
    """
    wanted = (chosen.strip().lower(),) if chosen and chosen.strip() else usual
    return next((names.index(w) for w in wanted if w in names), -1)


def table_header(table: list[tuple[int, list]]) -> list[str]:
    """The header (first non-empty row) of a table of ``(row number, cells)``, as text.

    Args:
        table: the rows of a sheet or CSV.

    Returns:
        The header's cells, stripped ("" for empty ones).
    """
    rows = [cells for _, cells in table if any(str(c or "").strip() for c in cells)]
    return ["" if c is None else str(c).strip() for c in (rows[0] if rows else [])]
