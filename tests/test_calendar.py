"""Jalali calendar: parsing, conversion, formatting and the Tehran offset."""

from datetime import UTC, date, datetime, time, timedelta

import pytest

from bot.core.lang.calendar import (
    TEHRAN,
    CalendarError,
    at,
    format_date,
    format_datetime,
    parse_day_month,
    parse_when,
    week_start,
)

# Every row of the syllabus's class schedule with its Gregorian date and weekday.
SCHEDULE_ROWS = [
    ("17 Bahman 1401", date(2023, 2, 6), "Mon"),
    ("24 Bahman 1401", date(2023, 2, 13), "Mon"),
    ("1 Esfand 1401", date(2023, 2, 20), "Mon"),
    ("6 Esfand 1401", date(2023, 2, 25), "Sat"),
    ("8 Esfand 1401", date(2023, 2, 27), "Mon"),
    ("13 Esfand 1401", date(2023, 3, 4), "Sat"),
    ("15 Esfand 1401", date(2023, 3, 6), "Mon"),
    ("20 Esfand 1401", date(2023, 3, 11), "Sat"),
    ("22 Esfand 1401", date(2023, 3, 13), "Mon"),
    ("27 Esfand 1401", date(2023, 3, 18), "Sat"),
    ("14 Farvardin 1402", date(2023, 4, 3), "Mon"),
    ("19 Farvardin 1402", date(2023, 4, 8), "Sat"),
    ("21 Farvardin 1402", date(2023, 4, 10), "Mon"),
    ("26 Farvardin 1402", date(2023, 4, 15), "Sat"),
    ("28 Farvardin 1402", date(2023, 4, 17), "Mon"),
    ("4 Ord 1402", date(2023, 4, 24), "Mon"),
    ("9 Ord 1402", date(2023, 4, 29), "Sat"),
    ("11 Ord 1402", date(2023, 5, 1), "Mon"),
    ("16 Ord 1402", date(2023, 5, 6), "Sat"),
    ("18 Ord 1402", date(2023, 5, 8), "Mon"),
    ("23 Ord 1402", date(2023, 5, 13), "Sat"),
    ("25 Ord 1402", date(2023, 5, 15), "Mon"),
    ("30 Ord 1402", date(2023, 5, 20), "Sat"),
    ("1 Khr 1402", date(2023, 5, 22), "Mon"),
    ("6 Khr 1402", date(2023, 5, 27), "Sat"),
    ("8 Khr 1402", date(2023, 5, 29), "Mon"),
    ("13 Khr 1402", date(2023, 6, 3), "Sat"),
    ("10 Tir 1402", date(2023, 7, 1), "Sat"),
]


@pytest.mark.parametrize(("text", "gregorian", "weekday"), SCHEDULE_ROWS)
def test_schedule_rows_convert_to_their_gregorian_dates(text, gregorian, weekday):
    """Each schedule row's Jalali date converts to the right Gregorian date and weekday."""
    converted = parse_when(_iso(text)).date()
    assert converted == gregorian
    assert converted.strftime("%a") == weekday


def _iso(text: str) -> str:
    day, month, year = parse_day_month(text)
    return f"{year}-{month:02d}-{day:02d}"


def test_every_2023_day_is_utc_plus_0330():
    """Iran has no DST since 2022, so every moment of 2023 in Tehran is UTC+03:30."""
    day = date(2023, 1, 1)
    while day.year == 2023:
        for clock in (time(0, 30), time(12, 0), time(23, 59)):
            assert at(day, clock).utcoffset() == timedelta(hours=3, minutes=30), day
        day += timedelta(days=1)


def test_summer_2023_moment_converts_to_utc_without_dst():
    """A July 2023 class at 16:30 Tehran is 13:00 UTC, not 12:00 as under the old DST rules."""
    moment = at(date(2023, 7, 1), time(16, 30))
    assert moment.astimezone(UTC) == datetime(2023, 7, 1, 13, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("17 Bahman", (17, 11, None)),
        ("1 Khr", (1, 3, None)),
        ("11 Ord", (11, 2, None)),
        ("۸ اسفند ۱۴۰۱", (8, 12, 1401)),
        ("٢٧ اسفند", (27, 12, None)),
        ("14 farvardin 1402", (14, 1, 1402)),
        ("3rd Tir", (3, 4, None)),
        ("۱ اردیبهشت", (1, 2, None)),
    ],
)
def test_parse_day_month_reads_english_persian_and_abbreviations(text, expected):
    """Day-month text in English, Persian, abbreviations and any digit script parses."""
    assert parse_day_month(text) == expected


@pytest.mark.parametrize("text", ["Bahman 17", "32 Farvardin", "31 Mehr", "5 Smarch", ""])
def test_parse_day_month_rejects_nonsense(text):
    """Impossible days, unknown months and wrong order raise CalendarError."""
    with pytest.raises(CalendarError):
        parse_day_month(text)


def test_parse_when_reads_jalali_below_1700_and_gregorian_above():
    """A year below 1700 is Jalali; otherwise Gregorian; both land in Tehran time."""
    jalali = parse_when("1401-12-05T10:00")
    gregorian = parse_when("2023-02-24T10:00")
    assert jalali == gregorian
    assert jalali.tzinfo is TEHRAN
    assert parse_when("۱۴۰۱-۱۲-۰۵").hour == 0
    assert parse_when("1401-12-05", end_of_day=True).hour == 23


def test_parse_when_honours_an_explicit_offset():
    """An ISO string with an offset is converted into the course's timezone."""
    moment = parse_when("2023-02-24T06:30Z")
    assert moment.hour == 10 and moment.minute == 0


@pytest.mark.parametrize("text", ["tomorrow", "1401-13-01", "2023-02-30", "1401-12-05T25:00"])
def test_parse_when_rejects_bad_input_with_a_clear_error(text):
    """Unreadable dates raise CalendarError naming the input."""
    with pytest.raises(CalendarError, match="cannot read"):
        parse_when(text)


def test_format_date_in_english_and_persian():
    """Dates read as 'Mon 8 Esfand 1401 (27 Feb 2023)' and 'دوشنبه ۸ اسفند ۱۴۰۱'."""
    day = date(2023, 2, 27)
    assert format_date(day, "en") == "Mon 8 Esfand 1401 (27 Feb 2023)"
    assert format_date(day, "fa") == "دوشنبه ۸ اسفند ۱۴۰۱"


def test_format_datetime_adds_the_time_in_the_language_digits():
    """Date-times add HH:MM, with Persian digits in Persian."""
    moment = at(date(2023, 3, 20), time(23, 59))
    assert format_datetime(moment, "en").endswith(", 23:59")
    assert format_datetime(moment, "fa").endswith("۲۳:۵۹")


def test_week_starts_on_saturday():
    """The Iranian week runs Saturday to Friday."""
    assert week_start(date(2023, 3, 16)) == date(2023, 3, 11)
    assert week_start(date(2023, 3, 11)) == date(2023, 3, 11)
    assert week_start(date(2023, 3, 17)) == date(2023, 3, 11)
    assert week_start(date(2023, 3, 18)) == date(2023, 3, 18)
