"""The words the engine understands, per language, kept in YAML so staff can add phrasings.

Each ``*.yaml`` file in this folder may hold any of the sections of :class:`LexiconFile`;
the loader validates every file and merges them (lists are joined, mappings updated) into
one :class:`Lexicon`. Words are written as students type them and are normalised on load
(Arabic letters, ZWNJ, case), so a TA can add a phrasing without touching Python.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from bot.core.lang.text import normalize

Kind = Literal["quiz", "assignment", "project", "workshop"]
Intent = Literal["release", "due", "topic", "when", "where"]
Focus = Literal["quiz", "deadline", "class", "workshop", "release", "assignment", "project"]
SpanName = Literal[
    "today", "tomorrow", "yesterday", "this_week", "next_week", "last_week", "day_after"
]
Order = Literal["next", "last", "first", "remaining", "final", "past", "after", "before"]
Count = Literal[
    "quiz", "assignment", "project", "workshop", "ta", "staff", "reference", "class", "section"
]
Grading = Literal["project", "assignments", "quizzes", "final"]
# Attributes the syllabus does not give, asked of something it does have.
Unsaid = Literal[
    "format",
    "mode",
    "length",
    "makeup",
    "dataset",
    "details",
    "chapters",
    "deliverable",
    "office",
    "language",
    "grader",
    "graded",
    "questions",
    "split",
    "presenter",
]

FILES = ("en.yaml", "fa.yaml", "finglish.yaml")


class LexiconError(ValueError):
    """A lexicon file that cannot be used."""


class Phrase(BaseModel):
    """A multi-word phrase (a regular expression over normalised text) read as one token."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    pattern: str
    token: str


class _Groups(BaseModel):
    """Named word lists; a key the code does not know is an error, so a renamed YAML key
    cannot silently switch a rule off."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


@dataclass(frozen=True)
class Words:
    """The word groups the engine's rules use, each named for what it marks.

    A plain dataclass, not a model: with this many groups a model costs the command line
    tens of milliseconds to build at every start; the files are checked against
    :data:`WORD_GROUPS` instead."""

    small_talk: list[str] = field(default_factory=list)
    greetings: list[str] = field(default_factory=list)
    thanks: list[str] = field(default_factory=list)
    contact: list[str] = field(default_factory=list)
    solve: list[str] = field(default_factory=list)
    for_me: list[str] = field(default_factory=list)
    when: list[str] = field(default_factory=list)
    grade: list[str] = field(default_factory=list)
    self: list[str] = field(default_factory=list)
    weight: list[str] = field(default_factory=list)
    start: list[str] = field(default_factory=list)
    not_counted: list[str] = field(default_factory=list)
    count_triggers: list[str] = field(default_factory=list)
    time_of_day: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    pronouns: list[str] = field(default_factory=list)
    speaker: list[str] = field(default_factory=list)
    units: list[str] = field(default_factory=list)
    relation_fillers: list[str] = field(default_factory=list)
    between: list[str] = field(default_factory=list)
    leans_back: list[str] = field(default_factory=list)
    each: list[str] = field(default_factory=list)
    towards: list[str] = field(default_factory=list)
    phone: list[str] = field(default_factory=list)
    happening: list[str] = field(default_factory=list)
    again: list[str] = field(default_factory=list)
    end: list[str] = field(default_factory=list)
    course: list[str] = field(default_factory=list)
    result: list[str] = field(default_factory=list)
    amount: list[str] = field(default_factory=list)
    chatter: list[str] = field(default_factory=list)
    question: list[str] = field(default_factory=list)
    conditional: list[str] = field(default_factory=list)
    score_zero: list[str] = field(default_factory=list)
    score_full: list[str] = field(default_factory=list)
    score_half: list[str] = field(default_factory=list)
    others: list[str] = field(default_factory=list)
    except_: list[str] = field(default_factory=list)
    together: list[str] = field(default_factory=list)
    more: list[str] = field(default_factory=list)
    less: list[str] = field(default_factory=list)
    ratio: list[str] = field(default_factory=list)
    share: list[str] = field(default_factory=list)
    unit: list[str] = field(default_factory=list)
    most: list[str] = field(default_factory=list)
    heaviest: list[str] = field(default_factory=list)
    lightest: list[str] = field(default_factory=list)
    grade_piece: list[str] = field(default_factory=list)
    lose_points: list[str] = field(default_factory=list)
    late: list[str] = field(default_factory=list)
    free_days: list[str] = field(default_factory=list)
    used_up: list[str] = field(default_factory=list)
    left_over: list[str] = field(default_factory=list)
    hour_units: list[str] = field(default_factory=list)
    day_units: list[str] = field(default_factory=list)
    week_units: list[str] = field(default_factory=list)
    latest: list[str] = field(default_factory=list)
    how_much: list[str] = field(default_factory=list)
    refers_back: list[str] = field(default_factory=list)
    follow_up: list[str] = field(default_factory=list)
    attributes: list[str] = field(default_factory=list)
    possessive: list[str] = field(default_factory=list)
    latin_endings: list[str] = field(default_factory=list)
    moment_back: list[str] = field(default_factory=list)
    thing_back: list[str] = field(default_factory=list)
    future: list[str] = field(default_factory=list)
    first_one: list[str] = field(default_factory=list)
    final_one: list[str] = field(default_factory=list)
    next_one: list[str] = field(default_factory=list)
    previous_one: list[str] = field(default_factory=list)
    other_calendar: list[str] = field(default_factory=list)
    person_back: list[str] = field(default_factory=list)
    equal_weights: list[str] = field(default_factory=list)
    received: list[str] = field(default_factory=list)
    still: list[str] = field(default_factory=list)
    countdown: list[str] = field(default_factory=list)
    ask_verbs: list[str] = field(default_factory=list)
    asks_now: list[str] = field(default_factory=list)
    plural_back: list[str] = field(default_factory=list)
    determiners: list[str] = field(default_factory=list)
    ones: list[str] = field(default_factory=list)
    possessive_bases: list[str] = field(default_factory=list)
    openers: list[str] = field(default_factory=list)
    another: list[str] = field(default_factory=list)
    exam: list[str] = field(default_factory=list)
    instructor: list[str] = field(default_factory=list)
    grade_nouns: list[str] = field(default_factory=list)
    only: list[str] = field(default_factory=list)
    single: list[str] = field(default_factory=list)
    every: list[str] = field(default_factory=list)
    clause_breaks: list[str] = field(default_factory=list)
    sides: list[str] = field(default_factory=list)
    me: list[str] = field(default_factory=list)
    someone: list[str] = field(default_factory=list)
    much: list[str] = field(default_factory=list)
    asks_number: list[str] = field(default_factory=list)
    when_dated: list[str] = field(default_factory=list)
    score_links: list[str] = field(default_factory=list)
    needed: list[str] = field(default_factory=list)
    point_links: list[str] = field(default_factory=list)
    points_on: list[str] = field(default_factory=list)
    not_points: list[str] = field(default_factory=list)
    pieces: list[str] = field(default_factory=list)
    not_pieces: list[str] = field(default_factory=list)
    none_left: list[str] = field(default_factory=list)
    full: list[str] = field(default_factory=list)
    per_unit: list[str] = field(default_factory=list)
    each_one: list[str] = field(default_factory=list)
    can: list[str] = field(default_factory=list)
    cover: list[str] = field(default_factory=list)
    whole_term: list[str] = field(default_factory=list)
    charged: list[str] = field(default_factory=list)
    loss: list[str] = field(default_factory=list)
    asks_amount: list[str] = field(default_factory=list)
    item_prefixes: list[str] = field(default_factory=list)
    lead: list[str] = field(default_factory=list)
    ta: list[str] = field(default_factory=list)
    deadline: list[str] = field(default_factory=list)
    release: list[str] = field(default_factory=list)
    first_of: list[str] = field(default_factory=list)
    last_of: list[str] = field(default_factory=list)
    now: list[str] = field(default_factory=list)
    session: list[str] = field(default_factory=list)
    minute_units: list[str] = field(default_factory=list)
    weekly: list[str] = field(default_factory=list)
    gap: list[str] = field(default_factory=list)
    long: list[str] = field(default_factory=list)
    ahead: list[str] = field(default_factory=list)
    so_far: list[str] = field(default_factory=list)
    yet: list[str] = field(default_factory=list)
    negative: list[str] = field(default_factory=list)
    window: list[str] = field(default_factory=list)
    per_span: list[str] = field(default_factory=list)
    total: list[str] = field(default_factory=list)
    how_many: list[str] = field(default_factory=list)
    item_terms: list[str] = field(default_factory=list)
    class_word: list[str] = field(default_factory=list)


# The group names a lexicon file may use; "except" is a Python keyword, kept as "except_".
_ALIASES = {"except": "except_"}
WORD_GROUPS = frozenset(f.name for f in fields(Words)) | frozenset(_ALIASES)


class Patterns(_Groups):
    """Regular expressions over the normalised question, each marking what it asks."""

    count: list[str] = Field(default_factory=list)
    until: list[str] = Field(default_factory=list)
    nowruz: list[str] = Field(default_factory=list)
    final_exam: list[str] = Field(default_factory=list)
    solutions: list[str] = Field(default_factory=list)
    others_grades: list[str] = Field(default_factory=list)
    between: list[str] = Field(default_factory=list)
    not_in_syllabus: list[str] = Field(default_factory=list)
    open_now: list[str] = Field(default_factory=list)
    weekday: list[str] = Field(default_factory=list)
    same_day: list[str] = Field(default_factory=list)
    penultimate: list[str] = Field(default_factory=list)
    after_that: list[str] = Field(default_factory=list)
    personal: list[str] = Field(default_factory=list)
    other_term: list[str] = Field(default_factory=list)
    season_year: list[str] = Field(default_factory=list)
    weight: list[str] = Field(default_factory=list)
    until_when: list[str] = Field(default_factory=list)
    past_deadline: list[str] = Field(default_factory=list)


class Mark(StrEnum):
    """What a question matched among :class:`Patterns`, one member per pattern group."""

    COUNT = "count"
    UNTIL = "until"
    NOWRUZ = "nowruz"
    FINAL_EXAM = "final_exam"
    SOLUTIONS = "solutions"
    OTHERS_GRADES = "others_grades"
    BETWEEN = "between"
    NOT_IN_SYLLABUS = "not_in_syllabus"
    OPEN_NOW = "open_now"
    WEEKDAY = "weekday"
    SAME_DAY = "same_day"
    PENULTIMATE = "penultimate"
    AFTER_THAT = "after_that"
    PERSONAL = "personal"
    OTHER_TERM = "other_term"
    SEASON_YEAR = "season_year"
    WEIGHT = "weight"
    UNTIL_WHEN = "until_when"
    PAST_DEADLINE = "past_deadline"
    # Set by the parser, not by a pattern: a range of days was read ("10-20 Farvardin").
    RANGE = "range"


class LexiconFile(BaseModel):
    """One lexicon file; every section is optional."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    @field_validator("words")
    @classmethod
    def _known_groups(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        """Refuse a word group the code does not know: a renamed key would switch a rule off."""
        unknown = sorted(set(value) - WORD_GROUPS)
        if unknown:
            raise ValueError(f"unknown word group(s): {', '.join(unknown)}")
        return value

    kinds: dict[Kind, list[str]] = Field(default_factory=dict)
    cardinals: dict[str, int] = Field(default_factory=dict)
    ordinals: dict[str, int] = Field(default_factory=dict)
    fillers: list[str] = Field(default_factory=list)
    submit: list[str] = Field(default_factory=list)
    intents: dict[Intent, list[str]] = Field(default_factory=dict)
    focus: dict[Focus, list[str]] = Field(default_factory=dict)
    order: dict[Order, list[str]] = Field(default_factory=dict)
    spans: dict[SpanName, list[str]] = Field(default_factory=dict)
    phrases: list[Phrase] = Field(default_factory=list)
    patterns: Patterns = Field(default_factory=Patterns)
    months: dict[int, list[str]] = Field(default_factory=dict, description="Jalali month aliases")
    gregorian_months: dict[int, list[str]] = Field(default_factory=dict)
    counts: dict[Count, list[str]] = Field(default_factory=dict)
    grading: dict[Grading, list[str]] = Field(default_factory=dict)
    # Regular expressions over the normalised question, one list per attribute.
    unsaid: dict[Unsaid, list[str]] = Field(default_factory=dict)
    words: dict[str, list[str]] = Field(default_factory=dict)
    stopwords: list[str] = Field(default_factory=list)
    synonyms: dict[str, str] = Field(default_factory=dict)
    endings: list[str] = Field(default_factory=list, description="Colloquial Persian endings")
    courses: list[str] = Field(default_factory=list, description="Names of other courses")
    names: list[str] = Field(default_factory=list, description="Common first names")
    campus: list[str] = Field(default_factory=list, description="Off-syllabus campus things")
    support: list[str] = Field(default_factory=list, description="Technical-support words")
    # Finglish: Latin spellings of Persian words, and words shared with English that alone do
    # not make a question Finglish.
    transliteration: dict[str, str] = Field(default_factory=dict)
    shared_with_english: list[str] = Field(default_factory=list)
    # Pairs of such words only Finglish puts together: "ta key" (until when), "email e".
    finglish_pairs: list[str] = Field(default_factory=list)


class Lexicon(LexiconFile):
    """All lexicon files merged, with every word normalised."""

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)

    words: Words = Field(default_factory=Words)  # type: ignore[assignment]

    @field_validator("words", mode="plain")
    @classmethod
    def _known_groups(cls, value: object) -> Words:  # type: ignore[override]
        """Take the merged groups as they are: the files were checked one by one."""
        if not isinstance(value, Words):
            raise TypeError("the merged lexicon's words must be Words")
        return value

    def asking_words(self) -> frozenset[str]:
        """Return every word the lexicon reads as asking something of a subject.

        Names of other courses, people and campus things are left out: they are subjects of
        their own, not words a follow-up asks with.
        """
        found: set[str] = set()
        for group in (self.fillers, self.submit, self.stopwords, self.endings):
            found.update(group)
        for mapping in (
            self.kinds,
            self.intents,
            self.focus,
            self.order,
            self.spans,
            self.months,
            self.gregorian_months,
            self.counts,
            self.grading,
        ):
            for values in mapping.values():
                found.update(values)
        found.update(self.cardinals)
        found.update(self.ordinals)
        found.update(self.synonyms)
        found.update(self.synonyms.values())
        found.update(self.transliteration)
        for values in vars(self.words).values():
            found.update(values)
        found.update(phrase.token for phrase in self.phrases)
        return frozenset(word for phrase in found for word in phrase.split())


def _norm(word: str) -> str:
    return normalize(word)


def merge(files: list[LexiconFile]) -> Lexicon:
    """Merge lexicon files: lists are joined, mappings of lists joined per key, others updated."""
    merged: dict[str, object] = {}
    for part in files:
        for name, value in part.model_dump().items():
            current = merged.get(name)
            if isinstance(value, list):
                merged[name] = [*(current or []), *value]  # type: ignore[misc]
            elif isinstance(value, dict):
                into: dict[object, object] = dict(current or {})  # type: ignore[call-overload]
                for key, entry in value.items():
                    if isinstance(entry, list) and isinstance(into.get(key), list):
                        into[key] = [*into[key], *entry]  # type: ignore[misc]
                    else:
                        into[key] = entry
                merged[name] = into
    return _normalised(merged)


def _normalised(data: dict[str, object]) -> Lexicon:
    def words(values: list[str]) -> list[str]:
        return list(dict.fromkeys(_norm(v) for v in values))

    for name, value in data.items():
        if name in ("phrases", "patterns"):
            continue
        if isinstance(value, list):
            data[name] = words(value)
        elif isinstance(value, dict):
            data[name] = {
                (_norm(k) if isinstance(k, str) and name in _KEYED_BY_WORD else k): (
                    words(v) if isinstance(v, list) else _norm(v) if isinstance(v, str) else v
                )
                for k, v in value.items()
            }
    groups: dict[str, list[str]] = data.pop("words", None) or {}  # type: ignore[assignment]
    named = Words(**{_ALIASES.get(name, name): values for name, values in groups.items()})
    return Lexicon.model_validate({**data, "words": named})


# libyaml parses the lexicon several times faster than the pure-Python loader.
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# Sections whose keys are words (normalised) rather than names.
_KEYED_BY_WORD = frozenset({"cardinals", "ordinals", "synonyms", "transliteration"})


@cache
def lexicon() -> Lexicon:
    """Load, validate and merge the lexicon files shipped in this folder."""
    folder = resources.files("bot.core.lang.lexicon")
    parts = []
    for name in FILES:
        source = folder.joinpath(name)
        try:
            raw = yaml.load(source.read_text("utf-8"), Loader=_LOADER) or {}
            parts.append(LexiconFile.model_validate(raw))
        except (OSError, yaml.YAMLError, ValidationError) as exc:
            raise LexiconError(f"bot/core/lang/lexicon/{name}: {exc}") from exc
    return merge(parts)
