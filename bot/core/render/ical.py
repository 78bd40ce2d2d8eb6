"""Export the course's events as an iCalendar file or live feed for students' calendar apps."""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from icalendar import Alarm, Calendar, Event

from bot.core.course.course import Course, EventKind
from bot.core.course.course import Event as CourseEvent
from bot.core.render.views import assumed_times, event_title

# Deadlines and releases are moments; give them a short block so calendar apps show them,
# cut at the end of their day.
_MOMENT = timedelta(minutes=15)
KINDS: tuple[EventKind, ...] = ("class", "quiz", "release", "deadline", "workshop")


@dataclass(frozen=True)
class Version:
    """How many times an event changed since it was first published, and when it last did."""

    sequence: int
    modified: datetime


def versions_of(rows: Mapping[str, tuple[int, datetime]]) -> dict[str, Version]:
    """Turn stored (sequence, modified) rows into Versions."""
    return {key: Version(sequence, modified) for key, (sequence, modified) in rows.items()}


def event_uid(course: Course, event: CourseEvent) -> str:
    """Return the event's UID: the same for the same event in every file and feed."""
    return f"{event.key.replace(':', '-')}@{course.data.course.code.lower()}"


def _end(course: Course, event: CourseEvent) -> datetime:
    if event.kind in ("class", "quiz", "workshop"):
        return event.at + course.class_length()
    # A 23:59 deadline must not run past midnight: calendar apps would show it on two days.
    local = event.at.astimezone(course.tz)
    last_second = datetime.combine(local.date(), time(23, 59, 59), tzinfo=course.tz)
    return min(event.at + _MOMENT, max(last_second, event.at))


def _description(event: CourseEvent, lang: str) -> str | None:
    if event.item is None:
        return None
    topic = event.item.topic or event.item.section.title
    notes = assumed_times([event.item], lang) if event.kind == "deadline" else []
    return "\n".join([topic.get(lang), *notes])


def fingerprints(course: Course) -> dict[str, str]:
    """Return a digest of what a calendar shows of each event, in every language, by key."""
    result: dict[str, str] = {}
    for event in course.events:
        parts = [event.at.astimezone(UTC).isoformat(), _end(course, event).isoformat()]
        for lang in ("en", "fa"):
            parts.append(event_title(event, lang))
            parts.append(_description(event, lang) or "")
        digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:16]
        result[event.key] = digest
    return result


def parse_kinds(text: str | None) -> tuple[EventKind, ...] | None:
    """Read a ``kinds`` filter like "quiz,deadline"; None means every kind.

    Empty entries ("quiz,") are skipped. Raises ValueError naming an unknown kind, or when
    the text names no kind at all ("" or ",").
    """
    if text is None:
        return None
    wanted: list[EventKind] = []
    for part in text.split(","):
        name = part.strip().lower()
        if not name:
            continue
        match = next((k for k in KINDS if k == name or f"{k}s" == name), None)
        if match is None:
            raise ValueError(f"unknown kind {part.strip()!r}; use {', '.join(KINDS)}")
        if match not in wanted:
            wanted.append(match)
    if not wanted:
        raise ValueError(f"no kind given; use {', '.join(KINDS)}")
    return tuple(k for k in KINDS if k in wanted)


def course_calendar(
    course: Course,
    lang: str = "en",
    *,
    kinds: Collection[EventKind] | None = None,
    versions: Mapping[str, Version] | None = None,
    alarms: Mapping[str, Iterable[timedelta]] | None = None,
) -> bytes:
    """Return an iCalendar file with every class, quiz, release, deadline and workshop.

    ``kinds`` keeps only some kinds of event; ``versions`` gives each event's SEQUENCE and
    LAST-MODIFIED (by event key); ``alarms`` adds a VALARM per offset before events of a kind.
    """
    calendar = Calendar()
    calendar.add("prodid", f"-//{course.data.course.code} course assistant//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", course.name.get(lang))
    calendar.add("x-wr-timezone", str(course.tz))
    # Calendar apps that honour it re-read a subscribed feed every few hours.
    calendar.add("refresh-interval", timedelta(hours=6), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT6H")
    # A fixed stamp keeps the file identical for identical data, so it can be compared.
    stamp = datetime.combine(course.first_day(), datetime.min.time(), tzinfo=UTC)
    place = course.data.classes.place.get(lang)
    versions = versions or {}
    alarms = alarms or {}
    for event in course.events:
        if kinds is not None and event.kind not in kinds:
            continue
        entry = Event()
        entry.add("uid", event_uid(course, event))
        entry.add("dtstamp", stamp)
        version = versions.get(event.key)
        entry.add("sequence", version.sequence if version else 0)
        entry.add("last-modified", version.modified.astimezone(UTC) if version else stamp)
        summary = event_title(event, lang)
        entry.add("summary", summary)
        entry.add("dtstart", event.at)
        entry.add("dtend", _end(course, event))
        if event.kind in ("class", "quiz", "workshop"):
            entry.add("location", place)
        description = _description(event, lang)
        if description is not None:
            entry.add("description", description)
            entry.add("categories", [event.kind])
        for offset in alarms.get(event.kind, ()):
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", summary)
            alarm.add("trigger", -offset)
            entry.add_component(alarm)
        calendar.add_component(entry)
    calendar.add_missing_timezones()
    data: bytes = calendar.to_ical()
    return data


def last_modified(course: Course, versions: Mapping[str, Version]) -> datetime:
    """Return the latest change of any event, or the calendar's fixed stamp."""
    stamp = datetime.combine(course.first_day(), datetime.min.time(), tzinfo=UTC)
    return max([stamp, *(v.modified.astimezone(UTC) for v in versions.values())])
