"""HTML for the lookup, batch and corpus tabs (through ``templates/lookup.html``,
``corpus.html`` and ``note.html``)."""

from __future__ import annotations

from bronwijzer.phrases import phrase
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


def page_line(page, lang: str, what: str) -> str:
    """Where a page stands: "Documents 51–100 of 1000 (filtered from 1010) · page 2 of 20".

    Args:
        page: a ``present.catalogue.Page``.
        lang: ``nl`` or ``en``.
        what: ``docs`` or ``refs``.

    Returns:
        The line (plain text), or the "nothing matches" line.
    """
    if not page.rows:
        return phrase(f"no-{what}", lang, total=page.total)
    line = phrase(f"shown-{what}", lang, first=page.first, last=page.first + len(page.rows) - 1,
                  matched=page.matched)
    if page.matched != page.total:
        line += " " + phrase("filtered", lang, total=page.total)
    return f"{line} · {phrase('page-of', lang, page=page.page, pages=page.pages)}"


def render_corpus(page, status, lang: str = "en") -> str:
    """One page of the corpus tab's documents table (``templates/corpus.html``).

    Args:
        page: a ``present.catalogue.Page`` of document rows (``Engine.document_page``).
        status: the engine's ``IndexStatus`` (model, passages, build time).
        lang: the interface's language.

    Returns:
        HTML on one line; at most ``page.size`` rows.
    """
    from bronwijzer.ui.templating import render
    info = (f"{count(page.total, 'document')}, {count(status.passages, 'passage')}"
            f" · model {status.model} · built {status.built}")
    words = {key: phrase(key, lang) for key in ("col-document", "col-status", "col-passages",
                                                 "col-footnotes", "col-cited", "col-note",
                                                 "indexed", "failed")}
    return render("corpus.html", info=info, line=page_line(page, lang, "docs"), rows=page.rows,
                  words=words)
