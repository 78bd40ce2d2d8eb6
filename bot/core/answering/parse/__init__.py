"""Turn one question (or one clause of one) into a :class:`Query`.

The readings are tried in the order of :data:`READINGS`: the first that recognises the
question wins. Each reading looks at what the words say (:class:`Question`) and at the course's
own vocabulary; none computes an answer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from bot.core.answering import grounding
from bot.core.answering.parse import calendar, declines, grades, items, policy, retrieve, spans
from bot.core.answering.parse.vocabulary import Vocabulary
from bot.core.answering.parse.words import OTHER_CALENDAR
from bot.core.answering.query import Attr, Op, Query
from bot.core.answering.question import Question
from bot.core.lang.lexicon import Mark
from bot.core.lang.text import tokens

Reading = Callable[[Vocabulary, Question, datetime], Query | None]
# Operations whose answers carry no date to write in another calendar (or say it already).
_DATELESS = frozenset({Op.DAY, Op.DECLINE, Op.UNKNOWN, Op.GREET})

# The readings in order of precedence: the first that recognises a question wins.
READINGS: tuple[Reading, ...] = (
    declines.beyond_calendar,
    declines.greeting,
    # What the course staff answered a student before is their word on it.
    retrieve.staff_answered,
    # The late policy's arithmetic: "CA2 two days late after my free days: how much?"
    policy.late,
    # Arithmetic on the grade before declines: "the highest total if I skip the final" asks
    # about the grading scheme, not about someone's grade.
    grades.arithmetic,
    # "The biggest chunk of the grade": the heaviest part, before any "most" is a total.
    grades.heaviest,
    declines.declined,
    # What the syllabus does not say of something it has: "will the final be multiple choice?"
    declines.unsaid,
    # Computations, most specific first: a gap names two items, a weight a grading part.
    calendar.open_work,
    calendar.gap,
    spans.between,
    grades.weight,
    # How long, and how many under a filter, before a part of the course's own reading.
    spans.duration,
    spans.counted,
    calendar.section,
    calendar.count,
    calendar.around_break,
    calendar.after_day,
    calendar.day_in_other_calendar,
    calendar.term,
    calendar.until,
    calendar.each,
    calendar.class_on,
    # "Until when?" of nothing named asks which one.
    declines.which_one,
    # Named items, then questions relative to now, then the knowledge base.
    items.items,
    calendar.relative,
    retrieve.lead_ta,
    retrieve.retrieved,
)


class Parser(Vocabulary):
    """Read questions about one course into queries."""

    def parse(self, text: str, now: datetime) -> Query:
        """Return the query ``text`` asks, or one of op UNKNOWN."""
        if not tokens(text):
            return Query(Op.UNKNOWN)
        q = self.read(text, now)
        if Mark.WEEKDAY in q.marks and q.refs and q.span == "this_week":
            q.span = None  # "چه روزی از هفته است": which day of the week, not this week
        if Mark.WEEKDAY in q.marks and q.day is None and q.refs:
            # "Which weekday is quiz 3?": the item's own day.
            item = grounding.item_named(self.course, q.refs[0])
            moment = item.starts_at or item.release_at if item is not None else None
            q.day = moment.date() if moment is not None else None
        query = self.parse_question(q, now)
        if set(q.tokens) & OTHER_CALENDAR and query.op not in _DATELESS:
            # "اولین جلسه چه تاریخیه به میلادی؟": the answer's dates in both calendars.
            query = replace(query, attrs=(*query.attrs, Attr.GREGORIAN))
        if Mark.WEEKDAY in q.marks and q.day is not None and query.op is not Op.DECLINE:
            # "What weekday is the 18 Ord class?": the weekday in full, before the rest.
            filters = query.filters if query.filters.start else replace(query.filters, start=q.day)
            query = replace(query, attrs=(*query.attrs, Attr.WEEKDAY), filters=filters)
        return query

    def parse_question(self, q: Question, now: datetime) -> Query:
        """Try each reading in order of precedence; the first that recognises ``q`` wins."""
        for reading in READINGS:
            found = reading(self, q, now)
            if found is not None:
                return found
        return Query(Op.UNKNOWN)

    def greeting(self, q: Question, now: datetime) -> Query | None:
        """Return the greeting ``q`` is, if it is only one."""
        return declines.greeting(self, q, now)
