"""Load a course file: YAML → validated models → a dated Course, with file:line problems."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import ValidationError

from bot.core.course.checks import check_grading, check_items, check_references
from bot.core.course.course import Break, ClassSession, Course, Item
from bot.core.course.models import CourseFile, ScheduledItem, Section, Session, Text
from bot.core.course.source import (
    CourseError,
    CourseLoader,
    FieldPath,
    LineMap,
    Problem,
    Report,
    day_month,
    pydantic_problem,
)
from bot.core.lang import i18n
from bot.core.lang.calendar import (
    MONTHS_EN,
    CalendarError,
    at,
    jalali_to_date,
    to_jalali,
)

__all__ = ["CourseError", "Problem", "check_course", "load_course"]

_WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

# A break lies between the first and the last session, give or take this much.
_BREAK_SLACK = timedelta(days=14)
# The longest a term may run from its first session to its last session or deadline: a
# semester with its exams is about five months; this leaves room and still catches any
# date a year off.
TERM_LENGTH = timedelta(days=240)
_LONGEST_BREAK_DAYS = 60


def load_course(path: str | Path) -> Course:
    """Load and validate a course file, raising CourseError with every error found."""
    course, problems = _load(Path(path))
    errors = [p for p in problems if p.level == "error"]
    if errors or course is None:
        raise CourseError(errors)
    return course


def check_course(path: str | Path) -> list[Problem]:
    """Return every error and warning in a course file, without raising."""
    return _load(Path(path))[1]


def _load(path: Path) -> tuple[Course | None, list[Problem]]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        return None, [Problem("error", path, None, "", f"cannot read the course file: {exc}")]
    except UnicodeDecodeError as exc:
        return None, [Problem("error", path, None, "", f"the course file is not UTF-8: {exc}")]
    try:
        raw = yaml.load(text, Loader=CourseLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        reason = getattr(exc, "problem", None) or str(exc)
        return None, [Problem("error", path, line, "", f"invalid YAML: {reason}")]
    lines = LineMap(text)
    if not isinstance(raw, dict):
        return None, [Problem("error", path, 1, "", "the course file must be a YAML mapping")]
    try:
        data = CourseFile.model_validate(raw)
    except ValidationError as exc:
        return None, [pydantic_problem(path, lines, error) for error in exc.errors()]
    builder = _Builder(path, data, lines)
    course = builder.build()
    problems = builder.report.problems + lines.duplicate_keys(path)
    return course, problems


class _Builder:
    """Turn validated course data into a Course, collecting problems as it goes."""

    def __init__(self, path: Path, data: CourseFile, lines: LineMap) -> None:
        self.path = path
        self.data = data
        self.report = Report(path, lines)
        self.sections = {section.id: section for section in data.sections}
        self.item_locs: dict[str, list[FieldPath]] = {}
        # Each session's place in the file and its date as written, for later checks.
        self.session_entries: dict[date, tuple[FieldPath, str]] = {}
        # The first session's day: the term runs from it (see _in_term).
        self.term_start: date | None = None

    def build(self) -> Course | None:
        try:
            tz = ZoneInfo(self.data.course.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            self.report.error(
                ("course", "timezone"), f"unknown timezone {self.data.course.timezone!r}"
            )
            return None
        check_grading(self.data, self.report)
        check_references(self.data, self.report)
        sessions, items = self._schedule(tz)
        breaks = self._breaks(sessions)
        check_items(self.data, items, self.item_locs, self.report)
        if any(p.level == "error" for p in self.report.problems) or not sessions:
            return None
        return Course(
            data=self.data,
            source=self.path,
            tz=tz,
            sessions=tuple(sessions),
            items=tuple(sorted(items, key=_item_order)),
            breaks=tuple(breaks),
        )

    def _date(self, loc: FieldPath, text: str, year: int) -> date | None:
        """Read a Jalali "day month [year]"; a missing year follows ``year``."""
        try:
            day, month, given_year = day_month(text)
            return jalali_to_date(given_year or year, month, day)
        except CalendarError as exc:
            self.report.error(loc, str(exc))
            return None

    def _schedule(self, tz: ZoneInfo) -> tuple[list[ClassSession], list[Item]]:
        classes = self.data.classes
        class_days = {_WEEKDAY_NAMES.index(day) for day in classes.days}
        year, last_month = self.data.course.start_year, 0
        sessions: list[ClassSession] = []
        items: list[Item] = []
        previous: date | None = None
        seen_days: dict[date, int] = {}
        for index, entry in enumerate(self.data.schedule):
            loc: FieldPath = ("schedule", index)
            try:
                _, month, given_year = day_month(entry.date)
            except CalendarError as exc:
                self.report.error((*loc, "date"), str(exc))
                continue
            # Without a year, a month earlier than the last one means the year turned (Nowruz).
            before = year, last_month
            if given_year is not None:
                year = given_year
            elif month < last_month:
                year += 1
            last_month = month
            day = self._date((*loc, "date"), entry.date, year)
            if day is not None and not self._in_term((*loc, "date"), entry.date, day, year):
                # A wrong year must not carry over to the sessions after it, which give none.
                year, last_month = before
                continue
            section = self.sections.get(entry.section)
            if section is None:
                self.report.error((*loc, "section"), f"unknown section {entry.section!r}")
            if day is None or section is None:
                continue
            if day in seen_days:
                self.report.warn(
                    (*loc, "date"), f"a second session on {entry.date} (see #{seen_days[day]})"
                )
            seen_days[day] = index
            self.session_entries[day] = (loc, entry.date)
            if previous is not None and day < previous:
                self.report.warn((*loc, "date"), "sessions are out of date order")
            previous = day
            if day.weekday() not in class_days:
                weekday = _WEEKDAY_NAMES[day.weekday()].capitalize()
                days = " and ".join(d.capitalize() for d in classes.days)
                self.report.warn(
                    (*loc, "date"), f"{entry.date} is a {weekday}, not a class day ({days})"
                )
            session, built = self._session(loc, entry, section, day, tz)
            sessions.append(session)
            items.extend(built)
        sessions.sort(key=lambda s: s.date)
        return sessions, items

    def _session(
        self, loc: FieldPath, entry: Session, section: Section, day: date, tz: ZoneInfo
    ) -> tuple[ClassSession, list[Item]]:
        """Build a class session and the items it holds."""
        classes = self.data.classes
        session_items = [
            self._item((*loc, "items", n), raw, section, day, tz)
            for n, raw in enumerate(entry.items)
        ]
        built = [item for item in session_items if item is not None]
        for n, item in enumerate(session_items):
            if item is not None:
                self.item_locs.setdefault(item.id, []).append((*loc, "items", n))
        session = ClassSession(
            id=day.isoformat(),
            date=day,
            section=section,
            starts_at=at(day, classes.start, tz),
            ends_at=at(day, classes.end, tz),
            item_ids=tuple(item.id for item in built),
            cancelled=entry.cancelled,
            note=entry.note,
        )
        return session, built

    def _in_term(self, loc: FieldPath, written: str, day: date, year: int) -> bool:
        """Tell whether a session's day lies in the term; report it as an error if not.

        The term is anchored at the first session, which must fall in ``course.start_year``,
        and lasts at most TERM_DAYS: a year typo ("27 Esfand 1410", "8 Khordad 1399") is
        always outside, since a year moves a day by at least 354 days.
        """
        if self.term_start is None:
            start_year = self.data.course.start_year
            if to_jalali(day).year != start_year:
                self.report.error(
                    loc,
                    f"{written} is in {to_jalali(day).year}, but the first session falls in "
                    f"course.start_year ({start_year}); a typo in the year?",
                )
                return False
            self.term_start = day
            return True
        return self._within(loc, written, day, "session")

    def _within(self, loc: FieldPath, written: str, day: date, what: str) -> bool:
        start = self.term_start
        assert start is not None
        if start - _BREAK_SLACK <= day <= start + TERM_LENGTH:
            return True
        offset = (day - start).days
        relation = f"{offset} days after" if offset > 0 else f"{-offset} days before"
        self.report.error(
            loc,
            f"{written} is outside the term: the {what} is {relation} the first session "
            f"({_jalali_text(start)}), and a term lasts at most {TERM_LENGTH.days} days; "
            "a typo in the year?",
        )
        return False

    def _item(
        self, loc: FieldPath, raw: ScheduledItem, section: Section, day: date, tz: ZoneInfo
    ) -> Item | None:
        # An item's own time wins; otherwise quizzes and workshops start with the class.
        class_start = at(day, raw.time or self.data.classes.start, tz)
        topic = raw.topic or section.title
        if raw.quiz is not None:
            return Item(
                id=f"quiz-{raw.quiz}",
                kind="quiz",
                number=raw.quiz,
                title=raw.title or _label("quiz", raw.quiz),
                section=section,
                session_date=day,
                starts_at=class_start,
                topic=topic,
                note=raw.note,
            )
        if raw.workshop is not None:
            assert raw.title is not None  # the model requires it
            return Item(
                id=f"workshop-{raw.workshop}",
                kind="workshop",
                number=None,
                title=raw.title,
                section=section,
                session_date=day,
                starts_at=class_start,
                topic=topic,
                note=raw.note,
                aliases=tuple(raw.aliases),
            )
        return self._submission(loc, raw, section, day, tz)

    def _submission(
        self, loc: FieldPath, raw: ScheduledItem, section: Section, day: date, tz: ZoneInfo
    ) -> Item | None:
        """Build an assignment or a project phase, with its release and its deadline."""
        times = self.data.times
        topic = raw.topic or section.title
        kind: Literal["assignment", "project"] = "assignment" if raw.assignment else "project"
        number = raw.assignment or raw.project
        assert number is not None
        days = (
            self.data.policies.assignment_days
            if kind == "assignment"
            else self.data.policies.project_phase_days
        )
        release_at = at(day, raw.time or times.release, tz)
        due_time = raw.due_time or times.deadline
        if raw.due is not None:
            due_day = self._due_date((*loc, "due"), raw.due, day)
            if due_day is None or not self._within((*loc, "due"), raw.due, due_day, "deadline"):
                return None
            due_at = at(due_day, due_time, tz)
            if due_day - day != timedelta(days=days):
                self.report.warn(
                    (*loc, "due"),
                    f"{(due_day - day).days} days after the release; the policy says {days}",
                )
        else:
            due_at = at(day + timedelta(days=days), due_time, tz)
        if due_at <= release_at:
            self.report.error((*loc, "due"), "the deadline is not after the release")
        return Item(
            id=f"ca-{number}" if kind == "assignment" else f"project-{number}",
            kind=kind,
            number=number,
            title=raw.title or _label(kind, number),
            section=section,
            session_date=day,
            release_at=release_at,
            due_at=due_at,
            due_explicit=raw.due is not None,
            due_time_assumed=raw.due_time is None and times.assumed,
            topic=topic,
            note=raw.note,
        )

    def _due_date(self, loc: FieldPath, text: str, release: date) -> date | None:
        try:
            day, month, given_year = day_month(text)
        except CalendarError as exc:
            self.report.error(loc, str(exc))
            return None
        if given_year is None:
            # A deadline without a year falls in the first such month on or after the release.
            released = to_jalali(release)
            given_year = released.year + (1 if month < released.month else 0)
        try:
            return jalali_to_date(given_year, month, day)
        except CalendarError as exc:
            self.report.error(loc, str(exc))
            return None

    def _breaks(self, sessions: list[ClassSession]) -> list[Break]:
        breaks: list[Break] = []
        start_year = self.data.course.start_year
        for index, entry in enumerate(self.data.breaks):
            after = self._date(("breaks", index, "after"), entry.after, start_year)
            until = self._date(("breaks", index, "until"), entry.until, start_year)
            if after is None or until is None:
                continue
            if until <= after:
                self.report.error(("breaks", index, "until"), "the break ends before it starts")
                continue
            # A wrong year (until: 14 Farvardin 1403) would hide the rest of the term.
            if sessions and not self._within_term(index, sessions, after, until):
                continue
            length = (until - after).days
            if length > _LONGEST_BREAK_DAYS:
                self.report.error(
                    ("breaks", index, "until"),
                    f"the break is {length} days long; a break is at most "
                    f"{_LONGEST_BREAK_DAYS} days (a typo in the date?)",
                )
                continue
            breaks.append(Break(entry.name, after, until))
            for session in sessions:
                if after < session.date < until and not session.cancelled:
                    loc, written = self.session_entries[session.date]
                    self.report.warn(
                        (*loc, "date"),
                        f"{written} is inside the break {entry.name.en!r} ({entry.after} to "
                        f"{entry.until}); mark the session cancelled or move the break",
                    )
        return breaks

    def _within_term(
        self, index: int, sessions: list[ClassSession], after: date, until: date
    ) -> bool:
        first, last = sessions[0].date, sessions[-1].date
        entry = self.data.breaks[index]
        inside = True
        for field, day, written in (("after", after, entry.after), ("until", until, entry.until)):
            if not first - _BREAK_SLACK <= day <= last + _BREAK_SLACK:
                self.report.error(
                    ("breaks", index, field),
                    f"{written} is outside the term (sessions run from {_jalali_text(first)} "
                    f"to {_jalali_text(last)}); a typo in the year?",
                )
                inside = False
        return inside


def _jalali_text(day: date) -> str:
    jalali = to_jalali(day)
    return f"{jalali.day} {MONTHS_EN[jalali.month]} {jalali.year}"


def _item_order(item: Item) -> tuple[int, int, str]:
    order = {"quiz": 0, "assignment": 1, "project": 2, "workshop": 3}
    return (order[item.kind], item.number or 0, item.id)


def _label(kind: str, number: int) -> Text:
    """Return an item's label, such as "Quiz 3" / "کوییز ۳", in both languages."""
    code = str(number)
    return Text(
        en=i18n.t("en", f"label.{kind}", n=number, code=code),
        fa=i18n.t("fa", f"label.{kind}", n=number, code=code),
    )
