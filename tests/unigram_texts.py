"""Generated texts for the differential tokenizer test: a fixed seed, odd Unicode on purpose.

:func:`generated_texts` mixes ordinary Dutch and English words with the characters a
Unigram reader is most likely to get wrong: ligatures and fullwidth forms (remapped by
the normaliser), combining marks, ZWJ emoji sequences, no-break and zero-width spaces,
control characters, special tokens written literally, scripts without spaces, random
code points, and long texts and long unspaced words past ``max_length``.
"""

from __future__ import annotations

import random

WORDS = ("de", "het", "bedrijventerrein", "ruimte", "voor", "economie", "werk", "gemeente",
         "financiële", "ﬁnanciering", "coöperatie", "the", "policy", "überall", "naïef",
         "Rijksoverheid", "2026", "3,5%", "e-mail", "(zie", "noot", "12)", "’s-Hertogenbosch")
ODD = ("ﬁ", "ﬂ", "ﬀ", "ﬃ", "Ａ", "ｂ", "０", "９", "＜ｓ＞", "①", "Ⅻ", "㎏", "℃", "№",
       "\u0301", "\u0308", "\u0327", "\u20dd", "👨\u200d👩\u200d👧", "👍🏽", "🏳️\u200d🌈",
       "\u00a0", "\u202f", "\u2009", "\u3000", "\u200b", "\u200c", "\u200d", "\ufeff",
       "\t", "\n", "\r\n", "\x00", "\x01", "\x1f", "\x7f", "\x85", "\u2028",
       "<s>", "</s>", "<mask>", "<pad>", "<unk>", "<s", "mask>", "▁", "▁▁",
       "日本語", "中文文本", "한국어", "العربية", "עברית", "ไทย", "Ελληνικά", "кириллица",
       "\U0001F9FF", "\U0001D400", "\uFFFD", "\uE000")
PROMPTS = ("", "query: ", "passage: ", " ", "  ")


def _random_char(rng: random.Random) -> str:
    """Any code point but a surrogate (which cannot be passed to Rust)."""
    while True:
        cp = rng.choice((rng.randrange(0x20, 0x3000), rng.randrange(0x10000, 0x2FFFF),
                         rng.randrange(0, 0x110000)))
        if not 0xD800 <= cp < 0xE000:
            return chr(cp)


def _token(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.55:
        return rng.choice(WORDS)
    if roll < 0.85:
        return rng.choice(ODD)
    return "".join(_random_char(rng) for _ in range(rng.randint(1, 4)))


def _separator(rng: random.Random) -> str:
    return rng.choice((" ", " ", " ", "", "  ", "\u00a0", "\n", " \t "))


def _text(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.03:  # long: hundreds of words, past 512 tokens
        size = rng.randint(300, 600)
    elif roll < 0.05:  # one long word without spaces
        return rng.choice(PROMPTS) + "".join(_token(rng) for _ in range(rng.randint(150, 500)))
    else:
        size = rng.randint(0, 25)
    return rng.choice(PROMPTS) + "".join(_token(rng) + _separator(rng) for _ in range(size))


def generated_texts(n: int, seed: int) -> list[str]:
    """``n`` texts drawn with a fixed seed (the same list on every run).

    Args:
        n: how many texts.
        seed: the random seed.

    Returns:
        The texts.
    """
    rng = random.Random(seed)
    return [_text(rng) for _ in range(n)]
