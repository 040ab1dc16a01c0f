"""HTML for the lookup, batch and corpus tabs (through ``templates/lookup.html``,
``corpus.html`` and ``note.html``)."""

from __future__ import annotations

from bronwijzer.ui.render import count, note


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
    return note("ok", text, cls="bw-summary")


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
    """The documents table of the corpus tab (``templates/corpus.html``).

    Args:
        status: the engine's ``IndexStatus``.
        references: the corpus's references.

    Returns:
        HTML on one line.
    """
    from bronwijzer.ui.templating import render
    info = (f"{count(len(status.documents), 'document')}, {count(status.passages, 'passage')}"
            f" · model {status.model} · built {status.built}")
    return render("corpus.html", info=info, rows=corpus_rows(status, references))
