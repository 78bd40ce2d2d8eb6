"""Execute questions about the grade: weights, shares, comparisons and what-ifs, from the
course file's grading parts alone."""

from __future__ import annotations

from datetime import datetime

from bot.core.answering.query import Query, Score, Subject
from bot.core.answering.results import (
    Comparison,
    Earned,
    Needed,
    Portion,
    Result,
    Share,
    Weights,
    WhatIf,
)
from bot.core.course.course import Course
from bot.core.course.models import GradingPart

# The kind of item each grading part is made of; a part with none is one whole (the exam).
_ITEM_KIND = {"quizzes": "quiz", "assignments": "assignment", "project": "project"}


def weight(course: Course, query: Query, now: datetime) -> Result:
    """Give each named grading part's points out of the total."""
    grading = course.data.grading
    by_id = {part.id: part for part in grading.parts}
    parts = tuple(by_id[p] for p in query.subject.parts if p in by_id)
    if parts and ("most" in query.notes or "least" in query.notes):
        # The part worth the most (or least): each one tied with it too.
        best = (max if "most" in query.notes else min)(p.points for p in parts)
        parts = tuple(p for p in parts if p.points == best)
    used = tuple(f"grading:{p.id}" for p in parts)
    return Weights(parts=parts, total=grading.total, used=used)


def items_in(course: Course, part: GradingPart) -> int:
    """Return how many items a grading part is made of (7 quizzes), 1 for a whole exam."""
    kind = _ITEM_KIND.get(part.id)
    return len(course.items_of(kind)) if kind else 1  # type: ignore[arg-type]


def portion(course: Course, subject: Subject) -> Portion:
    """Return the points of a subject's grading parts, or of one item of its one part."""
    by_id = {part.id: part for part in course.data.grading.parts}
    parts = tuple(by_id[p] for p in subject.parts if p in by_id)
    if subject.unit and len(parts) == 1:
        count = max(1, items_in(course, parts[0]))
        return Portion(parts=parts, points=parts[0].points / count, items=count)
    return Portion(parts=parts, points=sum(p.points for p in parts))


def share(course: Course, query: Query, now: datetime) -> Result:
    """Give what part of the grade some parts make up, together or per item."""
    found = portion(course, query.subject)
    used = tuple(f"grading:{p.id}" for p in found.parts)
    return Share(portion=found, total=course.data.grading.total, used=used, whole=True)


def compare(course: Course, query: Query, now: datetime) -> Result:
    """Weigh two groups of grading parts against each other."""
    assert query.other is not None
    left, right = portion(course, query.subject), portion(course, query.other)
    if "half" in query.notes:
        right = Portion(parts=(), points=course.data.grading.total / 2)
    used = tuple(f"grading:{p.id}" for p in (*left.parts, *right.parts))
    asked = next((note for note in query.notes if note in ("more", "less", "how_many")), None)
    return Comparison(left=left, right=right, asked=asked, used=used, whole=True)


def what_if(course: Course, query: Query, now: datetime) -> Result:
    """Add up the grade for the scores a question gives, part by part."""
    given = query.given
    if given.target is not None and len(query.subject.parts) == 1:
        return needed(course, query)
    earned = []
    for part in course.data.grading.parts:
        scores = [s for s in given.scores if s.part == part.id]
        earned.append(_earned(course, part, scores, given.others))
    used = tuple(f"grading:{p}" for p in query.subject.parts)
    total = course.data.grading.total
    given_total = "total" in query.notes
    return WhatIf(earned=tuple(earned), total=total, used=used, whole=True, given_total=given_total)


def _earned(course: Course, part: GradingPart, scores: list[Score], others: float | None) -> Earned:
    """Return what one part earns: its own score, its items' scores, or the rest's."""
    rest = 1.0 if others is None else others
    whole = next((s for s in scores if s.item is None and not s.one), None)
    if whole is not None:
        return Earned(part=part, points=part.points * whole.fraction)
    if not scores:
        return Earned(part=part, points=part.points * rest, assumed=others is None)
    count = max(1, items_in(course, part))
    fractions = {s.item: s.fraction for s in scores if s.item is not None}
    singles = [s.fraction for s in scores if s.one]
    scored = [fractions.get(number) for number in range(1, count + 1)]
    # "Skip a phase": any one of the unscored items.
    for fraction in singles:
        for index, value in enumerate(scored):
            if value is None:
                scored[index] = fraction
                break
    points = sum(rest if value is None else value for value in scored) * part.points / count
    return Earned(part=part, points=points, items=count)


def needed(course: Course, query: Query) -> Result:
    """Work out what one part must earn for the total a question aims for."""
    given = query.given
    assert given.target is not None
    by_id = {part.id: part for part in course.data.grading.parts}
    asked = by_id[query.subject.parts[0]]
    earned = tuple(
        _earned(course, part, [s for s in given.scores if s.part == part.id], given.others)
        for part in course.data.grading.parts
        if part.id != asked.id
    )
    used = (f"grading:{asked.id}", *(f"grading:{s.part}" for s in given.scores))
    return Needed(
        part=asked,
        target=given.target,
        earned=earned,
        total=course.data.grading.total,
        used=tuple(dict.fromkeys(used)),
        whole=True,
    )
