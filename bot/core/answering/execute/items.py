"""Execute questions about named items."""

from __future__ import annotations

from datetime import datetime

from bot.core.answering import grounding
from bot.core.answering.execute.calendar import agenda
from bot.core.answering.query import Query, Ref
from bot.core.answering.results import (
    ItemFacts,
    Missing,
    Result,
)
from bot.core.course.course import Course, Item


def lookup(course: Course, query: Query, now: datetime) -> Result:
    """Find what is asked of the named items (or of the item another one names)."""
    subject = query.subject
    if subject.anchor is not None:
        related = grounding.neighbour(course, subject, grounding.by_deadline(query))
        if related is None:
            # "the quiz after quiz 7": there is none; say how many there are.
            anchor = subject.anchor
            step = 1 if subject.relation == "after" else -1
            number = (anchor.number or 0) + step
            beyond = Ref(anchor.kind, number) if anchor.number else anchor
            return Missing(refs=(beyond,), answered=False, declined="no-such-item")
        return ItemFacts(items=(related,), attrs=query.attrs, now=now, used=(related.id,))
    items: list[Item] = []
    missing = []
    for ref in subject.items:
        item = grounding.item_named(course, ref)
        if item is None:
            missing.append(ref)
        elif item not in items:
            items.append(item)
    used = [item.id for item in items]
    day = None
    if query.filters.span == "day" and query.filters.start is not None:
        day = agenda(course, query, now, focus=())
        used.extend(u for u in day.used if u not in used)
    if subject.entry is not None:
        used.append(subject.entry)
    return ItemFacts(
        items=tuple(items),
        attrs=query.attrs,
        now=now,
        missing=Missing(refs=tuple(missing)) if missing else None,
        day=day,
        also=subject.entry,
        used=tuple(used),
    )
