"""HTML for the lookup, batch and corpus tabs (escaped like everything in ``ui_render``)."""

from __future__ import annotations

from bronwijzer.ui.render import count, doc_html, esc, link, render_reference, tag

_ITEM = "margin:2px 0;"


def _citing(citing: list[dict], label: str = "Cited at") -> str:
    if not citing:
        return tag("div", "muted", "No citing sentence found in the article.")
    items = "".join(f'<li style="{_ITEM}">«{doc_html(c["sentence"])}» '
                    f'{tag("span", "muted", "— " + esc(c["doc"]) + " " + esc(c["location"]))}</li>'
                    for c in citing)
    return tag("div", "head", esc(label) + ":") + tag("ul", "refs", items, **{"class": "bw-citing"})


def _source_passages(passages: list[dict]) -> str:
    if not passages:
        return ""
    cards = "".join(tag("div", "card", tag("span", "label", esc(p.get("label")))
                         + tag("div", "passage", doc_html(p.get("text") or "")))
                    for p in passages)
    return tag("div", "head", "Passages of the cited source:") + cards


def _reference_card(ref: dict, citing: list[dict] | None = None) -> str:
    details = [f"{k}: {esc(v)}" for k, v in (("authors", "; ".join(ref.get("authors") or [])),
                                              ("year", ref.get("year") or "z.j."),
                                              ("title", ref.get("title")),
                                              ("publisher", ref.get("publisher"))) if v]
    body = (tag("ul", "refs", render_reference(ref))
            + tag("div", "muted", " · ".join(details))
            + (_citing(citing) if citing is not None else "")
            + _source_passages(ref.get("source_passages") or []))
    return tag("div", "card", body, **{"class": "bw-reference"})


def render_footnote(result: dict) -> str:
    refs = "".join(_reference_card(r) for r in result["references"])
    title = tag("div", "head", f"Footnote {esc(result['footnote'])}")
    return title + refs + _citing(result["citing"])


def render_source_matches(result: dict) -> str:
    title = tag("div", "head", f"Cited sources matching «{esc(result['query'])}»")
    return title + "".join(_reference_card(m, m.get("citing") or []) for m in result["matches"])


def render_claim(result: dict) -> str:
    parts = [tag("div", "head", f"Footnoted sentences closest to «{esc(result['claim'])}»")]
    for m in result["matches"]:
        notes = ", ".join(esc(n) for n in m.get("footnotes") or [])
        head = (tag("span", "label", esc(m["doc"]) + " " + esc(m["location"]))
                + " " + tag("span", "muted", f"footnote {notes} · score {m['score']:.3f}"))
        refs = "".join(_reference_card(r) for r in m.get("references") or [])
        parts.append(tag("div", "card", head + tag("div", "passage", "«" + doc_html(m["sentence"])
                                                    + "»") + refs, **{"class": "bw-claim"}))
    return "".join(parts)


def render_lookup(result: dict) -> str:
    """A ``cite_footnote`` / ``cite_source`` / ``cite_claim`` result."""
    kind = result.get("kind")
    inner = (render_footnote(result) if kind == "footnote" else
             render_source_matches(result) if kind == "source" else render_claim(result))
    return tag("div", "", inner, **{"class": "bw-lookup"})


def render_batch_summary(summary, seconds: float) -> str:
    total = summary.answered + summary.declined + summary.failed
    text = (f"{count(total, 'question')} in {seconds:.1f} s: {summary.answered} answered, "
            f"{summary.declined} declined (not in the text), {summary.failed} failed"
            + (f", {summary.skipped} skipped" if summary.skipped else "") + ".")
    return tag("div", "ok", esc(text), **{"class": "bw-summary"})


def _cell(inner: str, header: bool = False) -> str:
    return tag("th" if header else "td", "cell", inner)


def corpus_rows(status, references) -> list[dict]:
    """One row per document or failed file: name, status, passages, linked reference, note.

    Args:
        status: the engine's ``IndexStatus``.
        references: the corpus's references.
    """
    problems = {p["name"]: p for p in status.problems}
    by_key = {(r.footnote, r.position): r for r in references}
    rows = []
    for doc in status.documents:
        ref = by_key.get(tuple(doc["source_of"])) if doc.get("source_of") else None
        warning = problems.get(doc["name"])
        rows.append({"name": doc["name"], "status": "indexed", "passages": doc.get("passages", 0),
                     "reference": ref, "note": warning["reason"] if warning else ""})
    names = {r["name"] for r in rows}
    rows += [{"name": p["name"], "status": "failed", "passages": 0, "reference": None,
              "note": p["reason"]} for p in problems.values() if p["name"] not in names]
    return rows


def render_corpus(status, references) -> str:
    """The documents table of the corpus tab (``status``: the engine's ``IndexStatus``)."""
    rows = corpus_rows(status, references)
    head = "".join(_cell(h, True) for h in ("Document", "Status", "Passages", "Cited source",
                                             "Note"))
    body = []
    for r in rows:
        color = "#15803d" if r["status"] == "indexed" else "#b91c1c"
        ref = r["reference"]
        cited = (f"[{ref.footnote}] {esc(ref.short)} {link(ref.url, '↗')}" if ref else "")
        body.append("<tr>" + _cell(esc(r["name"])) + _cell(tag("span", f"color:{color};"
                                                                "font-weight:600;",
                                                                esc(r["status"])))
                    + _cell(esc(r["passages"])) + _cell(cited) + _cell(esc(r["note"])) + "</tr>")
    info = (f"{count(len(status.documents), 'document')}, {count(status.passages, 'passage')}"
            f" · model {status.model} · built {status.built}")
    table = tag("table", "table", f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody>",
                 **{"class": "bw-corpus"})
    return tag("div", "muted", esc(info)) + table
