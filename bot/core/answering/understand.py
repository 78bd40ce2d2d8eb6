"""Read a question: which items it names, which moment or span it asks about, and what it asks."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from functools import lru_cache
from typing import Any

import jdatetime
from rapidfuzz import fuzz, process

from bot.core.lang.calendar import (
    MONTHS_EN,
    MONTHS_FA,
    CalendarError,
    jalali_to_date,
    month_number,
    to_jalali,
    week_start,
)
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
# "phase two of the project": the phase word carries the number, not the project word.
_PHASE = {w for w in LEX.kinds.get("project", []) if w.startswith(("ph", "فاز"))}
_PROJECT_ONLY = set(LEX.kinds.get("project", [])) - _PHASE
CARDINALS = dict(LEX.cardinals)
ORDINALS = dict(LEX.ordinals)
# Words that may sit between a kind and its number: "quiz number 3", "phase #2", "فاز شماره ۲".
_FILLERS = set(LEX.fillers)
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
_ORDER_WORDS = NEXT_WORDS | LAST_WORDS | FIRST_WORDS | FINAL_WORDS | REMAINING_WORDS
# Multi-word phrases are joined before tokenising so each reads as one word.
_PHRASES = [(re.compile(p.pattern), f" {p.token} ") for p in LEX.phrases]
SPAN_WORDS: dict[str, str] = _inverse(LEX.spans)
_PATTERNS = {
    Mark(name): re.compile("|".join(f"(?:{p})" for p in ps)) for name, ps in LEX.patterns if ps
}
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

_SPLIT_ALNUM = re.compile(
    r"(?<=[a-z\u0600-\u06ff])(?=\d)|(?<=\d)(?=[a-z\u0600-\u06ff])(?!(?:st|nd|rd|th)\b)"
)
_TOKEN = re.compile(r"[a-z\u0600-\u06ff]+|\d+(?:st|nd|rd|th)?")
_ISO_DATE = re.compile(r"\b(\d{4})[-/](\d{1,2})[-/](\d{1,2})\b")


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
    norm = _SPLIT_ALNUM.sub(" ", norm)
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


@lru_cache(maxsize=8192)
def kind_of(token: str) -> Kind | None:
    """Return the item kind a token names, tolerating typos and Persian endings."""
    if token in KIND_WORDS:
        return KIND_WORDS[token]
    if not token.isascii():
        # "کوییزی", "تمرینا", "کوییزها": a plural or indefinite ending on a kind word.
        for ending in _PERSIAN_ENDINGS:
            base = token.removesuffix(ending)
            if base != token and base in KIND_WORDS:
                return KIND_WORDS[base]
        return None
    fixed = _fuzzy_kind(token)
    return KIND_WORDS[fixed] if fixed else None


def understand(text: str, names: dict[str, str], today: date, term: Term | None = None) -> Question:
    """Read a question's item references, span, intents and focus.

    ``names`` maps each workshop's normalised names and aliases to its id suffix; ``term``
    (first and last day of the course) places dates and months named without a year.
    """
    tokens = tokenize(text, names)
    question = Question(text=text, tokens=tokens)
    norm = _SPLIT_ALNUM.sub(" ", reading(text))
    question.marks = {name for name, pattern in _PATTERNS.items() if pattern.search(norm)}
    _find_refs(question, frozenset(names.values()))
    if "same_day" in question.marks and len(question.refs) == 1 and question.relation is None:
        question.relation = ("same", question.refs[0])
    _find_time(question, today, term)
    for index, token in enumerate(tokens):
        intent = INTENT_WORDS.get(token)
        if intent:
            question.intents.add(intent)
        focus = FOCUS_WORDS.get(token) or FOCUS_WORDS.get(kind_of(token) or "")
        if focus and focus not in question.focus:
            question.focus.append(focus)
        if token in NEXT_WORDS:
            question.wants_next = True
            question.consumed.add(index)
        elif token in FIRST_WORDS and _before_focus(tokens, index):
            question.wants_first = True
            question.consumed.add(index)
        elif token in LAST_WORDS or (
            token in FINAL_WORDS and _before_focus(tokens, index, exclude={"project"})
        ):
            question.wants_last = True
            question.consumed.add(index)
        if token in PAST_WORDS:
            question.past_tense = True
        if token in REMAINING_WORDS:
            question.wants_remaining = True
            question.consumed.add(index)
        if index in question.consumed and token in _ORDER_WORDS and not question.order_focus:
            question.order_focus = _focus_within(tokens[index + 1 : index + 4])
            question.order_count = _count_near(tokens, index)
    # "what's due", "next thing to submit": asking for deadlines without naming one.
    if any(tok in SUBMIT_WORDS for tok in tokens) and "deadline" not in question.focus:
        question.focus.append("deadline")
    return question


_UNITS = frozenset(LEX.words.units)


_AFTER_WORDS = frozenset(LEX.order.get("after", []))
_BEFORE_WORDS = frozenset(LEX.order.get("before", []))
# Between "after"/"before" and the item: "right before the", "بعد از".
_RELATION_FILLERS = frozenset(LEX.words.relation_fillers)


def _relation_at(tokens: list[str], start: int) -> str | None:
    """Tell whether an item mentioned at ``start`` follows "after" or "before"."""
    position = start - 1
    while position >= 0 and (
        tokens[position] in _RELATION_FILLERS or kind_of(tokens[position]) is not None
    ):
        position -= 1
    if position < 0:
        return None
    if (
        position >= 2
        and tokens[position - 1] in ("or", "یا")
        and tokens[position - 2] in (_AFTER_WORDS | _BEFORE_WORDS)
    ):
        return None  # "before or after quiz 3?" compares two items; it names no third
    if tokens[position] in _AFTER_WORDS:
        return "after"
    if tokens[position] in _BEFORE_WORDS:
        return "before"
    return None


def _note_relation(question: Question, ref: ItemRef, start: int) -> None:
    direction = _relation_at(question.tokens, start)
    if direction is not None and question.relation is None:
        question.relation = (direction, ref)


def _find_refs(question: Question, workshop_names: frozenset[str]) -> None:
    tokens = question.tokens
    used_numbers: set[int] = set()
    for index, token in enumerate(tokens):
        if token in workshop_names:
            ref = ItemRef("workshop", name=token)
            question.refs.append(ref)
            question.consumed.add(index)
            _note_relation(question, ref, index)
            continue
        kind = kind_of(token)
        if kind is None:
            continue
        question.consumed.add(index)
        if kind not in question.kinds:
            question.kinds.append(kind)
        if token in _PROJECT_ONLY and _phase_nearby(tokens, index):
            continue  # "phase two of the project": the phase word carries the number
        found = _number_near(tokens, index, used_numbers)
        if found is None:
            continue
        for number, position in [found, *_listed(tokens, found[1])]:
            used_numbers.add(position)
            question.consumed.add(position)
            ref = ItemRef(kind, number)
            if ref not in question.refs:
                question.refs.append(ref)
                _note_relation(question, ref, min(index, position))


def _count_near(tokens: list[str], index: int) -> int:
    """Find "two" in "the last two quizzes" or "دو تا کوییز آخر": how many are asked for."""
    for token in [*tokens[index + 1 : index + 3], *tokens[max(0, index - 4) : index]]:
        if token in CARDINALS and 1 < CARDINALS[token] <= 10:
            return CARDINALS[token]
        if token.isdigit() and 1 < int(token) <= 10:
            return int(token)
    return 1


def _focus_within(tokens: list[str]) -> list[Focus]:
    found: list[Focus] = []
    for token in tokens:
        focus = FOCUS_WORDS.get(token) or FOCUS_WORDS.get(kind_of(token) or "")
        if focus and focus not in found:
            found.append(focus)
    return found


def _before_focus(
    tokens: list[str], index: int, exclude: frozenset[str] | set[str] = frozenset()
) -> bool:
    """Tell whether an item or event word follows within two tokens."""
    for token in tokens[index + 1 : index + 3]:
        focus = FOCUS_WORDS.get(token) or kind_of(token)
        if focus and focus not in exclude:
            return True
    return False


def _listed(tokens: list[str], index: int) -> list[tuple[int, int]]:
    """Find more numbers listed after the one at ``index``: "quiz 6 and 7", "CA 1, 2 و 3"."""
    found: list[tuple[int, int]] = []
    position = index + 1
    # "quizzes 2 to 7", "کوییز ۲ تا ۵": every number from the first to the last.
    first = read_number(tokens[index])
    if position + 1 < len(tokens) and tokens[position] in _THROUGH and first and not first[1]:
        last = read_number(tokens[position + 1])
        if last is not None and not last[1] and first[0] < last[0] <= first[0] + 10:
            return [(number, position + 1) for number in range(first[0] + 1, last[0] + 1)]
    while position + 1 < len(tokens) and tokens[position] in {"and", "or", "و", "یا", "&"}:
        number = read_number(tokens[position + 1])
        if number is None or number[1]:
            break
        found.append((number[0], position + 1))
        position += 2
    # A bare comma-separated run ("quizzes 2 3 4" after punctuation is dropped).
    while position < len(tokens) and tokens[position].isdigit() and not found:
        if position + 1 < len(tokens) and tokens[position + 1] in _UNITS_OF_TIME:
            break  # "CA3 2 days late": an amount of time, not CA2
        found.append((int(tokens[position]), position))
        position += 1
    return found


# Words of time after a number make it an amount, not an item's number.
_UNITS_OF_TIME = frozenset(
    [*LEX.words.hour_units, *LEX.words.day_units, *LEX.words.week_units, *LEX.words.minute_units]
)


# Words between the first and the last number of a range.
_THROUGH = frozenset({"to", "through", "thru", "until", "till", "تا"})


def _phase_nearby(tokens: list[str], index: int) -> bool:
    window = tokens[max(0, index - 4) : index + 5]
    return any(tok in _PHASE for tok in window)


def _number_near(tokens: list[str], index: int, used: set[int]) -> tuple[int, int] | None:
    """Find the number that belongs to the kind word at ``index``."""
    # After the kind: "quiz 3", "quiz number three", "کوییز سوم".
    position = index + 1
    while position < len(tokens) and tokens[position] in _FILLERS:
        position += 1
    if position < len(tokens) and position not in used:
        number = read_number(tokens[position])
        unit = tokens[position + 1] if position + 1 < len(tokens) else ""
        # "project 10 points?", "پروژه ۱۰ نمره": an amount, not an item number.
        if number is not None and unit not in _UNITS:
            return number[0], position
    # Before the kind, ordinals only: "third quiz", "سومین کوییز", "third project phase".
    kind = kind_of(tokens[index])
    position = index - 1
    while position >= 0 and (tokens[position] in {"the", "ی"} or kind_of(tokens[position]) == kind):
        position -= 1
    if position >= 0 and position not in used:
        number = read_number(tokens[position])
        if number is not None and number[1]:
            return number[0], position
    return None


def _find_time(question: Question, today: date, term: Term | None) -> None:
    tokens = question.tokens
    for index, token in enumerate(tokens):
        span = SPAN_WORDS.get(token)
        if span is None:
            continue
        question.consumed.add(index)
        if span == "day_after":
            question.span, question.day = "day", today + timedelta(days=2)
        elif question.span is None or question.span == "this_week":
            question.span = span
    # A weekday name means its next occurrence, today included: "what do we have on monday".
    # Two of them ("is class on Sunday and Tuesday?") ask about the weekly days instead.
    if sum(1 for token in tokens if token in WEEKDAY_WORDS) > 1:
        tokens[:] = ["days" if token in WEEKDAY_WORDS else token for token in tokens]
        return _find_dates(question, today, term)
    for index, token in enumerate(tokens):
        weekday = WEEKDAY_WORDS.get(token)
        plural = index + 1 < len(tokens) and tokens[index + 1] in ("ها", "های")
        if weekday is not None and question.span is None and not plural:
            question.consumed.add(index)
            question.span = "day"
            question.day = today + timedelta(days=(weekday - today.weekday()) % 7)
    _find_dates(question, today, term)


def _find_dates(question: Question, today: date, term: Term | None) -> None:
    anchor = term or (today, today)
    day = _explicit_day(question, anchor)
    if day is not None:
        question.span, question.day, question.end = "day", day, None
        found = _range(question, day, anchor)
        if found is not None:
            # "from 25 Farvardin to 5 Ordibehesht", "10-20 Farvardin": every day between.
            question.span, (question.day, question.end) = "month", found
            question.marks.add(Mark.RANGE)
    elif question.span is None:
        _month_span(question, anchor)


def _range(question: Question, day: date, term: Term) -> tuple[date, date] | None:
    """Find a range around the date ``day``: a second date after it, or "10-20 Farvardin"
    (where ``day`` is the 20th)."""
    text = normalize(question.text)
    if not _RANGE_WORD.search(text):
        return None
    first: date | None = day
    last = _explicit_day(question, term, after=max(question.consumed, default=-1) + 1)
    if last is None:
        match = _DAY_RANGE.search(text)
        if match is not None:
            first, last = day - timedelta(days=int(match.group(2)) - int(match.group(1))), day
    if first is None or last is None or not first < last <= first + timedelta(days=_LONGEST_RANGE):
        return None
    return first, last


# "10-20 Farvardin", "۱۰ تا ۲۰ فروردین": two day numbers before one month.
_DAY_RANGE = re.compile(r"\b(\d{1,2})\s*(?:-|–|to|till|until|تا)\s*(\d{1,2})\s+[^\d\s]")
_RANGE_WORD = re.compile(r"-|–|\b(to|till|until|through|between)\b|تا|بین")
_LONGEST_RANGE = 90


# The course's term as (first day, last day): dates named without a year fall inside it.
Term = tuple[date, date]
_DAY_NUMBER = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?$")
_LONG_GREGORIAN = {
    number: [name for name in names if len(name) > 3]
    for number, names in LEX.gregorian_months.items()
}


_GREGORIAN_MONTHS = {
    name: number for number, names in LEX.gregorian_months.items() for name in names
}


def _gregorian_month(token: str) -> int | None:
    return _GREGORIAN_MONTHS.get(token)


def _day_number(token: str) -> int | None:
    match = _DAY_NUMBER.match(token)
    return int(match.group(1)) if match else None


def _closest_to_term(candidates: list[date], term: Term) -> date | None:
    """Pick the date inside the term, else the one nearest to it."""

    def distance(day: date) -> int:
        if term[0] <= day <= term[1]:
            return 0
        return min(abs((day - term[0]).days), abs((day - term[1]).days))

    return min(candidates, key=distance) if candidates else None


def _jalali_candidates(month: int, day: int, year: int | None, term: Term) -> list[date]:
    years = [year] if year else sorted({to_jalali(term[0]).year + k for k in (-1, 0, 1)})
    return _existing(jalali_to_date, years, month, day)


def _gregorian_candidates(month: int, day: int, year: int | None, term: Term) -> list[date]:
    years = [year] if year else sorted({term[0].year - 1, term[0].year, term[1].year})
    return _existing(date, years, month, day)


def _existing(
    make: Callable[[int, int, int], date], years: list[int], month: int, day: int
) -> list[date]:
    """Return the dates ``make`` builds for the day and month in each of ``years`` that exist."""
    found = []
    for year in years:
        try:
            made = make(year, month, day)
        except (ValueError, OverflowError):  # CalendarError too: "30 Esfand" in a common year
            continue
        if made.year in _YEARS:
            found.append(made)
    return found


# The years a question's day may fall in: a day far beyond them names no day of any term, and
# the calendars cannot always write it ("31 December 9999").
_YEARS = range(1900, 2200)


def _in_years(year: int, *, jalali: bool) -> bool:
    """Tell whether a year (Jalali or Gregorian) falls in the years a question may name."""
    return (year + 621 if jalali else year) in _YEARS


def _explicit_day(question: Question, term: Term, after: int = 0) -> date | None:
    """Find "8 Esfand", "۲۷ اسفند ۱۴۰۱", "April 10", "10th of March" or "1401-12-08".

    A day named without a year is that day within the course's term. Tokens before ``after``
    are skipped (the first date of a range).
    """
    tokens = question.tokens
    for index, token in enumerate(tokens):
        if len(token) < 2 or index < after:
            continue
        jalali = month_number(token)
        gregorian = None if jalali else _gregorian_month(token)
        if jalali is None and gregorian is None:
            continue
        # The day stands before the month ("10 April", "10th of April") or after it ("April 10").
        day, day_at = None, None
        before = index - 2 if index >= 2 and tokens[index - 1] == "of" else index - 1
        if before >= after and _day_number(tokens[before]) is not None:
            day, day_at = _day_number(tokens[before]), before
        elif gregorian and index + 1 < len(tokens) and _day_number(tokens[index + 1]) is not None:
            day, day_at = _day_number(tokens[index + 1]), index + 1
        if day is None or day_at is None:
            continue
        year_at = max(index, day_at) + 1
        year = None
        if year_at < len(tokens) and tokens[year_at].isdigit() and len(tokens[year_at]) == 4:
            year = int(tokens[year_at])
            question.consumed.add(year_at)
        if year is not None and not _in_years(year, jalali=bool(jalali)):
            question.beyond_calendar = True
            continue
        if jalali:
            candidates = _jalali_candidates(jalali, day, year, term)
        else:
            assert gregorian is not None
            candidates = _gregorian_candidates(gregorian, day, year, term)
        found = _closest_to_term(candidates, term)
        if found is None:
            continue
        question.consumed.update({day_at, index})
        return found
    match = _ISO_DATE.search(normalize(question.text))
    if match and not after:
        year, month, day = (int(part) for part in match.groups())
        if not _in_years(year, jalali=year < 1700):
            question.beyond_calendar = True
            return None
        try:
            return jalali_to_date(year, month, day) if year < 1700 else date(year, month, day)
        except (CalendarError, ValueError, OverflowError):
            return None
    return None


# Alone (without a day), only full month names count: "may", "dey" and abbreviations such as
# "mar" or "ord" are ordinary words in a chat.
_FULL_MONTHS = frozenset(
    [name.lower() for name in MONTHS_EN[1:]] + [normalize(name) for name in MONTHS_FA[1:]]
) - {"dey", "دی"}
_FULL_GREGORIAN = frozenset(name for names in _LONG_GREGORIAN.values() for name in names) - {"مارس"}


def _month_span(question: Question, term: Term) -> None:
    """Read a bare month name ("quizzes in Esfand", "in April") as that whole month.

    Without a year it is the month within the course's term.
    """
    tokens = question.tokens
    for index, token in enumerate(tokens):
        year_token = tokens[index + 1] if index + 1 < len(tokens) else ""
        year = int(year_token) if year_token.isdigit() and len(year_token) == 4 else None
        if token in _FULL_MONTHS:
            month = month_number(token)
            assert month is not None
            firsts = _jalali_candidates(month, 1, year, term)
            pairs = [(first, _jalali_month_end(first)) for first in firsts]
        elif token in _FULL_GREGORIAN:
            month = _gregorian_month(token)
            assert month is not None
            firsts = _gregorian_candidates(month, 1, year, term)
            pairs = [(first, _gregorian_month_end(first)) for first in firsts]
        else:
            continue
        if not pairs:
            continue
        first, last = min(pairs, key=lambda pair: _overlap_distance(pair, term))
        question.span, question.day, question.end = "month", first, last
        question.consumed.add(index)
        if year is not None:
            question.consumed.add(index + 1)
        return


def _overlap_distance(span: tuple[date, date], term: Term) -> int:
    """Return 0 when the span overlaps the term, else the days between them."""
    if span[1] < term[0]:
        return (term[0] - span[1]).days
    if span[0] > term[1]:
        return (span[0] - term[1]).days
    return 0


def _jalali_month_end(first: date) -> date:
    jalali = to_jalali(first)
    last = first + timedelta(days=(31 if jalali.month <= 6 else 30) - 1)
    # Esfand has 29 days in common years: stop before the next month starts.
    while to_jalali(last).month != jalali.month:
        last -= timedelta(days=1)
    return last


def _gregorian_month_end(first: date) -> date:
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return following - timedelta(days=1)


def span_bounds(
    span: str, today: date, day: date | None, end: date | None = None
) -> tuple[date, date]:
    """Return the first and last day of a span relative to ``today``."""
    if span == "today":
        return today, today
    if span == "tomorrow":
        return today + timedelta(days=1), today + timedelta(days=1)
    if span == "yesterday":
        return today - timedelta(days=1), today - timedelta(days=1)
    if span == "day" and day is not None:
        return day, day
    if span == "month" and day is not None:
        return day, end or _jalali_month_end(day)
    first = week_start(today)
    if span == "next_week":
        first += timedelta(days=7)
    elif span == "last_week":
        first -= timedelta(days=7)
    return first, first + timedelta(days=6)


def as_local(now: datetime, tz: tzinfo) -> datetime:
    """Return ``now`` in the course's timezone (naive values are taken as already local)."""
    return now.replace(tzinfo=tz) if now.tzinfo is None else now.astimezone(tz)


def days_named(question: Question, term: Term) -> list[tuple[int, date]]:
    """Return every day the question names, each with the position of its first word."""
    scratch = Question(text=question.text, tokens=question.tokens)
    found: list[tuple[int, date]] = []
    after = 0
    while True:
        seen = set(scratch.consumed)
        day = _explicit_day(scratch, term, after)
        if day is None:
            return found
        taken = scratch.consumed - seen
        if not taken:  # an ISO date, which has no word position
            return [*found, (0, day)]
        found.append((min(taken), day))
        after = max(taken) + 1
