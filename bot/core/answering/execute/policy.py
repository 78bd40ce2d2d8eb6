"""Execute questions about the late policy from its numbers in the course file: at most
``max_delay_days`` late per submission, ``free_delay_days`` forgiven over the term, then
``penalty_percent_per_hour`` of the task's grade per hour."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from bot.core.answering import grounding
from bot.core.answering.execute.grades import items_in
from bot.core.answering.query import Late, Query
from bot.core.answering.results import LateFacts, Result
from bot.core.course.course import Course, Item

_PART_OF_KIND = {"assignment": "assignments", "project": "project", "quiz": "quizzes"}


def late(course: Course, query: Query, now: datetime) -> Result:
    """Apply the late policy to what the question gives."""
    policy = course.data.policies.late
    given = query.given
    item = next(
        (found for r in query.subject.items if (found := grounding.item_named(course, r))),
        None,
    )
    facts = LateFacts(
        question=query.late or Late.ALLOWED,
        max_days=policy.max_delay_days,
        free_days=policy.free_delay_days,
        rate=policy.penalty_percent_per_hour,
        item=item,
        delay_hours=given.delay_hours,
        free_left=given.free_days_left,
        item_points=_item_points(course, item),
        due=item.due_at if item is not None else None,
        now=now,
        on_day=given.on_day,
        delays=given.delays,
        times=given.times,
        wanted_percent=given.percent,
        in_hours="hours" in query.notes,
        used=(*((item.id,) if item is not None else ()), "faq:late-policy"),
        whole=True,
    )
    return _worked_out(facts)


def _item_points(course: Course, item: Item | None) -> float | None:
    """Return an item's points, if its grading part's items weigh the same."""
    if item is None:
        return None
    part_id = _PART_OF_KIND.get(item.kind)
    part = next((p for p in course.data.grading.parts if p.id == part_id), None)
    if part is None:
        return None
    return part.points / max(1, items_in(course, part))


def _worked_out(facts: LateFacts) -> LateFacts:
    """Fill in what the numbers give: the latest moment, the charged hours, the percent."""
    latest = facts.due + timedelta(days=facts.max_days) if facts.due is not None else None
    delay = facts.delay_hours
    if facts.question is Late.LATEST and delay is not None and facts.due is not None:
        latest = facts.due + timedelta(hours=min(delay, facts.max_days * 24))
    if facts.on_day is not None and facts.due is not None:
        delay = max(0.0, (facts.on_day - facts.due.date()).days * 24.0)
    if facts.question is Late.FREE_LEFT:
        return replace(facts, free_left=facts.free_days - sum(facts.delays) / 24)
    if facts.question is Late.COVERED and delay is not None:
        total = delay * facts.times
        charged = max(0.0, total - facts.free_days * 24)
        return replace(
            facts, delay_hours=total, charged_hours=charged, percent=charged * facts.rate
        )
    if facts.question is Late.RATE and facts.wanted_percent is not None:
        # "How late until I lose 30%?": the hours that cost that much.
        return replace(facts, delay_hours=facts.wanted_percent / facts.rate)
    if facts.question is Late.RATE:
        hours = delay if delay is not None else 1.0
        return replace(facts, delay_hours=hours, percent=hours * facts.rate)
    if delay is None:
        return replace(facts, latest=latest)
    free = facts.free_left if facts.free_left is not None else 0.0
    charged = max(0.0, delay - free * 24)
    return replace(
        facts,
        latest=latest,
        delay_hours=delay,
        charged_hours=charged,
        percent=charged * facts.rate,
    )
