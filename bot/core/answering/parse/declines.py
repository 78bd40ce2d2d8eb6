"""Greetings, and questions declined on principle: other courses, terms or people, one's own
records, solving the homework, campus life."""

from __future__ import annotations

from datetime import datetime

from bot.core.answering import scope
from bot.core.answering.parse.vocabulary import Vocabulary
from bot.core.answering.parse.words import (
    CONTACT_WORDS,
    FOR_ME_WORDS,
    GRADE_WORDS,
    GREETINGS,
    SELF_WORDS,
    SOLVE_WORDS,
    THANKS,
    WHEN_WORDS,
)
from bot.core.answering.query import Op, Query, Subject
from bot.core.answering.understand import (
    Question,
)
from bot.core.lexicon import Mark, lexicon

LEX = lexicon()


def greeting(vocab: Vocabulary, q: Question, now: datetime) -> Query | None:
    """Read "hi", "thanks" and nothing else as a greeting."""
    if q.tokens and all(tok in GREETINGS or tok in THANKS for tok in q.tokens):
        return Query(Op.GREET, notes=("thanks",) if set(q.tokens) & THANKS else ())
    return None


def declined(vocab: Vocabulary, q: Question, now: datetime) -> Query | None:
    """Decline what no syllabus answers: other courses, terms or people, one's own records,
    solving the homework, campus life."""
    course = vocab.course
    if Mark.NOT_IN_SYLLABUS in q.marks and any(
        e.id == "not-in-syllabus" and not e.answered for e in course.data.faq
    ):
        return _decline("not-in-syllabus", entry="faq:not-in-syllabus")
    if scope.names_other_course(q, vocab.own_names):
        return _decline("other-course")
    if Mark.OTHER_TERM in q.marks or scope.names_other_season(q, course):
        return _decline("other-term")
    if (person := scope.missing_phone(q, course)) is not None:
        return _decline("no-phone", person=person.id)
    if scope.asks_about_someone_else(q, course) or Mark.OTHERS_GRADES in q.marks:
        return _decline("other-person")
    if _asks_for_own_grade(q) or Mark.PERSONAL in q.marks:
        # Personal records are not in the syllabus; saying so beats quoting the grading.
        return _decline("personal")
    if _asks_for_solutions(q):
        return _decline("solutions")
    if (scope.about_campus(q) and not q.refs) or scope.asks_for_support(q):
        return _decline("campus")
    return None


def _decline(reason: str, *, entry: str | None = None, person: str | None = None) -> Query:
    return Query(Op.DECLINE, Subject(entry=entry, person=person), reason=reason)


def _asks_for_own_grade(question: Question) -> bool:
    words = set(question.tokens)
    if words & (WHEN_WORDS | CONTACT_WORDS) or question.wants_next or question.wants_last:
        return False  # "when was the last quiz? I forgot to check my score"
    if question.span:
        return False
    return bool(words & GRADE_WORDS) and bool(words & SELF_WORDS) and "how" not in words


def _asks_for_solutions(question: Question) -> bool:
    words = set(question.tokens)
    asks_for_me = bool(words & FOR_ME_WORDS)
    if (words & WHEN_WORDS or question.intents & {"release", "due"}) and not asks_for_me:
        return False  # "when are the CA2 solutions released?"
    if Mark.SOLUTIONS in question.marks:
        return True
    return len(words & SOLVE_WORDS) >= 2 or bool(words & SOLVE_WORDS and words & FOR_ME_WORDS)
