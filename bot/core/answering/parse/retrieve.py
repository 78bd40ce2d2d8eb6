"""The last reading: a knowledge-base entry found by its words, a list of items, or nothing."""

from __future__ import annotations

from datetime import datetime

from bot.core.answering.parse.vocabulary import Vocabulary
from bot.core.answering.parse.words import CONFIDENT
from bot.core.answering.query import Op, Query, Subject
from bot.core.answering.question import Question
from bot.core.lang.lexicon import Mark, lexicon

LEX = lexicon()


def retrieved(vocab: Vocabulary, q: Question, now: datetime) -> Query:
    """Find the knowledge-base entry the question asks for, or a list of items."""
    terms = vocab.terms(q.tokens)
    if Mark.FINAL_EXAM in q.marks and not set(q.tokens) & _EXAM:
        terms.append("exam")  # "the final" alone is the exam, whatever else "final" names
    if q.kinds and set(terms) <= set(q.kinds) and not q.marks:
        # Only item words ("project phases", "quizzes?"): the list of those items.
        return Query(Op.LIST, Subject(kinds=(q.kinds[0],)))
    matches = vocab.index.search(terms)
    if matches and matches[0].score >= CONFIDENT:
        return Query(Op.ENTRY, Subject(entry=matches[0].entry))
    if q.kinds and not vocab.unexplained(q):
        # "quizzes?", "deadlines": list them all.
        return Query(Op.LIST, Subject(kinds=(q.kinds[0],)))
    return Query(Op.UNKNOWN)


def staff_answered(vocab: Vocabulary, q: Question, now: datetime) -> Query | None:
    """Answer with an entry the course staff wrote for a question like this one: their
    answer outranks "the syllabus doesn't say" and every reading of the syllabus."""
    staff = vocab.staff_entries
    if not staff:
        return None
    matches = vocab.index.search(vocab.terms(q.tokens))
    if matches and matches[0].entry in staff and matches[0].score >= CONFIDENT:
        return Query(Op.ENTRY, Subject(entry=matches[0].entry))
    return None


def lead_ta(vocab: Vocabulary, q: Question, now: datetime) -> Query | None:
    """Read "lead TA mail", "head TA?", "تی ای اصلی کیه": the lead TA, not every TA."""
    words = set(q.tokens)
    if not (words & _LEAD and (words & _TA or "ta" in words)) or q.refs:
        return None
    lead = next((p for p in vocab.course.data.staff if p.role == "lead_ta"), None)
    if lead is None:
        return None
    return Query(Op.ENTRY, Subject(entry=f"staff:{lead.id}", person=lead.id, role="lead_ta"))


_LEAD = frozenset(LEX.words.lead)
_EXAM = frozenset(LEX.words.exam)
_TA = frozenset(LEX.words.ta)
