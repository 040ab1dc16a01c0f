"""Commands that prepare what the answers come from: ``build`` the index, the ``model``,
``fetch-sources``."""

from __future__ import annotations

import sys

from bronwijzer.cli.command import command
from bronwijzer.settings import Settings


def build_options(p) -> None:
    """Options of ``bronwijzer build``."""
    p.add_argument("--force", action="store_true", help="rebuild and re-embed everything")
    p.add_argument("--ray", nargs="?", const="", metavar="ADDRESS", help="embed on Ray: a local "
                   "Ray with this machine's CPUs, or the cluster at ADDRESS; resumes if killed")


@command("build", "read the documents and (re)build the search index after adding files",
         build_options)
def cmd_build(args, settings: Settings) -> int:
    """Build the index when missing or stale; report skipped or damaged files."""
    from bronwijzer.engine import Engine
    report = Engine.build(settings, force=args.force, ray=args.ray)
    for problem in report.problems:
        state = "indexed with a warning" if problem.indexed else "skipped"
        print(f"{problem.name}: {state}: {problem.reason}", file=sys.stderr)
    if report.skipped:
        print(f"index is up to date ({report.passages} passages)")
    else:
        print(f"indexed {report.documents} documents, {report.passages} passages "
              f"({report.embedded} texts embedded, {report.reused} reused) "
              f"in {report.seconds:.1f} s")
    return 0


def model_options(p) -> None:
    """Options of ``bronwijzer model``."""
    p.add_argument("action", choices=["build"])
    p.add_argument("--force", action="store_true")


@command("model", "prepare the built-in language model (done once by `make install`)",
         model_options)
def cmd_model(args, settings: Settings) -> int:
    """Convert the default model into the cache (once)."""
    from bronwijzer.model.convert import ensure_default_model
    folder = ensure_default_model(settings.cache, force=args.force)
    print(f"model ready: {folder}")
    return 0


def fetch_sources_options(p) -> None:
    """Options of ``bronwijzer fetch-sources``."""
    p.add_argument("--timeout", type=float, default=20.0)


@command("fetch-sources", "download the cited sources that have a known web address "
         "(needs internet)", fetch_sources_options)
def cmd_fetch_sources(args, settings: Settings) -> int:
    """Download the cited sources with a URL into the corpus."""
    from bronwijzer.corpus.fetch import fetch_sources
    results = fetch_sources(settings.corpus / "sources.json", settings.corpus / "sources",
                            timeout=args.timeout)
    for r in results:
        print(f"[{r.footnote}.{r.position}] {r.status}: {r.url} {r.detail}")
    failed = sum(r.status == "failed" for r in results)
    print(f"{len(results) - failed} ok, {failed} failed; run `bronwijzer build` to index them")
    return 0
