"""Jinja2 templates for the UI's HTML (``ui/templates/*.html``), escaping everything.

Autoescape is on for every template, and ``finalize`` passes every plain value through
``ui.render.esc`` before it is written: HTML special characters and the characters that
Markdown, LaTeX and template engines act on become entities. Only ``Markup`` made by the
UI's own helpers (``doc_html``, ``link``) is written as markup.
"""

from __future__ import annotations

from functools import lru_cache

from markupsafe import Markup


def _finalize(value):
    from bronwijzer.ui.render import esc
    if value is None:
        return ""
    if isinstance(value, Markup) or hasattr(value, "__html__"):
        return value
    return Markup(esc(value))


@lru_cache(maxsize=1)
def environment():
    """The templates' ``jinja2.Environment`` (loaded once, from the package)."""
    from jinja2 import Environment, PackageLoader
    env = Environment(loader=PackageLoader("bronwijzer.ui", "templates"), autoescape=True,
                      finalize=_finalize, trim_blocks=True,
                      lstrip_blocks=True)
    from bronwijzer.ui.render import STYLE, doc_html, link
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
