"""The article map (an SVG drawn here) and the rows of the lookup tab's reference table.

The map shows each footnoted document as a column of its passages, in reading order
(with the page for paged documents); every reference cited in a passage is a dot
coloured by its kind of source (``present.overview.SOURCE_KINDS``); the passages of the current
answer are filled yellow. All text in the SVG is escaped (``esc``); it holds no script
and no external reference.
"""

from __future__ import annotations

from bronwijzer.present.overview import KIND_LABELS
from bronwijzer.ui.render import STYLE, esc, link, tag

COLOURS = {"government": "#1d4ed8", "advisory": "#7c3aed", "press": "#ea580c",
           "own": "#059669", "other": "#6b7280"}
WIDTH, TOP, DOT = 250, 58, 9


def _height(chars: int) -> int:
    return max(10, min(34, 6 + chars // 45))


def _legend() -> str:
    items = []
    for i, (kind, colour) in enumerate(COLOURS.items()):
        x, y = 6 + (i % 2) * 122, 12 + (i // 2) * 14
        items.append(f'<circle cx="{x + 4}" cy="{y - 4}" r="4" fill="{colour}"/>'
                     f'<text x="{x + 12}" y="{y}" font-size="10" fill="#374151">'
                     f'{esc(KIND_LABELS[kind])}</text>')
    return "".join(items)


def _first_words(block: dict, n: int = 12) -> str:
    words = str(block.get("text") or "").split()
    return " ".join(words[:n]) + (" …" if len(words) > n else "")


def _block(block: dict, y: int, lit: bool) -> tuple[str, int]:
    h = _height(block["chars"])
    fill, stroke = ("#fde68a", "#b45309") if lit else ("#f3f4f6", "#d1d5db")
    cls = "bw-map-block bw-map-hit" if lit else "bw-map-block"
    parts = [f'<g class="{cls}" data-passage="{esc(block["id"])}">'
             f'<title>{esc(block["location"])}: {esc(_first_words(block))}</title>'
             f'<desc>{esc(block.get("text") or "")}</desc>'
             f'<rect x="44" y="{y}" width="110" height="{h}" rx="3" fill="{fill}" '
             f'stroke="{stroke}" stroke-width="{2 if lit else 1}"/>'
             f'<text x="40" y="{y + min(h, 20) - 3}" font-size="9" text-anchor="end" '
             f'fill="#4b5563">{esc(block["location"])}</text>']
    x = 162
    for n, kinds in block["footnotes"]:
        for kind in kinds:
            parts.append(f'<circle class="bw-map-note" cx="{x}" cy="{y + h / 2:.0f}" r="{DOT / 2}" '
                         f'fill="{COLOURS.get(kind, COLOURS["other"])}"><title>footnote '
                         f'{esc(n)}: {esc(KIND_LABELS.get(kind, kind))}</title></circle>')
            x += DOT + 1
        parts.append(f'<text x="{x}" y="{y + h / 2 + 3:.0f}" font-size="9" fill="#111827">'
                     f'{esc(n)}</text>')
        x += 8 + 5 * len(str(n))
    return "".join(parts) + "</g>", h


def render_map(docs: list[dict], highlight=(), what: str = "of the answer") -> str:
    """The article map as inline SVG (one column per footnoted document).

    Args:
        docs: ``overview.outline`` of the corpus.
        highlight: passage ids of the current answer (or lookup).
        what: whose passages they are, for the note above the map.

    Returns:
        HTML: a ``div.bw-map`` with one ``svg`` per document.
    """
    lit = set(highlight or ())
    if not docs:
        return tag("div", "muted", "No footnoted document in the corpus.", **{"class": "bw-map"})
    out = []
    for doc in docs:
        y, body, page = TOP, [], None
        for block in doc["blocks"]:
            if block["page"] is not None and block["page"] != page:
                page = block["page"]
                body.append(f'<line x1="2" x2="{WIDTH - 2}" y1="{y}" y2="{y}" stroke="#9ca3af" '
                            f'stroke-dasharray="3 2"/><text x="{WIDTH - 4}" y="{y + 9}" '
                            f'font-size="8" text-anchor="end" fill="#6b7280">p. {esc(page)}</text>')
                y += 3
            svg, h = _block(block, y, block["id"] in lit)
            body.append(svg)
            y += h + 3
        title = (f'<text x="4" y="{TOP - 8}" font-size="11" font-weight="600" fill="#111827">'
                 f'{esc(doc["doc"][:40])}</text>')
        out.append(f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{y + 6}" '
                   f'viewBox="0 0 {WIDTH} {y + 6}" role="img" aria-label="article map">'
                   f'{_legend()}{title}{"".join(body)}</svg>')
    note = tag("div", "muted", f"{len(lit)} passage(s) {esc(what)} highlighted" if lit
               else "Footnotes by kind of source; the passages of an answer light up.")
    shown = '<div class="bw-map-passage" hidden style="%s"></div>' % STYLE["card"]
    body = tag("div", "", note + "".join(out) + shown, **{"class": "bw-map"})
    return (f'<details class="bw-map-box" open><summary style="{STYLE["head"]}cursor:pointer;">'
            f'Article map</summary>{body}</details>')


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
