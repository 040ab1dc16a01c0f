"""Passage token vectors stored with the index, and one encoder pass per question (real
model, a small corpus of its own)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import MODEL_CACHE

from bronwijzer.engine import Engine
from bronwijzer.errors import IndexStateError
from bronwijzer.index.store import load_index
from bronwijzer.index.tokens import OFFSETS_FILE, SENTENCES_FILE, TOKENS_FILE
from bronwijzer.search.rank import LearnedRanker
from bronwijzer.search.tokens import token_vectors
from bronwijzer.settings import Settings

PARAGRAPHS = (
    ("De gemeente Zandvoort wil meer ruimte voor werkplaatsen aan de rand van het dorp. "
     "Kleine bedrijven in de bouw en de techniek vinden nu geen betaalbare plek. "
     "Het college stelt voor om een oud sportterrein om te bouwen tot bedrijfsverzamelgebouw."),
    ("Voor de financiering rekent de gemeente op een bijdrage van de provincie van twee miljoen "
     "euro. De rest komt uit de verkoop van grond. Ondernemers huren de units voor tien jaar, "
     "met een huur die onder de marktprijs ligt zolang zij lokaal personeel opleiden."),
    ("Critici wijzen op het verkeer: vrachtwagens moeten door een woonwijk rijden. Daarom komt "
     "er een nieuwe ontsluitingsweg langs het spoor, die in 2028 klaar moet zijn. Bewoners "
     "mogen meepraten over de inrichting van de weg en de geluidsschermen."),
    ("Een tweede plan betreft zonnepanelen op de daken van de nieuwe hallen. De opgewekte "
     "stroom gaat naar een buurtbatterij, zodat de ondernemers minder afhankelijk worden van "
     "het overvolle stroomnet en de wijk 's avonds ook groene stroom kan gebruiken."),
)


class CountingSession:
    """An onnxruntime session that counts its runs (``runs``) and the runs that encode
    at least one text of ``min_tokens`` or more (``long_runs``: questions, not the
    expansion's single words)."""

    def __init__(self, session, min_tokens: int = 10) -> None:
        self.session, self.runs, self.long_runs = session, 0, 0
        self.min_tokens = min_tokens

    def run(self, output_names, feeds, *args, **kwargs):
        self.runs += 1
        self.long_runs += int(feeds["attention_mask"].sum(axis=1).max() >= self.min_tokens)
        return self.session.run(output_names, feeds, *args, **kwargs)

    def get_inputs(self):
        return self.session.get_inputs()


def _open(home, **changes) -> Engine:
    corpus = home / "corpus"
    (corpus / "plan.txt").write_text("\n\n".join(PARAGRAPHS) + "\n", encoding="utf-8")
    return Engine.open(Settings(home=home, cache_dir=MODEL_CACHE, **changes))


def _counted(engine: Engine) -> CountingSession:
    embedder = engine._live.retriever.embedder
    if not hasattr(embedder, "session"):
        pytest.skip("the default model runs on torch here")
    counter = CountingSession(embedder.session)
    embedder.session = counter
    return counter


@pytest.fixture(scope="module")
def stored(tmp_path_factory):
    home = tmp_path_factory.mktemp("tokens")
    (home / "corpus").mkdir()
    return _open(home)


def test_a_build_writes_the_token_files_the_ranker_would_compute(stored):
    index = load_index(stored.settings.index)
    assert (index.folder / TOKENS_FILE).is_file() and (index.folder / OFFSETS_FILE).is_file()
    assert index.token_vectors.dtype == np.float16 and index.token_offsets.dtype == np.int64
    assert len(index.token_offsets) == len(index.passages) + 1 >= 3
    embedder = stored._live.retriever.embedder
    fresh = token_vectors(embedder, [p.text for p in index.passages], "passage")
    for row, expected in enumerate(fresh):
        assert index.tokens_of(row).shape == expected.shape
        np.testing.assert_allclose(index.tokens_of(row), expected, atol=2e-3)


def test_each_stored_token_knows_its_sentence(stored):
    index = load_index(stored.settings.index)
    assert index.token_sentences is not None and len(index.token_sentences) == len(index.token_vectors)
    embedder = stored._live.retriever.embedder
    for row in range(len(index.passages)):
        owners = np.asarray(index.token_sentences_of(row))
        spans = index.sentence_spans[row]
        assert np.all(np.diff(owners) >= 0) and set(owners.tolist()) == set(range(len(spans)))
        text = index.passages[row].text
        alone = token_vectors(embedder, [text[s:e] for s, e in spans], "passage")
        for n, tokens in enumerate(alone):  # a sentence's tokens in its passage, as if alone
            assert abs(int((owners == n).sum()) - len(tokens)) <= 2


def test_an_index_without_token_sentences_gets_them_without_encoding(tmp_path):
    (tmp_path / "corpus").mkdir()
    engine = _open(tmp_path)
    before = load_index(engine.settings.index)
    if before.token_sentences is None:
        pytest.skip("the default model gives no token states here")
    owners, stored = np.array(before.token_sentences), np.array(before.token_vectors)
    (before.folder / SENTENCES_FILE).unlink()  # built before the file existed
    assert load_index(engine.settings.index).token_sentences is None
    report = Engine.build(engine.settings)
    assert report.embedded == 0  # the stored token vectors were kept, not encoded again
    after = load_index(engine.settings.index)
    assert after.folder != before.folder and np.array_equal(after.token_sentences, owners)
    assert np.array_equal(after.token_vectors, stored)
    # the live build's files were not written through the new build's hard links
    assert np.array_equal(np.load(before.folder / TOKENS_FILE), stored)
    assert not (before.folder / SENTENCES_FILE).exists()


def test_an_opened_index_ranks_without_encoding_its_passages(stored):
    ranker = stored._live.retriever.ranker
    assert isinstance(ranker, LearnedRanker) and ranker.tokens.index is not None
    counter = _counted(stored)
    passages = list(stored.passages())
    ranker.tokens.get(passages)
    assert counter.runs == 0


def test_the_question_path_runs_the_encoder_once_per_question(stored):
    retriever = stored._live.retriever
    counter = _counted(stored)
    retriever.search("Wie betaalt mee aan het nieuwe bedrijfsverzamelgebouw?")
    assert counter.long_runs == 1  # the question once (its words the expansion lacks: one more)
    assert counter.runs <= 2
    questions = ["Wanneer is de nieuwe weg klaar?", "Waar gaat de stroom van de daken heen?"]
    vectors = retriever.embed_queries(questions)
    for question, vector in zip(questions, vectors):
        retriever.search(question, vector=vector)
    assert counter.long_runs == 2  # both questions in one batch, no pass in search
    assert counter.runs <= 4


def test_the_stored_and_the_computed_token_vectors_rank_alike(stored, tmp_path):
    (tmp_path / "corpus").mkdir()
    computed = _open(tmp_path, token_vectors_max_passages=0)
    assert load_index(computed.settings.index).token_offsets is None
    assert computed._live.retriever.ranker.tokens.index is None
    for question in ("Hoeveel draagt de provincie bij?", "Wat vinden critici van het plan?",
                     "Wie mag meepraten over de geluidsschermen?"):
        first = [h.passage.id for h in stored.search(question, k=4)]
        assert first == [h.passage.id for h in computed.search(question, k=4)]


def test_token_files_that_do_not_fit_the_passages_are_refused(stored, tmp_path):
    import shutil
    copy = tmp_path / "index"
    shutil.copytree(stored.settings.index, copy)
    folder = load_index(copy).folder
    np.save(folder / OFFSETS_FILE, np.array([0, 5], dtype=np.int64))
    with pytest.raises(IndexStateError, match="unreadable"):
        load_index(copy)


def test_an_embedder_without_token_states_stores_none(isolated_home, fake_embedder):
    from bronwijzer.index.build import build_index
    (isolated_home / "corpus" / "plan.txt").write_text("\n\n".join(PARAGRAPHS), encoding="utf-8")
    settings = Settings(home=isolated_home)
    build_index(settings, fake_embedder)
    index = load_index(settings.index)
    assert index.token_offsets is None and not (index.folder / TOKENS_FILE).exists()


def test_a_plain_build_adds_the_token_files_an_up_to_date_index_lacks(tmp_path):
    (tmp_path / "corpus").mkdir()
    engine = _open(tmp_path)
    settings = engine.settings
    before = load_index(settings.index)
    if before.token_offsets is None:
        pytest.skip("the default model gives no token states here")
    stored = np.array(before.token_vectors)
    for name in (TOKENS_FILE, OFFSETS_FILE, SENTENCES_FILE):  # built before the token files
        (before.folder / name).unlink()
    report = Engine.build(settings)
    assert not report.skipped and report.embedded == len(before.passages)
    after = load_index(settings.index)
    assert after.folder != before.folder and after.passages == before.passages
    assert np.array_equal(after.vectors, before.vectors)
    assert np.array_equal(after.token_offsets, before.token_offsets)
    assert np.allclose(after.token_vectors, stored, atol=2e-3)
    assert not (before.folder / OFFSETS_FILE).exists()  # the old build was not touched
    assert Engine.build(settings).skipped  # and once they are there, nothing to do
