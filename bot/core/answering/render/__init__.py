"""Word a result in English or Persian: one function per kind of result, no computation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.core.answering.render import basic, calendar, grades, items, policy, spans
from bot.core.answering.results import (
    AfterDay,
    Agenda,
    Ahead,
    AroundBreak,
    BothCalendars,
    ClassOnDay,
    Comparison,
    Countdown,
    Counted,
    CountedEvents,
    DayFacts,
    Declined,
    Done,
    Entry,
    Gap,
    Greeting,
    ItemFacts,
    Lasting,
    LateFacts,
    Listed,
    Missing,
    Nearest,
    Needed,
    OpenWork,
    Overview,
    Result,
    SectionDates,
    SectionItems,
    Share,
    TermEnd,
    TermStart,
    Unknown,
    Unsaid,
    Weekday,
    Weights,
    WhatIf,
)
from bot.core.course.course import Course
from bot.core.lang.calendar import both_calendars, format_date, format_gregorian, weekday_name
from bot.core.lang.i18n import t

Renderer = Callable[[Course, Any, str], str]


def render(course: Course, result: Result, lang: str) -> str:
    """Word ``result`` in ``lang``."""
    return RENDERERS[type(result)](course, result, lang)


def in_both_calendars(course: Course, result: BothCalendars, lang: str) -> str:
    """Word an answer with its dates in both calendars."""
    with both_calendars():
        return render(course, result.rest, lang)


def day(course: Course, result: DayFacts, lang: str) -> str:
    """Say a day in both calendars, with its weekday."""
    jalali = format_date(result.day, lang).split(" ", 1)[1].split(" (")[0]
    return t(
        lang,
        "answer.day",
        jalali=jalali,
        gregorian=format_gregorian(result.day, lang),
        weekday=weekday_name(result.day, lang),
    )


def weekday(course: Course, result: Weekday, lang: str) -> str:
    """Say a day's weekday in full, before the answer to the rest of the question."""
    # The date without its abbreviated weekday, which the line spells out.
    day = format_date(result.day, lang).split(" ", 1)[1]
    line = t(lang, "answer.weekday", date=day, weekday=weekday_name(result.day, lang))
    if result.rest.answered:
        return f"{line}\n{render(course, result.rest, lang)}"
    return line


RENDERERS: dict[type[Result], Renderer] = {
    Greeting: basic.greeting,
    Unknown: basic.fallback,
    Declined: basic.declined,
    Missing: basic.missing,
    Unsaid: basic.unsaid,
    Entry: basic.entry,
    OpenWork: calendar.open_work,
    Gap: calendar.gap,
    Weights: grades.weights,
    Share: grades.share,
    Comparison: grades.compare,
    WhatIf: grades.what_if,
    Needed: grades.needed,
    LateFacts: policy.late,
    Lasting: spans.lasting,
    CountedEvents: spans.counted,
    SectionDates: calendar.section,
    SectionItems: calendar.section_items,
    Counted: calendar.counted,
    AroundBreak: calendar.around_break,
    AfterDay: calendar.after_day,
    TermStart: calendar.term_start,
    TermEnd: calendar.term_end,
    Countdown: calendar.countdown,
    ClassOnDay: calendar.class_on,
    ItemFacts: items.item_facts,
    Nearest: calendar.nearest,
    Listed: calendar.listed,
    Ahead: calendar.ahead,
    Done: calendar.done,
    Agenda: calendar.agenda,
    Overview: calendar.overview,
    Weekday: weekday,
    DayFacts: day,
    BothCalendars: in_both_calendars,
}
