"""Turn one question (or one clause of one) into a :class:`Query`.

The readings are tried in the order of :data:`Parser.READINGS`: the first that recognises the
question wins. Each reading looks at what the words say (:class:`Question`) and at the course's
own vocabulary; none computes an answer.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Literal

from bot.core.answering import entries, grounding, scope
from bot.core.answering.query import Attr, Filters, Op, Query, Ref, Subject
from bot.core.answering.retrieval import Index, content_terms
from bot.core.answering.understand import (
    FOCUS_WORDS,
    INTENT_WORDS,
    PAST_WORDS,
    ItemRef,
    Question,
    kind_of,
    read_number,
    understand,
)
from bot.core.course import Course, EventKind
from bot.core.lexicon import Mark, lexicon
from bot.core.text import normalize, tokens

LEX = lexicon()
# A retrieval match below this is a guess; the engine says it doesn't know instead.
CONFIDENT = 0.5
# A second topic next to an item ("CA1 … late?") must match this well to be answered too.
ALSO_ASKED = 0.6
# Terms that name items or their dates rather than a topic of their own.
_ITEM_TERMS = frozenset({"quiz", "assignment", "project", "workshop", "deadline", "date", "time"})
_SMALL_TALK = frozenset(LEX.words.small_talk)
_GREETINGS = frozenset(LEX.words.greetings)
_THANKS = frozenset(LEX.words.thanks)
_EACH_WORDS = frozenset(LEX.words.each)
_UNIT_WORDS = frozenset(LEX.words.units)
_COURSE_WORDS = frozenset(LEX.words.course)
_TOWARDS_WORDS = frozenset(LEX.words.towards)
_AGAIN_WORDS = frozenset(LEX.words.again)
_HAPPENING_WORDS = frozenset(LEX.words.happening)
_ALREADY_WORDS = frozenset(LEX.words.already)
_CONTACT_WORDS = frozenset(LEX.words.contact)
_SOLVE_WORDS = frozenset(LEX.words.solve)
_FOR_ME_WORDS = frozenset(LEX.words.for_me)
_WHEN_WORDS = frozenset(LEX.words.when)
_GRADE_WORDS = frozenset(LEX.words.grade)
_SELF_WORDS = frozenset(LEX.words.self)
_FOCUS_KINDS: dict[str, EventKind] = {
    "quiz": "quiz",
    "deadline": "deadline",
    "class": "class",
    "workshop": "workshop",
}

Reading = Callable[["Parser", Question, datetime], Query | None]


def _ref(ref: ItemRef) -> Ref:
    return Ref(ref.kind, ref.number, ref.name)


class Parser:
    """Read questions about one course into queries."""

    def __init__(self, course: Course) -> None:
        self.course = course
        self.names = _workshop_names(course)
        info = course.data.course
        # The course's own name ("anything new in MLSD?") explains itself.
        names = " ".join([info.code, info.name.en, info.name.fa, *info.aliases])
        self.course_words = frozenset(tokens(names))
        self.own_names = scope.own_names(course)
        self.index = Index(entries.documents(course))
        self.term_days = (course.first_day(), course.last_day())
        # Names with "and" in them ("Deployment and Monitoring", "استقرار و پایش") are one
        # subject, not two clauses.
        self.titles = _joined_names(course)

    def read(self, text: str, now: datetime) -> Question:
        """Return what the words of ``text`` say, with days placed in the course's term."""
        return understand(text, self.names, now.date(), self.term_days)

    def parse(self, text: str, now: datetime) -> Query:
        """Return the query ``text`` asks, or one of op UNKNOWN."""
        if not tokens(text):
            return Query(Op.UNKNOWN)
        q = self.read(text, now)
        query = self.parse_question(q, now)
        if Mark.WEEKDAY in q.marks and q.day is not None and query.op is not Op.DECLINE:
            # "What weekday is the 18 Ord class?": the weekday in full, before the rest.
            filters = query.filters if query.filters.start else replace(query.filters, start=q.day)
            query = replace(query, attrs=(*query.attrs, Attr.WEEKDAY), filters=filters)
        return query

    def parse_question(self, q: Question, now: datetime) -> Query:
        """Try each reading in order of precedence; the first that recognises ``q`` wins."""
        for reading in self.READINGS:
            found = reading(self, q, now)
            if found is not None:
                return found
        return Query(Op.UNKNOWN)

    # Greetings and declines ---------------------------------------------------------------

    def greeting(self, q: Question, now: datetime) -> Query | None:
        """Read "hi", "thanks" and nothing else as a greeting."""
        if q.tokens and all(tok in _GREETINGS or tok in _THANKS for tok in q.tokens):
            return Query(Op.GREET, notes=("thanks",) if set(q.tokens) & _THANKS else ())
        return None

    def declined(self, q: Question, now: datetime) -> Query | None:
        """Decline what no syllabus answers: other courses, terms or people, one's own records,
        solving the homework, campus life."""
        course = self.course
        if Mark.NOT_IN_SYLLABUS in q.marks and any(
            e.id == "not-in-syllabus" and not e.answered for e in course.data.faq
        ):
            return _decline("not-in-syllabus", entry="faq:not-in-syllabus")
        if scope.names_other_course(q, self.own_names):
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

    # Computations ---------------------------------------------------------------------------

    def open_work(self, q: Question, now: datetime) -> Query | None:
        """Read "what's open right now?"."""
        if Mark.OPEN_NOW not in q.marks or q.refs:
            return None
        kinds = tuple(k for k in q.kinds if k in ("assignment", "project"))
        return Query(Op.OPEN, Subject(kinds=kinds or ("assignment", "project")))

    def gap(self, q: Question, now: datetime) -> Query | None:
        """Read "how many days between quiz 2 and quiz 3" or "from CA1's release to its
        deadline"."""
        asks_days = bool(q.marks & {Mark.BETWEEN, Mark.UNTIL}) or bool(set(q.tokens) & _DAY_WORDS)
        if len(q.refs) == 1 and {"release", "due"} <= q.intents and asks_days:
            item = grounding.item_named(self.course, q.refs[0])
            if item is None or item.release_at is None or item.due_at is None:
                return None
            return Query(Op.GAP, Subject(items=(_ref(q.refs[0]),)), (Attr.RELEASE, Attr.DEADLINE))
        relative = q.relation is not None and Mark.UNTIL in q.marks
        if not (Mark.BETWEEN in q.marks or relative) or len(q.refs) < 2:
            return None
        by_deadline = "deadline" in q.focus or "due" in q.intents
        for ref in q.refs[:2]:
            item = grounding.item_named(self.course, ref)
            if item is None or grounding.moment(item, by_deadline) is None:
                return None
        refs = tuple(_ref(r) for r in q.refs[:2])
        return Query(Op.GAP, Subject(items=refs), (Attr.DEADLINE,) if by_deadline else ())

    def weight(self, q: Question, now: datetime) -> Query | None:
        """Read "how much is the final exam worth"."""
        words = set(q.tokens)
        strong = words & set(LEX.words.weight)
        # "grade" or "نمره" alone may ask for one's own grade; with "how much" it asks a weight.
        weak = words & set(LEX.words.grade) and words & set(LEX.words.amount)
        if not (strong or weak or Mark.WEIGHT in q.marks) or words & set(LEX.words.self):
            return None
        known = {part.id for part in self.course.data.grading.parts}
        parts = tuple(p for p in grounding.grading_parts(q) if p in known)
        if not parts:
            return None
        return Query(Op.WEIGHT, Subject(parts=parts), (Attr.POINTS,))

    def section(self, q: Question, now: datetime) -> Query | None:
        """Read when a part of the course starts or ends, its sessions, or its items."""
        if any(f not in ("class", *_ITEM_KINDS) for f in q.focus):
            return None
        section_id = grounding.section_named(self.course, q)
        if section_id is None:
            return None
        # "The first quiz of Deployment" reads as quiz 1 by the words alone, and "the
        # Deployment quiz the syllabus calls quiz4" names one outside it: the part decides.
        first_of = len(q.refs) == 1 and q.refs[0].number == 1 and _says_first(q)
        outside = all(
            (item := grounding.item_named(self.course, ref)) is None
            or item.section.id != section_id
            for ref in q.refs
        )
        if q.refs and not (first_of or outside):
            return None
        if not any(s.section.id == section_id for s in self.course.sessions):
            return None
        kinds = tuple(f for f in q.focus if f in _ITEM_KINDS)
        if kinds and q.span is not None:
            return None  # "is the quiz on 27 Esfand about data or modeling?": the day answers
        words = set(q.tokens)
        # "When does Data LifeCycle start and when does it end?" is one question, not two.
        whole = ("whole",) if words & _START_WORDS and words & _END_WORDS else ()
        if kinds:
            first = q.wants_first or _says_first(q)
            order: Literal["first", "last"] | None = (
                "first" if first else "last" if q.wants_last else None
            )
            subject = Subject(kinds=kinds, section=section_id)
            return Query(Op.LIST, subject, filters=Filters(order=order), notes=whole)
        ends = q.wants_last or bool(words & _END_WORDS)
        starts = q.wants_first or bool(words & _START_WORDS)
        if ends and not starts:
            attrs: tuple[Attr, ...] = (Attr.END,)
        elif starts and not ends:
            attrs = (Attr.START,)
        else:  # both ("when does it start and end?") or neither: the whole span
            attrs = (Attr.START, Attr.END)
            if Mark.COUNT in q.marks:
                attrs = (*attrs, Attr.SESSIONS)
        return Query(Op.SECTION, Subject(section=section_id), attrs, notes=whole)

    def count(self, q: Question, now: datetime) -> Query | None:
        """Read "how many quizzes / TAs / phases / references / sessions"."""
        if Mark.COUNT not in q.marks or q.refs or set(q.tokens) & _NOT_COUNTED:
            return None
        name = _countable(q)
        if name is None:
            return None
        return Query(Op.COUNT, Subject(kinds=(name,)))

    def around_break(self, q: Question, now: datetime) -> Query | None:
        """Read "the next class after Nowruz", "the last quiz before the break"."""
        words = set(q.tokens)
        # "the first quiz after Nowruz": "first" counts from the break, not from the term.
        first_of_kind = all(ref.number == 1 for ref in q.refs) and words & set(LEX.order["first"])
        if Mark.NOWRUZ not in q.marks or not self.course.breaks or (q.refs and not first_of_kind):
            return None
        after = bool(words & set(LEX.order.get("after", [])))
        before = bool(words & set(LEX.order.get("before", []))) and not after
        resume = bool(words & (set(LEX.words.again) | set(LEX.words.start)))
        if not (after or before or resume):
            return None
        if q.refs:
            kinds = tuple(_EVENT_OF_KIND[ref.kind] for ref in q.refs)
        else:
            kinds = tuple(self.focus_kinds(q, q.focus)) or ("class",)
        filters = Filters(before_break=before, after_break=not before)
        if not self._break_event(kinds, filters):
            return None
        if Mark.UNTIL in q.marks:
            # "How many days until classes start again after the holiday?"
            return Query(Op.UNTIL, Subject(kinds=kinds), filters=filters)
        return Query(Op.AROUND_BREAK, Subject(kinds=kinds), filters=filters)

    def _break_event(self, kinds: tuple[str, ...], filters: Filters) -> bool:
        return any(
            grounding.around_break(self.course, kind, filters.before_break) is not None
            for kind in kinds
        )

    def after_day(self, q: Question, now: datetime) -> Query | None:
        """Read "any classes after 13 Khordad?"."""
        kinds = self.focus_kinds(q, q.focus)
        if q.span != "day" or q.day is None or q.refs or not kinds:
            return None
        if not set(q.tokens) & _AFTER_WORDS:
            return None
        filters = Filters(span="day", start=q.day, end=q.day)
        return Query(Op.AFTER_DAY, Subject(kinds=tuple(kinds)), filters=filters)

    def term(self, q: Question, now: datetime) -> Query | None:
        """Read when the course starts or ends: its first or last class."""
        words = set(q.tokens)
        course_words = {*LEX.words.course, self.course.data.course.code.lower()}
        if not words & course_words or q.refs or q.span or q.kinds:
            return None
        if Mark.FINAL_EXAM in q.marks or words & set(LEX.words.again):
            return None
        if set(q.focus) - {"class"}:
            return None
        if words & set(LEX.words.time_of_day) or words & _OTHER_NOUNS:
            return None  # "the first book on the list" is about the references, not the term
        starts = bool(words & _START_WORDS)
        ends = bool(words & _END_WORDS)
        if starts == ends:
            return None
        if not words & (set(LEX.words.course) - _CLASS_WORDS) and (ends or Mark.UNTIL in q.marks):
            # "When does class end?" is the hour, "how long until class starts" a countdown.
            return None
        if ends:
            return Query(Op.TERM, Subject(course=True), (Attr.END,))
        # "When does class start?" may mean the weekly hour as much as the first day.
        with_classes = "where" in q.intents or bool(words & _CLASS_WORDS)
        attrs = (Attr.START, Attr.PLACE) if with_classes else (Attr.START,)
        return Query(Op.TERM, Subject(course=True), attrs)

    def until(self, q: Question, now: datetime) -> Query | None:
        """Read a countdown: "how many days until the CA2 deadline", "how long to quiz 6"."""
        if Mark.UNTIL not in q.marks or _each_item(q) or _asks_length(q):
            return None
        if Mark.NOWRUZ in q.marks and not q.refs:
            return None
        attrs = (Attr.RELEASE,) if "release" in q.intents else ()
        subject = Subject(
            items=tuple(_ref(r) for r in q.refs), kinds=tuple(self.focus_kinds(q, q.focus))
        )
        query = Query(Op.UNTIL, subject, attrs)
        if grounding.countdown_event(self.course, query, now) is not None:
            return query
        if Mark.FINAL_EXAM in q.marks:
            return Query(Op.ENTRY, Subject(entry="faq:final-exam"), notes=("fact:final_exam",))
        return None

    def each(self, q: Question, now: datetime) -> Query | None:
        """Read "how many days for each phase?", "the dates of all three assignments"."""
        each = _each_item(q) or _asks_length(q)
        if each and q.kinds and not q.refs and not q.span:
            return Query(Op.LIST, Subject(kinds=(q.kinds[0],)), notes=("whole",))
        return None

    def class_on(self, q: Question, now: datetime) -> Query | None:
        """Read "is there class tomorrow?"."""
        one_day = q.span in ("day", "today", "tomorrow", "yesterday")
        if one_day and self.focus_kinds(q, q.focus) == ["class"]:
            return Query(Op.CLASS_ON, filters=Filters(span=q.span, start=q.day, end=q.day))
        return None

    # Items named by kind and number ----------------------------------------------------------

    def items(self, q: Question, now: datetime) -> Query | None:
        """Read a question about named items: "quiz 3", "the quiz after quiz 3"."""
        if not q.refs:
            return None
        attrs = tuple(_INTENT_ATTRS[i] for i in sorted(q.intents) if i in _INTENT_ATTRS)
        if q.relation is not None:
            direction, anchor = q.relation
            relation: Subject = Subject(
                kinds=tuple(f for f in q.focus if f in (*_ITEM_KINDS, "deadline")),
                anchor=_ref(anchor),
                relation=direction,  # type: ignore[arg-type]
            )
            by_deadline = "deadline" in q.focus or "due" in q.intents
            if grounding.neighbour(self.course, relation, by_deadline) is not None:
                return Query(Op.LOOKUP, relation, attrs)
        refs = tuple(_ref(r) for r in q.refs)
        if all(grounding.item_named(self.course, ref) is None for ref in q.refs):
            return Query(Op.DECLINE, Subject(items=refs), reason="no-such-item")
        filters = Filters()
        if q.span == "day" and q.day is not None:
            # "Is quiz 4 on 23 Ordibehesht?": the item's own date, and what that day holds.
            filters = Filters(span="day", start=q.day, end=q.day)
        return Query(
            Op.LOOKUP, Subject(items=refs, entry=self._also_asked(q)), attrs, filters=filters
        )

    def _also_asked(self, q: Question) -> str | None:
        """Find an FAQ entry that the words around an item reference ask about."""
        # Words the parser already read as tense or order ("did I miss …") ask nothing more.
        words = [
            tok
            for tok in q.leftover
            if tok not in INTENT_WORDS and tok not in _SMALL_TALK and tok not in PAST_WORDS
        ]
        terms = [term for term in self.terms(words) if term not in _ITEM_TERMS]
        matches = self.index.search(terms)
        if (
            matches
            and matches[0].score >= ALSO_ASKED
            and matches[0].entry.startswith(("faq:", "staff:"))
        ):
            return matches[0].entry
        return None

    # Questions relative to now ---------------------------------------------------------------

    def relative(self, q: Question, now: datetime) -> Query | None:
        """Read next, last, first, what's left, a span of days, or what already happened."""
        words = set(q.tokens)
        if words & _AGAIN_WORDS and "class" in q.focus and set(q.focus) <= {"class"} and not q.refs:
            # "When do classes start again?": the next class, wherever now is.
            return Query(Op.PICK, Subject(kinds=("class",)), filters=Filters(order="next"))
        bare = not q.focus and not q.kinds and not q.refs and q.span is None
        if q.wants_next and bare and not self.names_topic(q, ignore=_UNIT_WORDS):
            return Query(Op.OVERVIEW)
        # "What's left this term?": the term names no topic of its own.
        topical = self.names_topic(q, ignore=_COURSE_WORDS)
        if q.wants_remaining and not q.focus and not q.kinds and not topical:
            return Query(Op.REMAINING, Subject(kinds=("quiz", "deadline", "workshop")))
        focus = self.focus_kinds(q, q.order_focus or q.focus)
        item_kinds = tuple(kind for kind in q.kinds if kind in ("assignment", "project"))
        if focus and (q.wants_next or q.wants_last or q.wants_first or q.wants_remaining):
            # A named kind with next/last/first carries the question; chatty context around
            # it ("I was sick yesterday, when's the next quiz?") does not change it.
            return Query(Op.PICK, Subject(kinds=tuple(focus)), filters=_order(q, item_kinds))
        focus = self.focus_kinds(q, q.focus)
        if q.span is not None:
            if not focus and self.unexplained(q) and Mark.RANGE not in q.marks:
                return None
            # "What's on in class today" means everything that happens in that class, and
            # "anything due or happening" everything at all.
            if focus == ["class"] or (focus == ["deadline"] and words & _HAPPENING_WORDS):
                focus = []
            filters = Filters(span=q.span, start=q.day, end=q.end)
            attrs = (Attr.TOPIC,) if "topic" in q.intents else ()
            return Query(Op.AGENDA, Subject(kinds=tuple(focus)), attrs, filters=filters)
        if focus and q.past_tense and not self.unexplained(q) and not self.names_topic(q):
            if words & _ALREADY_WORDS:
                # An assignment "has happened" once released: list releases with deadlines.
                if item_kinds and "release" not in focus:
                    focus = [*focus, "release"]
                filters = Filters(item_kinds=item_kinds, past=True)
                return Query(Op.DONE, Subject(kinds=tuple(focus)), filters=filters)
            filters = Filters(item_kinds=item_kinds, order="latest")
            return Query(Op.PICK, Subject(kinds=tuple(focus)), filters=filters)
        return None

    # Everything else ------------------------------------------------------------------------

    def retrieved(self, q: Question, now: datetime) -> Query:
        """Find the knowledge-base entry the question asks for, or a list of items."""
        terms = self.terms(q.tokens)
        if q.kinds and set(terms) <= set(q.kinds) and not q.marks:
            # Only item words ("project phases", "quizzes?"): the list of those items.
            return Query(Op.LIST, Subject(kinds=(q.kinds[0],)))
        matches = self.index.search(terms)
        if matches and matches[0].score >= CONFIDENT:
            return Query(Op.ENTRY, Subject(entry=matches[0].entry))
        if q.kinds and not self.unexplained(q):
            # "quizzes?", "deadlines": list them all.
            return Query(Op.LIST, Subject(kinds=(q.kinds[0],)))
        return Query(Op.UNKNOWN)

    READINGS: tuple[Reading, ...] = (
        greeting,
        declined,
        # Computations, most specific first: a gap names two items, a weight a grading part.
        open_work,
        gap,
        weight,
        section,
        count,
        around_break,
        after_day,
        term,
        until,
        each,
        class_on,
        items,
        relative,
        retrieved,
    )

    # Shared word tests ---------------------------------------------------------------------

    def has_subject(self, clause: str, now: datetime) -> bool:
        """Tell whether a clause names what it asks about: an item, a kind, a day or a topic."""
        q = self.read(clause, now)
        if q.refs or q.kinds or q.focus or q.span:
            return True
        # Words of time ("until when", "وقت") name no topic of their own.
        return self.names_topic(q, ignore=_WHEN_WORDS | _GREETINGS)

    def unexplained(self, q: Question) -> bool:
        """Tell whether the question has words that neither the parser nor the index knows."""
        words = self._own_words(q, self.course_words)
        return any(self.index.correct(term) is None for term in content_terms(words))

    def names_topic(self, q: Question, ignore: frozenset[str] = frozenset()) -> bool:
        """Tell whether the question names a topic of its own ("if class goes online …")."""
        words = self._own_words(q, ignore)
        return any(term in self.index.idf for term in self.terms(words))

    def _own_words(self, q: Question, ignore: frozenset[str]) -> list[str]:
        """Return the words left after items, times, small talk, intents and ``ignore``."""
        return [
            tok
            for tok in q.leftover
            if tok not in _SMALL_TALK
            and tok not in INTENT_WORDS
            and tok not in FOCUS_WORDS
            and tok not in ignore
        ]

    def terms(self, words: list[str]) -> list[str]:
        """Return the retrieval terms of ``words``, without the course's own name."""
        return [term for term in content_terms(words) if term not in self.course_words]

    def focus_kinds(self, q: Question, words: Sequence[str]) -> list[EventKind]:
        """Return the event kinds the focus words name; an item kind means its deadlines
        (or its releases, when the question asks about a release)."""
        kinds: list[EventKind] = []
        for focus in words:
            if focus in _FOCUS_KINDS:
                kinds.append(_FOCUS_KINDS[focus])
            elif focus in ("assignment", "project"):
                kinds.append("release" if "release" in q.intents else "deadline")
        return list(dict.fromkeys(kinds))


def _decline(reason: str, *, entry: str | None = None, person: str | None = None) -> Query:
    return Query(Op.DECLINE, Subject(entry=entry, person=person), reason=reason)


def _order(q: Question, item_kinds: tuple[str, ...]) -> Filters:
    """Return the order a next/last/first question asks for."""
    if Mark.PENULTIMATE in q.marks:
        order: str = "penultimate"
    elif q.wants_remaining:
        order = "remaining"
    elif q.wants_first:
        order = "first"
    elif q.wants_last:
        order = "last"
    else:
        order = "next"
    return Filters(
        item_kinds=item_kinds,
        order=order,  # type: ignore[arg-type]
        limit=q.order_count,
        past=q.past_tense,
    )


_ITEM_KINDS = ("quiz", "assignment", "project", "workshop")
_EVENT_OF_KIND: dict[str, str] = {
    "quiz": "quiz",
    "workshop": "workshop",
    "assignment": "release",
    "project": "release",
}
_INTENT_ATTRS = {"release": Attr.RELEASE, "due": Attr.DEADLINE, "topic": Attr.TOPIC}
_DAY_WORDS = frozenset({"days", "day", "روز", "روزه"})
_START_WORDS = frozenset(LEX.words.start)
_END_WORDS = frozenset(LEX.words.end)
_AFTER_WORDS = frozenset(LEX.order.get("after", []))
_NOT_COUNTED = frozenset(LEX.words.not_counted)
_COUNT_TRIGGERS = frozenset(LEX.words.count_triggers)
_CLASS_WORDS = frozenset({"class", "کلاس"})
# Things a "first"/"last" may be about other than the course itself.
_OTHER_NOUNS = frozenset(
    word for name in ("ta", "reference", "section") for word in LEX.counts.get(name, [])
)


def _count_of(token: str) -> str | None:
    for name, words in LEX.counts.items():
        if token in words or kind_of(token) == name:
            return name
    return None


def _countable(q: Question) -> str | None:
    """Find what "how many" counts: the word right after it ("how many TAs", "چند تا کوییز"),
    else the one before it ("کوییزها چندتاست")."""
    tokens = q.tokens
    triggers = [i for i, tok in enumerate(tokens) if tok in _COUNT_TRIGGERS]
    for index in triggers:
        for token in tokens[index + 1 : index + 3]:
            if (found := _count_of(token)) is not None:
                return found
    for index in triggers:
        for token in reversed(tokens[max(0, index - 2) : index]):
            if (found := _count_of(token)) is not None:
                return found
    if not triggers:
        return next((f for tok in tokens if (f := _count_of(tok)) is not None), None)
    return None


def _says_first(q: Question) -> bool:
    return any(read_number(token) == (1, True) for token in q.tokens)


def _asks_for_own_grade(question: Question) -> bool:
    words = set(question.tokens)
    if words & (_WHEN_WORDS | _CONTACT_WORDS) or question.wants_next or question.wants_last:
        return False  # "when was the last quiz? I forgot to check my score"
    if question.span:
        return False
    return bool(words & _GRADE_WORDS) and bool(words & _SELF_WORDS) and "how" not in words


def _asks_for_solutions(question: Question) -> bool:
    words = set(question.tokens)
    asks_for_me = bool(words & _FOR_ME_WORDS)
    if (words & _WHEN_WORDS or question.intents & {"release", "due"}) and not asks_for_me:
        return False  # "when are the CA2 solutions released?"
    if Mark.SOLUTIONS in question.marks:
        return True
    return len(words & _SOLVE_WORDS) >= 2 or bool(words & _SOLVE_WORDS and words & _FOR_ME_WORDS)


def _each_item(q: Question) -> bool:
    """Tell whether "each"/"every"/"هر" is said of items ("each phase", "هر سه تمرین"), not of
    time ("per hour")."""
    tokens = q.tokens
    for index, token in enumerate(tokens[:-1]):
        if token not in _EACH_WORDS:
            continue
        following = tokens[index + 1 : index + 3]
        if kind_of(following[0]) or (read_number(following[0]) and any(map(kind_of, following))):
            return True
    return False


def _asks_length(q: Question) -> bool:
    """Tell whether "how many days" asks how long items of a kind run ("برای تمرینا چند روز
    مهلت میدن"), not how long until one: no item, no "next" and no "until"."""
    ordered = q.wants_next or q.wants_last or q.wants_remaining or q.wants_first
    counting_down = bool(set(q.tokens) & _TOWARDS_WORDS)
    return (
        Mark.UNTIL in q.marks and bool(q.kinds) and not q.refs and not ordered and not counting_down
    )


def _workshop_names(course: Course) -> dict[str, str]:
    """Map each workshop's normalised name and aliases to the token the parser looks for."""
    names: dict[str, str] = {}
    for item in course.items_of("workshop"):
        slug = item.id.removeprefix("workshop-")
        for name in (slug, *item.aliases):
            names[normalize(name)] = slug
    return names


def _joined_names(course: Course) -> re.Pattern[str]:
    names = [
        name
        for section in course.data.sections
        for name in (section.title.en, section.title.fa.split("(")[0], *section.aliases)
        if re.search(r"\s(and|و)\s", name)
    ]
    spelled = [r"\s+".join(map(re.escape, name.split())) for name in names]
    return re.compile("|".join(spelled) or r"(?!x)x", re.IGNORECASE)
