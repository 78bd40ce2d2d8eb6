"""The meaning of a question as a typed, serialisable value: what it asks about, which of its
attributes, by which operation, under which filters and assumptions.

A parser turns text into :class:`Query` values; one executor computes every fact from the
course model; a renderer words the result. The format is plain data (``to_dict`` /
``from_dict``), so a query can be printed (``course-bot ask --explain``), remembered between
messages, or proposed by another parser.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, is_dataclass, replace
from datetime import date
from enum import StrEnum
from types import UnionType
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints

ItemKindName = Literal["quiz", "assignment", "project", "workshop"]
EventKindName = Literal["class", "quiz", "release", "deadline", "workshop"]


class Op(StrEnum):
    """What is done with the subject."""

    LOOKUP = "lookup"  # its attributes: dates, topic, place, contact
    LIST = "list"  # the items or events of a kind, narrowed by the filters
    COUNT = "count"  # how many of a kind, narrowed by the filters
    PICK = "pick"  # the next, last or first N events of a kind
    UNTIL = "until"  # how long from now until (or since) a moment
    GAP = "gap"  # the days between two moments
    DURATION = "duration"  # how long something lasts: a class, a week of classes, a task
    WEIGHT = "weight"  # the points of grading parts
    SHARE = "share"  # the part of the grade some parts make up, together or per unit
    COMPARE = "compare"  # which of two groups of grading parts weighs more
    WHAT_IF = "what_if"  # the total for given scores per grading part
    LATE = "late"  # late-policy arithmetic
    AGENDA = "agenda"  # what happens on a day, in a week, a month or a range
    CLASS_ON = "class_on"  # whether there is class on a day
    AROUND_BREAK = "around_break"  # the first after, or last before, the break
    AFTER_DAY = "after_day"  # how many events of a kind follow a day, and the next
    SECTION = "section"  # when a part of the course starts, ends, or its sessions
    TERM = "term"  # when the course starts or ends
    OPEN = "open"  # what is released and not yet due
    OVERVIEW = "overview"  # what's next: the next class, quiz and deadline
    REMAINING = "remaining"  # everything still ahead this term
    DONE = "done"  # the events of a kind that already happened
    DAY = "day"  # a day in both calendars, with its weekday
    ENTRY = "entry"  # a knowledge-base entry: a policy, a person, a page, an FAQ
    DECLINE = "decline"  # declined on principle; ``reason`` says why
    GREET = "greet"  # a greeting or thanks
    UNKNOWN = "unknown"  # nothing understood with confidence


class Attr(StrEnum):
    """Which attribute of the subject is asked for."""

    WHEN = "when"  # the date (a quiz's day, an assignment's release and deadline)
    RELEASE = "release"
    DEADLINE = "deadline"
    TOPIC = "topic"
    PLACE = "place"
    EMAIL = "email"
    PHONE = "phone"
    WEEKDAY = "weekday"
    START = "start"
    END = "end"
    SESSIONS = "sessions"
    HOURS = "hours"  # a duration in hours
    MINUTES = "minutes"
    DAYS = "days"
    POINTS = "points"
    PERCENT = "percent"
    # The dates in the Gregorian calendar too ("به میلادی"), as English answers give them.
    GREGORIAN = "gregorian"
    # What the syllabus does not give (an exam's format or room, a dataset, a length): the
    # answer says so and adds the one related fact it has.
    MISSING = "missing"


class Late(StrEnum):
    """The questions the late policy answers."""

    ALLOWED = "allowed"  # may it go in N days (hours) late, and what does that cost
    PENALTY = "penalty"  # how much is lost for a delay, after the free days
    LATEST = "latest"  # the last moment an item may be submitted
    MAX_DELAY = "max_delay"  # how late one submission may be at most
    FREE = "free"  # how much delay is forgiven over the term
    FREE_LEFT = "free_left"  # how much of it is left after the delays already used
    COVERED = "covered"  # whether the forgiven days cover some delays, and what is charged
    RATE = "rate"  # what each hour (or day) of delay costs once the free days are used


@dataclass(frozen=True)
class Ref:
    """A named item: a kind and a number, or a workshop's name."""

    kind: ItemKindName
    number: int | None = None
    name: str | None = None


@dataclass(frozen=True)
class Point:
    """A moment a gap is measured from or to: an item (at its release, deadline or own
    time), a day, the first or last event of a kind (around the break), or now."""

    item: Ref | None = None
    # "release" or "deadline" (or "due": the deadline of the item just named) of the item;
    # "by-deadline" for its deadline where it has one, else its own moment; None for its own
    # moment (a quiz's start).
    role: str | None = None
    day: date | None = None
    # The first or last event of a kind: "the first class", "the last class before Nowruz".
    kind: str | None = None
    order: Literal["first", "last"] | None = None
    around_break: Literal["before", "after"] | None = None
    now: bool = False


@dataclass(frozen=True)
class Subject:
    """What a question is about; every field may be empty."""

    items: tuple[Ref, ...] = ()
    # Kinds of item or event: "quizzes", "deadlines", "classes".
    kinds: tuple[str, ...] = ()
    section: str | None = None
    # An item named by another: "the quiz after quiz 3" is ``relation`` "after" ``anchor``.
    anchor: Ref | None = None
    relation: Literal["after", "before", "same"] | None = None
    # Grading parts by id ("quizzes", "final"); ``unit`` is one of the part's items.
    parts: tuple[str, ...] = ()
    unit: bool = False
    person: str | None = None
    # A staff role ("lead_ta", "ta", "instructor") when no one is named.
    role: str | None = None
    # A knowledge-base entry: "faq:late-policy", "staff:basafa", "reference:3".
    entry: str | None = None
    # The whole course or term.
    course: bool = False

    def empty(self) -> bool:
        """Tell whether nothing is named."""
        return self == Subject()


@dataclass(frozen=True)
class Filters:
    """What narrows a list or a count."""

    section: str | None = None
    # Deadlines or releases of these kinds of item only: "assignment", "project".
    item_kinds: tuple[str, ...] = ()
    # Relative to now: "still to come" or "already happened".
    ahead: bool = False
    past: bool = False
    # Relative to the break: "before Nowruz", "after the holiday".
    before_break: bool = False
    after_break: bool = False
    # A day, week, month or range: its name ("today", "next_week", "day", "month") and its
    # first and last day; a week's days follow from now.
    span: str | None = None
    start: date | None = None
    end: date | None = None
    # next / last / first / the last before now / what remains, and how many.
    order: Literal["next", "last", "first", "penultimate", "latest", "remaining"] | None = None
    limit: int = 1
    # Only events on this day of the week (Python's numbering: Monday is 0).
    weekday: int | None = None
    # Staff left out of a count, by id: "how many TAs besides the lead TA?".
    without: tuple[str, ...] = ()
    # Words the counted things must have: "how many references are O'Reilly?" ("reilly").
    having: tuple[str, ...] = ()


@dataclass(frozen=True)
class Score:
    """A fraction of full marks on a grading part, or on one of its items ("CA2", "a phase")."""

    part: str
    fraction: float
    # Which of the part's items (CA2 is 2), or None for the whole part.
    item: int | None = None
    # One of the part's items, not said which ("if I skip a phase").
    one: bool = False


@dataclass(frozen=True)
class Given:
    """Numbers the question states: scores per grading part, a delay, free days left."""

    scores: tuple[Score, ...] = ()
    # The score of every part not named in ``scores``, when the question says ("the rest full").
    others: float | None = None
    delay_hours: float | None = None
    # Delays already taken, or several to add up ("2 days on CA1, 3 on CA2"), in hours.
    delays: tuple[float, ...] = ()
    # Free late days left (None: not said; the answer states its assumption).
    free_days_left: float | None = None
    # How many submissions a delay applies to ("5 days late on each of the 3 CAs").
    times: int = 1
    # A share of a task's grade the question names ("until I lose 30%"), in percent.
    percent: float | None = None
    # A day the student wants to submit on: "can I send phase 1 on 25 Farvardin?"
    on_day: date | None = None
    # The total the student wants to end with ("what do I need on the final to get 15?").
    target: float | None = None


@dataclass(frozen=True)
class Query:
    """One thing a question asks, fully typed."""

    op: Op
    subject: Subject = Subject()
    attrs: tuple[Attr, ...] = ()
    filters: Filters = Filters()
    # The other side of a comparison.
    other: Subject | None = None
    # The moments a gap is measured between, in the order the question names them.
    points: tuple[Point, ...] = ()
    given: Given = Given()
    late: Late | None = None
    # Why a question is declined (``Op.DECLINE``): "other-course", "solutions", ….
    reason: str | None = None
    # Words that were read as the question but named nothing else: kept for explaining.
    notes: tuple[str, ...] = field(default=())

    def with_subject(self, subject: Subject) -> Query:
        """Return this query about ``subject`` instead."""
        return replace(self, subject=subject)

    def to_dict(self) -> dict[str, Any]:
        """Return the query as plain data (JSON-ready), leaving out empty fields."""
        data: dict[str, Any] = _pruned(asdict(self))
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Query:
        """Build a query from :meth:`to_dict`'s output."""
        subject = _subject(data.get("subject") or {})
        other = data.get("other")
        filters = dict(data.get("filters") or {})
        filters["item_kinds"] = tuple(filters.get("item_kinds", ()))
        filters["without"] = tuple(filters.get("without", ()))
        filters["having"] = tuple(filters.get("having", ()))
        for name in ("start", "end"):
            if filters.get(name):
                filters[name] = date.fromisoformat(filters[name])
        given = dict(data.get("given") or {})
        given["scores"] = tuple(Score(**score) for score in given.get("scores", ()))
        given["delays"] = tuple(given.get("delays", ()))
        if given.get("on_day"):
            given["on_day"] = date.fromisoformat(given["on_day"])
        points = tuple(_point(point) for point in data.get("points", ()))
        query = cls(
            op=Op(data["op"]),
            points=points,
            subject=subject,
            attrs=tuple(Attr(a) for a in data.get("attrs", ())),
            filters=Filters(**filters),
            other=_subject(other) if other is not None else None,
            given=Given(**given),
            late=Late(data["late"]) if data.get("late") else None,
            reason=data.get("reason"),
            notes=tuple(data.get("notes", ())),
        )
        _checked(query)
        return query


def _checked(value: Any) -> None:
    """Check that every field of a value built from plain data holds its declared type, so data
    from elsewhere (a stored context, another parser) fails here with a ValueError rather
    than later, mid-answer."""
    hints = get_type_hints(type(value))
    for item in fields(value):
        if not _fits(getattr(value, item.name), hints[item.name]):
            raise ValueError(f"{type(value).__name__}.{item.name}: {getattr(value, item.name)!r}")


def _fits(value: Any, hint: Any) -> bool:
    """Tell whether ``value`` is of the type ``hint`` (the types queries are made of)."""
    origin, args = get_origin(hint), get_args(hint)
    if origin in (UnionType, Union):
        return any(_fits(value, arg) for arg in args)
    if origin is Literal:
        return value in args
    if origin is tuple:
        return isinstance(value, tuple) and all(_fits(v, args[0]) for v in value)
    if hint is type(None):
        return value is None
    if hint is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if isinstance(hint, type) and is_dataclass(hint):
        if not isinstance(value, hint):
            return False
        _checked(value)
        return True
    return isinstance(value, hint)


def _point(data: dict[str, Any]) -> Point:
    values = dict(data)
    if values.get("item"):
        values["item"] = Ref(**values["item"])
    if values.get("day"):
        values["day"] = date.fromisoformat(values["day"])
    return Point(**values)


def _subject(data: dict[str, Any]) -> Subject:
    values = dict(data)
    values["items"] = tuple(Ref(**ref) for ref in values.get("items", ()))
    values["kinds"] = tuple(values.get("kinds", ()))
    values["parts"] = tuple(values.get("parts", ()))
    if values.get("anchor"):
        values["anchor"] = Ref(**values["anchor"])
    known = {f.name for f in fields(Subject)}
    return Subject(**{k: v for k, v in values.items() if k in known})


def _empty(value: Any) -> bool:
    """Tell whether a value says nothing: None, False, or an empty text or collection (a
    zero is a value: "0 of 4 on the final")."""
    if value is None or value is False:
        return True
    return isinstance(value, str | list | tuple | dict) and not value


# Fields whose default is a count of one: left out like the other defaults.
_COUNTS = frozenset({"limit", "times"})


def _pruned(value: Any) -> Any:
    """Drop empty and default values, turn dates and enums into strings."""
    if isinstance(value, dict):
        kept = {k: _pruned(v) for k, v in value.items()}
        return {k: v for k, v in kept.items() if not _empty(v) and not (k in _COUNTS and v == 1)}
    if isinstance(value, list | tuple):
        return [_pruned(v) for v in value]
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    return value
