"""Jalali dates in the course's timezone: parsing, conversion and formatting for people."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime, time, timedelta, tzinfo
from functools import cache, lru_cache
from zoneinfo import ZoneInfo

import jdatetime

from bot.core.lang.lexicon import lexicon
from bot.core.lang.text import normalize, to_ascii_digits

TEHRAN = ZoneInfo("Asia/Tehran")

# Index 0 is unused so that month numbers index directly.
MONTHS_EN = (
    "",
    "Farvardin",
    "Ordibehesht",
    "Khordad",
    "Tir",
    "Mordad",
    "Shahrivar",
    "Mehr",
    "Aban",
    "Azar",
    "Dey",
    "Bahman",
    "Esfand",
)
MONTHS_FA = (
    "",
    "فروردین",
    "اردیبهشت",
    "خرداد",
    "تیر",
    "مرداد",
    "شهریور",
    "مهر",
    "آبان",
    "آذر",
    "دی",
    "بهمن",
    "اسفند",
)
# Python's weekday(): 0 = Monday.
WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
WEEKDAYS_EN_LONG = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
WEEKDAYS_FA = ("دوشنبه", "سه‌شنبه", "چهارشنبه", "پنجشنبه", "جمعه", "شنبه", "یکشنبه")
GREGORIAN_MONTHS = (
    "",
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "May",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Oct",
    "Nov",
    "Dec",
)


@cache
def _month_aliases() -> dict[str, int]:
    """Map every spelling of a Jalali month (jdatetime's names and the lexicon's) to its number."""
    aliases: dict[str, int] = {}
    for number in range(1, 13):
        for name in (
            jdatetime.date.j_months_en[number - 1],
            jdatetime.date.j_months_fa[number - 1],
        ):
            aliases[normalize(name)] = number
    for number, names in lexicon().months.items():
        for name in names:
            aliases[name] = number
    return aliases


_DAY_MONTH = re.compile(r"^\s*(\d{1,2})\s*(?:st|nd|rd|th)?\s+([^\d\s]+)\s*(\d{4})?\s*$")


class CalendarError(ValueError):
    """A date or time that cannot be read."""


@lru_cache(maxsize=4096)
def month_number(name: str) -> int | None:
    """Return the Jalali month number for an English or Persian month name."""
    return _month_aliases().get(normalize(name.strip()))


def parse_day_month(text: str, *, year: int | None = None) -> tuple[int, int, int | None]:
    """Parse "17 Bahman", "1 Khr" or "۸ اسفند ۱۴۰۱" into (day, month, year or None)."""
    match = _DAY_MONTH.match(to_ascii_digits(text))
    if not match:
        raise CalendarError(f"expected '<day> <Jalali month> [year]', got {text!r}")
    day, month_name, year_text = match.groups()
    month = month_number(month_name)
    if month is None:
        raise CalendarError(f"unknown Jalali month {month_name!r} in {text!r}")
    found_year = int(year_text) if year_text else year
    day_number = int(day)
    limit = 31 if month <= 6 else 30
    if not 1 <= day_number <= limit:
        raise CalendarError(f"day {day_number} is out of range for {MONTHS_EN[month]}")
    return day_number, month, found_year


def jalali_to_date(year: int, month: int, day: int) -> date:
    """Convert a Jalali date to a Gregorian one."""
    try:
        result: date = jdatetime.date(year, month, day).togregorian()
    except ValueError as exc:
        raise CalendarError(f"{year}-{month:02d}-{day:02d} is not a Jalali date: {exc}") from exc
    return result


def to_jalali(day: date) -> jdatetime.date:
    """Convert a Gregorian date to Jalali."""
    return jdatetime.date.fromgregorian(date=day)


def at(day: date, clock: time, tz: tzinfo = TEHRAN) -> datetime:
    """Combine a date and a wall-clock time into an aware datetime in ``tz``."""
    return datetime.combine(day, clock, tzinfo=tz)


# The days a moment may be given on: far enough from the ends of Python's calendar that any
# reckoning from them (next week, the whole term, a year on) stays inside it.
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2199, 12, 31)
SUPPORTED = "dates from 1900-01-01 to 2199-12-31 (Jalali 1278-10-11 to 1578-10-10) are supported"


def parse_when(text: str, tz: tzinfo = TEHRAN, *, end_of_day: bool = False) -> datetime:
    """Read an ISO date or date-time; a year below 1700 is Jalali, and naive times are in ``tz``."""
    raw = to_ascii_digits(text.strip()).replace(" ", "T", 1)
    match = re.fullmatch(
        r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:T(\d{1,2}):(\d{2})(?::(\d{2}))?)?(Z|[+-]\d{2}:?\d{2})?",
        raw,
    )
    if not match:
        raise CalendarError(
            f"cannot read {text!r}: use an ISO date or date-time such as 1401-12-05T10:00"
        )
    year, month, day = (int(part) for part in match.group(1, 2, 3))
    try:
        day_value = jalali_to_date(year, month, day) if year < 1700 else date(year, month, day)
    except (ValueError, OverflowError) as exc:
        raise CalendarError(f"cannot read {text!r}: {exc}") from exc
    if not FIRST_DAY <= day_value <= LAST_DAY:
        raise CalendarError(f"cannot read {text!r}: {SUPPORTED}")
    if match.group(4) is None:
        clock = time(23, 59, 59) if end_of_day else time(0, 0)
    else:
        try:
            clock = time(int(match.group(4)), int(match.group(5)), int(match.group(6) or 0))
        except ValueError as exc:
            raise CalendarError(f"cannot read {text!r}: {exc}") from exc
    offset = match.group(7)
    if offset:
        normalised = "+00:00" if offset == "Z" else offset
        try:
            aware = datetime.fromisoformat(
                f"{day_value.isoformat()}T{clock.isoformat()}{normalised}"
            )
        except ValueError as exc:
            raise CalendarError(
                f"cannot read {text!r}: the offset {offset} is out of range (-23:59 to +23:59)"
            ) from exc
        return aware.astimezone(tz)
    return at(day_value, clock, tz)


def to_persian_digits(text: str) -> str:
    """Write ASCII digits as Persian digits."""
    return text.translate(_TO_PERSIAN)


_TO_PERSIAN = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


@contextmanager
def both_calendars() -> Iterator[None]:
    """Write Persian dates with the Gregorian date beside them, as English ones always are,
    while the block runs (for a student who asked "به میلادی")."""
    token = _BOTH.set(True)
    try:
        yield
    finally:
        _BOTH.reset(token)


_BOTH: ContextVar[bool] = ContextVar("both_calendars", default=False)


def format_date(day: date, lang: str) -> str:
    """Format a date for people: ``Mon 8 Esfand 1401 (27 Feb 2023)`` or ``دوشنبه ۸ اسفند ۱۴۰۱``."""
    jalali = to_jalali(day)
    weekday = day.weekday()
    if lang == "fa":
        text = f"{WEEKDAYS_FA[weekday]} {jalali.day} {MONTHS_FA[jalali.month]} {jalali.year}"
        if _BOTH.get():
            return f"{to_persian_digits(text)} ({format_gregorian(day, lang)})"
        return to_persian_digits(text)
    return (
        f"{WEEKDAYS_EN[weekday]} {jalali.day} {MONTHS_EN[jalali.month]} {jalali.year}"
        f" ({day.day} {GREGORIAN_MONTHS[day.month]} {day.year})"
    )


def format_gregorian(day: date, lang: str) -> str:
    """Format a date in the Gregorian calendar alone: ``10 Apr 2023`` or ``۱۰ آوریل ۲۰۲۳``."""
    if lang == "fa":
        return to_persian_digits(f"{day.day} {_GREGORIAN_MONTHS_FA[day.month]} {day.year}")
    return f"{day.day} {GREGORIAN_MONTHS[day.month]} {day.year}"


_GREGORIAN_MONTHS_FA = (
    "",
    "ژانویه",
    "فوریه",
    "مارس",
    "آوریل",
    "مه",
    "ژوئن",
    "ژوئیه",
    "اوت",
    "سپتامبر",
    "اکتبر",
    "نوامبر",
    "دسامبر",
)


def format_time(moment: datetime | time, lang: str) -> str:
    """Format a wall-clock time as HH:MM, in Persian digits for Persian."""
    text = f"{moment.hour:02d}:{moment.minute:02d}"
    return to_persian_digits(text) if lang == "fa" else text


_WEEKDAYS_LONG_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def weekday_name(day: date, lang: str) -> str:
    """Return the full name of the day of the week of ``day`` in ``lang``."""
    if lang == "fa":
        return str(jdatetime.date.j_weekdays_fa[to_jalali(day).weekday()])
    return _WEEKDAYS_LONG_EN[day.weekday()]


def format_datetime(moment: datetime, lang: str) -> str:
    """Format a date and time for people, in the moment's own timezone."""
    separator = "، ساعت " if lang == "fa" else ", "
    return f"{format_date(moment.date(), lang)}{separator}{format_time(moment, lang)}"


def jalali_iso(day: date) -> str:
    """Return the Jalali date as YYYY-MM-DD."""
    jalali = to_jalali(day)
    return f"{jalali.year:04d}-{jalali.month:02d}-{jalali.day:02d}"


def week_start(day: date) -> date:
    """Return the Saturday that starts the Iranian week containing ``day``."""
    # Python counts Monday as 0, so Saturday is 5.
    return day - timedelta(days=(day.weekday() - 5) % 7)
