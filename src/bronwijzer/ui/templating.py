"""Jinja2 templates for the UI's HTML (``ui/templates/*.html``), escaping everything.

Autoescape is on for every template, and ``finalize`` passes every plain value through
``ui.markup.esc`` before it is written: HTML special characters and the characters that
Markdown, LaTeX and template engines act on become entities. Only ``Markup`` made by the
UI's own helpers (``doc_html``, ``link``) is written as markup.

``render`` joins the output's lines with spaces (the lookup and corpus tables);
``render_inline`` joins the template's own lines with nothing before rendering, so markup
sits exactly as written on each line (the chat answer, the map, the status line) and a
value's own characters are never touched.
"""

from __future__ import annotations

from functools import lru_cache

from markupsafe import Markup

from bronwijzer.ui.markup import STYLE, doc_html, esc, link


def _finalize(value):
    if value is None:
        return ""
    if isinstance(value, Markup) or hasattr(value, "__html__"):
        return value
    return Markup(esc(value))


def _inline_loader():
    """The package's templates with each line stripped and the lines joined with nothing."""
    from jinja2 import FunctionLoader, PackageLoader
    package = PackageLoader("bronwijzer.ui", "templates")

    def load(name):
        source, filename, uptodate = package.get_source(None, name)
        return "".join(line.strip() for line in source.splitlines()), filename, uptodate
    return FunctionLoader(load)


@lru_cache(maxsize=2)
def environment(inline: bool = False):
    """The templates' ``jinja2.Environment`` (loaded once, from the package).

    Args:
        inline: load each template as one line (``render_inline``).
    """
    from jinja2 import Environment, PackageLoader
    loader = _inline_loader() if inline else PackageLoader("bronwijzer.ui", "templates")
    env = Environment(loader=loader, autoescape=True, finalize=_finalize, trim_blocks=True,
                      lstrip_blocks=True)
    env.globals.update(style=STYLE, doc_html=lambda t: Markup(doc_html(t or "")),
                       link=lambda url, text=None: Markup(link(url, text)))
    return env


def render(name: str, **context) -> str:
    """``ui/templates/<name>`` filled with ``context``, on one line (Markdown sees one block).

    Args:
        name: the template's file name.
        **context: its values (text is escaped by the template).

    Returns:
        The HTML.
    """
    html = environment().get_template(name).render(**context)
    return " ".join(line.strip() for line in html.splitlines() if line.strip())


def render_inline(name: str, **context) -> str:
    """``ui/templates/<name>`` loaded as one line (its lines stripped), filled with ``context``.

    Args:
        name: the template's file name.
        **context: its values (text is escaped by the template).

    Returns:
        The HTML.
    """
    return environment(inline=True).get_template(name).render(**context)
