"""``.xlsx`` batch output: rows wait in a sidecar, the workbook is written once; resume
after an interruption and after a hard kill (no model: the fake answerer of test_batch)."""

from __future__ import annotations

import json

import pytest

from bronwijzer.batch import answers as batch_io
from bronwijzer.batch import xlsx as batch_xlsx
from bronwijzer.batch.runner import Summary, run_batch
from test_batch import FakeAnswerer, read_xlsx, write_jsonl


def questions(tmp_path, n=10):
    return write_jsonl(tmp_path / "q.jsonl",
                       [{"id": f"q{i}", "question": f"Vraag {i}?"} for i in range(n)])


def test_the_workbook_is_written_once_however_many_batches(tmp_path, monkeypatch):
    saves = []
    real = batch_xlsx.save_xlsx
    monkeypatch.setattr(batch_io, "save_xlsx", lambda p, rows: (saves.append(len(rows)),
                                                                 real(p, rows)))
    out = tmp_path / "a.xlsx"
    summary = run_batch(questions(tmp_path, 100), out, FakeAnswerer(), batch_size=3,
                        progress=False)
    assert summary.answered == 100 and saves == [101]  # header + 100 rows, one save
    assert [r["id"] for r in read_xlsx(out)] == [f"q{i}" for i in range(100)]
    assert not batch_xlsx.sidecar(out).exists()


def hard_kill(monkeypatch):
    """Make the run end like SIGKILL: no ``close()``, so no workbook and a sidecar left."""
    monkeypatch.setattr(batch_io.OutputFile, "close", lambda self: None)


def test_resume_after_a_hard_kill_reads_the_sidecar(tmp_path, monkeypatch):
    src, out = questions(tmp_path), tmp_path / "a.xlsx"
    with monkeypatch.context() as m:
        hard_kill(m)
        with pytest.raises(KeyboardInterrupt):
            run_batch(src, out, FakeAnswerer(interrupt_on_call=3), batch_size=3, progress=False)
    side = batch_xlsx.sidecar(out)
    assert not out.exists() and len(batch_xlsx.sidecar_rows(side)[1]) == 6
    side.write_bytes(side.read_bytes()[:-25])  # the kill cut the last row short
    second = FakeAnswerer()
    summary = run_batch(src, out, second, batch_size=3, resume=True, progress=False)
    assert summary == Summary(answered=5, declined=0, failed=0, skipped=5, output=out)
    assert second.answered == [f"Vraag {i}?" for i in range(5, 10)]
    assert [r["id"] for r in read_xlsx(out)] == [f"q{i}" for i in range(10)]
    assert read_xlsx(out)[0]["answer"] == "Antwoord op Vraag 0? [1]"
    assert not side.exists()


def test_a_killed_fresh_run_does_not_resume_from_the_old_workbook(tmp_path, monkeypatch):
    src, out = questions(tmp_path, 4), tmp_path / "a.xlsx"
    run_batch(write_jsonl(tmp_path / "old.jsonl", [{"id": "old", "question": "Oud?"}]), out,
              FakeAnswerer(), progress=False)
    with monkeypatch.context() as m:
        hard_kill(m)
        with pytest.raises(KeyboardInterrupt):
            run_batch(src, out, FakeAnswerer(interrupt_on_call=2), batch_size=2, progress=False)
    assert [r["id"] for r in read_xlsx(out)] == ["old"]  # untouched until the run ends
    run_batch(src, out, FakeAnswerer(), batch_size=2, resume=True, progress=False)
    assert [r["id"] for r in read_xlsx(out)] == ["q0", "q1", "q2", "q3"]


def test_sidecar_rows_survive_the_json_round_trip(tmp_path):
    side = tmp_path / "s.jsonl"
    rows = [["a", "Wat?", "Dit.", True, 0.5, "[1] x", "12", ""],
            ["b", "=1+1", "", None, None, "", "", "fout"]]
    side.write_text(batch_xlsx.rows_text(rows, fresh=True) + '["c", "cut', encoding="utf-8")
    assert batch_xlsx.sidecar_rows(side) == (True, rows)
    assert json.loads(batch_xlsx.rows_text(rows[:1])) == rows[0]
