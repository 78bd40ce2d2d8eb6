"""Check a course file's fields against each other: totals, unique ids, numbering without gaps."""

from __future__ import annotations

import math
from collections import Counter

from bot.core.course.course import Item
from bot.core.course.models import FACT_NAMES, CourseFile
from bot.core.course.source import FieldPath, Report


def check_grading(data: CourseFile, report: Report) -> None:
    """Report grading parts that do not add up to the total, or share an id."""
    grading = data.grading
    total = sum(part.points for part in grading.parts)
    if not math.isclose(total, grading.total):
        parts = " + ".join(f"{p.points:g}" for p in grading.parts)
        report.error(
            ("grading", "total"),
            f"grading parts add up to {total:g} ({parts}), not the total {grading.total:g}",
        )
    ids = Counter(part.id for part in grading.parts)
    for index, part in enumerate(grading.parts):
        if ids[part.id] > 1:
            report.error(("grading", "parts", index, "id"), f"duplicate grading part {part.id!r}")


def check_references(data: CourseFile, report: Report) -> None:
    """Report references, FAQ entries and staff given twice, and facts no answer knows."""
    numbers = [ref.number for ref in data.references]
    for index, ref in enumerate(data.references):
        if numbers.count(ref.number) > 1:
            report.error(("references", index, "number"), f"reference [{ref.number}] twice")
    _numbering_gaps(report, ("references",), "reference", numbers)
    for index, entry in enumerate(data.faq):
        for fact_index, fact in enumerate(entry.facts):
            if fact not in FACT_NAMES:
                known = ", ".join(sorted(FACT_NAMES))
                report.error(
                    ("faq", index, "facts", fact_index),
                    f"unknown fact {fact!r}; known facts: {known}",
                )
    faq_ids = Counter(entry.id for entry in data.faq)
    for index, entry in enumerate(data.faq):
        if faq_ids[entry.id] > 1:
            report.error(("faq", index, "id"), f"duplicate FAQ id {entry.id!r}")
    staff_ids = Counter(person.id for person in data.staff)
    for index, person in enumerate(data.staff):
        if staff_ids[person.id] > 1:
            report.error(("staff", index, "id"), f"duplicate staff id {person.id!r}")


def check_items(
    data: CourseFile, items: list[Item], item_locs: dict[str, list[FieldPath]], report: Report
) -> None:
    """Report items scheduled twice, gaps in their numbering, and a quiz count that differs."""
    by_id: dict[str, list[Item]] = {}
    for item in items:
        by_id.setdefault(item.id, []).append(item)
    for item_id, same in by_id.items():
        if len(same) > 1:
            days = ", ".join(d.session_date.isoformat() for d in same)
            report.error(
                item_locs[item_id][1],
                f"{same[0].title.en} appears {len(same)} times (sessions on {days})",
            )
    for kind in ("quiz", "assignment", "project"):
        numbers = [item.number for item in items if item.kind == kind and item.number]
        _numbering_gaps(report, ("schedule",), kind, numbers)
    quizzes = sum(1 for item in items if item.kind == "quiz")
    if quizzes != data.exams.quiz_count:
        report.warn(
            ("exams", "quiz_count"),
            f"the schedule has {quizzes} quizzes but quiz_count says {data.exams.quiz_count}",
        )


def _numbering_gaps(report: Report, loc: FieldPath, what: str, numbers: list[int]) -> None:
    if not numbers:
        return
    missing = sorted(set(range(1, max(numbers) + 1)) - set(numbers))
    if missing:
        listed = ", ".join(str(n) for n in missing)
        report.warn(loc, f"{what} numbering has a gap: no {what} {listed}")
