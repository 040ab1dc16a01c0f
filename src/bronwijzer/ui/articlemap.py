"""The article map (an SVG drawn here) and the rows of the lookup tab's reference table.

The map shows each footnoted document as a column of its passages, in reading order
(with the page for paged documents); every reference cited in a passage is a dot
coloured by its kind of source (``present.overview.SOURCE_KINDS``); the passages of the current
answer are filled yellow. The SVG is written by ``templates/map.html``, which escapes all
its text; it holds no script and no external reference.
"""

from __future__ import annotations

from bronwijzer.present.overview import KIND_LABELS
from bronwijzer.ui.markup import link
from bronwijzer.ui.templating import render_inline

COLOURS = {"government": "#1d4ed8", "advisory": "#7c3aed", "press": "#ea580c",
           "own": "#059669", "other": "#6b7280"}
WIDTH, TOP, DOT = 250, 58, 9


def _height(chars: int) -> int:
    return max(10, min(34, 6 + chars // 45))


def _legend() -> list[dict]:
    return [{"x": 6 + (i % 2) * 122, "y": 12 + (i // 2) * 14, "colour": colour,
             "label": KIND_LABELS[kind]} for i, (kind, colour) in enumerate(COLOURS.items())]


def _first_words(block: dict, n: int = 12) -> str:
    words = str(block.get("text") or "").split()
    return " ".join(words[:n]) + (" …" if len(words) > n else "")


def _notes(footnotes, x: int) -> list[dict]:
    """A paragraph's footnotes: per footnote its dots (one per kind) and its number's place."""
    notes = []
    for n, kinds in footnotes:
        dots = []
        for kind in kinds:
            dots.append({"x": x, "colour": COLOURS.get(kind, COLOURS["other"]),
                         "label": KIND_LABELS.get(kind, kind)})
            x += DOT + 1
        notes.append({"n": n, "dots": dots, "x": x})
        x += 8 + 5 * len(str(n))
    return notes


def _block(block: dict, y: int, lit: bool) -> dict:
    h = _height(block["chars"])
    return {"id": block["id"], "location": block["location"], "first_words": _first_words(block),
            "text": block.get("text") or "", "y": y, "h": h, "lit": lit,
            "label_y": y + min(h, 20) - 3, "cy": f"{y + h / 2:.0f}",
            "text_y": f"{y + h / 2 + 3:.0f}", "notes": _notes(block["footnotes"], 162)}


def _column(doc: dict, lit: set) -> dict:
    """One document's column: its paragraphs (with page rules) placed top to bottom."""
    y, items, page = TOP, [], None
    for block in doc["blocks"]:
        if block["page"] is not None and block["page"] != page:
            page = block["page"]
            items.append({"page": page, "y": y})
            y += 3
        items.append(_block(block, y, block["id"] in lit))
        y += items[-1]["h"] + 3
    return {"title": doc["doc"][:40], "height": y + 6, "rows": items}


def render_map(docs: list[dict], highlight=(), what: str = "of the answer") -> str:
    """The article map as inline SVG (one column per footnoted document).

    Args:
        docs: ``overview.outline`` of the corpus.
        highlight: passage ids of the current answer (or lookup).
        what: whose passages they are, for the note above the map.

    Returns:
        HTML (``templates/map.html``): a ``details.bw-map-box`` holding a ``div.bw-map``
        with one ``svg`` per document.
    """
    lit = set(highlight or ())
    return render_inline("map.html", docs=[_column(d, lit) for d in docs], lit=len(lit),
                         what=what, legend=_legend(), width=WIDTH, top=TOP, dot_r=DOT / 2)


TABLE_HEADERS = ("Footnote", "Document", "Reference", "Title", "Link", "Kind of source",
                 "Cited at", "Times")
TABLE_TYPES = ("number", "str", "str", "str", "markdown", "str", "str", "number")
# Fixed pixel widths (not shares of the window): each header fits on one line and long
# titles end in "…"; on a phone the table scrolls sideways inside itself, the page does not.
TABLE_WIDTHS = ("88px", "180px", "170px", "358px", "72px", "150px", "130px", "64px")
# Tall enough for about 60 rows (37 px each) before the table scrolls inside itself: every
# reference of an article is in view at once (the example article has 24).
TABLE_MAX_HEIGHT = 2400


def reference_table(rows: list[dict]) -> list[list]:
    """The reference table's rows for a ``gr.Dataframe`` (``TABLE_HEADERS``).

    Texts go in plain-text columns; the link column is Markdown made here from an
    http(s) URL only (no text from the document in it). The document is named on the
    first row of its group only (``document_of_row`` finds it for the others).

    Args:
        rows: ``present.overview.reference_rows``.

    Returns:
        One list of cell values per reference.
    """
    out, previous = [], None
    for r in rows:
        url = r.get("url") or ""
        safe = bool(link(url))
        doc = r.get("doc") or ""
        shown, previous = ("" if doc == previous else doc), doc  # named once per group
        out.append([r["footnote"], shown, r["short"], r["title"],
                    f"[link ↗](<{url}>)" if safe else "", KIND_LABELS.get(r["kind"], r["kind"]),
                    ", ".join(r["cited_at"]), r["times"]])
    return out


def document_of_row(rows: list[list], index: int) -> str:
    """The document of the table's row ``index`` (named on the first row of its group)."""
    for row in reversed(rows[:index + 1]):
        if row[1]:
            return str(row[1])
    return ""
