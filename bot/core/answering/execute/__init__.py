"""Compute a query's facts from the course model alone: the one place answers are worked out.

Each operation has one function; :data:`EXECUTORS` maps operations to them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.core.answering.execute import basic, calendar, grades, items, policy, spans
from bot.core.answering.query import Attr, Op, Query
from bot.core.answering.results import BothCalendars, Result, Weekday
from bot.core.course.course import Course

Executor = Callable[[Course, Query, datetime], Result]


def execute(course: Course, query: Query, now: datetime) -> Result:
    """Compute the facts ``query`` asks for, as of ``now``."""
    result = EXECUTORS[query.op](course, query, now)
    if Attr.GREGORIAN in query.attrs:
        result = BothCalendars(
            rest=result,
            answered=result.answered,
            used=result.used,
            declined=result.declined,
            whole=result.whole,
        )
    if Attr.WEEKDAY in query.attrs and query.filters.start is not None:
        used = result.used if result.answered else ()
        return Weekday(day=query.filters.start, rest=result, used=used)
    return result


EXECUTORS: dict[Op, Executor] = {
    Op.GREET: basic.greet,
    Op.DECLINE: basic.decline,
    Op.UNKNOWN: basic.unknown,
    Op.ENTRY: basic.entry,
    Op.OPEN: calendar.open_work,
    Op.GAP: spans.gap,
    Op.WEIGHT: grades.weight,
    Op.SHARE: grades.share,
    Op.COMPARE: grades.compare,
    Op.WHAT_IF: grades.what_if,
    Op.LATE: policy.late,
    Op.SECTION: calendar.section,
    Op.LIST: calendar.listing,
    Op.COUNT: calendar.count,
    Op.DURATION: spans.duration,
    Op.AROUND_BREAK: calendar.around_break,
    Op.AFTER_DAY: calendar.after_day,
    Op.TERM: calendar.term,
    Op.UNTIL: calendar.until,
    Op.CLASS_ON: calendar.class_on,
    Op.LOOKUP: items.lookup,
    Op.PICK: calendar.pick,
    Op.REMAINING: calendar.remaining,
    Op.DONE: calendar.done,
    Op.DAY: calendar.day,
    Op.AGENDA: calendar.agenda,
    Op.OVERVIEW: calendar.overview,
}
