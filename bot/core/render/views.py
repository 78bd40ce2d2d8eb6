"""Plain-text views of the calendar shared by the bot's commands, the CLI and the engine."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from bot.core.course.course import Course, Event, EventKind, Item
from bot.core.lang.calendar import format_date, format_datetime, format_time, week_start
from bot.core.lang.i18n import t


def event_title(event: Event, lang: str) -> str:
    """Name an event: "Quiz 3 (in class)", "CA1 due (release + 14 days)", "Class: …"."""
    if event.item is not None:
        title = t(lang, f"event.{event.kind}", title=event.item.title.get(lang))
        return title + (deadline_basis(event.item, lang) if event.kind == "deadline" else "")
    assert event.session is not None
    return t(lang, "event.class", title=event.session.section.title.get(lang))


def deadline_basis(item: Item, lang: str) -> str:
    """Say how a deadline the syllabus does not print was found: " (release + 14 days)"."""
    if item.due_explicit or item.due_at is None or item.release_at is None:
        return ""
    days = (item.due_at.date() - item.release_at.date()).days
    return t(lang, "event.derived", days=days)


def assumed_times(items: list[Item], lang: str) -> list[str]:
    """Return a note that deadline times are assumed, if any of ``items`` has one."""
    assumed = [item for item in items if item.due_time_assumed and item.due_at is not None]
    if not assumed:
        return []
    due = assumed[0].due_at
    assert due is not None
    return [t(lang, "answer.time_assumed", time=format_time(due, lang))]


def event_subject(event: Event, lang: str) -> str:
    """Name an event after its kind was already said: "Data LifeCycle" for a class."""
    if event.session is not None and event.item is None:
        return event.session.section.title.get(lang)
    return event_title(event, lang)


def event_line(event: Event, lang: str, *, with_date: bool = True) -> str:
    """Render one event as a bullet line with its date and time."""
    when = format_datetime(event.at, lang) if with_date else format_time(event.at, lang)
    return f"• {when} — {event_title(event, lang)}"


def agenda(
    course: Course,
    start: datetime,
    end: datetime,
    lang: str,
    kinds: tuple[EventKind, ...] | None = None,
    *,
    topics: bool = False,
) -> list[str]:
    """List the events in [start, end), optionally only some kinds, grouped under their dates;
    with ``topics``, each quiz and workshop says what it covers."""
    lines: list[str] = []
    current: date | None = None
    for event in course.events_between(start, end, kinds):
        day = event.at.date()
        if day != current:
            lines.append(format_date(day, lang))
            current = day
        line = f"  {format_time(event.at, lang)} — {event_title(event, lang)}"
        if topics and event.item is not None and event.kind in ("quiz", "workshop"):
            line += f": {(event.item.topic or event.item.section.title).get(lang)}"
        lines.append(line)
    return lines


def week_bounds(course: Course, day: date) -> tuple[datetime, datetime]:
    """Return the Saturday-to-Friday week containing ``day`` as [start, end) datetimes."""
    first = week_start(day)
    start = datetime.combine(first, datetime.min.time(), tzinfo=course.tz)
    return start, start + timedelta(days=7)


def week_agenda(course: Course, day: date, lang: str) -> str:
    """Render the week containing ``day``: its dates as a heading and every event in it."""
    start, end = week_bounds(course, day)
    last = (end - timedelta(days=1)).date()
    span = f"{format_date(start.date(), lang)} – {format_date(last, lang)}"
    lines = agenda(course, start, end, lang) or [t(lang, "answer.nothing_planned")]
    heading = t(lang, "answer.on_day", span=span)
    lines += break_lines(course, lang, between=(start.date(), last))
    return "\n".join([heading, *lines])


def break_lines(
    course: Course,
    lang: str,
    *,
    between: tuple[date, date] | None = None,
    key: str = "answer.break_note",
) -> list[str]:
    """Describe the breaks, or only those overlapping the days ``between``."""
    return [
        t(
            lang,
            key,
            name=b.name.get(lang),
            after=format_date(b.last_class, lang),
            until=format_date(b.next_class, lang),
        )
        for b in course.breaks
        if between is None or (b.last_class < between[1] and b.next_class > between[0])
    ]


def next_overview(course: Course, now: datetime, lang: str) -> str:
    """Render the next class, quiz and deadline (and workshop, if one is coming); after the
    term, one line saying it is over and when its last event was."""
    if course.events and all(event.at <= now for event in course.events):
        return t(lang, "answer.term_over", date=format_date(course.last_day(), lang))
    lines: list[str] = []
    kinds: tuple[EventKind, ...] = ("class", "quiz", "deadline", "workshop")
    for kind in kinds:
        event = course.next_event(now, [kind])
        if event is None:
            if kind != "workshop":
                lines.append(t(lang, "answer.none_next", kinds=t(lang, f"kind.{kind}.many")))
            continue
        lines.append(
            t(
                lang,
                "answer.next",
                kind=t(lang, f"kind.{kind}.one"),
                what=event_subject(event, lang),
                when=format_datetime(event.at, lang),
            )
        )
    return "\n".join(lines)


def upcoming(course: Course, now: datetime, kinds: tuple[EventKind, ...], lang: str) -> str:
    """List every remaining event of these kinds, then the past ones marked as done."""
    future = [e for e in course.events if e.kind in kinds and e.at > now]
    past = [e for e in course.events if e.kind in kinds and e.at <= now]
    lines = [event_line(e, lang) for e in future]
    if past:
        lines += [f"✓ {event_line(e, lang)[2:]}" for e in past]
    return "\n".join(lines)
