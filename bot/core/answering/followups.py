"""Follow-ups that refine the question before rather than ask one of their own: the same
delay again, the answer in another unit ("in hours?"), one of the items just listed ("the
first of those"), a neighbour ("the one after it", "badi chi?"), the other one, the days
between the last two items ("how far apart are they?"), the day in the other calendar
("in Gregorian?"), or the same entry again ("year?", "his other email?").

Each reading takes the message (with no subject of its own) and the context, and returns
the query it asks, or None. :data:`FOLLOW_UPS` lists them in order of precedence, as
:data:`bot.core.answering.parse.READINGS` lists the parser's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date

from bot.core.answering.cues import SHORT, content, plural_back
from bot.core.answering.dialogue import Context, date_of
from bot.core.answering.parse.words import (
    DAY_WORDS,
    HOUR_UNITS,
    INTENT_ATTRS,
    LEX,
    MINUTE_UNITS,
    SHARE_WORDS,
    WINDOW_WORDS,
)
from bot.core.answering.query import Attr, Filters, Late, Op, Point, Query, Ref, Subject
from bot.core.answering.question import Question, kind_of
from bot.core.course.course import Course

FollowUp = Callable[[Course, Question, Context], Query | None]

_W = LEX.words
_FIRST = frozenset(_W.first_one)
_FINAL = frozenset(_W.final_one)
_NEXT = frozenset(_W.next_one)
_PREVIOUS = frozenset(_W.previous_one)
_OTHER = frozenset(_W.another)
_GAP = frozenset(_W.gap) | frozenset(_W.count_triggers)
_CALENDAR = frozenset(_W.other_calendar)
_DETAILS = frozenset(_W.attributes) | frozenset(_W.contact)
# "each one", "هر کدوم": not the articles "a" and "an", which "as a percentage" has too.
_EACH = (frozenset(_W.each) | frozenset(_W.single) | frozenset(_W.each_one)) - {"a", "an"}


def with_value(course: Course, q: Question, context: Context) -> Query | None:
    """Ask a late-policy question again with a new delay: "and 50 hours?", "۵ روز چی؟"."""
    from bot.core.answering.parse.durations import durations

    previous = context.query
    if previous.op is not Op.LATE or previous.given.delay_hours is None:
        return None
    found = [d for d in durations(q) if d.role == "delay"]
    if len(found) != 1 or len(content(q)) > SHORT:
        return None
    return replace(previous, given=replace(previous.given, delay_hours=found[0].hours))


def in_unit(course: Course, q: Question, context: Context) -> Query | None:
    """Give the last answer in hours or minutes: "in hours?", "به ساعت؟", "chand daghighe?"."""
    words = set(q.tokens)
    unit = Attr.MINUTES if words & MINUTE_UNITS else Attr.HOURS if words & HOUR_UNITS else None
    if unit is None or len(content(q)) > SHORT or q.refs or q.span:
        return None
    previous = context.query
    if previous.op is Op.LATE:
        return replace(previous, notes=(*previous.notes, "hours"))
    if previous.subject.entry == "faq:late-policy":
        # "how many days late can I hand in?" → "in hours?": the most delay, in hours.
        return Query(Op.LATE, late=Late.MAX_DELAY, notes=("hours",))
    if previous.op in (Op.DURATION, Op.GAP):
        return replace(previous, attrs=(unit,))
    items = context.subject.items
    # "so from release to due, in hours?": the time a task of its kind is given.
    whole = {"release", "due"} <= q.intents or bool(words & WINDOW_WORDS)
    if whole and len(items) == 1 and items[0].kind in ("assignment", "project"):
        return Query(Op.DURATION, Subject(kinds=(items[0].kind,)), (unit,))
    if previous.subject.entry == "faq:classes" or "class" in previous.subject.kinds:
        return Query(Op.DURATION, Subject(kinds=("class",)), (unit,))
    return None


def as_share(course: Course, q: Question, context: Context) -> Query | None:
    """Give the part just weighed as a share of the grade: "as a percentage?", "چند درصده؟"."""
    previous = context.query
    if previous.op not in (Op.WEIGHT, Op.SHARE) or not previous.subject.parts:
        return None
    if not set(q.tokens) & SHARE_WORDS or q.refs or len(content(q)) > SHORT + 1:
        return None
    if plural_back(q):
        return None  # "their sum as a percent?": everything asked about, not the last part
    # The parts the answer was about: "the biggest chunk" is the project.
    parts = context.subject.parts or previous.subject.parts
    return Query(Op.SHARE, replace(previous.subject, parts=parts), (Attr.PERCENT,))


def each_of(course: Course, q: Question, context: Context) -> Query | None:
    """Share the part just weighed among its items: "how much is each one?", "هر کدومش؟"."""
    previous = context.query
    parts = context.subject.parts or previous.subject.parts
    if previous.op not in (Op.WEIGHT, Op.SHARE) or len(parts) != 1:
        return None
    if not set(q.tokens) & _EACH or q.refs or len(content(q)) > SHORT + 2:
        return None
    return Query(Op.SHARE, Subject(parts=parts, unit=True), (Attr.POINTS,))


def one_of_listed(course: Course, q: Question, context: Context) -> Query | None:
    """Pick the first or last of what was just listed or counted: "the first of those?",
    "اولیش کیه؟", "and the last one?"."""
    words = set(q.tokens)
    first, final = bool(words & _FIRST), bool(words & _FINAL)
    if first == final or q.refs:
        return None
    if context.query.op is Op.LATE:
        return None  # "and the absolute latest?" after a delay: the latest moment, not item
    chosen = _pool(course, context)
    if not chosen:
        return None
    ref = chosen[0] if first else chosen[-1]
    return Query(Op.LOOKUP, Subject(items=(ref,)), _attrs(q))


def neighbour(course: Course, q: Question, context: Context) -> Query | None:
    """Find the item after (or before) the one just asked about: "badi chi?", "the one
    before it?", "بعدیش؟"."""
    words = set(q.tokens)
    after, before = bool(words & _NEXT), bool(words & _PREVIOUS)
    if after == before or q.refs or len(context.subject.items) != 1:
        return None
    if len([w for w in content(q) if w not in _NEXT | _PREVIOUS]) > 1:
        return None  # "the penalty per hour after the free days": not the item after
    anchor = context.subject.items[0]
    subject = Subject(kinds=(anchor.kind,), anchor=anchor, relation="after" if after else "before")
    return Query(Op.LOOKUP, subject, _attrs(q))


def the_other_one(course: Course, q: Question, context: Context) -> Query | None:
    """Name the other item of the kind just asked about: "the other one?"."""
    if not set(q.tokens) & _OTHER or q.refs or len(context.subject.items) != 1:
        return None
    if len([w for w in content(q) if w not in _OTHER and kind_of(w) is None]) > 1:
        return None  # "anything else released that day?": something else, not the other one
    asked = context.subject.items[0]
    kinds = {kind for word in q.tokens if (kind := kind_of(word)) is not None}
    if kinds - {asked.kind}:
        return None  # "another quiz?" after a workshop: a question of its own
    rest = [
        ref
        for item in course.items_of(asked.kind)
        if (ref := _ref(item.id, course)) is not None and ref != asked
    ]
    if len(rest) != 1:
        return None  # "the other one" of several is no one in particular
    return Query(Op.LOOKUP, Subject(items=(rest[0],)), _attrs(q))


def between_them(course: Course, q: Question, context: Context) -> Query | None:
    """Count the days between the last two items asked about: "how many days apart are
    they?", "چند روز بینشونه؟", "days between them?"."""
    words = set(q.tokens)
    if not (words & DAY_WORDS or words & HOUR_UNITS) or not words & _GAP or q.refs:
        return None
    if not plural_back(q) and len(content(q)) > SHORT:
        return None
    if len(context.recent) < 2:
        return None
    first, second = context.recent[-2:]
    attrs = (Attr.HOURS,) if words & HOUR_UNITS and not words & DAY_WORDS else ()
    return Query(Op.GAP, attrs=attrs, points=(_point(first), _point(second)))


def in_other_calendar(course: Course, q: Question, context: Context) -> Query | None:
    """Give the day just answered in the other calendar: "in Gregorian?", "به میلادی؟"."""
    if not set(q.tokens) & _CALENDAR or q.refs or q.day:
        return None
    previous = context.query
    if context.moment is None and previous.op in _DATED and Attr.GREGORIAN not in previous.attrs:
        # "When is the phase 1 deadline?" … "in Gregorian?": that answer, in both calendars.
        return replace(previous, attrs=(*previous.attrs, Attr.GREGORIAN))
    day = _day(course, context)
    if day is None:
        return None
    return Query(Op.DAY, filters=Filters(span="day", start=day, end=day))


def entry_again(course: Course, q: Question, context: Context) -> Query | None:
    """Show the same entry again for a detail of it: "year?", "publisher", "does he have
    another email?" — the entry holds every detail the syllabus gives."""
    previous = context.query
    if previous.op is not Op.ENTRY or previous.subject.entry is None:
        return None
    if not set(q.tokens) & _DETAILS:
        return None  # a detail must be asked: "year?", "his phone?"
    if len(content(q)) > SHORT + 2 or q.refs or q.kinds or q.marks:
        return None  # "how many other TAs besides him?": a question of its own
    return previous


FOLLOW_UPS: tuple[FollowUp, ...] = (
    with_value,
    in_unit,
    in_other_calendar,
    as_share,
    each_of,
    one_of_listed,
    neighbour,
    the_other_one,
    between_them,
    entry_again,
)


def refine(course: Course, q: Question, context: Context) -> Query | None:
    """Return the query a follow-up asks of the context, trying each reading in order."""
    for reading in FOLLOW_UPS:
        found = reading(course, q, context)
        if found is not None:
            return found
    return None


def _attrs(q: Question) -> tuple[Attr, ...]:
    return tuple(INTENT_ATTRS[i] for i in sorted(q.intents) if i in INTENT_ATTRS)


def _pool(course: Course, context: Context) -> tuple[Ref, ...]:
    """Return what "the first" or "the last" picks from: the items just listed, else every
    item of the kind (or grading part) just asked about, in calendar order."""
    if context.listed:
        return context.listed
    subject = context.subject
    kinds = list(subject.kinds) + [_PART_KINDS[p] for p in subject.parts if p in _PART_KINDS]
    if not kinds and subject.items:
        kinds = [subject.items[0].kind]
    kind = next((k for k in kinds if k in _ITEM_KINDS), None)
    if kind is None:
        return ()
    items = course.items_of(kind)  # type: ignore[arg-type]
    return tuple(ref for item in items if (ref := _ref(item.id, course)) is not None)


def _ref(item_id: str, course: Course) -> Ref | None:
    item = course.item_by_id(item_id)
    if item is None:
        return None
    name = item_id.removeprefix("workshop-") if item.kind == "workshop" else None
    return Ref(item.kind, item.number, name)


def _point(ref: Ref) -> Point:
    # An assignment or phase is placed by its deadline, a quiz or workshop by its day.
    role = "by-deadline" if ref.kind in ("assignment", "project") else None
    return Point(item=ref, role=role)


def _day(course: Course, context: Context) -> date | None:
    if context.moment is not None:
        return context.moment.date()
    return date_of(course, context.subject)


# Operations whose answers say dates of their own, to say again in the other calendar.
_DATED = frozenset({Op.LOOKUP, Op.PICK, Op.LIST, Op.UNTIL, Op.TERM, Op.LATE})
_ITEM_KINDS = frozenset({"quiz", "assignment", "project", "workshop"})
# The kind of item each grading part is made of.
_PART_KINDS = {"quizzes": "quiz", "assignments": "assignment", "project": "project"}
