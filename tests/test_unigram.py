"""The lean Unigram reader gives the same ids as ``tokenizers`` on the same file.

The differential test draws thousands of texts with a fixed seed (``unigram_texts``)
and compares the ids at the model's length and at a short one, where the reader's
early stop decides most texts; everything it reads is in the repository.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from bronwijzer.model.convert import ensure_default_model
from bronwijzer.settings import load_settings
from bronwijzer.model.unigram import UnigramTokenizer
from unigram_texts import generated_texts

PROJECT = Path(__file__).resolve().parents[1]
ODD = ["passage:   spaties\t\tand tabs ", "query: ﬁnanciële ＡＢＣ ①", "passage: ▁x \u200b y",
       "query: <s> a</s>b<mask>", "日本語のテキスト 😀😀 ☃☃☃ \U0001F9FF\U0001F9FE", "", " ",
       "a" * 3000, "x<pad>y", "＜ｓ＞ test", "query: " + "bedrijventerrein " * 600,
       "\u0301\u0301abc", "e\u0301", "\x01 test", "ﬁ\u0301x", "Ⅻ ㎏ ℃ №5", "a  \n\n  b"]


@pytest.fixture(scope="module")
def tokenizer_file() -> Path:
    cache = load_settings().cache
    folder = ensure_default_model(cache if cache.is_absolute() else PROJECT / cache)
    return folder / "tokenizer.json"


def texts() -> list[str]:
    article = PROJECT / "corpus" / "ruimte-voor-economie-en-werk.txt"
    found = [line for line in article.read_text(encoding="utf-8").splitlines() if line.strip()]
    path = PROJECT / "eval" / "tuning.jsonl"
    found += [json.loads(line)["question"]
              for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [prompt + t for t in found for prompt in ("query: ", "passage: ")] + ODD


@pytest.fixture(scope="module")
def both(tokenizer_file):
    """``tokenizers``' reader and the lean one of the same file (each loaded once)."""
    from tokenizers import Tokenizer
    return Tokenizer.from_file(str(tokenizer_file)), UnigramTokenizer(tokenizer_file)


def _differences(both, all_texts, max_length):
    reference, lean = both
    reference.enable_truncation(max_length=max_length)
    lean = copy.copy(lean)
    lean.max_content = max_length - 2
    expected = [e.ids for e in reference.encode_batch(all_texts)]
    return [repr(t[:60]) for t, ids in zip(all_texts, expected) if lean.encode(t) != ids]


def test_ids_equal_tokenizers(both):
    all_texts = texts()
    assert len(all_texts) > 100
    differ = _differences(both, all_texts, 512)
    assert not differ, f"{len(differ)} texts differ, e.g. {differ[:3]}"
    lean = both[1]
    assert len(lean.encode("bedrijventerrein " * 600)) == 512
    assert lean.encode("")[0] == 0 and lean.encode("")[-1] == 2


@pytest.mark.parametrize("max_length", [512, 12])
def test_ids_equal_tokenizers_on_generated_texts(both, max_length):
    generated = generated_texts(2000, seed=20260)
    assert sum(len(t) > 3000 for t in generated) >= 20  # some run past max_length
    differ = _differences(both, generated, max_length)
    assert not differ, f"{len(differ)} of {len(generated)} texts differ, e.g. {differ[:3]}"


def test_the_search_stops_at_max_length(both, monkeypatch):
    lean = copy.copy(both[1])
    lean.max_content = 14
    segmented = []
    search = lean._viterbi
    monkeypatch.setattr(lean, "_viterbi", lambda word, need=None: segmented.append(word)
                        or search(word, need))
    assert len(lean.encode("werk " * 1000)) == 16
    assert len(segmented) <= 16  # not the 1,000 words of the text
    segmented.clear()
    word = "bedrijventerrein" * 400  # one pre-token of 6,400 characters
    ids = lean.encode(word)
    assert len(ids) == 16
    assert ids == [lean.bos, *search("▁" + word)[:14], lean.eos]


def test_other_tokenizer_kinds_are_refused(tmp_path, tokenizer_file):
    data = json.loads(tokenizer_file.read_text(encoding="utf-8"))
    data["model"] = {"type": "WordPiece", "vocab": {"[UNK]": 0}, "unk_token": "[UNK]"}
    other = tmp_path / "tokenizer.json"
    other.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ValueError, match="Unigram"):
        UnigramTokenizer(other)


def test_the_tokenizer_file_is_read_the_same_with_or_without_orjson(tmp_path):
    import json
    import math

    from bronwijzer.model import unigram
    path = tmp_path / "t.json"
    path.write_text(json.dumps({"model": {"vocab": [["▁é", -1.5]]}, "n": 3}, ensure_ascii=False),
                    encoding="utf-8")
    assert unigram._read_json(path) == {"model": {"vocab": [["▁é", -1.5]]}, "n": 3}
    path.write_text('{"score": NaN}', encoding="utf-8")  # orjson refuses NaN; json reads it
    assert math.isnan(unigram._read_json(path)["score"])
