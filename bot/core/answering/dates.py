"""Find the days, months and ranges a question names, and the days a span covers."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, timedelta, tzinfo

from bot.core.answering.question import SPAN_WORDS, WEEKDAY_WORDS, Question
from bot.core.lang.calendar import (
    MONTHS_EN,
    MONTHS_FA,
    CalendarError,
    jalali_to_date,
    month_number,
    to_jalali,
    week_start,
)
from bot.core.lang.lexicon import Mark, lexicon
from bot.core.lang.text import normalize

LEX = lexicon()
_ISO_DATE = re.compile(r"\b(\d{4})[-/](\d{1,2})[-/](\d{1,2})\b")


def find_time(question: Question, today: date, term: Term | None) -> None:
    """Read the span, the weekday or the dates a question names into it."""
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
