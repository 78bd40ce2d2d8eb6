"""Execute greetings, declines, the unknown, and knowledge-base entries."""

from __future__ import annotations

from datetime import datetime

from bot.core.answering.query import Query
from bot.core.answering.results import (
    Declined,
    Entry,
    Greeting,
    Missing,
    Result,
    Unknown,
)
from bot.core.course import Course

_KIND_LIST = {"quiz": "quizzes", "assignment": "assignments", "project": "project"}


def greet(course: Course, query: Query, now: datetime) -> Result:
    """Answer a greeting or thanks."""
    return Greeting(thanks="thanks" in query.notes, used=("greeting",))


def decline(course: Course, query: Query, now: datetime) -> Result:
    """Say why a question is not answered."""
    if query.reason == "no-such-item":
        return Missing(refs=query.subject.items, answered=False, declined="no-such-item")
    person = next((p for p in course.data.staff if p.id == query.subject.person), None)
    entry = query.subject.entry
    return Declined(
        reason=query.reason or "unknown",
        person=person,
        entry=entry,
        answered=False,
        declined=query.reason,
        used=(entry,) if entry else (),
    )


def unknown(course: Course, query: Query, now: datetime) -> Result:
    """Say that the question was not understood."""
    return Unknown(answered=False)


def entry(course: Course, query: Query, now: datetime) -> Result:
    """Render a knowledge-base entry; one the syllabus does not cover answers nothing."""
    name = query.subject.entry
    assert name is not None
    shown = next((note for note in query.notes if note.startswith("fact:")), name)
    covered = not any(f"faq:{e.id}" == name and not e.answered for e in course.data.faq)
    return Entry(entry=shown, used=(name,), answered=covered)
