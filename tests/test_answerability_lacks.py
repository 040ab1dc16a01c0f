"""What the evidence lacks for the asked kind (answer.lacks): the kinds a question asks,
whether the top sentences give them, and the features the answerability model reads.

Every question and sentence here is made up for the test; none is in eval/tuning.jsonl
or eval/dev.jsonl.
"""

from __future__ import annotations

import pytest

from bronwijzer.answer import lacks
from bronwijzer.answer.names import corpus_vocabulary

VOCAB = corpus_vocabulary(["De haven van Zwolle en de provincie Drenthe groeien.",
                           "Het waterschap betaalt 4 miljoen euro."])


@pytest.mark.parametrize("question, kinds", [
    ("Wanneer opent de nieuwe sluis?", ["date"]),
    ("Per wanneer moet de brug klaar zijn?", ["date"]),
    ("In welke maand begint de aanbesteding?", ["date"]),
    ("Who chairs the harbour board?", []),  # a plain "who": groups answer it too
    ("Which minister opened the harbour?", ["role"]),
    ("Wie is de voorzitter van het havenbedrijf?", ["role"]),
    ("Where in the report is the harbour study cited?", []),  # a place in the text
    ("Waar wordt de havenstudie aangehaald, en waarom?", []),
    ("Where are the harbours mentioned in the report located?", ["place"]),
    ("Hoe heet de directeur van het waterschap?", ["person"]),
    ("Which investors back the new ferry line?", ["organisation"]),
    ("Waar ligt de nieuwe sluis?", ["place"]),
    ("In welke provincie ligt het dorp?", ["place"]),
    ("Is the harbour of Zwolle busier than that of Drenthe?", ["comparison"]),
    ("Vergeleken met Drenthe, groeit Zwolle sneller?", ["comparison"]),
    ("Why does the harbour grow?", []),
    # a wh-word joining a clause asks nothing; a comparison needs two named things
    ("What should the town decide when the harbour grows?", []),
    ("Which report is cited where the harbour is discussed?", []),
    ("Is the harbour bigger than before?", []),
])
def test_the_asked_kind_comes_from_the_question_frame(question, kinds):
    assert lacks.asked(question) == kinds


def test_a_date_a_name_and_a_place_are_found_only_when_new():
    assert lacks.gives("date", "Wanneer opent de sluis?", ["De sluis opent in maart [3]."])
    assert not lacks.gives("date", "Wanneer opent de sluis?", ["De sluis opent binnenkort."])
    question = "Wie leidt het waterschap van Drenthe?"
    assert not lacks.gives("person", question, ["Het waterschap van Drenthe groeit."])
    assert lacks.gives("person", question, ["Het waterschap wordt geleid door Jansen."])
    # a capitalised word that opens a sentence is no name
    assert not lacks.gives("person", question, ["Daarna groeit het. Waterschap groeit."])
    where = "Waar bouwt de provincie Drenthe een sluis?"
    assert lacks.gives("place", where, ["De sluis komt in Emmen [2]."])
    assert not lacks.gives("place", where, ["De sluis komt in Drenthe [2]."])


def test_a_year_answers_when_but_not_when_exactly_and_a_role_wants_a_person():
    assert lacks.gives("date", "Wanneer opent de sluis?", ["De sluis opent in 2027."])
    assert not lacks.gives("date", "Wanneer precies opent de sluis?", ["Dat is in 2027."])
    assert not lacks.gives("date", "When in 2027 does the lock open?", ["In 2027 klaar."])
    role = "Which minister opened the harbour?"
    assert not lacks.gives("role", role, ["De minister van Verkeer opende de Haven."])
    assert lacks.gives("role", role, ["Die werd geopend door minister Jansen."])
    assert lacks.gives("role", role, ["Geopend door P. Jansen van het Rijk."])
    # names in a place's position are places, not the organisation asked for
    investors = "Which investors back the revolving funds?"
    assert lacks.asked("Welke institutionele beleggers worden genoemd?") == ["organisation"]
    assert not lacks.gives("organisation", investors,
                           ["Fondsen, bijvoorbeeld in de provincies Utrecht en Overijssel, werken."])
    assert lacks.gives("organisation", investors, ["Ze worden gesteund door Rabobank uit Utrecht."])
    assert lacks.gives("place", "Waar werken de fondsen?", ["Fondsen in Utrecht werken."])
    # a capitalised adjective of a place is not a name
    assert not lacks.gives("organisation", "Which investors back the ferry?",
                           ["Het gaat om Nederlandse en Europese beleggers."])
    assert lacks.gives("place", "Welke landen lopen voor?", ["Het gaat om de Verenigde Staten."])


def test_a_comparison_needs_both_names_together_with_comparing_words():
    question = "Is Zwolle busier than Drenthe?"
    assert lacks.compared_names(question) == ["zwolle", "drenthe"]
    assert lacks.compared_together(question, ["Zwolle is drukker dan Drenthe."])
    assert lacks.compared_together(question, ["Zwolle groeit hard.", "Drenthe groeit minder."])
    assert not lacks.compared_together(question, ["Zwolle groeit.", "Iets anders.",
                                                  "Drenthe groeit."])
    assert not lacks.compared_together(question, ["Zwolle en Drenthe liggen aan zee."])
    # a compound name is found by its head
    assert lacks.compared_together("Groeit Zwolle sneller dan andere EU-landen?",
                                   ["Zwolle bleef achter bij het Europese gemiddelde."])


def test_an_amount_must_be_new_and_not_a_year():
    question = "Hoeveel geld krijgt de haven in 2030?"
    assert lacks.lacking_amounts(question, ["In 2030 krijgt de haven geld [4]."]) == ["money"]
    assert lacks.lacking_amounts(question, ["In 2030 krijgt de haven 12 miljoen."]) == []
    assert lacks.lacking_amounts(question, ["Sinds 2019 krijgt de haven geld."]) == ["money"]
    assert lacks.lacking_amounts("How many locks are there?", ["There are twelve locks."]) == []
    assert lacks.lacking_amounts("How many locks are there?", ["Locks matter [12]."]) == ["number"]
    # a year asked is no amount
    assert lacks.lacking_amounts("In which year did the lock open?", ["It opened."]) == []


def test_the_features_and_the_rank_of_the_first_sentence_giving_the_kind():
    question = "Hoeveel geld krijgt de haven van Rotterdam?"
    sentences = ["De haven groeit.", "Rotterdam is groot.", "De haven krijgt 3 miljoen euro."]
    features = lacks.lack_features(question, sentences, VOCAB)
    assert set(features) == set(lacks.LACKS)
    assert features["lacks_amount"] == 0.0 and features["asked_rank"] == pytest.approx(2 / 3)
    assert features["names_unknown_share"] == 1.0  # Rotterdam: not in the corpus
    bare = lacks.lack_features(question, sentences[:2], VOCAB)
    assert bare["lacks_amount"] == 1.0 and bare["asked_rank"] == 1.0
    plain = lacks.lack_features("Waarom groeit de haven?", sentences, VOCAB)
    assert plain["asks_named"] == plain["lacks_asked"] == plain["asked_rank"] == 0.0


def _declining_on(feature: str):
    """A model whose one lack feature pulls hard towards declining."""
    from bronwijzer.answer import answerability as ab
    return ab.model_from_dict({
        "features": ["best_cosine", feature], "mean": [0.8, 0.1], "scale": [0.05, 0.3],
        "coef": [0.5, -2.0], "intercept": 0.0, "threshold": 0.5,
        "embedder": {"name": "fake-model", "fingerprint": "fp-1"}})


def test_a_lacking_amount_is_given_as_the_reason_for_declining():
    from bronwijzer.answer import answerability as ab
    model = _declining_on("lacks_amount")
    question = "Hoeveel geld krijgt de haven in 2030?"
    kinds = lacks.lacking_amounts(question, ["In 2030 krijgt de haven geld."])
    confidence, reason = ab.judge({"best_cosine": 0.8, "lacks_amount": 1.0}, model, "en",
                                  {"kinds": kinds, "names": []})
    assert confidence < 0.5
    assert reason == "asks for an amount of money; the matching sentences give none"


def test_a_lacking_person_is_given_as_the_reason_for_declining():
    from bronwijzer.answer import answerability as ab
    model = _declining_on("lacks_asked")
    question = "Welke minister opende de haven?"
    sentences = ["Namens de minister van Verkeer werd de haven geopend."]
    kinds = lacks.lacking_asked(question, sentences)
    assert kinds == ["role"]
    features = lacks.lack_features(question, sentences, VOCAB)
    confidence, reason = ab.judge({"best_cosine": 0.8, **features}, model, "nl",
                                  {"kinds": kinds, "names": []})
    assert confidence < 0.5
    assert reason == "de vraag vraagt de naam van een persoon; de gevonden zinnen geven dat niet"
