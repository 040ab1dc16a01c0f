"""Tables made once per index's reference tuple (memo.by_identity), and the references of
a passage read from them (quotes.refs_of) as a scan of every reference gives them."""

from __future__ import annotations

from librarygen import library_index

from bronwijzer.memo import by_identity
from bronwijzer.quotes import refs_of


def test_a_result_is_made_once_per_tuple_and_anew_for_anything_else():
    made = []

    @by_identity(size=2)
    def table(items):
        made.append(items)
        return {"n": len(items)}

    first = (1, 2, 3)
    assert table(first) is table(first) and len(made) == 1
    assert table(tuple([1, 2, 3])) == table(first) and len(made) == 2  # equal, not the same
    table([1, 2]), table([1, 2])
    assert len(made) == 4  # a list is never remembered
    second, third = tuple(range(4)), tuple(range(5))
    table(second), table(third), table(third)
    assert len(made) == 6
    table(first)
    assert len(made) == 7  # only the last two tuples are kept: the first is made again


def test_a_passage_s_references_are_those_a_scan_of_every_reference_finds():
    index = library_index(docs=60, refs=600, articles=12)
    refs = index.references

    def scanned(p):
        if p.source_of:
            return tuple(r for r in refs if (r.footnote, r.position) == tuple(p.source_of))
        return tuple(r for n in p.footnotes for r in refs if r.footnote == n and r.doc == p.doc)
    checked = [p for p in index.passages if p.footnotes or p.source_of]
    assert len(checked) > 50 and any(p.source_of for p in checked)
    assert all(refs_of(p, refs) == scanned(p) for p in checked)
    assert sum(1 for p in checked if refs_of(p, refs)) > 50
