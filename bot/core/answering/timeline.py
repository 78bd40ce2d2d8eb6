"""Answers about events in time: the next or last of a kind, the first or last N, what is
left or already done, and a day's, week's or month's agenda."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from bot.core.answering.computed import Found
from bot.core.answering.understand import Question, span_bounds
from bot.core.calendar import format_date, format_datetime, format_time
from bot.core.course import Course, Event, EventKind
from bot.core.i18n import t
from bot.core.views import agenda, break_lines, event_line, event_subject, event_title

# What "nothing on that day" looks ahead to: anything but a plain class.
_ANY_BUT_CLASS: tuple[EventKind, ...] = ("quiz", "deadline", "workshop", "release")


def done(
    course: Course, kinds: list[EventKind], item_kinds: set[str], now: datetime, lang: str
) -> Found:
    """List the events of ``kinds`` that have already happened."""
    events = sorted(
        (e for kind in kinds for e in matching(course, kind, item_kinds) if e.at <= now),
        key=lambda e: e.at,
    )
    if not events:
        name = t(lang, f"kind.{kinds[0]}.one")
        return t(lang, "answer.none_past", kind=name), ()
    lines = [f"✓ {event_line(event, lang)[2:]}" for event in events]
    return "\n".join(lines), tuple(e.source_id for e in events)


def ordered(
    course: Course,
    q: Question,
    focus: list[EventKind],
    item_kinds: set[str],
    now: datetime,
    lang: str,
) -> Found | None:
    """Answer next/last/first/remaining of ``focus``; None when there is none to name."""
    if "penultimate" in q.marks:
        # "the second to last quiz": the first of the last two.
        return ordinal(course, focus, item_kinds, lang, first=False, count=2, keep=1)
    if q.wants_remaining:
        return remaining(course, focus, item_kinds, now, lang)
    if q.wants_first:
        return ordinal(course, focus, item_kinds, lang, first=True, count=q.order_count)
    if q.wants_last and q.order_count > 1 and q.past_tense:
        # "I missed the last two sessions": the latest ones before now.
        return ordinal(course, focus, item_kinds, lang, first=False, count=q.order_count, until=now)
    if q.wants_last and (q.order_count > 1 or not q.past_tense) and now < course.events[-1].at:
        # "When is the last quiz?" asks for the term's final one, not the latest past one.
        return ordinal(course, focus, item_kinds, lang, first=False, count=q.order_count)
    if q.wants_last and q.order_count > 1:
        return ordinal(course, focus, item_kinds, lang, first=False, count=q.order_count)
    if q.wants_last:
        return nearest(course, focus, item_kinds, now, lang, future=False)
    return nearest(course, focus, item_kinds, now, lang, future=True)


def remaining(
    course: Course, kinds: list[EventKind], item_kinds: set[str], now: datetime, lang: str
) -> Found:
    """List what is still ahead of ``kinds``, or say that nothing is."""
    events = sorted(
        (e for kind in kinds for e in matching(course, kind, item_kinds) if e.at > now),
        key=lambda e: e.at,
    )
    if not events:
        return none_left(course, kinds, item_kinds, lang)
    lines = [event_line(event, lang) for event in events]
    return "\n".join(lines), tuple(e.source_id for e in events)


def none_left(course: Course, kinds: list[EventKind], item_kinds: set[str], lang: str) -> Found:
    """Say nothing of ``kinds`` is left this term, and when the last one was."""
    lines = [t(lang, "answer.none_next", kinds=t(lang, f"kind.{kinds[0]}.many"))]
    used: list[str] = []
    for kind in kinds:
        events = matching(course, kind, item_kinds)
        if events:
            last = events[-1]
            lines.append(
                t(
                    lang,
                    "answer.last_was",
                    what=event_title(last, lang),
                    when=format_datetime(last.at, lang),
                )
            )
            used.append(last.source_id)
    return "\n".join(lines), tuple(used)


def matching(course: Course, kind: EventKind, item_kinds: set[str]) -> list[Event]:
    """Return the course's events of ``kind``, narrowed to assignments or project phases."""
    return [
        e
        for e in course.events
        if e.kind == kind and (not item_kinds or e.item is None or e.item.kind in item_kinds)
    ]


def nearest(
    course: Course,
    kinds: list[EventKind],
    item_kinds: set[str],
    now: datetime,
    lang: str,
    *,
    future: bool,
) -> Found:
    """Name the next (or latest past) event of each of ``kinds``."""
    lines: list[str] = []
    used: list[str] = []
    for kind in kinds:
        events = matching(course, kind, item_kinds)
        if future:
            found = next((e for e in events if e.at > now), None)
        else:
            past = [e for e in events if e.at <= now]
            found = past[-1] if past else None
        if found is None and future:
            lines.append(none_left(course, [kind], item_kinds, lang)[0])
            continue
        if found is None:
            name = t(lang, f"kind.{kind}.one")
            lines.append(t(lang, "answer.none_past", kind=name))
            continue
        key = "answer.next" if future else "answer.last"
        lines.append(event_sentence(course, key, kind, found, lang))
        used.append(found.source_id)
    return "\n\n".join(lines), tuple(used)


def ordinal(
    course: Course,
    kinds: list[EventKind],
    item_kinds: set[str],
    lang: str,
    *,
    first: bool,
    count: int = 1,
    until: datetime | None = None,
    keep: int | None = None,
) -> Found | None:
    """List the first or last ``count`` events of ``kinds`` (before ``until``), keeping ``keep``."""
    lines: list[str] = []
    used: list[str] = []
    for kind in kinds:
        events = [e for e in matching(course, kind, item_kinds) if until is None or e.at <= until]
        if not events:
            continue
        # "the last two quizzes": as many as asked, in date order.
        chosen = (events[:count] if first else events[-count:])[:keep]
        for event in chosen:
            lines.append(f"{event_title(event, lang)}: {format_datetime(event.at, lang)}")
            used.append(event.source_id)
    if not lines:
        return None
    return "\n".join(lines), tuple(used)


def event_sentence(course: Course, key: str, kind: EventKind, event: Event, lang: str) -> str:
    """Say one event with ``key``'s wording, with its class hours or topic on a second line."""
    head = t(
        lang,
        key,
        kind=t(lang, f"kind.{kind}.one"),
        what=event_subject(event, lang),
        when=format_datetime(event.at, lang),
    )
    if event.session is not None:
        session = event.session
        place = course.data.classes.place.get(lang)
        extra = [
            f"{format_time(session.starts_at, lang)}–{format_time(session.ends_at, lang)}"
            f"{'، ' if lang == 'fa' else ', '}{place}"
        ]
        for item_id in session.item_ids:
            item = course.item_by_id(item_id)
            if item is not None and item.kind in ("quiz", "workshop"):
                extra.append(item.title.get(lang))
        return head + "\n" + " · ".join(extra)
    if event.item is not None and event.kind in ("quiz", "workshop"):
        topic = event.item.topic or event.item.section.title
        return head + "\n" + topic.get(lang)
    return head


def span_answer(
    course: Course, q: Question, now: datetime, lang: str, focus: list[EventKind]
) -> Found:
    """List what happens in the day, week or month the question names."""
    assert q.span is not None
    first, last = span_bounds(q.span, now.date(), q.day, q.end)
    start = datetime.combine(first, datetime.min.time(), tzinfo=course.tz)
    end = datetime.combine(last + timedelta(days=1), datetime.min.time(), tzinfo=course.tz)
    span_text = _span_text(q.span, first, last, lang)
    events = course.events_between(start, end, focus or None)
    only_deadlines = focus == ["deadline"]
    if not events:
        key = "answer.nothing_due" if only_deadlines else "answer.nothing_on"
        lines = [t(lang, key, span=span_text)]
        lines += break_lines(course, lang, between=(first, last))
        following = course.next_event(end, focus or _ANY_BUT_CLASS)
        if following is not None:
            lines.append(
                t(
                    lang,
                    "answer.next_after",
                    what=event_title(following, lang),
                    when=format_datetime(following.at, lang),
                )
            )
            return "\n".join(lines), (following.source_id,)
        return "\n".join(lines), ()
    head = t(lang, "answer.due_in_span" if only_deadlines else "answer.on_day", span=span_text)
    body = agenda(
        course,
        start,
        end,
        lang,
        tuple(focus) if focus else None,
        topics="topic" in q.intents,
    )
    if first == last:
        # One day: the heading already names it, so drop the agenda's date line.
        body = [line.strip() for line in body[1:]]
    lines = [
        head[:1].upper() + head[1:],
        *body,
        *break_lines(course, lang, between=(first, last)),
    ]
    return "\n".join(lines), tuple(e.source_id for e in events)


def _span_text(span: str, first: date, last: date, lang: str) -> str:
    if span in ("this_week", "next_week", "last_week"):
        return t(
            lang,
            f"answer.span_{span}",
            start=format_date(first, lang),
            end=format_date(last, lang),
        )
    if span == "month":
        return t(
            lang,
            "answer.span_range",
            start=format_date(first, lang),
            end=format_date(last, lang),
        )
    key = span if span in ("today", "tomorrow", "yesterday") else "day"
    return t(lang, f"answer.span_{key}", date=format_date(first, lang))
