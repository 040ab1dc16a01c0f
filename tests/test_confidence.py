"""The answerability checks behind the confidence."""

from bronwijzer.answer.confidence import (
    CENTER,
    assess,
    corpus_vocabulary,
    missing_names,
)

VOCAB = corpus_vocabulary(["In Nederland en de provincie Utrecht zijn bedrijventerreinen schaars.",
                           "De Europese Commissie en de Rli (2023) adviseren."])


def test_names_absent_from_the_corpus_are_found_but_cognates_pass():
    assert missing_names("Wat regelt het omgevingsplan van Tilburg?", VOCAB) == ["Tilburg"]
    assert missing_names("What is the capital of France?", VOCAB) == ["France"]
    assert missing_names("Why are the Netherlands short of space?", VOCAB) == []
    assert missing_names("What does the Rli advise for Utrecht?", VOCAB) == []
    assert missing_names("What do Dutch cities want?", VOCAB) == []  # a common adjective


def test_an_amount_question_without_a_number_in_the_answer_is_less_certain():
    question = "Hoeveel woningen moeten er jaarlijks worden gebouwd?"
    with_number = assess(question, CENTER, ["Er komen 230 miljoen euro bij."], VOCAB)
    marker_only = assess(question, CENTER, ["Gemeenten willen woon-werkdeals [20]."], VOCAB)
    assert with_number == 0.5 and marker_only < 0.2
    assert assess("Wat vindt het artikel van woondeals?", CENTER, ["Woondeals [20]."], VOCAB) == 0.5


def test_confidence_grows_with_the_evidence():
    low, mid, high = (assess("Wat staat er?", CENTER + d, ["Zin."], VOCAB) for d in (-0.05, 0, 0.05))
    assert 0.0 <= low < mid < high <= 1.0


def test_question_types_and_the_sentences_that_answer_them():
    from bronwijzer.answer.qtype import (
        asks_amount,
        asks_proposal,
        has_number,
        is_prescriptive,
    )
    assert asks_proposal("What does the text propose for bedrijventerreinen?")
    assert asks_proposal("Welke aanbevelingen doet het artikel voor het mkb?")
    assert not asks_proposal("Hoeveel woningen moeten er worden gebouwd?")
    assert asks_amount("Hoeveel woningen moeten er worden gebouwd?")
    assert is_prescriptive("Een rijksgrondfaciliteit zou ook kansrijk zijn om te verkennen [19].")
    assert not is_prescriptive("Bedrijventerreinen moeten transformeren, zo staat in het programma.")
    assert has_number("Het budget wordt 1,8 miljard euro.") and not has_number("Woondeals [20].")
