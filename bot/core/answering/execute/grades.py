"""Execute questions about the grade."""

from __future__ import annotations

from datetime import datetime

from bot.core.answering.query import Query
from bot.core.answering.results import (
    Result,
    Weights,
)
from bot.core.course import Course


def weight(course: Course, query: Query, now: datetime) -> Result:
    """Give each named grading part's points out of the total."""
    grading = course.data.grading
    by_id = {part.id: part for part in grading.parts}
    parts = tuple(by_id[p] for p in query.subject.parts if p in by_id)
    used = tuple(f"grading:{p}" for p in query.subject.parts)
    return Weights(parts=parts, total=grading.total, used=used)
