"""Commands about the article's references: ``cite`` a footnote, source or claim; ``refs``."""

from __future__ import annotations

from bronwijzer.cli.command import command, open_for_queries, print_json
from bronwijzer.errors import CiteError
from bronwijzer.settings import Settings


def cite_options(p) -> None:
    """Options of ``bronwijzer cite``."""
    p.add_argument("footnote", nargs="?", type=int, help="footnote number")
    p.add_argument("--source", help="find a cited source by author, title word or year")
    p.add_argument("--claim", help="find the footnoted sentences that make a claim")
    p.add_argument("--doc", help="the document whose footnote N is meant "
                   "(needed only when several documents have footnotes)")
    p.add_argument("--json", action="store_true")


@command("cite", "look up a footnote, a cited source, or the footnotes behind a claim",
         cite_options)
def cmd_cite(args, settings: Settings) -> int:
    """Print what a footnote refers to, where a source is cited, or a claim's footnotes."""
    from bronwijzer.present.text import lookup_to_text
    if args.footnote is None and not args.source and not args.claim:
        raise CiteError("give a footnote number, --source TEXT or --claim TEXT")
    engine = open_for_queries(settings)
    if args.footnote is not None:
        result = engine.cite_footnote(args.footnote, args.doc)
    elif args.source:
        result = engine.cite_source(args.source)
    else:
        result = engine.cite_claim(args.claim)
    print_json(result) if args.json else print(lookup_to_text(result))
    return 0


def refs_options(p) -> None:
    """Options of ``bronwijzer refs``."""
    p.add_argument("--json", action="store_true")
    p.add_argument("--doc", help="only this document's footnotes (name, file name or stem)")


@command("refs", "list every reference the article cites, by footnote", refs_options)
def cmd_refs(args, settings: Settings) -> int:
    """Print every reference, one a line (or as JSON)."""
    from bronwijzer.cite.references import footnote_docs, resolve_doc
    from bronwijzer.engine import Engine
    from bronwijzer.present.dicts import reference_dict
    refs = Engine.corpus_references(settings)
    if args.doc is not None:
        doc = resolve_doc(refs, args.doc)
        refs = tuple(r for r in refs if r.doc == doc)
    if args.json:
        print_json([reference_dict(r, full=True) for r in refs])
        return 0
    several = len(footnote_docs(refs)) > 1
    for r in refs:
        year = r.year if r.year is not None else "z.j."
        print((f"{r.doc} " if several else "")
              + f"[{r.footnote}.{r.position}] {'; '.join(r.authors)} ({year}) {r.title}"
              + (f" — {r.publisher}" if r.publisher else "") + (f" <{r.url}>" if r.url else ""))
    return 0
