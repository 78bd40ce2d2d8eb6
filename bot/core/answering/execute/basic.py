"""Execute greetings, declines, the unknown, and knowledge-base entries."""

from __future__ import annotations

from datetime import datetime

from bot.core.answering import grounding
from bot.core.answering.query import Query
from bot.core.answering.results import (
    Declined,
    Entry,
    Greeting,
    Missing,
    Result,
    Unknown,
    Unsaid,
)
from bot.core.course.course import Course

_KIND_LIST = {"quiz": "quizzes", "assignment": "assignments", "project": "project"}


def greet(course: Course, query: Query, now: datetime) -> Result:
    """Answer a greeting or thanks."""
    return Greeting(thanks="thanks" in query.notes, used=("greeting",))


def decline(course: Course, query: Query, now: datetime) -> Result:
    """Say why a question is not answered."""
    if query.reason == "no-such-item":
        return Missing(refs=query.subject.items, answered=False, declined="no-such-item")
    if query.reason == "unsaid":
        return _unsaid(course, query)
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


# The one fact the syllabus gives about a kind of item, beside an attribute it lacks.
_RELATED_TO_KIND = {
    "quiz": "fact:quiz_rules",
    "workshop": "fact:workshops",
    "project": "faq:project",
    "assignment": "faq:assignments",
}


def _unsaid(course: Course, query: Query) -> Result:
    """Say what the syllabus lacks, and find the one related fact it does give."""
    subject = query.subject
    item = next((found for r in subject.items if (found := grounding.item_named(course, r))), None)
    related = None
    if item is None:
        related = (
            subject.entry
            or ("fact:final_exam" if subject.parts else None)
            or _RELATED_TO_KIND.get(subject.kinds[0] if subject.kinds else "")
        )
    used = (item.id,) if item is not None else ((related,) if related else ())
    return Unsaid(
        attribute=query.notes[0] if query.notes else "details",
        item=item,
        related=related,
        answered=False,
        declined="unsaid",
        used=used,
    )
