"""Batch answering: formats in and out, bad rows, failures, resume (no model: a fake answer_fn)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from bronwijzer.batch.runner import COLUMNS, Row, Summary, read_questions, run_batch
from bronwijzer.errors import BatchInputError

DOC = "ruimte-voor-economie-en-werk.txt"


class FakeAnswerer:
    """Deterministic answers; counts calls and questions; can fail on purpose."""

    def __init__(self, fail_on: str | None = None, interrupt_on_call: int | None = None):
        self.calls: list[list[str]] = []
        self.fail_on = fail_on
        self.interrupt_on_call = interrupt_on_call

    @property
    def answered(self) -> list[str]:
        return [q for call in self.calls for q in call]

    def __call__(self, questions: list[str]) -> list[dict]:
        if self.interrupt_on_call == len(self.calls) + 1:
            raise KeyboardInterrupt
        if self.fail_on and any(self.fail_on in q for q in questions):
            raise RuntimeError("model exploded")
        self.calls.append(list(questions))
        return [self.answer(q) for q in questions]

    @staticmethod
    def answer(question: str) -> dict:
        abstained = "onbekend" in question
        return {
            "question": question,
            "answer": "" if abstained else f"Antwoord op {question} [1]",
            "abstained": abstained,
            "confidence": 0.25 if abstained else 0.875,
            "sources": [] if abstained else [{
                "number": 1, "doc": DOC, "location": "¶33", "quote": f"Citaat {question}",
                "text": "Hele alinea.", "score": 0.9}],
            "citations": [] if abstained else [
                {"footnote": 12, "reference": "Rli (2023)", "url": None},
                {"footnote": 13, "reference": "CPB (2024)", "url": None},
                {"footnote": 12, "reference": "Rli (2023) p. 4", "url": None}],
            "passages": [{"rank": 1, "id": "p1", "doc": DOC, "location": "¶33",
                          "text": "Hele alinea.", "score": 0.9, "footnotes": [12],
                          "references": ["Rli (2023)"]}],
        }


def write_jsonl(path: Path, objects: list) -> Path:
    path.write_text("".join((o if isinstance(o, str) else json.dumps(o)) + "\n" for o in objects),
                    encoding="utf-8")
    return path


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


# The Dutch headers of a Dutch list's answers, read back under the English keys.
DUTCH = {"vraag": "question", "antwoord": "answer", "geen antwoord": "abstained",
         "zekerheid": "confidence", "bronnen": "sources", "voetnoten": "footnotes", "fout": "error"}


def read_csv(path: Path, keys: bool = True) -> list[dict]:
    """The rows of a CSV answer file (delimiter from its header), under English keys."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        delimiter = ";" if ";" in handle.readline() else ","
        handle.seek(0)
        rows = list(csv.DictReader(handle, delimiter=delimiter))
    return [{DUTCH.get(k, k): v for k, v in r.items()} for r in rows] if keys else rows


def read_xlsx(path: Path) -> list[dict]:
    book = load_workbook(path)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    return [dict(zip((DUTCH.get(h, h) for h in rows[0]), row)) for row in rows[1:]]


def read_output(path: Path) -> list[dict]:
    return {".jsonl": read_jsonl, ".csv": read_csv, ".xlsx": read_xlsx}[path.suffix](path)


def write_xlsx(path: Path, rows: list[list]) -> Path:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    for row in book.active.iter_rows():
        for cell in row:
            if cell.data_type == "f":  # a question starting with "=" is text
                cell.data_type = "s"
    book.save(path)
    return path


# ---------------------------------------------------------------- formats


def test_jsonl_in_jsonl_out_passes_ids_and_extra_fields(tmp_path):
    src = write_jsonl(tmp_path / "q.jsonl", [
        {"id": "dev-1", "question": "Wat is de NOVEX-aanpak?", "kind": "fact", "lang": "nl"},
        {"question": "Welke regio's?", "gold": ["x"]},
        {"id": 7, "question": "Hoeveel geld?"},
    ])
    out = tmp_path / "a.jsonl"
    summary = run_batch(src, out, FakeAnswerer(), progress=False)
    assert summary == Summary(answered=3, declined=0, failed=0, skipped=0, output=out)
    records = read_jsonl(out)
    assert [r["id"] for r in records] == ["dev-1", "row-2", "7"]
    assert records[0]["kind"] == "fact" and records[0]["lang"] == "nl"
    assert records[1]["gold"] == ["x"]
    assert records[0]["answer"] == "Antwoord op Wat is de NOVEX-aanpak? [1]"
    assert records[0]["passages"][0]["references"] == ["Rli (2023)"]
    assert records[0]["citations"][1]["footnote"] == 13


def test_csv_semicolon_with_bom_in_csv_out(tmp_path):
    src = tmp_path / "q.csv"
    src.write_bytes("\ufeffID;Question;Lang\r\nq1;Wat staat er, volgens het rapport?;nl\r\n"
                    ";Is dit onbekend?;nl\r\n".encode("utf-8"))
    out = tmp_path / "a.csv"
    summary = run_batch(src, out, FakeAnswerer(), progress=False)
    assert (summary.answered, summary.declined, summary.failed) == (1, 1, 0)
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")  # the list had a BOM: so has the answer
    header = out.read_text(encoding="utf-8-sig").splitlines()[0]
    assert header == ";".join(COLUMNS)  # the list's delimiter; its question column is English
    rows = read_csv(out)
    assert rows[0]["id"] == "q1" and rows[0]["question"] == "Wat staat er, volgens het rapport?"
    assert rows[0]["sources"] == f"[1] {DOC} ¶33: Citaat Wat staat er, volgens het rapport?"
    assert rows[0]["footnotes"] == "12, 13"
    assert rows[0]["abstained"] == "false" and rows[0]["confidence"] == "0,875"  # decimal comma
    assert rows[1]["id"] == "row-3" and rows[1]["abstained"] == "true"
    assert rows[1]["answer"] == "" and rows[1]["error"] == ""


def test_a_dutch_semicolon_csv_round_trips_in_its_own_conventions(tmp_path):
    src = tmp_path / "vragen.csv"
    src.write_bytes("Nr;Vraag;Toelichting\r\n1;Wat zegt de tekst over één regio?;eerst\r\n"
                    "2;Welke regio's worden genoemd?;daarna\r\n".encode("cp1252"))
    out = tmp_path / "antwoorden.csv"
    run_batch(src, out, FakeAnswerer(), progress=False)
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # cp1252 came from Excel: UTF-8 it can read
    lines = data.decode("utf-8-sig").splitlines()
    assert lines[0] == "id;vraag;antwoord;geen antwoord;zekerheid;bronnen;voetnoten;fout"
    rows = read_csv(out, keys=False)
    assert [(r["id"], r["vraag"]) for r in rows] == [("1", "Wat zegt de tekst over één regio?"),
                                                    ("2", "Welke regio's worden genoemd?")]
    assert rows[0]["geen antwoord"] == "nee" and rows[0]["zekerheid"] == "0,875"
    # the answers can be the next round's questions: the same reader takes them
    again = [(r.id, r.question) for r in read_questions(out)]
    assert again == [(r["id"], r["vraag"]) for r in rows]
    plain = tmp_path / "plain.csv"  # UTF-8 without a BOM (not from Excel): none added
    plain.write_bytes("id;vraag\n1;Wat zegt de tekst over één regio?\n".encode("utf-8"))
    run_batch(plain, tmp_path / "p.csv", FakeAnswerer(), progress=False)
    assert (tmp_path / "p.csv").read_bytes().startswith(b"id;vraag;antwoord;")


def test_headers_follow_the_language_of_the_questions_when_the_column_does_not_tell(tmp_path):
    dutch = write_jsonl(tmp_path / "nl.jsonl", [{"question": "Wat zegt de tekst over de regio?"},
                                                {"question": "Welke rol krijgt het Rijk?"}])
    english = write_jsonl(tmp_path / "en.jsonl", [{"question": "What does the text say?"}])
    run_batch(dutch, tmp_path / "nl.csv", FakeAnswerer(), progress=False)
    run_batch(english, tmp_path / "en.csv", FakeAnswerer(), progress=False)
    # not a CSV: the delimiter Excel expects in the list's language
    assert (tmp_path / "nl.csv").read_text("utf-8-sig").startswith("id;vraag;antwoord;geen antwoord")
    assert (tmp_path / "en.csv").read_text("utf-8-sig").startswith(",".join(COLUMNS))
    run_batch(dutch, tmp_path / "nl.xlsx", FakeAnswerer(), progress=False)
    header = next(load_workbook(tmp_path / "nl.xlsx").worksheets[0].iter_rows(values_only=True))
    assert header[:4] == ("id", "vraag", "antwoord", "geen antwoord")


def test_the_xlsx_wraps_text_freezes_its_header_and_has_a_filter(tmp_path):
    src = write_jsonl(tmp_path / "q.jsonl", [{"id": f"q{i}", "question": f"Vraag {i}?"}
                                             for i in range(3)])
    out = tmp_path / "a.xlsx"
    run_batch(src, out, FakeAnswerer(), progress=False)
    sheet = load_workbook(out).worksheets[0]
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:H4"  # the header and three answers, every column
    assert sheet["C2"].alignment.wrap_text and sheet["F2"].alignment.vertical == "top"
    assert sheet["A1"].font.bold and not sheet["A2"].font.bold
    assert sheet.column_dimensions["C"].width > sheet.column_dimensions["A"].width


@pytest.mark.parametrize("delimiter", [",", "\t", "|", ";"])
def test_csv_delimiters_are_sniffed(tmp_path, delimiter):
    src = tmp_path / "q.csv"
    src.write_text(f"id{delimiter}question\na{delimiter}Eerste vraag?\n", encoding="utf-8")
    assert list(read_questions(src)) == [Row("a", "Eerste vraag?", {}, None)]


def test_one_column_csv_keeps_commas_and_extra_columns(tmp_path):
    src = tmp_path / "q.csv"
    src.write_text('Question\nWat, en waarom?\n"Met ""quotes"", ja"\n', encoding="utf-8")
    rows = list(read_questions(src))
    assert [r.question for r in rows] == ["Wat, en waarom?", 'Met "quotes", ja']
    src.write_text("question,kind\nVraag?,fact\n", encoding="utf-8")
    assert list(read_questions(src)) == [Row("row-2", "Vraag?", {"kind": "fact"}, None)]


def test_xlsx_round_trip(tmp_path):
    src = write_xlsx(tmp_path / "q.xlsx", [
        ["Id", "Question", "Note"],
        [7, "Wat is de opgave?", "n1"],
        [None, "=1+1 is dit onbekend?", None],
        [None, None, None],
        ["x", "Laatste vraag?", None],
    ])
    out = tmp_path / "a.xlsx"
    summary = run_batch(src, out, FakeAnswerer(), progress=False)
    assert (summary.answered, summary.declined, summary.failed) == (2, 1, 0)
    rows = read_xlsx(out)
    assert [r["id"] for r in rows] == ["7", "row-3", "x"]
    assert rows[0]["sources"] == f"[1] {DOC} ¶33: Citaat Wat is de opgave?"
    assert rows[0]["footnotes"] == "12, 13" and rows[0]["abstained"] is False
    assert rows[0]["confidence"] == pytest.approx(0.875)
    assert rows[1]["question"] == "=1+1 is dit onbekend?"  # text, not a formula
    assert rows[1]["abstained"] is True
    assert not list(tmp_path.glob(".*tmp*"))  # no temporary files left


def test_txt_in_jsonl_out(tmp_path):
    src = tmp_path / "q.txt"
    src.write_text("Eerste vraag?\r\n\r\n   \nTweede vraag?", encoding="utf-8")
    out = tmp_path / "a.jsonl"
    run_batch(src, out, FakeAnswerer(), progress=False)
    assert [(r["id"], r["question"]) for r in read_jsonl(out)] == [
        ("row-1", "Eerste vraag?"), ("row-4", "Tweede vraag?")]


def test_progress_bar_on_stderr(tmp_path, capsys):
    src = tmp_path / "q.txt"
    src.write_text("Vraag?\n", encoding="utf-8")
    run_batch(src, tmp_path / "a.jsonl", FakeAnswerer(), progress=True)
    captured = capsys.readouterr()
    assert "1/1" in captured.err and captured.out == ""


# ---------------------------------------------------------------- bad rows and failures


def test_bad_rows_become_error_records_and_the_rest_answers(tmp_path):
    src = write_jsonl(tmp_path / "q.jsonl", [
        {"id": "ok1", "question": "Goede vraag?"},
        {"id": "empty", "question": "   "},
        {"id": "missing", "text": "geen vraagveld"},
        {"id": "long", "question": "x" * 100_000},
        '{"id": "broken", "question": ',
        "[1, 2]",
        {"id": "list", "question": ["niet", "tekst"]},
        {"id": "ok1", "question": "Dubbel id?"},
        {"id": "ok2", "question": "Nog een goede vraag?"},
    ])
    out = tmp_path / "a.jsonl"
    answerer = FakeAnswerer()
    summary = run_batch(src, out, answerer, batch_size=2, progress=False)
    assert (summary.answered, summary.failed) == (2, 7)
    assert answerer.answered == ["Goede vraag?", "Nog een goede vraag?"]
    records = {r["id"]: r for r in read_jsonl(out)}
    assert records["empty"]["error"] == "question is empty"
    assert records["missing"]["error"] == "question is missing"
    assert records["long"]["error"] == "question is 100000 characters; the limit is 2000"
    assert len(records["long"]["question"]) < 400
    assert records["row-5"]["error"].startswith("line 5 is not valid JSON")
    assert records["row-6"]["error"] == "line 6 is not a JSON object"
    assert records["list"]["error"] == "question is not text (list)"
    assert records["ok1@row-8"]["error"] == "duplicate id 'ok1' (first on row 1)"
    assert set(records["ok1"]) >= {"answer", "sources"} and "error" not in records["ok1"]
    assert list(records["empty"]) == ["id", "question", "error"]


def test_csv_bad_rows(tmp_path):
    src = tmp_path / "q.csv"
    src.write_text("id,question\na,Vraag?\nb\nc,\nd," + "y" * 100_000 + "\ne,Vraag twee?\n",
                   encoding="utf-8")
    out = tmp_path / "a.csv"
    summary = run_batch(src, out, FakeAnswerer(), progress=False)
    assert (summary.answered, summary.failed) == (2, 3)
    rows = {r["id"]: r for r in read_csv(out)}
    assert rows["b"]["error"] == "question is missing"
    assert rows["c"]["error"] == "question is empty"
    assert rows["d"]["error"] == "question is 100000 characters; the limit is 2000"
    assert rows["e"]["answer"].startswith("Antwoord op") and rows["e"]["error"] == ""


def test_failing_question_only_fails_its_own_row(tmp_path):
    src = tmp_path / "q.txt"
    src.write_text("Een?\nTwee BOOM?\nDrie?\nVier?\n", encoding="utf-8")
    out = tmp_path / "a.jsonl"
    answerer = FakeAnswerer(fail_on="BOOM")
    summary = run_batch(src, out, answerer, batch_size=3, progress=False)
    assert (summary.answered, summary.failed) == (3, 1)
    # the failing batch was retried one by one; the next batch ran normally
    assert answerer.calls == [["Een?"], ["Drie?"], ["Vier?"]]
    records = read_jsonl(out)
    assert [r["id"] for r in records] == ["row-1", "row-2", "row-3", "row-4"]
    assert records[1]["error"] == "RuntimeError: model exploded"


def test_answer_fn_returning_the_wrong_shape_is_a_failure(tmp_path):
    src = tmp_path / "q.txt"
    src.write_text("Een?\nTwee?\n", encoding="utf-8")
    out = tmp_path / "a.jsonl"
    summary = run_batch(src, out, lambda qs: [{"answer": "x"}] * 3, progress=False)
    assert summary.failed == 2
    assert "expected" in read_jsonl(out)[0]["error"]


def test_summary_counts(tmp_path):
    src = tmp_path / "q.txt"
    src.write_text("Een?\nOnbekend: onbekend?\nDrie BOOM?\n" + "z" * 3000 + "\nVijf?\n",
                   encoding="utf-8")
    out = tmp_path / "a.xlsx"
    summary = run_batch(src, out, FakeAnswerer(fail_on="BOOM"), batch_size=2, progress=False)
    assert summary == Summary(answered=2, declined=1, failed=2, skipped=0, output=out)
    assert [r["error"] is not None for r in read_xlsx(out)] == [False, False, True, True, False]


# ---------------------------------------------------------------- resume and replace


@pytest.mark.parametrize("suffix", [".jsonl", ".csv", ".xlsx"])
def test_resume_after_interruption(tmp_path, suffix):
    src = tmp_path / "q.jsonl"
    write_jsonl(src, [{"id": f"q{i}", "question": f"Vraag {i}?"} for i in range(10)])
    out = tmp_path / f"a{suffix}"
    first = FakeAnswerer(interrupt_on_call=2)
    with pytest.raises(KeyboardInterrupt):
        run_batch(src, out, first, batch_size=3, progress=False)
    assert [r["id"] for r in read_output(out)] == ["q0", "q1", "q2"]
    second = FakeAnswerer()
    summary = run_batch(src, out, second, batch_size=3, resume=True, progress=False)
    assert summary == Summary(answered=7, declined=0, failed=0, skipped=3, output=out)
    assert second.answered == [f"Vraag {i}?" for i in range(3, 10)]
    assert [r["id"] for r in read_output(out)] == [f"q{i}" for i in range(10)]
    again = FakeAnswerer()
    assert run_batch(src, out, again, resume=True, progress=False).skipped == 10
    assert again.calls == [] and len(read_output(out)) == 10


@pytest.mark.parametrize("suffix", [".jsonl", ".csv"])
def test_resume_drops_a_record_cut_short(tmp_path, suffix):
    src = tmp_path / "q.txt"
    src.write_text("Een?\nTwee?\nDrie?\n", encoding="utf-8")
    out = tmp_path / f"a{suffix}"
    run_batch(src, out, FakeAnswerer(), progress=False)
    data = out.read_bytes()
    out.write_bytes(data[: len(data) - 40])  # a hard kill in the middle of the last record
    answerer = FakeAnswerer()
    summary = run_batch(src, out, answerer, resume=True, progress=False)
    assert answerer.answered == ["Drie?"] and summary.skipped == 2
    assert [r["id"] for r in read_output(out)] == ["row-1", "row-2", "row-3"]


def test_resume_reads_a_semicolon_csv_output(tmp_path):
    src = tmp_path / "q.txt"
    src.write_text("Een?\nTwee?\n", encoding="utf-8")
    out = tmp_path / "a.csv"
    out.write_text("ID;Question;Answer\nrow-1;Een?;eerder antwoord\n", encoding="utf-8")
    answerer = FakeAnswerer()
    run_batch(src, out, answerer, resume=True, progress=False)
    assert answerer.answered == ["Twee?"]
    rows = read_csv(out)
    assert [(r["id"], r["answer"][:6]) for r in rows] == [("row-1", "eerder"), ("row-2", "Antwoo")]
    assert out.read_text("utf-8-sig").startswith("id;vraag;antwoord")  # rewritten in the layout


def test_resume_appends_to_a_dutch_semicolon_csv_in_its_layout(tmp_path):
    src = tmp_path / "vragen.csv"
    src.write_text("nr;vraag\n1;Een?\n2;Twee?\n3;Drie?\n", encoding="utf-8")
    out = tmp_path / "a.csv"
    with pytest.raises(KeyboardInterrupt):
        run_batch(src, out, FakeAnswerer(interrupt_on_call=2), batch_size=2, progress=False)
    first = out.read_bytes()
    answerer = FakeAnswerer()
    summary = run_batch(src, out, answerer, batch_size=2, resume=True, progress=False)
    assert summary.skipped == 2 and answerer.answered == ["Drie?"]
    assert out.read_bytes().startswith(first)  # appended, not rewritten
    rows = read_csv(out, keys=False)
    assert [r["id"] for r in rows] == ["1", "2", "3"] and rows[2]["geen antwoord"] == "nee"


def test_without_resume_the_old_output_survives_until_the_first_batch(tmp_path):
    src = tmp_path / "q.txt"
    src.write_text("Een?\nTwee?\n", encoding="utf-8")
    out = tmp_path / "a.jsonl"
    out.write_text('{"id": "old"}\n', encoding="utf-8")
    with pytest.raises(KeyboardInterrupt):
        run_batch(src, out, FakeAnswerer(interrupt_on_call=1), progress=False)
    assert out.read_text(encoding="utf-8") == '{"id": "old"}\n'
    run_batch(src, out, FakeAnswerer(), progress=False)
    assert [r["id"] for r in read_jsonl(out)] == ["row-1", "row-2"]


def test_empty_input_writes_an_empty_output(tmp_path):
    src = tmp_path / "q.txt"
    src.write_text("\n\n", encoding="utf-8")
    out = tmp_path / "a.csv"
    assert run_batch(src, out, FakeAnswerer(), progress=False).answered == 0
    assert read_csv(out) == [] and out.read_text(encoding="utf-8-sig").startswith("id,question")


# ---------------------------------------------------------------- clear errors


def test_unknown_extensions_are_refused(tmp_path):
    src = tmp_path / "q.docx"
    src.write_text("x", encoding="utf-8")
    with pytest.raises(BatchInputError, match=r"\.docx.*\.jsonl, \.csv, \.xlsx, \.txt"):
        run_batch(src, tmp_path / "a.jsonl", FakeAnswerer(), progress=False)
    txt = tmp_path / "q.txt"
    txt.write_text("Vraag?\n", encoding="utf-8")
    with pytest.raises(BatchInputError, match=r"output.*\.txt.*\.jsonl, \.csv, \.xlsx"):
        run_batch(txt, tmp_path / "a.txt", FakeAnswerer(), progress=False)


def test_missing_question_column_is_refused(tmp_path):
    src = tmp_path / "q.csv"
    src.write_text("id;onderwerp\n1;Wat?\n", encoding="utf-8")
    out = tmp_path / "a.jsonl"
    with pytest.raises(BatchInputError, match=r"no question column .*columns found: 'id', 'onderwerp'"
                                         r".*--column NAME"):
        run_batch(src, out, FakeAnswerer(), progress=False)
    assert not out.exists()
    xlsx = write_xlsx(tmp_path / "q.xlsx", [["id", "onderwerp"], [1, "Wat?"]])
    with pytest.raises(BatchInputError, match="no question column"):
        read_questions(xlsx)
    with pytest.raises(BatchInputError, match="no column 'Kolom'"):
        read_questions(xlsx, column="Kolom")
    empty = tmp_path / "e.csv"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(BatchInputError, match="no question column"):
        read_questions(empty)


MUNICIPAL = [["Nr", "Vraag", "Toelichting"],
             [1, "Wat stelt het artikel voor over werklocaties?", "van team EZ"],
             [2, "Welke regio's worden genoemd?", "voor de raad; later"]]


def test_semicolon_csv_with_dutch_headers(tmp_path):
    src = tmp_path / "vragen.csv"
    src.write_text("\n".join(";".join(str(c) for c in row) if i == 0 else
                             f'{row[0]};{row[1]};"{row[2]}"' for i, row in enumerate(MUNICIPAL)),
                   encoding="cp1252")
    out = tmp_path / "a.jsonl"
    run_batch(src, out, FakeAnswerer(), progress=False)
    records = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert [(r["id"], r["question"]) for r in records] == [("1", MUNICIPAL[1][1]),
                                                          ("2", MUNICIPAL[2][1])]
    assert records[1]["Toelichting"] == "voor de raad; later"


def test_xlsx_with_dutch_headers_and_chosen_columns(tmp_path):
    from bronwijzer.batch.runner import question_columns
    src = write_xlsx(tmp_path / "vragen.xlsx", MUNICIPAL)
    assert question_columns(src) == (["Nr", "Vraag", "Toelichting"], "Vraag")
    rows = list(read_questions(src))
    assert [(r.id, r.question) for r in rows] == [("1", MUNICIPAL[1][1]), ("2", MUNICIPAL[2][1])]
    rows = list(read_questions(src, column="toelichting", id_column="VRAAG"))
    assert [(r.id, r.question) for r in rows] == [(MUNICIPAL[1][1], "van team EZ"),
                                                  (MUNICIPAL[2][1], "voor de raad; later")]
    upper = write_xlsx(tmp_path / "upper.xlsx", [["NUMMER", "VRAGEN"], [7, "Wat?"]])
    assert [(r.id, r.question) for r in read_questions(upper)] == [("7", "Wat?")]


def test_output_may_not_be_the_input(tmp_path):
    src = write_jsonl(tmp_path / "q.jsonl", [{"question": "Vraag?"}])
    with pytest.raises(BatchInputError, match="overwrite the input"):
        run_batch(src, src, FakeAnswerer(), progress=False)


def test_formulas_in_questions_stay_text_in_csv(tmp_path):
    source = tmp_path / "q.jsonl"
    source.write_text(json.dumps({"id": "=1+1", "question": '=HYPERLINK("http://x","klik")'})
                      + "\n" + json.dumps({"id": "2", "question": "-2 + 3?"}) + "\n",
                      encoding="utf-8")
    out = tmp_path / "a.csv"
    run_batch(source, out, FakeAnswerer(), progress=False)
    rows = read_csv(out)
    assert rows[0]["question"] == "\'=HYPERLINK(\"http://x\",\"klik\")"
    assert rows[1]["question"] == "\'-2 + 3?" and rows[0]["id"] == "\'=1+1"
    # resuming reads the quoted id back as the id it was
    assert run_batch(source, out, FakeAnswerer(), resume=True, progress=False).skipped == 2
