"""Questions this course's syllabus cannot answer by nature: other courses, other people."""

from __future__ import annotations

import re
from functools import cache

from rapidfuzz import fuzz

from bot.core.answering.question import Question, reading
from bot.core.course.course import Course
from bot.core.course.models import Person
from bot.core.lang.lexicon import lexicon
from bot.core.lang.text import normalize


@cache
def _pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<![\w\u0600-\u06ff])(?:{alternatives})(?![\w\u0600-\u06ff])")


def own_names(course: Course) -> tuple[str, ...]:
    """Return the normalised names this course goes by (code, English and Persian names)."""
    info = course.data.course
    names = {info.code, info.name.en, info.name.fa, *info.aliases}
    return tuple(sorted({normalize(n) for n in names if n}))


def names_other_course(q: Question, names: tuple[str, ...]) -> bool:
    """Tell whether the question is about another course ("quiz 3 of Deep Learning"), given
    this course's ``names`` (see :func:`own_names`)."""
    text = reading(q.text)
    if _pattern(names).search(text):
        return False
    courses = tuple(lexicon().courses)
    return bool(courses) and bool(_pattern(courses).search(text))


def about_campus(q: Question) -> bool:
    """Tell whether the question is about campus life rather than the course ("parking")."""
    return _mentions(q, tuple(lexicon().campus))


def asks_for_support(q: Question) -> bool:
    """Tell whether the question asks for technical help with a tool ("install DVC")."""
    return _mentions(q, tuple(lexicon().support))


def _mentions(q: Question, words: tuple[str, ...]) -> bool:
    return bool(words) and bool(_pattern(words).search(reading(q.text)))


def asks_about_someone_else(q: Question, course: Course) -> bool:
    """Tell whether the question asks for another person's grade ("what did Reza get")."""
    words = set(q.tokens)
    lex = lexicon()
    if not words & set(lex.words.result):
        return False
    if words & set(lex.words.self) - {"شد", "شده"}:
        return False  # one's own grade is declined on its own terms
    return bool(words & set(lex.names))


def missing_phone(q: Question, course: Course) -> Person | None:
    """Find the staff member whose phone number is asked for when the syllabus gives none."""
    text = reading(q.text)
    if not _pattern(tuple(lexicon().words.phone)).search(text):
        return None
    for person in course.data.staff:
        # Full names and surnames, in either script: "Hossein Basafa", "Basafa", "باصفا".
        spellings = [person.name, *person.aliases]
        names = tuple({normalize(n) for s in spellings for n in (s, s.split()[-1])})
        if person.phone is None and (_pattern(names).search(text) or _misspelt(q, names)):
            return person
    return None


def _misspelt(q: Question, names: tuple[str, ...]) -> bool:
    """Tell whether a word of the question is a surname with a typo ("بصافا" for "باصفا")."""
    surnames = [name for name in names if " " not in name and len(name) >= 4]
    return any(
        fuzz.ratio(token, name) >= 80 for token in q.tokens if len(token) >= 4 for name in surnames
    )


_SEASON_YEAR = re.compile(
    r"\b(fall|autumn|spring|summer|winter) (?:term |semester )?(?:of )?((?:19|20)\d\d)\b"
)
# The season a term starting in a given month is called by ("Spring 2023" starts in Feb).
_SEASON_OF_MONTH = {1: "spring", 2: "spring", 3: "spring", 4: "spring", 5: "spring"}
_SEASON_OF_MONTH |= {6: "summer", 7: "summer", 8: "summer"}
_SEASON_OF_MONTH |= {9: "fall", 10: "fall", 11: "fall", 12: "fall"}
_SAME_SEASON = {"autumn": "fall", "winter": "spring"}


def names_other_season(q: Question, course: Course) -> bool:
    """Tell whether the question names a season and year other than the course's own term."""
    if "season_year" not in q.marks:
        return False
    first = course.first_day()
    own = (_SEASON_OF_MONTH[first.month], first.year)
    for season, year in _SEASON_YEAR.findall(reading(q.text)):
        if (_SAME_SEASON.get(season, season), int(year)) != own:
            return True
    return False
