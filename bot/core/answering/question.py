"""Read a question into tokens, tell the words they are, and hold what is understood of it."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any, TypeVar

import jdatetime
from rapidfuzz import fuzz, process

from bot.core.lang.calendar import MONTHS_FA
from bot.core.lang.finglish import is_finglish, transliterate
from bot.core.lang.lexicon import Focus, Intent, Kind, Mark, lexicon
from bot.core.lang.text import normalize

LEX = lexicon()


def _inverse(groups: Mapping[Any, list[str]]) -> dict[str, Any]:
    """Turn {name: [word, …]} into {word: name}, the first name listed winning."""
    found: dict[str, Any] = {}
    for name, words in groups.items():
        for word in words:
            found.setdefault(word, name)
    return found


# Words that name a kind of item, in the forms students type them (already normalised).
KIND_WORDS: dict[str, Kind] = _inverse(LEX.kinds)
CARDINALS = dict(LEX.cardinals)
ORDINALS = dict(LEX.ordinals)
# Words that ask about deadlines even without the word "deadline".
SUBMIT_WORDS = set(LEX.submit)
INTENT_WORDS: dict[str, Intent] = _inverse(LEX.intents)
NEXT_WORDS = set(LEX.order.get("next", []))
LAST_WORDS = set(LEX.order.get("last", []))
FIRST_WORDS = set(LEX.order.get("first", []))
# "what's left to submit": every remaining event of a kind.
REMAINING_WORDS = set(LEX.order.get("remaining", []))
# "final" means "last" only before an item word: "final quiz", not "final exam".
FINAL_WORDS = set(LEX.order.get("final", []))
PAST_WORDS = set(LEX.order.get("past", []))
FOCUS_WORDS: dict[str, Focus] = _inverse(LEX.focus)
# Multi-word phrases are joined before tokenising so each reads as one word.
_PHRASES = [(re.compile(p.pattern), f" {p.token} ") for p in LEX.phrases]
SPAN_WORDS: dict[str, str] = _inverse(LEX.spans)
# Python's weekday numbers: 0 = Monday; jdatetime's names start on Saturday.
WEEKDAY_WORDS = {
    normalize(name).replace(" ", ""): (index + 5) % 7
    for names in (jdatetime.date.j_weekdays_en, jdatetime.date.j_weekdays_fa)
    for index, name in enumerate(names)
}
# Persian words a question typed without spaces is split into (see _segment).
_SEGMENT_WORDS = frozenset(
    word
    for word in (
        *KIND_WORDS,
        *INTENT_WORDS,
        *FOCUS_WORDS,
        *SPAN_WORDS,
        *WEEKDAY_WORDS,
        *LEX.cardinals,
        *LEX.ordinals,
        *LEX.stopwords,
        *LEX.submit,
        *(word for words in LEX.order.values() for word in words),
        *(normalize(name) for name in MONTHS_FA[1:]),
        *LEX.words.question,
        *LEX.words.small_talk,
        *LEX.words.when,
    )
    if not word.isascii() and " " not in word and len(word) >= 2
)
SPLIT_ALNUM = re.compile(
    r"(?<=[a-z\u0600-\u06ff])(?=\d)|(?<=\d)(?=[a-z\u0600-\u06ff])(?!(?:st|nd|rd|th)\b)"
)
_TOKEN = re.compile(r"[a-z\u0600-\u06ff]+|\d+(?:st|nd|rd|th)?")


@dataclass(frozen=True)
class ItemRef:
    """A named item: a kind and a number (or a workshop's name)."""

    kind: Kind
    number: int | None = None
    name: str | None = None


@dataclass
class Question:
    """What the engine understood of a question."""

    text: str
    tokens: list[str]
    # Names of the lexicon's patterns the question matches: "count", "until", "nowruz", …
    marks: set[Mark] = field(default_factory=set)
    refs: list[ItemRef] = field(default_factory=list)
    kinds: list[Kind] = field(default_factory=list)
    intents: set[Intent] = field(default_factory=set)
    focus: list[Focus] = field(default_factory=list)
    span: str | None = None
    day: date | None = None
    # The last day of a month span.
    end: date | None = None
    wants_next: bool = False
    wants_last: bool = False
    wants_first: bool = False
    wants_remaining: bool = False
    # The item or event words right after "next"/"last"/"first": what the order applies to.
    order_focus: list[Focus] = field(default_factory=list)
    # How many of them: "the last two quizzes".
    order_count: int = 1
    past_tense: bool = False
    # "the quiz after quiz 3", "قبل از کارگاه MLflow": ("after" or "before", that item).
    relation: tuple[str, ItemRef] | None = None
    # A day named in a year no term is in ("31 December 9999").
    beyond_calendar: bool = False
    consumed: set[int] = field(default_factory=set)

    @property
    def leftover(self) -> list[str]:
        """Return the tokens not explained by items, numbers, spans or intents."""
        return [tok for i, tok in enumerate(self.tokens) if i not in self.consumed]


@lru_cache(maxsize=4096)
def reading(text: str) -> str:
    """Return the question normalised, with Finglish written in Persian script."""
    norm = normalize(text)
    return transliterate(norm) if is_finglish(norm) else norm


def tokenize(text: str, names: dict[str, str] | None = None) -> list[str]:
    """Normalise a question and split it into tokens, joining known phrases and ``names``."""
    if not names:
        return list(_plain_tokens(text))
    return _tokenize(text, names)


@lru_cache(maxsize=8192)
def _plain_tokens(text: str) -> tuple[str, ...]:
    # Clauses, prefixes and parts of one message are tokenised again and again.
    return tuple(_tokenize(text, None))


def _tokenize(text: str, names: dict[str, str] | None) -> list[str]:
    norm = reading(text)
    for phrase, token in (names or {}).items():
        if phrase in norm:
            norm = norm.replace(phrase, f" {token} ")
    norm = SPLIT_ALNUM.sub(" ", norm)
    for pattern, replacement in _PHRASES:
        norm = pattern.sub(replacement, norm)
    return [piece for token in _TOKEN.findall(norm) for piece in _segment(token)]


@lru_cache(maxsize=4096)
def _segment(token: str) -> tuple[str, ...]:
    """Split Persian typed without spaces ("ددلاینتمرینسهکیه") into known words.

    Only a long unknown word that splits wholly into three or more known ones is split, so
    an ordinary word is never cut up.
    """
    if token.isascii() or len(token) < 7 or token in _SEGMENT_WORDS:
        return (token,)
    size = len(token)
    best: list[tuple[str, ...] | None] = [None] * (size + 1)
    best[0] = ()
    for start in range(size):
        sofar = best[start]
        if sofar is None:
            continue
        for end in range(start + 2, min(size, start + 12) + 1):
            if token[start:end] in _SEGMENT_WORDS:
                found = best[end]
                if found is None or len(sofar) + 1 < len(found):
                    best[end] = (*sofar, token[start:end])
    pieces = best[size]
    return pieces if pieces is not None and len(pieces) >= 3 else (token,)


def read_number(token: str) -> tuple[int, bool] | None:
    """Return (number, is_ordinal) for digits, number words or ordinals."""
    if token.isdigit():
        return int(token), False
    if token in ORDINALS:
        return ORDINALS[token], True
    if token in CARDINALS:
        return CARDINALS[token], False
    for ending in _ORDINAL_ENDINGS:
        # "کوییز ششمه" (it is the sixth), "سومیه"
        if token.endswith(ending) and token[: -len(ending)] in ORDINALS:
            return ORDINALS[token[: -len(ending)]], True
    return None


_ORDINAL_ENDINGS = ("ه", "یه", "ست", "است")


@lru_cache(maxsize=4096)
def _fuzzy_kind(token: str) -> str | None:
    # Only Latin words long enough to carry a typo are corrected ("asignment", "homwork"); the
    # Persian spellings are listed, and short Persian words are too close to one another.
    if len(token) < 4 or not token.isascii():
        return None
    match = process.extractOne(token, _KIND_VOCAB, scorer=fuzz.ratio, score_cutoff=80)
    # A short word is a typo of a word about its length: "phse" is "phase", "pass" no "phases".
    if match is None or (len(token) < 6 and abs(len(match[0]) - len(token)) > 1):
        return None
    return match[0]


_KIND_VOCAB = [word for word in KIND_WORDS if len(word) >= 4 and " " not in word]
# Plural, indefinite and object endings: "کوییزی", "تمرینا", "تمرینو", "کوییزها".
_PERSIAN_ENDINGS = tuple(sorted(LEX.endings, key=len, reverse=True))


T = TypeVar("T")


def under_ending(token: str, table: Mapping[str, T]) -> T | None:
    """Return what ``table`` gives ``token``, or the Persian word under its ending."""
    if token in table:
        return table[token]
    if not token.isascii():
        # "کوییزی", "تمرینا", "فاینالو": a plural, indefinite or object ending on the word.
        for ending in _PERSIAN_ENDINGS:
            base = token.removesuffix(ending)
            if base != token and base in table:
                return table[base]
    return None


@lru_cache(maxsize=8192)
def kind_of(token: str) -> Kind | None:
    """Return the item kind a token names, tolerating typos and Persian endings."""
    kind = under_ending(token, KIND_WORDS)
    if kind is not None or not token.isascii():
        return kind
    fixed = _fuzzy_kind(token)
    return KIND_WORDS[fixed] if fixed else None
