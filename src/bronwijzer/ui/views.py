"""HTML for the lookup, batch and corpus tabs (the lookup through ``templates/lookup.html``)."""

from __future__ import annotations

from bronwijzer.ui.render import count, esc, link, tag

def render_lookup(result: dict) -> str:
    """A ``cite_footnote`` / ``cite_source`` / ``cite_claim`` result (``templates/lookup.html``).

    Args:
        result: the lookup's dict (kind ``footnote``, ``source`` or ``claim``).

    Returns:
        HTML on one line; every text from the documents escaped by the template.
    """
    from bronwijzer.ui.templating import render
    return render("lookup.html", result=result)


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
