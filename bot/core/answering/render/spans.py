"""Word how long things last and filtered counts."""

from __future__ import annotations

from bot.core.answering.render.basic import comma
from bot.core.answering.render.numbers import amount
from bot.core.answering.results import CountedEvents, Lasting
from bot.core.course.course import Course
from bot.core.lang.calendar import format_date, format_datetime, format_time
from bot.core.lang.i18n import t
from bot.core.render.views import event_title

_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def lasting(course: Course, result: Lasting, lang: str) -> str:
    """Say how long a class, a week of classes, a part of the course or a task lasts."""
    hours = result.each.total_seconds() / 3600
    if result.what == "section" and result.section is not None:
        return t(
            lang,
            "answer.section_length",
            title=result.section.title.get(lang),
            sessions=result.sessions,
            hours=amount(hours, lang),
            total=amount(hours * result.sessions, lang),
        )
    if result.what == "term":
        return t(
            lang,
            "answer.class_term",
            sessions=result.sessions,
            hours=amount(hours, lang),
            total=amount(hours * result.sessions, lang),
        )
    if result.what == "week":
        days = comma(lang).join(t(lang, f"days.{day}") for day in result.days)
        total = hours * result.sessions
        key = "answer.class_week_minutes" if result.unit == "minutes" else "answer.class_week"
        return t(
            lang,
            key,
            sessions=result.sessions,
            days=days,
            hours=amount(hours, lang),
            total=amount(total, lang),
            minutes=amount(hours * 60, lang),
            total_minutes=amount(total * 60, lang),
        )
    if result.what == "class":
        classes = course.data.classes
        return t(
            lang,
            "answer.class_length",
            hours=amount(hours, lang),
            minutes=amount(hours * 60, lang),
            start=format_time(classes.start, lang),
            end=format_time(classes.end, lang),
        )
    text = t(
        lang,
        "answer.task_length",
        kind=t(lang, f"kind.{result.what}.one"),
        days=amount(hours / 24, lang),
        hours=amount(hours, lang),
    )
    if result.printed:
        lengths = comma(lang).join(amount(days, lang) for days in result.printed)
        text += " " + t(lang, "answer.task_printed", lengths=lengths)
    return text


def counted(course: Course, result: CountedEvents, lang: str) -> str:
    """Give how many events pass the filters, the number first, then the events."""
    conditions = "".join(_condition(course, result, name, lang) for name in result.conditions)
    kind = result.kinds[0].partition(":")
    name = kind[2] or kind[0]
    count = len(result.events)
    kinds = t(lang, f"kind.{name}.{'one' if count == 1 else 'many'}")
    if not result.events:
        return t(
            lang, "answer.counted_none", kinds=t(lang, f"kind.{name}.many"), conditions=conditions
        )
    head = t(lang, "answer.counted", count=count, kinds=kinds, conditions=conditions)
    lines = [f"• {format_datetime(e.at, lang)} — {event_title(e, lang)}" for e in result.events]
    return "\n".join([head, *lines])


def _condition(course: Course, result: CountedEvents, name: str, lang: str) -> str:
    """Word one filter of a count: " in Data LifeCycle", " before the break", …."""
    if name == "section" and result.section is not None:
        return t(lang, "answer.in_section", title=result.section.title.get(lang))
    if name in ("before_break", "after_break") and course.breaks:
        pause = course.breaks[0]
        return t(
            lang,
            f"answer.count_{name}",
            name=pause.name.get(lang),
            after=format_date(pause.last_class, lang),
            until=format_date(pause.next_class, lang),
        )
    if name == "span" and result.first is not None and result.last is not None:
        start, end = format_date(result.first, lang), format_date(result.last, lang)
        return t(lang, "answer.in_span", start=start, end=end)
    if name == "weekday" and result.weekday is not None:
        return t(lang, "answer.on_weekday", weekday=t(lang, f"days.{_WEEKDAYS[result.weekday]}"))
    if name in ("ahead", "past") and result.now is not None:
        key = "answer.still_ahead" if name == "ahead" else "answer.so_far"
        return t(lang, key, now=format_datetime(result.now, lang))
    return ""
