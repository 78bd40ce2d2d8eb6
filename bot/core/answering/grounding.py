"""Find what a query's names mean in the course: items, their moments, neighbours, sections,
grading parts, and the events a countdown or a break points to."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from rapidfuzz import fuzz, process

from bot.core.answering.query import Attr, Query, Ref, Subject
from bot.core.answering.question import ItemRef, Question, kind_of, reading
from bot.core.course.course import Course, Event, EventKind, Item
from bot.core.lang.calendar import jalali_to_date, to_jalali
from bot.core.lang.lexicon import Mark, lexicon
from bot.core.lang.text import tokens

LEX = lexicon()
_ITEM_KINDS = ("quiz", "assignment", "project", "workshop")


def item_named(course: Course, ref: Ref | ItemRef) -> Item | None:
    """Return the item a reference names ("quiz 3", "the MLflow workshop"), or None."""
    if ref.kind == "workshop" and ref.name:
        return course.item_by_id(f"workshop-{ref.name}")
    return course.item(ref.kind, ref.number) if ref.number is not None else None


def moment(item: Item, by_deadline: bool) -> datetime | None:
    """Return when an item happens: its deadline if asked, else its start or release."""
    if by_deadline and item.due_at is not None:
        return item.due_at
    return item.starts_at or item.release_at or item.due_at


def neighbour(course: Course, subject: Subject, by_deadline: bool) -> Item | None:
    """Find the item "the quiz after quiz 3" or "the deadline before the MLflow workshop" means.

    The kinds asked for are the subject's kinds other than the anchor's own; with none ("the
    one after quiz 3", "the quiz after quiz 3") it is the anchor's kind.
    """
    if subject.anchor is None or subject.relation is None:
        return None
    anchor_item = item_named(course, subject.anchor)
    if anchor_item is None:
        return None
    anchor = moment(anchor_item, by_deadline)
    asked = [k for k in subject.kinds if k in _ITEM_KINDS and k != anchor_item.kind]
    if asked:
        candidates = [item for item in course.items if item.kind in asked]
    elif "deadline" in subject.kinds:
        # "what's due next after CA3": any deadline, whatever item it belongs to
        candidates = [item for item in course.items if item.due_at is not None]
    else:
        candidates = course.items_of(anchor_item.kind)
    if anchor is None:
        return None
    if subject.relation == "same":
        return _same_day(anchor_item, candidates)
    timed = [
        (at, item)
        for item in candidates
        if item is not anchor_item and (at := moment(item, by_deadline)) is not None
    ]
    if subject.relation == "after":
        later = [pair for pair in timed if pair[0] > anchor]
        return min(later, key=lambda pair: pair[0])[1] if later else None
    earlier = [pair for pair in timed if pair[0] < anchor]
    return max(earlier, key=lambda pair: pair[0])[1] if earlier else None


def _same_day(anchor: Item, candidates: list[Item]) -> Item | None:
    """Find the item on a day of ``anchor``'s own ("which quiz is on the day phase 3 is out")."""
    days = {m.date() for m in (anchor.starts_at, anchor.release_at, anchor.due_at) if m}
    moments = [
        (m, item)
        for item in candidates
        if item is not anchor
        for m in (item.starts_at, item.release_at, item.due_at)
        if m is not None and m.date() in days
    ]
    return min(moments, key=lambda pair: pair[0])[1] if moments else None


def by_deadline(query: Query) -> bool:
    """Tell whether a query places items by their deadlines rather than their start."""
    return "deadline" in query.subject.kinds or Attr.DEADLINE in query.attrs


def section_named(course: Course, q: Question) -> str | None:
    """Return the id of the part of the course the question names, if any."""
    text = f" {reading(q.text)} "
    return next((sid for sid, pattern in course.section_names if pattern.search(text)), None)


_PART_KIND = {"project": "project", "assignments": "assignment", "quizzes": "quiz"}


def grading_parts(q: Question) -> list[str]:
    """Return the grading parts the question names, by id."""
    words = set(q.tokens) | ({"finalexam"} if Mark.FINAL_EXAM in q.marks else set())
    found: list[str] = []
    for part, names in LEX.grading.items():
        kind = _PART_KIND.get(part)
        if words & set(names) or (kind and any(kind_of(w) == kind for w in q.tokens)):
            found.append(part)
    # "final project" names the project, not the final exam; "final" alone is the exam.
    if "project" in found and "final" in found and Mark.FINAL_EXAM not in q.marks:
        found.remove("final")
    if not found and words & set(LEX.order.get("final", [])):
        found.append("final")
    return found


def eve_of_nowruz(day: date) -> date:
    """Return the last day of the Jalali year ``day`` falls in (the eve of Nowruz)."""
    year = to_jalali(day).year
    return jalali_to_date(year + 1, 1, 1) - timedelta(days=1)


def around_break(course: Course, kind: str, before: bool) -> Event | None:
    """Return the last event of ``kind`` before the course's break, or the first after it."""
    if not course.breaks:
        return None
    pause = course.breaks[0]
    kinds: list[EventKind] = [kind]  # type: ignore[list-item]
    if before:
        # Classes stop at the break, but work falls due until the new year itself.
        last_day = pause.last_class if kind == "class" else eve_of_nowruz(pause.last_class)
        return course.last_event(datetime.combine(last_day, time(23, 59), tzinfo=course.tz), kinds)
    return course.next_event(datetime.combine(pause.next_class, time(0), tzinfo=course.tz), kinds)


def countdown_event(course: Course, query: Query, now: datetime) -> Event | None:
    """Find the event a "how long until …" query counts down to."""
    if query.filters.before_break or query.filters.after_break:
        for kind in query.subject.kinds:
            event = around_break(course, kind, query.filters.before_break)
            if event is not None:
                return event
        return None
    for ref in query.subject.items:
        item = item_named(course, ref)
        if item is None:
            continue
        kinds = ["release"] if Attr.RELEASE in query.attrs else ["deadline", "quiz", "workshop"]
        for event in course.events:
            if event.item is item and event.kind in kinds:
                return event
    for kind in query.subject.kinds:
        upcoming = course.next_event(now, [kind])  # type: ignore[list-item]
        if upcoming is not None:
            return upcoming
    return None


def matching(course: Course, kind: str, item_kinds: tuple[str, ...]) -> list[Event]:
    """Return the course's events of ``kind``, narrowed to assignments or project phases."""
    return [
        e
        for e in course.events
        if e.kind == kind and (not item_kinds or e.item is None or e.item.kind in item_kinds)
    ]


def nearest(
    course: Course, kind: str, item_kinds: tuple[str, ...], now: datetime, future: bool
) -> Event | None:
    """Return the next (or the latest past) event of ``kind``."""
    events = matching(course, kind, item_kinds)
    if future:
        return next((e for e in events if e.at > now), None)
    past = [e for e in events if e.at <= now]
    return past[-1] if past else None


def texts_of(course: Course, what: str) -> list[str]:
    """Return the text of each person or book a count of ``what`` counts ("ta", "staff",
    "reference"): names, emails, titles, authors, publishers."""
    if what in ("ta", "staff"):
        people = course.staff_by_role("lead_ta", "ta") if what == "ta" else course.data.staff
        return [" ".join([p.name, *p.aliases, *p.emails]) for p in people]
    if what == "reference":
        return [
            " ".join([r.title, *r.authors, r.publisher or "", str(r.year or "")])
            for r in course.data.references
        ]
    return []


def words_in(text: str) -> set[str]:
    """Return a text's words, "O'Reilly" as "o", "reilly" and "oreilly" alike."""
    return set(tokens(text)) | set(tokens(re.sub(r"['’`]", "", text)))


def person_named(course: Course, q: Question) -> str | None:
    """Return the id of the staff member the message names, typos tolerated."""
    said = set(q.tokens)
    long_said = [token for token in said if len(token) >= 5]
    for person_id, spellings in course.staff_name_words:
        if said & spellings:
            return person_id
        for spelling in spellings:
            if len(spelling) >= 5 and process.extractOne(
                spelling, long_said, scorer=fuzz.ratio, score_cutoff=85
            ):
                return person_id
    return None
