"""The gathering of recommending sentences (answer/gather.py) on a tiny made-up index."""

from __future__ import annotations

from dataclasses import dataclass

from bronwijzer.answer.gather import gather_recommendations, recommends, wants_gathering
from bronwijzer.records import Hit, Passage


@dataclass
class TinyIndex:
    passages: tuple
    sentence_spans: tuple

    @property
    def rows(self):
        return {p.id: i for i, p in enumerate(self.passages)}


def _index(*paragraphs: list[str]) -> TinyIndex:
    passages, spans, offset = [], [], 0
    for number, sentences in enumerate(paragraphs, 1):
        text = " ".join(sentences)
        starts, at = [], 0
        for s in sentences:
            starts.append((at, at + len(s)))
            at += len(s) + 1
        passages.append(Passage(id=f"doc#{number}", doc="doc", text=text, paragraph=number,
                                start=offset, end=offset + len(text)))
        spans.append(tuple(starts))
        offset += len(text) + 2
    return TinyIndex(tuple(passages), tuple(spans))


def _scored(index: TinyIndex, scores: dict[tuple[int, int], float]):
    """(score, hit, start, end) for the given (passage, sentence) -> score, best first."""
    rows = []
    for (p, s), score in scores.items():
        passage = index.passages[p]
        start, end = index.sentence_spans[p][s]
        rows.append((score, Hit(passage, 1.0, 1), start, end))
    return sorted(rows, key=lambda r: -r[0])


def _texts(chosen):
    return [hit.passage.text[s:e] for _, hit, s, e in chosen]


P1 = ["De vraag naar ruimte groeit snel in de regio.",
      "Daarom is het belangrijk om werkruimte in elke wijk te borgen.",
      "Het gaat vooral om kleine bedrijven."]
P2 = ["Er lopen pilots in iedere provincie.", "Die duren tot en met 2027."]
P3 = ["Gemeenten zouden een eigen grondfonds moeten krijgen voor werklocaties.",
      "Dit maakt actief grondbeleid weer mogelijk.",
      "Drie maatregelen zijn daarbij nodig en belangrijk voor de uitvoering:",
      "een fonds voor schuifruimte.", "een fiscale prikkel.", "een rijksloket."]


def test_referring_word_brings_the_sentence_before_it():
    index = _index(P1, P2)
    chosen = gather_recommendations(_scored(index, {(0, 1): 0.9, (0, 0): 0.5, (1, 0): 0.88}), index)
    texts = _texts(chosen)
    assert "Daarom is het belangrijk om werkruimte in elke wijk te borgen." in texts
    assert texts.index("De vraag naar ruimte groeit snel in de regio.") == \
        texts.index("Daarom is het belangrijk om werkruimte in elke wijk te borgen.") - 1
    assert "Er lopen pilots in iedere provincie." not in texts  # descriptive, not gathered


def test_continuation_and_announced_list_come_along_in_reading_order():
    index = _index(P1, P2, P3)
    chosen = gather_recommendations(_scored(index, {(2, 0): 0.91, (2, 2): 0.9, (0, 1): 0.92}), index)
    texts = _texts(chosen)
    assert "Dit maakt actief grondbeleid weer mogelijk." in texts  # continues a gathered one
    assert texts[-3:] == ["een fonds voor schuifruimte.", "een fiscale prikkel.", "een rijksloket."]
    positions = [hit.passage.start + s for _, hit, s, _ in chosen]
    assert positions == sorted(positions)


def test_no_normative_sentence_gathers_nothing():
    index = _index(P2)
    assert gather_recommendations(_scored(index, {(0, 0): 0.9, (0, 1): 0.8}), index) == []


def test_far_and_weak_passages_stay_out():
    index = _index(P3, P2, P2, P2, P2, P2, P1)
    chosen = gather_recommendations(_scored(index, {(0, 0): 0.95, (6, 1): 0.7}), index)
    assert all(hit.passage.id != "doc#7" for _, hit, _, _ in chosen)


def test_recommends_and_wants_gathering():
    assert recommends("Een nieuw kabinet zal de samenwerking voortvarend moeten oppakken.")
    assert recommends("Een rijksgrondfaciliteit zou kansrijk zijn om te verkennen.")
    assert not recommends("Welke regio's zijn het best toegerust om te specialiseren, belangrijk?")
    assert not recommends("Op veel terreinen moet het mkb plaatsmaken voor woningen.")
    assert not recommends("Met aanbevelingen.")
    assert wants_gathering("What does the report propose for city centres?")
    assert wants_gathering("Wat zegt het artikel over vergrijzing?")
    assert wants_gathering("Welke voorstellen doet de tekst voor startende ondernemers?")
    assert not wants_gathering("Who should pay for the schuifruimte fund?")
    assert not wants_gathering("How many regions take part?")


def test_recommends_by_modal_words_not_by_one_texts_phrasing():
    assert recommends("Gemeenten hebben hiervoor veel meer ruimte nodig dan nu.")
    assert recommends("The province will have to buy the land before anything else.")
    assert recommends("This calls for one national fund for the renewal of old sites.")
    # a phrase of one article ("te denken valt aan") is no rule of what recommends
    assert not recommends("Te denken valt aan een nationaal fonds voor de regio.")
