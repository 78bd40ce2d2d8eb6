"""Execute questions about lengths of time and filtered counts, from the course's calendar."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from bot.core.answering import grounding
from bot.core.answering.dates import span_bounds
from bot.core.answering.query import Attr, Point, Query
from bot.core.answering.results import CountedEvents, Gap, Lasting, Moment, Result, Unknown
from bot.core.course.course import Course, Event


def gap(course: Course, query: Query, now: datetime) -> Result:
    """Count the days between two moments, whatever they are."""
    moments = [_moment(course, point, now) for point in query.points]
    found = [m for m in moments if m is not None]
    if len(found) < 2:
        return Unknown(answered=False)
    first, second = sorted(found[:2], key=lambda m: m.at)
    used = tuple(dict.fromkeys(m.item.id for m in (first, second) if m.item is not None))
    return Gap(
        first=first, second=second, used=used, whole=True, in_hours=Attr.HOURS in query.attrs
    )


def _moment(course: Course, point: Point, now: datetime) -> Moment | None:
    """Return when a point is: an item's moment, a day, the first or last class, or now."""
    if point.item is not None:
        item = grounding.item_named(course, point.item)
        if item is None:
            return None
        if point.role in ("deadline", "due") and item.due_at is not None:
            return Moment(item=item, role=point.role, at=item.due_at)
        if point.role == "release" and item.release_at is not None:
            return Moment(item=item, role="release", at=item.release_at)
        at = grounding.moment(item, point.role == "by-deadline")
        return Moment(item=item, role="item", at=at) if at is not None else None
    if point.day is not None:
        at = datetime.combine(point.day, time(12), tzinfo=course.tz)
        return Moment(item=None, role="day", at=at)
    if point.kind is not None and point.order is not None:
        event = _ordered_event(course, point)
        if event is None:
            return None
        role = point.order
        return Moment(item=None, role=role, at=event.at, around_break=point.around_break)
    if point.now:
        return Moment(item=None, role="now", at=now)
    return None


def _ordered_event(course: Course, point: Point) -> Event | None:
    """Return the first or last event of a kind, or the first after / last before the break."""
    kind = point.kind or "class"
    if point.around_break is not None:
        return grounding.around_break(course, kind, point.around_break == "before")
    events = grounding.matching(course, kind, ())
    if not events:
        return None
    return events[0] if point.order == "first" else events[-1]


def duration(course: Course, query: Query, now: datetime) -> Result:
    """Say how long a class, a week of classes, a part of the course or a task lasts."""
    held = [s for s in course.sessions if not s.cancelled]
    length = held[0].ends_at - held[0].starts_at
    unit = query.attrs[0].value if query.attrs else None
    subject = query.subject
    if subject.section is not None:
        section = course.section_of(subject.section)
        sessions = [s for s in held if s.section.id == subject.section]
        return Lasting(
            what="section",
            sessions=len(sessions),
            each=length,
            section=section,
            unit=unit,
            used=(f"section:{subject.section}",),
        )
    if "class" in subject.kinds and "term" in query.notes:
        return Lasting(
            what="term", sessions=len(held), each=length, unit=unit, used=("count:class",)
        )
    if "class" in subject.kinds:
        weekdays = tuple(course.data.classes.days)
        what = "week" if "week" in query.notes else "class"
        return Lasting(
            what=what,
            sessions=len(weekdays),
            each=length,
            days=weekdays,
            unit=unit,
            used=("faq:classes",),
        )
    kind = subject.kinds[0]
    policies = course.data.policies
    days = policies.assignment_days if kind == "assignment" else policies.project_phase_days
    printed = tuple(
        (item.due_at.date() - item.release_at.date()).days
        for item in course.items_of(kind)  # type: ignore[arg-type]
        if item.due_at is not None and item.release_at is not None
    )
    return Lasting(
        what=kind,
        each=timedelta(days=days),
        printed=printed if any(p != days for p in printed) else (),
        unit=unit,
        used=(f"fact:{'assignments' if kind == 'assignment' else 'project'}",),
    )


def counted(course: Course, query: Query, now: datetime) -> Result:
    """Count the events of some kinds that pass the query's filters."""
    filters = query.filters
    events: list[Event] = []
    for name in query.subject.kinds:
        kind, _, item_kind = name.partition(":")
        item_kinds = (item_kind,) if item_kind else ()
        events += grounding.matching(course, kind, item_kinds)
    conditions: list[str] = []
    section = course.section_of(filters.section) if filters.section else None
    if section is not None:
        events = [e for e in events if _section_of(e) == section.id]
        conditions.append("section")
    if (filters.before_break or filters.after_break) and course.breaks:
        pause = course.breaks[0]
        if filters.before_break:
            events = [e for e in events if e.at.date() <= pause.last_class]
            conditions.append("before_break")
        else:
            events = [e for e in events if e.at.date() >= pause.next_class]
            conditions.append("after_break")
    first = last = None
    if filters.span is not None:
        first, last = span_bounds(filters.span, now.date(), filters.start, filters.end)
        events = [e for e in events if first <= e.at.date() <= last]
        conditions.append("span")
    if filters.weekday is not None:
        events = [e for e in events if e.at.weekday() == filters.weekday]
        conditions.append("weekday")
    if filters.ahead:
        events = [e for e in events if e.at > now]
        conditions.append("ahead")
    elif filters.past:
        events = [e for e in events if e.at <= now]
        conditions.append("past")
    events.sort(key=lambda e: e.at)
    return CountedEvents(
        kinds=query.subject.kinds,
        events=tuple(events),
        section=section,
        now=now,
        conditions=tuple(conditions),
        first=first,
        last=last,
        weekday=filters.weekday,
        used=tuple(dict.fromkeys(e.source_id for e in events)) or ("count",),
    )


def _section_of(event: Event) -> str | None:
    if event.item is not None:
        return event.item.section.id
    return event.session.section.id if event.session is not None else None
