"""The browser UI: chat, citation lookup, batch answering and the corpus, in one Gradio app.

``serve(settings)`` starts it (``bronwijzer serve`` / ``python app.py``);
``create_app(engine_factory)`` builds it for tests. The engine is loaded once, on a
background thread (``ui.startup``); ``serve`` starts that once the page is served.
Gradio is imported inside the functions, so importing this module is cheap.
"""

from __future__ import annotations

import os
import warnings

from bronwijzer.ui.guard import start_cleaning
from bronwijzer.ui.startup import EngineHolder, one_server_app, start_when_served

EXAMPLES = (
    "What does the text propose for bedrijventerreinen?",
    "Welke rol krijgt het mkb bij innovatie?",
    "Waar verwijst voetnoot 18 naar?",
    "What does the article say about the tram network of Groningen?",
)
INTRO = ('<b>Bronwijzer</b> <span class="bw-more">· ask about the documents and the sources '
         'they cite: answers quote the text, with numbered sources <b>[k]</b>; when the text has '
         'no answer, it says so.</span>')
# Layout: the chat column holds the conversation (its height leaves room for the question
# box, kept in view below it) and the article map beside it (a <details>, collapsible;
# closed on narrow screens by the page script). Nothing may be wider than a 390 px phone
# (the page's own frame is narrowed in ``templates/head.html``: Gradio scopes this CSS inside it).
CSS = """
.gradio-container {max-width: 1280px !important; margin: auto;}
#bw-status {margin-bottom: 0; min-height: 36px;}
#bw-chat {height: clamp(260px, calc(100vh - 330px), 900px) !important;}
#bw-ask-row {position: sticky; bottom: 0; z-index: 20; background: var(--background-fill-primary);
             padding: 6px 0 4px 0;}
.bw-examples button {font-size: 0.85em !important;}
.bw-turn, .bw-lookup, #bw-corpus {overflow-wrap: anywhere;}
.bw-corpus-scroll {overflow-x: auto; max-width: 100%;}
.bw-corpus-scroll table {min-width: 640px;}
.bw-corpus-scroll th {white-space: nowrap; overflow-wrap: normal;}
.bw-pager {gap: 6px; align-items: end; flex-wrap: nowrap;}
.bw-map svg {max-width: 100%; height: auto;}
.bw-map-block {cursor: pointer;}
.bw-marker {cursor: pointer;}
.bw-flash {outline: 3px solid #f59e0b; transition: outline 0.3s;}
@media (max-width: 800px) {
  #bw-chat {height: clamp(220px, calc(100vh - 400px), 700px) !important;}
  #bw-intro .bw-more {display: none;}
  #bw-status .bw-ok {white-space: nowrap; overflow: hidden; text-overflow: ellipsis;
                     padding: 4px 8px !important; font-size: 0.85em;}
  #bw-main-row, #bw-lookup-row {flex-direction: column;}
  #bw-corpus-filters .form, #bw-ref-filters .form {flex-wrap: wrap;}
  #bw-ref-filters .form > div {min-width: 120px !important; flex: 1 1 40% !important;}
  #bw-corpus-filters .form > div, #bw-ref-filters .form > div:nth-child(odd) {
    flex: 1 1 100% !important;}
  .bw-pager {flex-wrap: wrap;}
  .bw-pager > * {min-width: 72px !important;}
  #bw-main-row > div, #bw-lookup-row > div {min-width: 0 !important; width: 100% !important;}
  #bw-ask-row > div {min-width: 0 !important;}
  .bw-examples button {flex: 1 1 45% !important;}
}
"""
# What the page load fills in the lookup tab (``Actions.lookup_overview``'s order), and the
# reference table's controls the language switch relabels (``Actions.library_words``).
LOOKUP_LOAD = ("table", "line", "page", "doc", "footnote_pick", "doc_pick", "map", "mapdoc")
REFERENCE_CONTROLS = ("query", "year", "doc", "footnote", "prev", "page", "next")
SYSTEM_FONTS = ["ui-sans-serif", "system-ui", "Segoe UI", "Roboto", "Helvetica", "Arial",
                "sans-serif"]


def _blocks():
    """``gr.Blocks`` with the theme (system fonts: nothing fetched from the web) and the CSS.

    Theme and CSS go to the constructor so they hold however the app is launched
    (Gradio 6 prefers ``launch()``, and warns; Gradio 5 only takes them here).
    """
    import gradio as gr
    theme = gr.themes.Soft(primary_hue="blue", font=SYSTEM_FONTS,
                           font_mono=["ui-monospace", "Consolas", "monospace"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return gr.Blocks(title="Bronwijzer", analytics_enabled=False, theme=theme, css=CSS,
                         head=_head())


def _head() -> str:
    """The page's script (``ui/templates/head.html``): copying, badges, scrolling, the map."""
    from importlib.resources import files
    return (files("bronwijzer.ui") / "templates" / "head.html").read_text(encoding="utf-8")


def create_app(engine_factory, settings=None, read_only: bool = False, access: str = ""):
    """The Gradio app; ``engine_factory()`` is called once, on a background thread.

    Args:
        engine_factory: returns a loaded ``Engine`` (or an ``EngineHolder`` already loading).
        settings: for the upload limit shown (default: ``load_settings()``).
        read_only: refuse uploads, rebuilds and batches (the API included).
        access: a line for the page saying who can use it (login or read-only).

    Returns:
        A ``gr.Blocks`` with its queue set up (several users at a time), not launched.
    """
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    import gradio as gr

    from bronwijzer.settings import load_settings
    from bronwijzer.ui.actions import Actions
    from bronwijzer.ui.guard import guard_events
    max_mb = (settings or load_settings()).max_upload_mb
    holder = engine_factory if isinstance(engine_factory, EngineHolder) \
        else EngineHolder(engine_factory)
    actions = Actions(holder, read_only=read_only)
    with one_server_app(), _blocks() as demo:  # Gradio builds the served app in queue()
        with gr.Row(equal_height=True):
            gr.HTML(INTRO, elem_id="bw-intro")
            lang = gr.Radio(["nl", "en"], value="en", show_label=False, scale=0, min_width=110,
                            elem_id="bw-lang", container=False)
        status = gr.HTML(actions.status_html(), elem_id="bw-status")
        gr.HTML(actions.access_note(access), elem_id="bw-access", visible=bool(access))
        timer = gr.Timer(1.0)
        parts = _tabs(gr, actions, lang, max_mb)
        demo.load(actions.browser_language, None, [lang], api_visibility="private")
        _on_load(gr, demo, actions, status, timer, parts["added"],
                 link=([parts["chatbot"], parts["turns"]], parts["chat"], parts["amap"],
                       parts["mapdoc"]),
                 lookup=[parts["refs"][k] for k in LOOKUP_LOAD], lang=lang)
        lang.change(actions.library_words, [lang], parts["corpus"] + [
            parts["refs"][k] for k in REFERENCE_CONTROLS] + [parts["mapdoc"],
                                                             parts["refs"]["mapdoc"]],
            api_visibility="private", show_progress="hidden")
    demo.queue(default_concurrency_limit=4)
    demo.bronwijzer_actions = actions
    guard_events(demo, read_only, settings or load_settings())  # ui/guard.py (issue 21)
    return demo


def _tabs(gr, actions, lang, max_mb: int) -> dict:
    """The four tabs; returns the components the page load and the language switch use."""
    from bronwijzer.ui.chat import chat_tab
    from bronwijzer.ui.tabs import batch_tab, corpus_tab, lookup_tab
    with gr.Tabs():
        with gr.Tab("Chat"):
            chatbot, question, raw, turns, amap, mapdoc = chat_tab(gr, actions, EXAMPLES, lang)
        with gr.Tab("Citation lookup"):
            refs = lookup_tab(gr, actions, lang)
        with gr.Tab("Batch"):
            batch_tab(gr, actions, max_mb)
        with gr.Tab("Corpus") as tab:
            added, corpus = corpus_tab(gr, actions, tab, max_mb, lang)
    return {"chatbot": chatbot, "turns": turns, "chat": [question, chatbot, raw, turns],
            "amap": amap, "mapdoc": mapdoc, "refs": refs, "added": added, "corpus": corpus}


def _on_load(gr, demo, actions, status, timer, added, link, lookup, lang) -> None:
    """Status line, the ``/?q=`` question, the reference table and the maps, on page load."""
    private = {"api_visibility": "private"}
    timer.tick(actions.status, None, [status, timer], show_progress="hidden", **private)
    demo.load(actions.status, None, [status, timer], show_progress="hidden", **private)
    inputs, outputs, amap, mapdoc = link
    demo.load(actions.from_link, inputs, outputs, **private).then(
        actions.answer_map, [outputs[2]], [amap], show_progress="hidden", **private).then(
        actions.answer_map_choice, [outputs[2]], [mapdoc], show_progress="hidden", **private)
    demo.load(actions.lookup_overview, [lang], lookup, **private)
    added.then(actions.status, None, [status, timer], **private)


def access_mode(host: str, auth: list | None, read_only: bool) -> tuple[bool, str]:
    """Whether the app runs read-only, and the line the page shows about access.

    Bound to anything but loopback without a login, the app is read-only.

    Args:
        host: the address the server binds to.
        auth: the logins required, if any.
        read_only: read-only asked for explicitly.

    Returns:
        ``(read_only, note)``; the note is empty on loopback without restrictions.
    """
    loopback = host in ("localhost", "::1") or host.startswith("127.")
    if auth:
        return read_only, ("🔒 Signed-in use only (login required)"
                           + ("; read-only: no uploads, rebuilds or batches." if read_only else "."))
    if read_only or not loopback:
        return True, ("👁 Read-only: uploads, rebuilds and batches are switched off"
                      + ("" if loopback else f" (served on {host} without a login).")
                      + ("." if loopback else ""))
    return False, ""


def read_auth(auth: str | None, auth_file=None) -> list[tuple[str, str]] | None:
    """Users from a file of ``USER:PASSWORD`` lines (``#`` comments allowed) and/or the
    ``BRONWIJZER_AUTH`` environment variable (such lines); ``auth`` (``--auth``, which
    shows the password to every user of the machine in ``ps``) still works, with a warning.

    Args:
        auth: one ``USER:PASSWORD`` (the password may contain ``:``), or None (deprecated).
        auth_file: a file with one ``USER:PASSWORD`` a line, or None.

    Returns:
        ``[(user, password), ...]``, or None when neither gives a login.

    Raises:
        LoginError: a line without ``:``, or an empty user or password.
    """
    from pathlib import Path

    from bronwijzer.errors import LoginError
    from bronwijzer.ui.guard import read_env_auth
    if auth:
        warnings.warn("--auth puts the password on the command line, where `ps` shows it: "
                      "use --auth-file or BRONWIJZER_AUTH", FutureWarning, stacklevel=2)
    lines = [auth] if auth else []
    lines += read_env_auth()
    if auth_file:
        lines += Path(auth_file).read_text(encoding="utf-8").splitlines()
    users = []
    for n, line in enumerate(lines, 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        user, sep, password = line.partition(":")
        if not sep or not user.strip() or not password:
            raise LoginError(f"login {n}: expected USER:PASSWORD")
        users.append((user.strip(), password))
    return users or None


def served_app(engine_factory, settings, auth: list | None = None, read_only: bool = False):
    """The app as ``serve`` makes it: read-only when bound beyond loopback without a login.

    Args:
        engine_factory: see ``create_app``.
        settings: its ``host`` decides (loopback or not).
        auth: the logins that ``launch(auth=...)`` will require, if any.
        read_only: read-only even on loopback or with a login.

    Returns:
        The ``gr.Blocks`` (launch it with ``auth=auth``).
    """
    read_only, access = access_mode(settings.host, auth, read_only)
    return create_app(engine_factory, settings, read_only=read_only, access=access)


def serve(settings, auth: list | None = None, read_only: bool = False,
          engine_factory=None, block: bool = True):
    """Serve the UI on ``settings.host:settings.port`` until interrupted.

    The page is served first; the engine starts loading once the server listens (on a
    2-core machine both at once would slow the page). Until then, and while it loads, the
    status line says so and questions wait for it.

    Args:
        settings: host, port, upload limit.
        auth: ``(user, password)`` pairs: Gradio's login is required.
        read_only: no uploads, rebuilds or batches; forced when bound beyond loopback
            without ``auth``.
        engine_factory: returns the loaded engine (default: ``Engine.open(settings)``).
        block: wait until interrupted (else return the running app; for tests).

    Returns:
        The launched ``gr.Blocks`` (once interrupted, when ``block``).
    """
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    holder = EngineHolder(engine_factory or (lambda: _open_engine(settings)), start=False)
    with one_server_app():  # launch() builds the app it serves; no need for one before
        demo = served_app(holder, settings, auth, read_only)
    start_when_served(demo, holder)
    start_cleaning(demo)
    demo.launch(server_name=settings.host, server_port=settings.port, quiet=True,
                prevent_thread_lock=True, **launch_options(settings, auth, read_only))
    holder.start()  # normally started already, once the server listened
    access = access_mode(settings.host, auth, read_only)[1]
    print(f"Bronwijzer: serving http://{settings.host}:{settings.port} "
          "(the model loads in the background)"
          + (f"; {access}" if access else ""), flush=True)
    if block:
        demo.block_thread()
    return demo


def launch_options(settings, auth: list | None = None, read_only: bool = False) -> dict:
    """``launch()``'s guarded options: the login (with its lock-out) and its message, the
    Host/Origin/read-only checks (``ui.guard``), no internal errors sent to the browser.

    Args:
        settings: host, upload and login limits.
        auth: the logins, if any.
        read_only: read-only asked for (forced beyond loopback without a login).

    Returns:
        Keyword arguments for ``gr.Blocks.launch``.
    """
    from bronwijzer.ui.guard import LOGIN_MESSAGE, app_kwargs
    read_only = access_mode(settings.host, auth, read_only)[0]
    message = LOGIN_MESSAGE.format(n=settings.login_max_failures,
                                   m=max(1, settings.login_lockout_s // 60))
    return {"auth": auth, "auth_message": message if auth else None, "show_error": False,
            "max_file_size": f"{settings.max_upload_mb}mb",
            "ssl_keyfile": settings.ssl_keyfile or None, "ssl_certfile": settings.ssl_certfile or None,
            "app_kwargs": app_kwargs(settings, read_only)}


def _open_engine(settings):
    """The engine over the last good index (never built here: issue 21), importing the
    engine (numpy, bm25s, scipy) only here."""
    import logging

    from bronwijzer.engine import Engine
    engine = Engine.open(settings, build=False)
    if note := engine.stale_note():
        logging.getLogger("bronwijzer").warning(note)
    return engine
