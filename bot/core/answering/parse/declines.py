"""Greetings, questions declined on principle (other courses, terms or people, one's own
records, solving the homework, campus life), and attributes the syllabus does not give."""

from __future__ import annotations

import re
from datetime import datetime

from bot.core.answering import scope
from bot.core.answering.parse.vocabulary import Vocabulary, ref
from bot.core.answering.parse.words import (
    CONTACT_WORDS,
    COURSE_WORDS,
    FOR_ME_WORDS,
    GRADE_WORDS,
    GREETINGS,
    RECEIVED_WORDS,
    SELF_WORDS,
    SOLVE_WORDS,
    THANKS,
    WHEN_WORDS,
)
from bot.core.answering.query import Attr, Op, Query, Subject
from bot.core.answering.question import Question, reading
from bot.core.lang.lexicon import Mark, Unsaid, lexicon

LEX = lexicon()


def beyond_calendar(vocab: Vocabulary, q: Question, now: datetime) -> Query | None:
    """Say a day named far beyond any term ("31 December 9999") is too far to reckon with."""
    return _decline("date-out-of-range") if q.beyond_calendar else None


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


def which_one(vocab: Vocabulary, q: Question, now: datetime) -> Query | None:
    """Ask which one is meant when a question asks "until when?" of nothing it names:
    "ta kei vaght darim?", "till when can we submit?"."""
    if Mark.UNTIL_WHEN not in q.marks or q.refs or q.kinds or q.span or q.day:
        return None
    if q.wants_next or q.wants_last or q.wants_first:
        return None  # "the last deadline": the order names it
    if set(q.focus) - {"deadline"} or set(q.tokens) & COURSE_WORDS:
        return None
    if vocab.names_topic(q, ignore=WHEN_WORDS | GREETINGS | _TIME_WORDS):
        return None
    return _decline("which-one")


# "Time" and "have" in "until when do we have time?" name no topic.
_TIME_WORDS = frozenset(LEX.words.item_terms) | frozenset(LEX.words.small_talk)


def _decline(reason: str, *, entry: str | None = None, person: str | None = None) -> Query:
    return Query(Op.DECLINE, Subject(entry=entry, person=person), reason=reason)


def _asks_for_own_grade(question: Question) -> bool:
    words = set(question.tokens)
    if words & (WHEN_WORDS | CONTACT_WORDS) or question.wants_next or question.wants_last:
        return False  # "when was the last quiz? I forgot to check my score"
    if question.span or Mark.COUNT in question.marks:
        return False  # "نمره از چند قسمت تشکیل شده؟": how many parts, not one's own grade
    # "my grade", "what did I get": one's own; "I think the project is half the grade": not.
    mine = bool(words & (SELF_WORDS - _I)) or bool(words & _I and words & RECEIVED_WORDS)
    return bool(words & GRADE_WORDS) and mine and "how" not in words


def _asks_for_solutions(question: Question) -> bool:
    words = set(question.tokens)
    asks_for_me = bool(words & FOR_ME_WORDS)
    if (words & WHEN_WORDS or question.intents & {"release", "due"}) and not asks_for_me:
        return False  # "when are the CA2 solutions released?"
    if Mark.SOLUTIONS in question.marks:
        return True
    return len(words & SOLVE_WORDS) >= 2 or bool(words & SOLVE_WORDS and words & FOR_ME_WORDS)


def unsaid(vocab: Vocabulary, q: Question, now: datetime) -> Query | None:
    """Read a question about something the syllabus has, asking what it does not say: the
    final exam's format, a quiz's length, a make-up quiz, the project's dataset, an
    assignment's exact content, the exam's chapters, a workshop's exercise, an office."""
    text = reading(q.text)
    subject = _unsaid_subject(vocab, q)
    if subject is None:
        return None
    asks_when = bool(set(q.tokens) & WHEN_WORDS or q.intents & {"release", "due"})
    for name in _UNSAID_FOR.get(_subject_kind(subject, q), ()):
        if name == "details" and asks_when:
            continue  # "when is phase 1 due exactly": the date, which the syllabus gives
        if name == "deliverable" and (
            any(r.kind != "workshop" for r in q.refs) or Mark.SAME_DAY in q.marks
        ):
            continue  # "the assignment out the day of the MLflow workshop"
        if _UNSAID[name].search(text):
            return Query(Op.DECLINE, subject, (Attr.MISSING,), reason="unsaid", notes=(name,))
    return None


def _unsaid_subject(vocab: Vocabulary, q: Question) -> Subject | None:
    """Return what an unsaid attribute is asked of: an item, a kind, the exam, a person."""
    items = tuple(ref(r) for r in q.refs)
    if items:
        return Subject(items=items)
    if Mark.FINAL_EXAM in q.marks or set(q.tokens) & _EXAM_WORDS:
        return Subject(parts=("final",))
    if q.kinds:
        return Subject(kinds=(q.kinds[0],))
    said = set(q.tokens)
    person = next((pid for pid, words in vocab.course.staff_name_words if said & words), None)
    if person is not None or set(q.tokens) & _INSTRUCTOR_WORDS:
        found = person or next(p.id for p in vocab.course.data.staff if p.role == "instructor")
        return Subject(person=found, entry=f"staff:{found}")
    return None


def _subject_kind(subject: Subject, q: Question) -> str:
    if subject.person is not None:
        return "person"
    if subject.parts:
        return "exam"
    kind = subject.items[0].kind if subject.items else subject.kinds[0]
    return kind


# Which unsaid attributes may be asked of which subjects.
_UNSAID_FOR: dict[str, tuple[Unsaid, ...]] = {
    "exam": ("format", "mode", "chapters", "length", "makeup", "questions"),
    # Quizzes are held in person in class, on their section's topic: said in the syllabus.
    "quiz": ("format", "length", "makeup", "questions"),
    "project": ("split", "language", "dataset", "grader", "details"),
    "assignment": ("language", "dataset", "grader", "details"),
    "workshop": ("presenter", "graded", "deliverable"),
    "person": ("office",),
}
_UNSAID = {
    name: re.compile("|".join(f"(?:{p})" for p in patterns))
    for name, patterns in LEX.unsaid.items()
}
_EXAM_WORDS = frozenset(LEX.words.exam)
_I = frozenset({"i"})
_INSTRUCTOR_WORDS = frozenset(LEX.words.instructor)
