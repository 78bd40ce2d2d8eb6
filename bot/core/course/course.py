"""The course as the rest of the program sees it: dated sessions, items and events."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from functools import cached_property
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from bot.core.course.models import CourseFile, FaqEntry, Person, Section, Text
from bot.core.lang.text import normalize, tokens

ItemKind = Literal["quiz", "assignment", "project", "workshop"]
EventKind = Literal["class", "quiz", "release", "deadline", "workshop"]
ITEM_KINDS: tuple[ItemKind, ...] = ("quiz", "assignment", "project", "workshop")


@dataclass(frozen=True)
class Item:
    """A quiz, assignment, project phase or workshop with its times resolved."""

    id: str
    kind: ItemKind
    number: int | None
    title: Text
    section: Section
    session_date: date
    starts_at: datetime | None = None
    release_at: datetime | None = None
    due_at: datetime | None = None
    due_explicit: bool = False
    # The time of day of the deadline (or of the release) is the course file's default, which
    # the syllabus does not give.
    due_time_assumed: bool = False
    topic: Text | None = None
    note: str | None = None
    aliases: tuple[str, ...] = ()

    @property
    def has_deadline(self) -> bool:
        """Tell whether the item is something to submit."""
        return self.due_at is not None


@dataclass(frozen=True)
class ClassSession:
    """One class meeting on its date."""

    id: str
    date: date
    section: Section
    starts_at: datetime
    ends_at: datetime
    item_ids: tuple[str, ...] = ()
    cancelled: bool = False
    note: str | None = None


@dataclass(frozen=True)
class Break:
    """A stretch with no classes, such as Nowruz."""

    name: Text
    last_class: date
    next_class: date


@dataclass(frozen=True)
class Event:
    """Something that happens at a moment: a class, quiz, release, deadline or workshop."""

    kind: EventKind
    at: datetime
    item: Item | None = None
    session: ClassSession | None = None

    @property
    def key(self) -> str:
        """Return a stable identifier such as ``quiz-3`` or ``deadline:ca-1``."""
        if self.item is not None:
            return f"{self.kind}:{self.item.id}"
        assert self.session is not None
        return f"class:{self.session.id}"

    @property
    def source_id(self) -> str:
        """Return the id of what the event belongs to: ``quiz-3`` or ``session:2023-03-18``."""
        if self.item is not None:
            return self.item.id
        assert self.session is not None
        return f"session:{self.session.id}"


@dataclass(frozen=True)
class Course:
    """A loaded, validated course with everything derived from the course file."""

    data: CourseFile
    source: Path
    tz: ZoneInfo
    sessions: tuple[ClassSession, ...]
    items: tuple[Item, ...]
    breaks: tuple[Break, ...]
    events: tuple[Event, ...] = field(default=())

    def __post_init__(self) -> None:
        if not self.events:
            object.__setattr__(self, "events", tuple(sorted(_events(self), key=_event_order)))

    @property
    def name(self) -> Text:
        """Return the course's name."""
        return self.data.course.name

    @property
    def submit_url(self) -> str:
        """Return where work is submitted and questions asked: the Quera page, else the first."""
        pages = self.data.pages
        quera = next((page.url for page in pages if page.id == "quera"), None)
        return quera or (pages[0].url if pages else "")

    def with_faq(self, extra: Iterable[FaqEntry]) -> Course:
        """Return the course with ``extra`` FAQ entries after its own (the staff's saved
        answers); an entry whose id the course file already has is left out: the file wins."""
        own = {entry.id for entry in self.data.faq}
        added = [entry for entry in extra if entry.id not in own]
        if not added:
            return self
        return replace(self, data=self.data.model_copy(update={"faq": [*self.data.faq, *added]}))

    def items_of(self, kind: ItemKind) -> list[Item]:
        """Return the items of one kind in number order."""
        return [item for item in self.items if item.kind == kind]

    def item(self, kind: ItemKind, number: int) -> Item | None:
        """Return the item of a kind and number, or None if there is none.

        Workshops go by name; "the second workshop" is the second by date.
        """
        for item in self.items:
            if item.kind == kind and item.number == number:
                return item
        named = [item for item in self.items_of(kind) if item.number is None]
        dated = sorted(
            ((item.starts_at, item) for item in named if item.starts_at is not None),
            key=lambda pair: pair[0],
        )
        if len(dated) == len(named) and 1 <= number <= len(dated):
            return dated[number - 1][1]
        return None

    def item_by_id(self, item_id: str) -> Item | None:
        """Return the item with this id, or None."""
        return next((item for item in self.items if item.id == item_id), None)

    def staff_by_role(self, *roles: str) -> list[Person]:
        """Return the staff with any of these roles, in file order."""
        return [person for person in self.data.staff if person.role in roles]

    def events_between(
        self, start: datetime, end: datetime, kinds: Iterable[EventKind] | None = None
    ) -> list[Event]:
        """Return the events in [start, end), optionally only some kinds."""
        wanted = set(kinds) if kinds is not None else None
        return [
            event
            for event in self.events
            if start <= event.at < end and (wanted is None or event.kind in wanted)
        ]

    def next_event(self, now: datetime, kinds: Iterable[EventKind]) -> Event | None:
        """Return the first event of these kinds that has not happened yet."""
        wanted = set(kinds)
        return next((e for e in self.events if e.kind in wanted and e.at > now), None)

    def last_event(self, now: datetime, kinds: Iterable[EventKind]) -> Event | None:
        """Return the latest event of these kinds that has already happened."""
        wanted = set(kinds)
        past = [e for e in self.events if e.kind in wanted and e.at <= now]
        return past[-1] if past else None

    def session_on(self, day: date) -> ClassSession | None:
        """Return the class held on ``day``, if any."""
        return next((s for s in self.sessions if s.date == day), None)

    @cached_property
    def staff_name_words(self) -> tuple[tuple[str, frozenset[str]], ...]:
        """Return each staff member's id with the words that name them alone: surnames, and
        first names no one else on the staff has ("Omid", not "Hossein")."""
        firsts = Counter(tokens(p.name)[0] for p in self.data.staff if tokens(p.name))
        found = []
        for person in self.data.staff:
            words: set[str] = set()
            for name in (person.name, *person.aliases):
                said = tokens(name)
                if len(said) < 2:
                    words.update(said)
                    continue
                words.add(said[-1])
                if firsts[said[0]] == 1:
                    words.add(said[0])
            found.append((person.id, frozenset(words)))
        return tuple(found)

    @cached_property
    def section_names(self) -> tuple[tuple[str, re.Pattern[str]], ...]:
        """Return each section's id with a pattern for the names it goes by, normalised."""
        found = []
        for section in self.data.sections:
            names = [section.title.en, section.title.fa, *section.aliases]
            # "چرخه‌ی حیات داده (Data LifeCycle)": the name before the bracket.
            spelled = {normalize(name).split("(")[0].strip() for name in names} - {""}
            alternatives = "|".join(re.escape(s) for s in sorted(spelled, key=len, reverse=True))
            found.append((section.id, re.compile(rf"(?<![\w])(?:{alternatives})")))
        return tuple(found)

    def section_of(self, section_id: str) -> Section | None:
        """Return the section with this id."""
        return next((s for s in self.data.sections if s.id == section_id), None)

    def first_day(self) -> date:
        """Return the date of the first class."""
        return self.sessions[0].date

    def last_day(self) -> date:
        """Return the date of the last event of the term."""
        return max(self.events[-1].at.date(), self.sessions[-1].date)

    def class_length(self) -> timedelta:
        """Return how long one class lasts."""
        return self.sessions[0].ends_at - self.sessions[0].starts_at


_KIND_ORDER = {"deadline": 0, "class": 1, "quiz": 2, "workshop": 3, "release": 4}


def _event_order(event: Event) -> tuple[datetime, int, str]:
    return (event.at, _KIND_ORDER[event.kind], event.key)


def _events(course: Course) -> Iterable[Event]:
    for session in course.sessions:
        if not session.cancelled:
            yield Event("class", session.starts_at, session=session)
    for item in course.items:
        if item.kind in ("quiz", "workshop") and item.starts_at is not None:
            yield Event(item.kind, item.starts_at, item=item)
        if item.release_at is not None:
            yield Event("release", item.release_at, item=item)
        if item.due_at is not None:
            yield Event("deadline", item.due_at, item=item)
