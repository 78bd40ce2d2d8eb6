"""Export the course's events as an iCalendar file for students' calendar apps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from icalendar import Calendar, Event

from bot.core.course import Course
from bot.core.views import event_title

# Deadlines and releases are moments; give them a short block so calendar apps show them.
_MOMENT = timedelta(minutes=15)


def course_calendar(course: Course, lang: str = "en") -> bytes:
    """Return an iCalendar file with every class, quiz, release, deadline and workshop."""
    calendar = Calendar()
    calendar.add("prodid", f"-//{course.data.course.code} course assistant//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", course.name.get(lang))
    calendar.add("x-wr-timezone", str(course.tz))
    # A fixed stamp keeps the file identical for identical data, so it can be compared.
    stamp = datetime.combine(course.first_day(), datetime.min.time(), tzinfo=UTC)
    place = course.data.classes.place.get(lang)
    for event in course.events:
        entry = Event()
        entry.add("uid", f"{event.key.replace(':', '-')}@{course.data.course.code.lower()}")
        entry.add("dtstamp", stamp)
        entry.add("summary", event_title(event, lang))
        entry.add("dtstart", event.at)
        if event.kind in ("class", "quiz", "workshop"):
            entry.add("dtend", event.at + course.class_length())
            entry.add("location", place)
        else:
            entry.add("dtend", event.at + _MOMENT)
        if event.item is not None:
            topic = event.item.topic or event.item.section.title
            entry.add("description", topic.get(lang))
            entry.add("categories", [event.kind])
        calendar.add_component(entry)
    calendar.add_missing_timezones()
    data: bytes = calendar.to_ical()
    return data
