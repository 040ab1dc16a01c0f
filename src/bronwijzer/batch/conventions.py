"""How an answer file is written, following the question list it answers.

- Delimiter: a CSV list's own (a semicolon list, as Excel saves it where the decimal mark
  is a comma, comes back with semicolons and decimal commas). A list that does not tell
  (not a CSV, or a CSV of one column) gets what Excel expects in its language: semicolons
  for a Dutch list, commas otherwise.
- Encoding: always UTF-8, as cp1252 cannot hold every character of an answer. With a byte
  order mark where Excel needs one to read UTF-8: when the list had one, was cp1252 (Excel's
  own "CSV" save) or was plain ASCII (nothing tells), and for lists that are not CSV; without
  when the list was UTF-8 without one (as other tools write it, which a BOM would trip).
- Language: Dutch headers (and ja/nee) for a Dutch list: its question column is called
  vraag/vragen/vraagstelling, or, with no telling column name, most of its questions are
  Dutch. English otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass

from bronwijzer.batch.questions import ONE_COLUMN, ListForm

COLUMNS = ("id", "question", "answer", "abstained", "confidence", "sources", "footnotes", "error")
HEADERS = {"en": COLUMNS,
           "nl": ("id", "vraag", "antwoord", "geen antwoord", "zekerheid", "bronnen", "voetnoten",
                  "fout")}
YES_NO = {"en": ("true", "false"), "nl": ("ja", "nee")}
COLUMN_LANGS = {"vraag": "nl", "vragen": "nl", "vraagstelling": "nl", "question": "en",
                "questions": "en"}


@dataclass(frozen=True)
class Conventions:
    """The delimiter, byte order mark and language of an answer file."""

    delimiter: str = ","
    bom: bool = True
    lang: str = "en"

    @property
    def headers(self) -> tuple[str, ...]:
        """The column names, in the order of ``COLUMNS``."""
        return HEADERS[self.lang]

    def cell(self, value) -> str:
        """A value as CSV text: booleans as yes/no words, decimal commas with semicolons.

        Args:
            value: a value of a flat answer row.

        Returns:
            Its text ("" for None).
        """
        if value is None:
            return ""
        if isinstance(value, bool):
            return YES_NO[self.lang][0 if value else 1]
        if isinstance(value, float) and self.delimiter == ";":
            return str(value).replace(".", ",")
        return str(value)


def canonical(name) -> str | None:
    """The ``COLUMNS`` key of a header cell in either language (None: not one of ours)."""
    text = "" if name is None else str(name).strip().lower()
    return next((COLUMNS[HEADERS[lang].index(text)] for lang in HEADERS
                 if text in HEADERS[lang]), None)


def questions_lang(questions: list[str]) -> str:
    """``nl`` when more of the questions are Dutch than English, else ``en``.

    Args:
        questions: the list's (good) questions.

    Returns:
        ``"nl"`` or ``"en"``.
    """
    from bronwijzer.quotes import detect_lang
    langs = [detect_lang(q) for q in questions]
    return "nl" if langs.count("nl") > langs.count("en") else "en"


def conventions_for(form: ListForm, questions: list[str]) -> Conventions:
    """The conventions of the answers to a question list.

    Args:
        form: how the list is written (``read_items``).
        questions: its good questions (for the language when the column name does not tell).

    Returns:
        The ``Conventions`` for a ``.csv`` or ``.xlsx`` answer file.
    """
    lang = COLUMN_LANGS.get(form.column or "") or questions_lang(questions)
    delimiter = form.delimiter
    if delimiter in (None, ONE_COLUMN):
        delimiter = ";" if lang == "nl" else ","
    bom = form.delimiter is None or form.encoding != "utf-8" or form.ascii
    return Conventions(delimiter, bom, lang)
