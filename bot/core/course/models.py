"""The course file's schema: pydantic models that staff edit through YAML."""

from __future__ import annotations

from datetime import date, time
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from bot.core.lang.calendar import CalendarError, jalali_to_date, parse_day_month, parse_when

# The standing facts an FAQ entry may cite; the renderer words each one.
FACT_NAMES = frozenset(
    {
        "identity",
        "objective",
        "grading",
        "classes",
        "online",
        "cancellation",
        "instructor",
        "lead_ta",
        "tas",
        "staff",
        "meeting_hours",
        "late_policy",
        "collaboration",
        "honesty",
        "references",
        "pages",
        "webpage",
        "quera",
        "quizzes",
        "final_exam",
        "quiz_rules",
        "assignments",
        "project",
        "workshops",
        "deadlines",
        "term",
        "breaks",
        "sections",
    }
)


class Strict(BaseModel):
    """Base model that rejects unknown keys, so a misspelt field is an error, not a silent loss."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(Strict):
    """A user-facing text in both languages."""

    en: str = Field(min_length=1)
    fa: str = Field(min_length=1)

    def get(self, lang: str) -> str:
        """Return the text in ``lang``, falling back to English."""
        return self.fa if lang == "fa" else self.en


def _parse_clock(value: object) -> object:
    # YAML reads an unquoted 16:30 as the sexagesimal integer 990; accept it as minutes.
    if isinstance(value, int) and not isinstance(value, bool):
        return time(value // 60, value % 60)
    return value


Clock = Annotated[time, BeforeValidator(_parse_clock)]


def _parse_day(value: object) -> object:
    # A day as the schedule writes it ("12 Ordibehesht 1402"), or ISO: Jalali below the year
    # 1700 ("1402-02-12"), else Gregorian ("2023-05-02").
    if not isinstance(value, str):
        return value
    try:
        if value.strip()[:1].isdigit() and "-" in value:
            return parse_when(value).date()
        day, month, year = parse_day_month(value)
        if year is None:
            raise CalendarError(f"give the year too, e.g. '{day} {value.split()[1]} 1402'")
        return jalali_to_date(year, month, day)
    except CalendarError as exc:
        raise ValueError(str(exc)) from exc


Day = Annotated[date, BeforeValidator(_parse_day)]


class CourseInfo(Strict):
    code: str
    name: Text
    department: Text
    university: Text
    term: Text
    start_year: int = Field(ge=1300, le=1700, description="Jalali year of the first session")
    timezone: str = "Asia/Tehran"
    aliases: list[str] = Field(default_factory=list, description="Other names students use")


class Reference(Strict):
    number: int = Field(ge=1)
    authors: list[str] = Field(min_length=1)
    title: str
    publisher: str | None = None
    year: int | None = None
    note: str | None = None


class GradingPart(Strict):
    id: str
    name: Text
    points: float = Field(gt=0)


class Grading(Strict):
    total: float = Field(gt=0)
    parts: list[GradingPart] = Field(min_length=1)
    note: Text | None = None


class Classes(Strict):
    place: Text
    days: list[Literal["saturday", "sunday", "monday", "tuesday", "wednesday", "thursday"]]
    start: Clock
    end: Clock
    online: Text
    cancellation: Text | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _end_after_start(self) -> Classes:
        if self.end <= self.start:
            raise ValueError("classes end before they start")
        return self


class Person(Strict):
    id: str
    name: str
    role: Literal["instructor", "lead_ta", "ta"]
    emails: list[str] = Field(default_factory=list)
    phone: str | None = None
    meeting_hours: Text | None = None
    aliases: list[str] = Field(default_factory=list, description="Other spellings, e.g. Persian")
    note: str | None = None


class LatePolicy(Strict):
    max_delay_days: float = Field(ge=0)
    free_delay_days: float = Field(ge=0)
    penalty_percent_per_hour: float = Field(ge=0)
    text: Text
    note: str | None = None


class Policies(Strict):
    assignment_days: int = Field(gt=0)
    project_phase_days: int = Field(gt=0)
    late: LatePolicy
    collaboration: Text
    honesty: Text


class Exams(Strict):
    quiz_count: int = Field(ge=0)
    quizzes: Text
    final: Text


class Page(Strict):
    id: str
    name: Text
    url: str
    purpose: Text


class Times(Strict):
    """Times of day used when an item gives none."""

    deadline: Clock = time(23, 59)
    release: Clock = time(9, 0)
    # True when the syllabus gives no time of day and these are the staff's reading: answers
    # then say the time is assumed rather than state it as fact.
    assumed: bool = False
    note: str | None = None


class Section(Strict):
    id: str
    title: Text
    aliases: list[str] = Field(default_factory=list, description="Other names students use")


class ScheduledItem(Strict):
    """One entry in a session's ``items``: exactly one of quiz, assignment, project, workshop."""

    quiz: int | None = Field(default=None, ge=1)
    assignment: int | None = Field(default=None, ge=1)
    project: int | None = Field(default=None, ge=1)
    workshop: str | None = None
    title: Text | None = None
    topic: Text | None = None
    due: str | None = Field(default=None, description='Explicit deadline, e.g. "19 Farvardin 1402"')
    due_time: Clock | None = None
    time: Clock | None = Field(
        default=None, description="Start (quiz, workshop) or release time, if not the default"
    )
    aliases: list[str] = Field(default_factory=list, description="Other names students use")
    note: str | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> ScheduledItem:
        kinds = [self.quiz, self.assignment, self.project, self.workshop]
        if sum(kind is not None for kind in kinds) != 1:
            raise ValueError("give exactly one of quiz, assignment, project or workshop")
        if self.workshop is not None and self.title is None:
            raise ValueError("a workshop needs a title")
        if self.due is not None and self.quiz is not None:
            raise ValueError("a quiz has no deadline")
        return self


class Session(Strict):
    date: str = Field(description='Jalali date, e.g. "17 Bahman 1401"; the year may be left out')
    section: str
    items: list[ScheduledItem] = Field(default_factory=list)
    cancelled: bool = False
    note: str | None = None


class Break(Strict):
    name: Text
    after: str = Field(description="The last session before the break")
    until: str = Field(description="The first session after the break")


class FaqQuestions(Strict):
    en: list[str] = Field(min_length=1)
    fa: list[str] = Field(min_length=1)


class FaqEntry(Strict):
    id: str
    questions: FaqQuestions
    facts: list[str] = Field(default_factory=list, description="Built-in answers to include")
    answer: Text | None = None
    # False for questions the syllabus does not answer (prerequisites, attendance, …): the
    # reply says so, points to Quera, and the question counts as unanswered for staff.
    answered: bool = True
    # "staff": a student's question the course staff answered in their chat and saved ("Save
    # as FAQ", then `course-bot faq export`); the reply then says who answered and when.
    source: Literal["syllabus", "staff"] = "syllabus"
    answered_on: Day | None = Field(default=None, description="The day the staff answered")

    @model_validator(mode="after")
    def _has_answer(self) -> FaqEntry:
        if not self.facts and self.answer is None:
            raise ValueError("an FAQ entry needs facts, an answer, or both")
        if (self.source == "staff") != (self.answered_on is not None):
            raise ValueError("an entry answered by the staff gives source: staff and answered_on")
        return self


class CourseFile(Strict):
    """The whole course file as written by staff."""

    course: CourseInfo
    objective: Text
    references: list[Reference]
    grading: Grading
    classes: Classes
    staff: list[Person] = Field(min_length=1)
    policies: Policies
    exams: Exams
    pages: list[Page]
    times: Times = Times()
    sections: list[Section] = Field(min_length=1)
    schedule: list[Session] = Field(min_length=1)
    breaks: list[Break] = Field(default_factory=list)
    faq: list[FaqEntry] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list, description="Where the data departs from print")
