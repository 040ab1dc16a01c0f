"""The chat tab: conversation with follow-ups, the article map, links, export and feedback.

``ConversationActions`` holds the handlers (mixed into ``ui.actions.Actions``; the map's
are in ``ui.library``);
``chat_tab`` wires them up. Per answer: a button copying a link that asks the question
again (``/?q=...``), a button copying the answer as Markdown (``export``), and the
chatbot's own 👍/👎 (recorded with the optional comment in ``feedback.jsonl``).
"""

from __future__ import annotations

import html
import re
import tempfile
from pathlib import Path
from urllib.parse import quote

import gradio as gr
from markupsafe import Markup

from bronwijzer.phrases import phrase as message
from bronwijzer.errors import QuestionError
from bronwijzer.escape import plain_html
from bronwijzer.ui.render import esc, note, render_answer, render_error, render_ok
from bronwijzer.ui.templating import render_inline

_CONNECTIVE = re.compile(r"^(?:en|and|maar|but|of|or|ook|also)\s+", re.I)
_WORD = re.compile(r"[\w’'-]+")


def readable_understood(understood: str, question: str, earlier: list[str], lang: str) -> str:
    """A follow-up as a readable question: its own words, then the earlier question's subject.

    ``answer.followup`` searches ``"<question> (<subject words>)"``; shown as is that is a
    keyword bag. Here the subject is the stretch of the earlier question that holds those
    words, in its own order with its own small words ("rol krijgt het mkb bij innovatie").

    Args:
        understood: the answer's ``understood_as``.
        question: the follow-up as typed.
        earlier: the earlier questions, oldest first.
        lang: ``nl`` or ``en`` (for the joining word).

    Returns:
        E.g. "Wie betaalt dat — over rol krijgt het mkb bij innovatie?"; ``understood``
        unchanged when it is not of the follow-up form.
    """
    m = re.match(r"^(.*) \(([^()]+)\)$", understood or "")
    if not m:
        return understood
    subject = {w.casefold() for w in m.group(2).split()}
    span = m.group(2)
    for text in reversed(earlier):
        hits = [w for w in _WORD.finditer(text) if w.group().casefold() in subject]
        if hits:
            span = text[hits[0].start():hits[-1].end()]
            break
    own = _CONNECTIVE.sub("", " ".join(str(question or m.group(1)).split())).rstrip(" ?")
    own = own[:1].upper() + own[1:]
    return f"{own} — {message('about', lang)} {span}?"


def render_turn(data: dict, earlier: list[str] | None = None, lang: str | None = None) -> str:
    """An answer in the chat: how the question was understood, the answer, its tools.

    The chatbot's sanitizer drops ``data-*`` attributes, so the link is the ``href`` of
    an anchor (``?q=...``: it asks the question again even without script) and the
    Markdown sits escaped in a hidden ``pre.bw-md``; the page script (``ui/templates/head.html``) copies either.

    Args:
        data: the answer in its ``ask --json`` form.
        earlier: the conversation's earlier questions (to show a follow-up readably).
        lang: the interface's language for the labels (default: the answer's).

    Returns:
        The message's HTML, on one line.
    """
    from bronwijzer.present.export import answer_markdown
    lang = lang or data.get("lang") or "en"
    understood = ""
    if data.get("understood_as"):
        understood = readable_understood(data["understood_as"], data.get("question") or "",
                                         list(earlier or []), lang)
    words = {"understood": message("understood", lang), "copy_link": message("copy-link", lang),
             "copy_md": message("copy-md", lang)}
    return render_inline("turn.html", understood=understood, words=words,
                         answer=Markup(render_answer(data, lang)),
                         ask_link=f"?q={quote(str(data.get('question') or ''), safe='')}",
                         markdown=Markup(_one_line(answer_markdown(data))))


def _one_line(text: str) -> str:
    """Escaped text on one line (the chatbot's Markdown must see a single HTML block)."""
    return esc(text).replace("\r", "").replace("\n", "&#10;")


def earlier_questions(history: list | None) -> list[str]:
    """The user's questions in a chat history (as typed: the shown HTML unescaped).

    Args:
        history: the chatbot's messages (``{"role", "content"}``, content as text or parts).

    Returns:
        The questions, oldest first.
    """
    questions = []
    for m in history or []:
        if not isinstance(m, dict) or m.get("role") != "user":
            continue
        content = m.get("content")
        if isinstance(content, list):
            content = " ".join(str(c.get("text", "")) for c in content if isinstance(c, dict))
        elif isinstance(content, dict):
            content = content.get("text", "")
        questions.append(html.unescape(str(content or "")))
    return questions


class ConversationActions:
    """Chat handlers over ``self.holder`` (an ``ui.app.EngineHolder``)."""

    read_only = False

    def chat(self, question: str, history: list | None, turns: dict | None = None):
        """Answer a question in its conversation.

        Args:
            question: the new question.
            history: the chatbot's messages so far (earlier questions read from it).
            turns: answer dicts by the index of their chat message.

        Returns:
            The cleared box, the history, the answer dict (None on an error), the turns
            (answer dicts by the index of their chat message).
        """
        from bronwijzer.present.dicts import answer_to_dict
        history, turns = list(history or []), dict(turns or {})
        if not (question or "").strip():
            return "", history, None, turns
        data = None
        try:
            engine = self.holder.get()
            earlier = earlier_questions(history)
            answer = engine.ask(question, history=earlier)
            data = answer_to_dict(answer, engine.references())
            reply = render_turn(data, earlier)
        except QuestionError as error:
            reply = render_error(f"Cannot ask this: {error}")
        history += [{"role": "user", "content": plain_html(question.strip())},  # issue 21
                    {"role": "assistant", "content": reply}]
        if data is not None:
            turns[str(len(history) - 1)] = data
        return "", history, data, turns

    def relabel(self, history: list | None, turns: dict | None, lang: str):
        """The conversation's answers shown again with labels in the interface's language.

        Args:
            history: the chatbot's messages.
            turns: answer dicts by chat message index.
            lang: ``nl`` or ``en``.

        Returns:
            The history with every answer rendered anew.
        """
        history = list(history or [])
        for key, data in (turns or {}).items():
            i = int(key)
            if i < len(history):
                earlier = earlier_questions(history[:i - 1])
                history[i] = {**history[i], "content": render_turn(data, earlier, lang)}
        return history

    @staticmethod
    def language(lang: str):
        """The chat's buttons and box in ``lang`` (the language switch)."""
        return (gr.Button(message("ask", lang)), gr.Button(message("clear", lang)),
                gr.Textbox(placeholder=message("placeholder", lang)),
                gr.DownloadButton(message("export-md", lang)),
                gr.DownloadButton(message("export-docx", lang)))

    @staticmethod
    def browser_language(request: gr.Request = None) -> str:
        """The interface language the browser asks for (``Accept-Language``)."""
        from bronwijzer.ui.i18n import ui_lang
        headers = getattr(request, "headers", None) or {}
        return ui_lang(headers.get("accept-language"))

    def from_link(self, history, turns, request: gr.Request = None):
        """On page load: answer ``?q=...`` of the address, if any.

        Without ``?q=`` nothing is touched (``gr.skip()``): the load event can finish after
        the reader has typed or even asked a question, and must not clear either.
        """
        params = getattr(request, "query_params", None) or {}
        question = str(params.get("q") or "").strip()
        if not question:
            return gr.skip(), gr.skip(), gr.skip(), gr.skip()
        return self.chat(question, history, turns)

    def _feedback_path(self) -> Path:
        return Path(self.holder.get().settings.home) / "feedback.jsonl"

    def feedback(self, question: str, answer: dict | None, vote: str, comment: str = "") -> str:
        """Record a vote on an answer in ``feedback.jsonl``.

        Args:
            question: the question as asked.
            answer: the answer's JSON.
            vote: "up" or "down".
            comment: optional text.

        Returns:
            A status line (HTML): thanks, or why it was not recorded.
        """
        from bronwijzer import feedback
        try:
            entry = feedback.record(question, answer, vote, comment)
            feedback.append(self._feedback_path(), entry)
        except (feedback.FeedbackError, OSError) as error:
            return render_error(f"Feedback not recorded: {error}")
        thanks = "Thank you — recorded" + (" with your comment." if entry["comment"] else ".")
        return render_ok(thanks)

    def vote(self, turns: dict | None, comment: str, like: gr.LikeData) -> tuple[str, str]:
        """The chatbot's 👍/👎 on an answer: recorded with the comment box's text.

        Args:
            turns: answer dicts by chat message index.
            comment: the comment box's text.
            like: Gradio's ``LikeData`` (message index, liked or not).

        Returns:
            The status line and the comment box's new value (cleared once recorded).
        """
        index = like.index[0] if isinstance(like.index, (list, tuple)) else like.index
        data = (turns or {}).get(str(index))
        if data is None:
            return render_error("Only answers can be rated."), comment
        vote = "up" if like.liked is True or like.liked == "Like" else "down"
        note = self.feedback(data.get("question") or "", data, vote, comment)
        return note, ("" if "bw-ok" in note else comment)

    def export_files(self, turns: dict | None):
        """The conversation as .md and .docx files, ready on the two download buttons.

        Written after every answer, so one click on a button downloads its file.

        Args:
            turns: answer dicts by chat message index.

        Returns:
            Updates of the Markdown and Word download buttons (disabled when there is
            nothing to export yet).
        """
        from bronwijzer.present.export import conversation_docx, conversation_markdown
        answers = [turns[k] for k in sorted(turns or {}, key=int)]
        if not answers:
            return (gr.DownloadButton(value=None, interactive=False),
                    gr.DownloadButton(value=None, interactive=False))
        folder = Path(tempfile.mkdtemp(prefix="bronwijzer-export-"))
        docx = conversation_docx(answers, folder / "bronwijzer-conversation.docx")
        md = folder / "bronwijzer-conversation.md"
        md.write_text(conversation_markdown(answers), encoding="utf-8")
        return (gr.DownloadButton(value=str(md), interactive=True),
                gr.DownloadButton(value=str(docx), interactive=True))


def chat_tab(gr, actions, examples, lang):
    """The chat tab's components and events (``/chat`` and ``/feedback`` in the API).

    ``lang`` is the interface language's radio: answers are relabelled in it after each
    question and when it changes. The map beside the chat draws the document chosen in its
    picker (after an answer, the answer's). Returns the chatbot, question box, answer JSON,
    turns, map and map picker.
    """
    turns = gr.State({})
    with gr.Row(elem_id="bw-main-row", equal_height=False):
        with gr.Column(scale=3, min_width=0):
            chatbot = gr.Chatbot(show_label=False, elem_id="bw-chat", autoscroll=False,
                                 feedback_options=("Like", "Dislike"), buttons=["copy"],
                                 group_consecutive_messages=False, height=None,
                                 placeholder="Ask a question in Dutch or English — or pick an "
                                             "example. Follow-ups («en wie betaalt dat?») "
                                             "build on the previous question.")
            with gr.Row(elem_id="bw-ask-row", equal_height=True):
                question = gr.Textbox(show_label=False, placeholder="Stel een vraag / ask a "
                                      "question…", scale=5, min_width=0, elem_id="bw-question",
                                      lines=1, max_lines=4, container=False)
                ask = gr.Button("Ask", variant="primary", scale=1, min_width=64,
                                elem_id="bw-ask")
                clear = gr.Button("Clear", scale=0, min_width=72)
            with gr.Row(elem_classes="bw-examples"):
                buttons = [gr.Button(q, size="sm", min_width=0) for q in examples]
        mapdoc, amap = _map_column(gr)
    with gr.Row():
        comment = gr.Textbox(label="Comment on an answer (optional; sent with your thumbs up or "
                                   "down under it)", scale=4, elem_id="bw-comment", lines=1)
        md = gr.DownloadButton("Download conversation (.md)", scale=1, elem_id="bw-export-md",
                               interactive=False)
        docx = gr.DownloadButton("Download conversation (.docx)", scale=1,
                                 elem_id="bw-export-docx", interactive=False)
    vote_note = gr.HTML(elem_id="bw-chat-note")
    with gr.Accordion("Last answer as JSON", open=False):
        raw = gr.JSON(label="answer")
    parts = {"turns": turns, "chatbot": chatbot, "question": question, "raw": raw, "map": amap,
             "mapdoc": mapdoc,
             "ask": ask, "clear": clear, "comment": comment, "note": vote_note, "md": md,
             "docx": docx, "lang": lang}
    _wire(gr, actions, parts, list(zip(buttons, examples)))
    return chatbot, question, raw, turns, amap, mapdoc


def _map_column(gr):
    """The article map beside the chat, with its document picker; returns both."""
    with gr.Column(scale=1, min_width=0, elem_id="bw-map-col"):
        mapdoc = gr.Dropdown(choices=[], value=None, label=message("map-doc", "en"),
                             elem_id="bw-map-doc")
        amap = gr.HTML(note("muted", "Loading the article map…", cls=""), elem_id="bw-map")
    return mapdoc, amap


def _wire(gr, actions, c: dict, examples: list) -> None:
    """The chat tab's events."""
    question, chatbot, raw, turns = c["question"], c["chatbot"], c["raw"], c["turns"]
    amap, ask, clear, comment = c["map"], c["ask"], c["clear"], c["comment"]
    note, md, docx = c["note"], c["md"], c["docx"]
    outputs = [question, chatbot, raw, turns]
    events = [question.submit(actions.chat, [question, chatbot, turns], outputs, api_name="chat"),
              ask.click(actions.chat, [question, chatbot, turns], outputs,
                        api_visibility="private")]
    for button, text in examples:
        events.append(button.click(lambda h, t, q=text: actions.chat(q, h, t), [chatbot, turns],
                                   outputs, api_visibility="private"))
    cleared = [clear.click(lambda: ("", [], None, {}), None, outputs, api_visibility="private"),
               chatbot.clear(lambda: (None, {}), None, [raw, turns],  # the chatbot's own bin
                             api_visibility="private")]
    private = {"api_visibility": "private", "show_progress": "hidden"}
    for event in events + cleared:
        event.then(actions.relabel, [chatbot, turns, c["lang"]], [chatbot], **private).then(
            actions.answer_map, [raw], [amap], **private).then(
            actions.answer_map_choice, [raw], [c["mapdoc"]], **private).then(
            actions.export_files, [turns], [md, docx], **private)
    c["mapdoc"].input(actions.answer_map, [raw, c["mapdoc"]], [amap], **private)
    c["lang"].change(actions.relabel, [chatbot, turns, c["lang"]], [chatbot], **private).then(
        actions.language, [c["lang"]], [ask, clear, question, md, docx], **private)
    chatbot.like(actions.vote, [turns, comment], [note, comment], api_visibility="private")
    gr.api(_feedback_api(actions), api_name="feedback")


def _feedback_api(actions):
    def feedback(question: str, answer: dict, vote: str, comment: str = "") -> str:
        """Record 👍 ("up") or 👎 ("down") on an answer (its JSON), with an optional comment."""
        return actions.feedback(question, answer, vote, comment)
    return feedback
