"""The facts an executed query found, before they are worded: one type per kind of answer.

Every result says whether it answers the question (``answered``), which knowledge-base
entries it drew on (``used``), and why it declines, if it does (``declined``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from bot.core.answering.query import Attr, Late, Ref
from bot.core.course.course import Break, ClassSession, Event, Item
from bot.core.course.models import GradingPart, Person, Section


@dataclass(frozen=True, kw_only=True)
class Result:
    """What every result carries besides its facts."""

    used: tuple[str, ...] = ()
    answered: bool = True
    declined: str | None = None
    # Built from the whole question at once ("days between quiz 2 and quiz 3"): not split.
    whole: bool = False


@dataclass(frozen=True, kw_only=True)
class Greeting(Result):
    thanks: bool = False


@dataclass(frozen=True, kw_only=True)
class Declined(Result):
    """Declined on principle; ``person`` for a phone number the syllabus does not give."""

    reason: str
    person: Person | None = None
    entry: str | None = None


@dataclass(frozen=True, kw_only=True)
class Unsaid(Result):
    """An attribute the syllabus does not give, with the one related fact it has."""

    attribute: str
    item: Item | None = None
    # A knowledge-base entry or fact to add ("fact:final_exam", "staff:zarezadeh").
    related: str | None = None


@dataclass(frozen=True, kw_only=True)
class Missing(Result):
    """Items that do not exist ("quiz 9"), with what does."""

    refs: tuple[Ref, ...]


@dataclass(frozen=True, kw_only=True)
class Unknown(Result):
    """Nothing understood with confidence."""


@dataclass(frozen=True, kw_only=True)
class Entry(Result):
    """A knowledge-base entry rendered whole: an FAQ, a person, a section, a fact."""

    entry: str


@dataclass(frozen=True, kw_only=True)
class OpenWork(Result):
    open_items: tuple[Item, ...]
    coming: Item | None = None


@dataclass(frozen=True, kw_only=True)
class Moment:
    """One side of a gap: an item and which of its moments ("item", "release", "due",
    "deadline"), a day ("day"), or the first or last class ("first", "last")."""

    item: Item | None
    role: str
    at: datetime
    # For the first or last class: relative to the break ("before", "after"), if said.
    around_break: str | None = None


@dataclass(frozen=True, kw_only=True)
class Gap(Result):
    first: Moment
    second: Moment
    in_hours: bool = False

    @property
    def days(self) -> int:
        """Return the calendar days from the first moment to the second."""
        return (self.second.at.date() - self.first.at.date()).days


@dataclass(frozen=True, kw_only=True)
class Lasting(Result):
    """How long something lasts: a class, a week of classes, a part of the course, a task."""

    what: str  # "class", "week", "section", or an item kind
    sessions: int = 1
    # One class's length, or a task's days to submit.
    each: timedelta
    days: tuple[str, ...] = ()
    section: Section | None = None
    # The printed lengths, where they differ from the policy's ("26, 19 and 33 days").
    printed: tuple[int, ...] = ()
    unit: str | None = None


@dataclass(frozen=True, kw_only=True)
class CountedEvents(Result):
    """How many events of some kinds pass a count's filters, with the events."""

    kinds: tuple[str, ...]
    events: tuple[Event, ...]
    section: Section | None = None
    now: datetime | None = None
    conditions: tuple[str, ...] = ()
    first: date | None = None
    last: date | None = None
    weekday: int | None = None


@dataclass(frozen=True, kw_only=True)
class Weights(Result):
    parts: tuple[GradingPart, ...]
    total: float


@dataclass(frozen=True, kw_only=True)
class Portion:
    """Some grading parts' points, or one item's share of a part (``items`` > 1)."""

    parts: tuple[GradingPart, ...]
    points: float
    # How many items the part is shared by, when one item is meant ("one quiz": 7).
    items: int = 1


@dataclass(frozen=True, kw_only=True)
class Share(Result):
    portion: Portion
    total: float


@dataclass(frozen=True, kw_only=True)
class Comparison(Result):
    left: Portion
    right: Portion
    # The question asked "is the left worth more (less) than the right?", not "which is more".
    asked: str | None = None


@dataclass(frozen=True, kw_only=True)
class Earned:
    """What a what-if earns on one grading part."""

    part: GradingPart
    points: float
    # Each item's fraction of full marks, when the items were scored one by one.
    items: int = 1
    assumed: bool = False


@dataclass(frozen=True, kw_only=True)
class WhatIf(Result):
    earned: tuple[Earned, ...]
    total: float
    # A total the question gave ("18 out of 21"), to say as a share: no parts to list.
    given_total: bool = False

    @property
    def points(self) -> float:
        """Return the total the scores add up to."""
        return sum(e.points for e in self.earned)


@dataclass(frozen=True, kw_only=True)
class Needed(Result):
    """What one grading part must earn for the total a student aims for."""

    part: GradingPart
    target: float
    # What every other part earns, as the question scored it (or in full).
    earned: tuple[Earned, ...]
    total: float

    @property
    def rest(self) -> float:
        """Return what the other parts add up to."""
        return sum(e.points for e in self.earned)

    @property
    def points(self) -> float:
        """Return the points the part must earn (at or below 0: the rest is enough)."""
        return self.target - self.rest


@dataclass(frozen=True, kw_only=True)
class LateFacts(Result):
    """The late policy applied to a question: its numbers, and what they give."""

    question: Late
    max_days: float
    free_days: float
    # Percent of the task's grade lost per hour of delay once the forgiven days are used.
    rate: float
    item: Item | None = None
    delay_hours: float | None = None
    # Forgiven days left before this delay; None when the question does not say.
    free_left: float | None = None
    # Hours of the delay that are charged, and the percent of the task's grade they cost.
    charged_hours: float | None = None
    percent: float | None = None
    # The item's points, if its part's items weigh the same ("CA2": 1 of 21).
    item_points: float | None = None
    due: datetime | None = None
    latest: datetime | None = None
    now: datetime | None = None
    on_day: date | None = None
    delays: tuple[float, ...] = ()
    times: int = 1
    in_hours: bool = False
    # The share of the grade the question asks the delay for ("until I lose 30%").
    wanted_percent: float | None = None


@dataclass(frozen=True, kw_only=True)
class SectionDates(Result):
    section: Section
    sessions: tuple[ClassSession, ...]
    attrs: tuple[Attr, ...]


@dataclass(frozen=True, kw_only=True)
class SectionItems(Result):
    section: Section
    kinds: tuple[str, ...]
    items: tuple[Item, ...]


@dataclass(frozen=True, kw_only=True)
class Counted(Result):
    """How many of something there are: ``what`` names it ("quiz", "ta", "class", …)."""

    what: str
    things: tuple[object, ...]
    # Who the count leaves out ("besides the lead TA").
    left_out: tuple[Person, ...] = ()
    # The words the counted things have ("gmail", "reilly"), and how many there are in all.
    having: tuple[str, ...] = ()
    total: int = 0


@dataclass(frozen=True, kw_only=True)
class AroundBreak(Result):
    before: bool
    pause: Break
    events: tuple[Event, ...]


@dataclass(frozen=True, kw_only=True)
class AfterDay(Result):
    day: date
    groups: tuple[tuple[str, tuple[Event, ...]], ...]


@dataclass(frozen=True, kw_only=True)
class TermStart(Result):
    day: date
    with_classes: bool = False


@dataclass(frozen=True, kw_only=True)
class TermEnd(Result):
    day: date
    last_deadline: Event | None = None


@dataclass(frozen=True, kw_only=True)
class Countdown(Result):
    event: Event
    now: datetime


@dataclass(frozen=True, kw_only=True)
class ClassOnDay(Result):
    day: date
    session: ClassSession | None
    # When there is no class that day: the next class after it, if any.
    following: Event | None = None


@dataclass(frozen=True, kw_only=True)
class ItemFacts(Result):
    """What a question asks of named items, as of ``now``."""

    items: tuple[Item, ...]
    attrs: tuple[Attr, ...]
    now: datetime
    missing: Missing | None = None
    # The agenda of the day the question names ("is quiz 4 on 23 Ordibehesht?").
    day: Agenda | None = None
    # An FAQ entry the words around the item ask about ("can I submit CA1 late?").
    also: str | None = None


@dataclass(frozen=True, kw_only=True)
class Nearest(Result):
    """The next (or latest past) event of each kind; None where there is none."""

    future: bool
    found: tuple[tuple[str, Event | None], ...]
    item_kinds: tuple[str, ...] = ()
    # One line per kind rather than a paragraph each.
    compact: bool = False


@dataclass(frozen=True, kw_only=True)
class Listed(Result):
    """Events listed by title and moment (the first or last N of a kind)."""

    events: tuple[Event, ...]


@dataclass(frozen=True, kw_only=True)
class Ahead(Result):
    """What is still ahead of some kinds; when nothing is, the last of each."""

    kinds: tuple[str, ...]
    events: tuple[Event, ...]
    last: tuple[Event, ...] = ()


@dataclass(frozen=True, kw_only=True)
class Done(Result):
    kinds: tuple[str, ...]
    events: tuple[Event, ...]


@dataclass(frozen=True, kw_only=True)
class Agenda(Result):
    """What happens between two days; when nothing does, the next thing after."""

    span: str
    first: date
    last: date
    focus: tuple[str, ...]
    events: tuple[Event, ...]
    topics: bool = False
    following: Event | None = None


@dataclass(frozen=True, kw_only=True)
class Overview(Result):
    now: datetime


@dataclass(frozen=True, kw_only=True)
class BothCalendars(Result):
    """An answer whose dates the question asked in the Gregorian calendar too."""

    rest: Result


@dataclass(frozen=True, kw_only=True)
class DayFacts(Result):
    """A day in both calendars."""

    day: date


@dataclass(frozen=True, kw_only=True)
class Weekday(Result):
    """A day's weekday, said before the answer to the rest of the question."""

    day: date
    rest: Result = field(default_factory=Unknown)
