"""Answers as text in the UI: one badge per run of sentences from one source, referring
openers shown with what they refer to, the decline's reason, a readable follow-up."""

from __future__ import annotations

import re

from bronwijzer.ui.chat import readable_understood
from bronwijzer.ui.i18n import ui_lang
from bronwijzer.ui.render import context_before, render_answer, render_answer_text

PASSAGE_A = ("De gemeente koopt grond aan. Daarmee kan zij de ontwikkeling sturen. "
             "Het rijk betaalt mee.")
PASSAGE_B = "Ondernemers vragen om ruimte. Dit komt omdat de vraag groeit."


def sources():
    return [{"number": 1, "text": PASSAGE_A, "quote": PASSAGE_A, "label": "a ¶1"},
            {"number": 2, "text": PASSAGE_B, "quote": PASSAGE_B, "label": "a ¶2"}]


def badges(html: str) -> list[str]:
    return re.findall(r'class="bw-marker bw-n-(\d+)"', html)


def test_one_badge_per_run_of_sentences_from_one_source():
    text = ("De gemeente koopt grond aan. [1] Daarmee kan zij de ontwikkeling sturen. [1] "
            "Dit komt omdat de vraag groeit. [2] Het rijk betaalt mee. [1]")
    html = render_answer_text(text, sources())
    assert badges(html) == ["1", "2", "1"]


def test_badge_shows_its_passage_on_hover():
    html = render_answer_text("Het rijk betaalt mee. [1]", sources())
    title = re.search(r'<span[^>]*class="bw-marker[^"]*"[^>]*title="([^"]*)"', html)
    assert title and "De gemeente koopt grond aan." in title.group(1)


def test_referring_opener_is_shown_with_what_it_refers_to():
    html = render_answer_text("Dit komt omdat de vraag groeit. [2]", sources())
    assert "bw-context" in html and "Ondernemers vragen om ruimte." in html
    follows = render_answer_text("De gemeente koopt grond aan. [1] Daarmee kan zij de "
                                 "ontwikkeling sturen. [1]", sources())
    assert "bw-context" not in follows  # its antecedent is already shown
    assert context_before("Dit komt omdat de vraag groeit.", PASSAGE_B) == \
        "Ondernemers vragen om ruimte."
    assert context_before("Ondernemers vragen om ruimte.", PASSAGE_B) == ""


def test_decline_shows_its_reason():
    data = {"abstained": True, "answer": "The text does not answer this.", "lang": "en",
            "confidence": 0.3, "reason": "the text never mentions Almere", "passages": []}
    html = render_answer(data)
    assert 'class="bw-reason"' in html and "never mentions Almere" in html


def test_follow_up_reads_as_a_question():
    text = readable_understood("en wie betaalt dat? (rol krijgt mkb innovatie)",
                               "en wie betaalt dat?", ["Welke rol krijgt het mkb bij innovatie?"],
                               "nl")
    assert text == "Wie betaalt dat — over rol krijgt het mkb bij innovatie?"
    assert readable_understood("Wat is dit?", "Wat is dit?", [], "nl") == "Wat is dit?"


def test_interface_language_follows_accept_language():
    assert ui_lang("nl-NL,nl;q=0.9,en;q=0.8") == "nl"
    assert ui_lang("en-GB,en;q=0.9,nl;q=0.8") == "en"
    assert ui_lang("de-DE,de;q=0.9") == "en" and ui_lang(None, "nl") == "nl"


def test_answer_labels_follow_the_interface_language():
    from bronwijzer.ui.chat import ConversationActions
    data = {"question": "What about it?", "lang": "en", "abstained": False,
            "answer": "Het rijk betaalt mee. [1]", "confidence": 0.7, "sources": sources()[:1]}
    history = [{"role": "user", "content": "What about it?"},
               {"role": "assistant", "content": "old"}]
    dutch = ConversationActions().relabel(history, {"1": data}, "nl")[1]["content"]
    english = ConversationActions().relabel(history, {"1": data}, "en")[1]["content"]
    assert "Bronnen" in dutch and "Link kopiëren" in dutch
    assert "Sources" in english and "Bronnen" not in english


def test_interface_words_switch_language_from_the_one_phrase_table():
    from bronwijzer.phrases import PHRASES, phrase
    from bronwijzer.ui.chat import ConversationActions
    ask, clear, box, md, docx = ConversationActions.language("nl")
    assert (ask.value, clear.value, box.placeholder) == ("Vraag", "Wissen", "Stel een vraag…")
    assert "downloaden" in md.label and docx.label.endswith("(.docx)")
    assert ConversationActions.language("en")[0].value == "Ask"
    assert all(set(words) == {"nl", "en"} for words in PHRASES.values())
    assert phrase("copy-md", "de") == "Copy as Markdown"  # English for any other language
