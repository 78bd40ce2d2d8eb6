"""Execute questions about time: what is open, gaps, parts of the course, counts, the break,
the term, countdowns, next/last/first, what is left or done, spans of days."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, time, timedelta

from bot.core.answering import grounding
from bot.core.answering.dates import span_bounds
from bot.core.answering.execute import spans
from bot.core.answering.query import Attr, Filters, Query
from bot.core.answering.results import (
    AfterDay,
    Agenda,
    Ahead,
    AroundBreak,
    ClassOnDay,
    Countdown,
    Counted,
    DayFacts,
    Done,
    Entry,
    Listed,
    Nearest,
    OpenWork,
    Overview,
    Result,
    SectionDates,
    SectionItems,
    TermEnd,
    TermStart,
    Unknown,
)
from bot.core.course.course import Course, Event, EventKind, Item

_ANY_BUT_CLASS: tuple[EventKind, ...] = ("quiz", "deadline", "workshop", "release")


_KIND_LIST = {"quiz": "quizzes", "assignment": "assignments", "project": "project"}


def open_work(course: Course, query: Query, now: datetime) -> Result:
    """Find what is released and not yet due, or the next thing to come out."""
    kinds = query.subject.kinds
    work = [i for i in course.items if i.kind in kinds and i.release_at and i.due_at]
    open_now = tuple(
        i for i in work if i.release_at and i.due_at and i.release_at <= now < i.due_at
    )
    if open_now:
        return OpenWork(open_items=open_now, used=tuple(i.id for i in open_now))
    coming = sorted((i for i in work if i.release_at and i.release_at > now), key=_released)
    if coming:
        return OpenWork(open_items=(), coming=coming[0], used=(coming[0].id,))
    return OpenWork(open_items=())


def _released(item: Item) -> datetime:
    assert item.release_at is not None
    return item.release_at


def section(course: Course, query: Query, now: datetime) -> Result:
    """Give when a part of the course starts or ends, and its sessions."""
    section_id = query.subject.section
    found = course.section_of(section_id or "")
    assert found is not None
    sessions = tuple(s for s in course.sessions if s.section.id == section_id)
    return SectionDates(
        section=found,
        sessions=sessions,
        attrs=query.attrs,
        used=(f"section:{found.id}",),
        # "When does Data LifeCycle start and when does it end?" is one question.
        whole="whole" in query.notes,
    )


def listing(course: Course, query: Query, now: datetime) -> Result:
    """List the items of a kind: all of them, or those of one part of the course."""
    subject = query.subject
    if subject.section is None:
        name = _KIND_LIST.get(subject.kinds[0], "workshops")
        whole = "whole" in query.notes
        return Entry(entry=f"fact:{name}", used=(f"fact:{name}",), whole=whole)
    found = course.section_of(subject.section)
    assert found is not None
    items = [i for i in course.items if i.section.id == found.id and i.kind in subject.kinds]
    items.sort(key=lambda i: grounding.moment(i, False) or datetime.max.replace(tzinfo=course.tz))
    if query.filters.order == "first":
        items = items[:1]
    elif query.filters.order == "last":
        items = items[-1:]
    return SectionItems(
        section=found,
        kinds=subject.kinds,
        items=tuple(items),
        used=tuple(i.id for i in items),
        whole="whole" in query.notes,
    )


def count(course: Course, query: Query, now: datetime) -> Result:
    """Count the things of a kind: items, TAs, staff, references, sessions, sections; or
    the events that pass the query's filters."""
    left_out, having = query.filters.without, query.filters.having
    if replace(query.filters, without=(), having=()) != Filters():
        return spans.counted(course, query, now)
    what = query.subject.kinds[0]
    things: tuple[object, ...]
    if what in ("quiz", "assignment", "project", "workshop"):
        things = tuple(course.items_of(what))  # type: ignore[arg-type]
    elif what == "ta":
        things = tuple(course.staff_by_role("lead_ta", "ta"))
    elif what == "staff":
        things = tuple(course.data.staff)
    elif what == "reference":
        things = tuple(course.data.references)
    elif what == "grading":
        things = tuple(course.data.grading.parts)
    elif what == "class":
        things = tuple(s for s in course.sessions if not s.cancelled)
    else:
        things = tuple(course.data.sections)
    if having:
        texts = grounding.texts_of(course, what)
        picked = tuple(
            thing
            for thing, text in zip(things, texts, strict=True)
            if set(having) <= grounding.words_in(text)
        )
        used = (f"count:{what}",)
        return Counted(what=what, things=picked, having=having, total=len(things), used=used)
    if left_out:
        people = [p for p in course.data.staff if p.id in left_out]
        things = tuple(p for p in things if p not in people)
        return Counted(what=what, things=things, left_out=tuple(people), used=(f"count:{what}",))
    return Counted(what=what, things=things, used=(f"count:{what}",))


def around_break(course: Course, query: Query, now: datetime) -> Result:
    """Find the first event of each kind after the break, or the last before it."""
    before = query.filters.before_break
    events = tuple(
        event
        for kind in query.subject.kinds
        if (event := grounding.around_break(course, kind, before)) is not None
    )
    return AroundBreak(
        before=before, pause=course.breaks[0], events=events, used=tuple(e.key for e in events)
    )


def after_day(course: Course, query: Query, now: datetime) -> Result:
    """Count the events of each kind after a day, with the next one."""
    day = query.filters.start
    assert day is not None
    start = datetime.combine(day + timedelta(days=1), time(0), tzinfo=course.tz)
    groups = tuple(
        (kind, tuple(e for e in course.events if e.kind == kind and e.at >= start))
        for kind in query.subject.kinds
    )
    used = tuple(events[0].source_id for _, events in groups if events)
    return AfterDay(day=day, groups=groups, used=used)


def term(course: Course, query: Query, now: datetime) -> Result:
    """Give the course's first or last class, and its last deadline."""
    held = [s for s in course.sessions if not s.cancelled]
    if Attr.END in query.attrs:
        last = course.last_event(datetime.max.replace(tzinfo=course.tz), ["deadline"])
        deadline = last if last is not None and last.item is not None else None
        return TermEnd(day=held[-1].date, last_deadline=deadline, used=("term:end",))
    with_classes = Attr.PLACE in query.attrs
    return TermStart(day=held[0].date, with_classes=with_classes, used=("term:start",))


def until(course: Course, query: Query, now: datetime) -> Result:
    """Count down to the event the query names (or up from it, when it is past)."""
    event = grounding.countdown_event(course, query, now)
    assert event is not None
    return Countdown(event=event, now=now, used=(event.source_id,))


def class_on(course: Course, query: Query, now: datetime) -> Result:
    """Tell whether there is class on a day, and if not, the next class after it."""
    span = query.filters.span or "day"
    day, _ = span_bounds(span, now.date(), query.filters.start, query.filters.end)
    session = course.session_on(day)
    if session is not None and not session.cancelled:
        return ClassOnDay(day=day, session=session, used=(f"session:{session.id}",))
    start = datetime.combine(day + timedelta(days=1), time(0), tzinfo=course.tz)
    following = course.next_event(start, ["class"])
    used = (f"session:{following.session.id}",) if following and following.session else ()
    return ClassOnDay(day=day, session=None, following=following, used=used)


def pick(course: Course, query: Query, now: datetime) -> Result:
    """Answer next, last, first or the remaining of some kinds."""
    kinds = query.subject.kinds
    item_kinds = query.filters.item_kinds
    order = query.filters.order
    count = query.filters.limit
    if order == "penultimate":
        # "the second to last quiz": the first of the last two.
        return _listed(course, query, first=False, count=2, keep=1)
    if order == "remaining":
        return ahead(course, query, now)
    if order == "first":
        return _listed(course, query, first=True, count=count)
    if order == "last":
        past = query.filters.past
        if count > 1 and past:
            # "I missed the last two sessions": the latest ones before now.
            return _listed(course, query, first=False, count=count, until=now)
        if (count > 1 or not past) and now < course.events[-1].at:
            # "When is the last quiz?" asks for the term's final one, not the latest past one.
            return _listed(course, query, first=False, count=count)
        if count > 1:
            return _listed(course, query, first=False, count=count)
    future = order == "next"
    found = tuple(
        (kind, grounding.nearest(course, kind, item_kinds, now, future)) for kind in kinds
    )
    used = tuple(event.source_id for _, event in found if event is not None)
    return Nearest(future=future, found=found, item_kinds=item_kinds, used=used)


def _listed(
    course: Course,
    query: Query,
    *,
    first: bool,
    count: int,
    until: datetime | None = None,
    keep: int | None = None,
) -> Result:
    """List the first or last ``count`` events of the kinds (before ``until``), keeping
    ``keep``; nothing found is the fallback."""
    chosen: list[Event] = []
    for kind in query.subject.kinds:
        events = [
            e
            for e in grounding.matching(course, kind, query.filters.item_kinds)
            if until is None or e.at <= until
        ]
        # "the last two quizzes": as many as asked, in date order.
        chosen += (events[:count] if first else events[-count:])[:keep]
    if not chosen:
        return Unknown(answered=False)
    return Listed(events=tuple(chosen), used=tuple(e.source_id for e in chosen))


def ahead(course: Course, query: Query, now: datetime) -> Result:
    """List what is still ahead of the kinds, or say that nothing is."""
    kinds, item_kinds = query.subject.kinds, query.filters.item_kinds
    events = sorted(
        (e for kind in kinds for e in grounding.matching(course, kind, item_kinds) if e.at > now),
        key=lambda e: e.at,
    )
    if events:
        return Ahead(kinds=kinds, events=tuple(events), used=tuple(e.source_id for e in events))
    last = tuple(
        found[-1] for kind in kinds if (found := grounding.matching(course, kind, item_kinds))
    )
    return Ahead(kinds=kinds, events=(), last=last, used=tuple(e.source_id for e in last))


def day(course: Course, query: Query, now: datetime) -> Result:
    """Give a day in both calendars."""
    assert query.filters.start is not None
    return DayFacts(day=query.filters.start)


def done(course: Course, query: Query, now: datetime) -> Result:
    """List the events of the kinds that have already happened."""
    kinds, item_kinds = query.subject.kinds, query.filters.item_kinds
    events = sorted(
        (e for kind in kinds for e in grounding.matching(course, kind, item_kinds) if e.at <= now),
        key=lambda e: e.at,
    )
    return Done(kinds=kinds, events=tuple(events), used=tuple(e.source_id for e in events))


def agenda(
    course: Course, query: Query, now: datetime, focus: tuple[str, ...] | None = None
) -> Agenda:
    """List what happens in the day, week, month or range the query names."""
    span = query.filters.span
    assert span is not None
    kinds = query.subject.kinds if focus is None else focus
    first, last = span_bounds(span, now.date(), query.filters.start, query.filters.end)
    start = datetime.combine(first, datetime.min.time(), tzinfo=course.tz)
    end = datetime.combine(last + timedelta(days=1), datetime.min.time(), tzinfo=course.tz)
    events = tuple(course.events_between(start, end, kinds or None))  # type: ignore[arg-type]
    topics = Attr.TOPIC in query.attrs
    if events:
        used = tuple(e.source_id for e in events)
        return Agenda(
            span=span, first=first, last=last, focus=kinds, events=events, topics=topics, used=used
        )
    following = course.next_event(end, kinds or _ANY_BUT_CLASS)  # type: ignore[arg-type]
    used = (following.source_id,) if following is not None else ()
    return Agenda(
        span=span,
        first=first,
        last=last,
        focus=kinds,
        events=(),
        topics=topics,
        following=following,
        used=used,
    )


def remaining(course: Course, query: Query, now: datetime) -> Result:
    """List everything still ahead this term."""
    return ahead(course, query, now)


def overview(course: Course, query: Query, now: datetime) -> Result:
    """Show the next class, quiz and deadline, as /next does."""
    events = [e for e in course.events if e.at > now][:1]
    return Overview(now=now, used=tuple(e.source_id for e in events))
