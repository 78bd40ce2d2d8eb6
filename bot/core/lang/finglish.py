"""Finglish: Persian typed in Latin letters, recognised and written back in Persian script."""

from __future__ import annotations

import re
from functools import cache, lru_cache
from itertools import pairwise

from bot.core.lang.lexicon import lexicon

_LATIN_WORD = re.compile(r"[a-z]+")
_GLOTTAL = re.compile(r"(?<=[a-z])['’`](?=[a-z])")
# Endings glued to Finglish words: "tamrinesh", "kelasa", "nomrash", "ketabaro".
_ENDINGS = (
    "haro",
    "hash",
    "haye",
    "ha",
    "esh",
    "ash",
    "aro",
    "ro",
    "am",
    "et",
    "mun",
    "tun",
    "e",
    "a",
    "o",
    "i",
    "s",
)


@cache
def _table() -> dict[str, str]:
    return dict(lexicon().transliteration)


@cache
def _english() -> frozenset[str]:
    """Return English words that no Finglish spelling shares: function, question and order
    words, but not item words such as "quiz" or "class", which Finglish uses too."""
    lex = lexicon()
    words = {*lex.stopwords, *lex.words.question}
    for group in (lex.intents, lex.order, lex.spans):
        for values in group.values():
            words.update(values)
    # Item and deadline words ("ddl", "deadline") are used in Finglish as they are.
    words -= set(lex.submit) | {w for group in lex.focus.values() for w in group}
    # Nor do the words Finglish writes as English does ("final", "nowruz").
    words -= set(lex.shared_with_english)
    return frozenset(w for w in words if w.isascii() and w not in lex.transliteration)


@cache
def _shared() -> frozenset[str]:
    """Return Finglish spellings that are English words too ("key", "in", "do")."""
    return frozenset(lexicon().shared_with_english)


@lru_cache(maxsize=8192)
def persian_of(word: str) -> str | None:
    """Return the Persian word a Finglish spelling stands for, or None."""
    table = _table()
    if word in table:
        return table[word]
    for ending in _ENDINGS:
        base = word.removesuffix(ending)
        # A short shared base ("in", "do") with an ending is another English word ("ink",
        # "dot"); a long one is a Finglish word with its ending ("esfande").
        shared = base in _shared() and len(base) < 5
        if base != word and len(base) >= 3 and base in table and not shared:
            return table[base]
    return None


@cache
def _pairs() -> frozenset[str]:
    return frozenset(lexicon().finglish_pairs)


def is_finglish(text: str) -> bool:
    """Tell whether Latin-script text is Persian: more Finglish words than English ones.

    A spelling that is an English word too ("key", "in") counts half, and such words alone
    never make a question Finglish.
    """
    words = _LATIN_WORD.findall(text.casefold().replace("'", ""))
    shared = _shared()
    known = [w for w in words if persian_of(w) is not None]
    # "ta key?", "email e Narges": pairs of words only Finglish puts together.
    paired = sum(1.0 for pair in pairwise(words) if " ".join(pair) in _pairs())
    if all(w in shared for w in known) and not paired:
        return False  # "key dates in esfand": English words that Finglish spells the same
    finglish = sum(0.5 if w in shared else 1.0 for w in known) + paired
    english = sum(1 for w in words if w in _english())
    return finglish >= 1 and finglish > english


def transliterate(text: str) -> str:
    """Write the Finglish words of normalised text in Persian script, leaving the rest."""
    # Finglish writes ع and ء as an apostrophe: "ba'd" is بعد, "so'al" سوال.
    text = _GLOTTAL.sub("", text)
    return _LATIN_WORD.sub(lambda m: persian_of(m.group()) or m.group(), text)
