"""The lean Unigram reader gives the same ids as ``tokenizers`` on the same file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bronwijzer.model.convert import ensure_default_model
from bronwijzer.settings import load_settings
from bronwijzer.model.unigram import UnigramTokenizer

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
    for path in (PROJECT / "eval" / "dev.jsonl", PROJECT.parent / "shared" / "eval" / "tuning.jsonl"):
        if path.exists():
            found += [json.loads(line)["question"]
                      for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [prompt + t for t in found for prompt in ("query: ", "passage: ")] + ODD


def test_ids_equal_tokenizers(tokenizer_file):
    from tokenizers import Tokenizer
    reference = Tokenizer.from_file(str(tokenizer_file))
    reference.enable_truncation(max_length=512)
    lean = UnigramTokenizer(tokenizer_file, max_length=512)
    all_texts = texts()
    assert len(all_texts) > 100
    differ = [t[:60] for t in all_texts if lean.encode(t) != reference.encode(t).ids]
    assert not differ, f"{len(differ)} texts differ, e.g. {differ[:3]}"
    assert len(lean.encode("bedrijventerrein " * 600)) == 512
    assert lean.encode("")[0] == 0 and lean.encode("")[-1] == 2


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
