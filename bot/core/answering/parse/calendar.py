"""Readings of questions about time: counts, countdowns, gaps, parts of the course, the
term, the break, next/last/first and spans of days."""

from __future__ import annotations

import itertools
from datetime import datetime
from typing import Literal

from bot.core.answering import grounding
from bot.core.answering.parse.vocabulary import Vocabulary, ref
from bot.core.answering.parse.words import (
    AFTER_WORDS,
    AGAIN_WORDS,
    ALREADY_WORDS,
    ANOTHER_WORDS,
    CLASS_WORDS,
    COUNT_TRIGGERS,
    COURSE_WORDS,
    DAY_WORDS,
    EACH_WORDS,
    END_WORDS,
    EVENT_OF_KIND,
    EXCEPT_WORDS,
    GRADE_WORDS,
    HAPPENING_WORDS,
    INSTRUCTOR_WORDS,
    ITEM_KINDS,
    LATE_WORDS,
    LEAD_WORDS,
    NOT_COUNTED,
    OTHER_CALENDAR,
    OTHER_NOUNS,
    START_WORDS,
    TOWARDS_WORDS,
    UNIT_WORDS,
)
from bot.core.answering.query import Attr, Filters, Op, Point, Query, Subject
from bot.core.answering.question import Question, kind_of, read_number
from bot.core.lang.lexicon import Mark, lexicon

LEX = lexicon()


def open_work(vocab: Vocabulary, q: Question, now: datetime) -> Query | None:
    """Read "what's open right now?"."""
    if Mark.OPEN_NOW not in q.marks or q.refs:
        return None
    kinds = tuple(k for k in q.kinds if k in ("assignment", "project"))
    return Query(Op.OPEN, Subject(kinds=kinds or ("assignment", "project")))


def gap(vocab: Vocabulary, q: Question, now: datetime) -> Query | None:
    """Read "how many days between quiz 2 and quiz 3" or "from CA1's release to its
    deadline"."""
    asks_days = bool(q.marks & {Mark.BETWEEN, Mark.UNTIL}) or bool(set(q.tokens) & DAY_WORDS)
    if len(q.refs) == 1 and {"release", "due"} <= q.intents and asks_days:
        item = grounding.item_named(vocab.course, q.refs[0])
        if item is None or item.release_at is None or item.due_at is None:
            return None
        one = ref(q.refs[0])
        return Query(Op.GAP, points=(Point(item=one, role="release"), Point(item=one, role="due")))
    relative = q.relation is not None and Mark.UNTIL in q.marks
    if not (Mark.BETWEEN in q.marks or relative) or len(q.refs) < 2:
        return None
    by_deadline = "deadline" in q.focus or "due" in q.intents
    for named in q.refs[:2]:
        item = grounding.item_named(vocab.course, named)
        if item is None or grounding.moment(item, by_deadline) is None:
            return None
    # Placed by their deadlines where they have one, but named by their titles.
    role = "by-deadline" if by_deadline else None
    return Query(Op.GAP, points=tuple(Point(item=ref(r), role=role) for r in q.refs[:2]))


def section(vocab: Vocabulary, q: Question, now: datetime) -> Query | None:
    """Read when a part of the course starts or ends, its sessions, or its items."""
    if any(f not in ("class", *ITEM_KINDS) for f in q.focus):
        return None
    section_id = grounding.section_named(vocab.course, q)
    if section_id is None:
        return None
    # "The first quiz of Deployment" reads as quiz 1 by the words alone, and "the
    # Deployment quiz the syllabus calls quiz4" names one outside it: the part decides.
    first_of = len(q.refs) == 1 and q.refs[0].number == 1 and _says_first(q)
    outside = all(
        (item := grounding.item_named(vocab.course, ref)) is None or item.section.id != section_id
        for ref in q.refs
    )
    if q.refs and not (first_of or outside):
        return None
    if not any(s.section.id == section_id for s in vocab.course.sessions):
        return None
    kinds = tuple(f for f in q.focus if f in ITEM_KINDS)
    if kinds and q.span is not None:
        return None  # "is the quiz on 27 Esfand about data or modeling?": the day answers
    words = set(q.tokens)
    # "When does Data LifeCycle start and when does it end?" is one question, not two.
    whole = ("whole",) if words & START_WORDS and words & END_WORDS else ()
    if kinds:
        first = q.wants_first or _says_first(q)
        order: Literal["first", "last"] | None = (
            "first" if first else "last" if q.wants_last else None
        )
        subject = Subject(kinds=kinds, section=section_id)
        return Query(Op.LIST, subject, filters=Filters(order=order), notes=whole)
    ends = q.wants_last or bool(words & END_WORDS)
    starts = q.wants_first or bool(words & START_WORDS)
    if ends and not starts:
        attrs: tuple[Attr, ...] = (Attr.END,)
    elif starts and not ends:
        attrs = (Attr.START,)
    else:  # both ("when does it start and end?") or neither: the whole span
        attrs = (Attr.START, Attr.END)
        if Mark.COUNT in q.marks:
            attrs = (*attrs, Attr.SESSIONS)
    return Query(Op.SECTION, Subject(section=section_id), attrs, notes=whole)


def count(vocab: Vocabulary, q: Question, now: datetime) -> Query | None:
    """Read "how many quizzes / TAs / phases / references / sessions"."""
    if Mark.COUNT not in q.marks or q.refs:
        return None
    if q.span == "day" and set(q.tokens) & AFTER_WORDS:
        return None  # "how many quizzes after 1 Farvardin?": counted from that day
    name = _countable(q)
    if name == "section" and set(q.tokens) & GRADE_WORDS:
        name = "grading"  # "how many parts is the grade made of?"
    elif set(q.tokens) & NOT_COUNTED:
        return None  # "how many points is the final worth?": a weight, not a count
    if name is None:
        return None
    without = _left_out(vocab, q) if name in ("ta", "staff") else ()
    # "besides Basafa": the name leaves him out, it does not pick him.
    having = () if without else _having(vocab, q, name)
    return Query(Op.COUNT, Subject(kinds=(name,)), filters=Filters(without=without, having=having))


def _having(vocab: Vocabulary, q: Question, name: str) -> tuple[str, ...]:
    """Return the words that pick some of the counted people or books: "how many TAs use
    gmail?", "چند تا از منابع O'Reilly هستن؟"."""
    texts = [grounding.words_in(text) for text in grounding.texts_of(vocab.course, name)]
    if not texts:
        return ()
    return tuple(
        word
        for word in dict.fromkeys(q.leftover)
        if len(word) > 2 and 0 < sum(word in text for text in texts) < len(texts)
    )


def _left_out(vocab: Vocabulary, q: Question) -> tuple[str, ...]:
    """Return the staff a count leaves out: "besides Basafa", "other than the lead TA"."""
    words = q.tokens
    if not set(words) & (EXCEPT_WORDS | ANOTHER_WORDS):
        return ()
    person = grounding.person_named(vocab.course, q)
    if person is not None:
        return (person,)
    if set(words) & LEAD_WORDS:
        return tuple(p.id for p in vocab.course.staff_by_role("lead_ta"))
    if set(words) & INSTRUCTOR_WORDS:
        return tuple(p.id for p in vocab.course.staff_by_role("instructor"))
    return ()


def around_break(vocab: Vocabulary, q: Question, now: datetime) -> Query | None:
    """Read "the next class after Nowruz", "the last quiz before the break"."""
    words = set(q.tokens)
    # "the first quiz after Nowruz": "first" counts from the break, not from the term.
    first_of_kind = all(ref.number == 1 for ref in q.refs) and words & set(LEX.order["first"])
    if Mark.NOWRUZ not in q.marks or not vocab.course.breaks or (q.refs and not first_of_kind):
        return None
    after = bool(words & set(LEX.order.get("after", [])))
    before = bool(words & set(LEX.order.get("before", []))) and not after
    resume = bool(words & (set(LEX.words.again) | set(LEX.words.start)))
    if not (after or before or resume):
        return None
    if q.refs:
        kinds = tuple(EVENT_OF_KIND[ref.kind] for ref in q.refs)
    else:
        kinds = tuple(vocab.focus_kinds(q, q.focus)) or ("class",)
    filters = Filters(before_break=before, after_break=not before)
    if not _break_event(vocab, kinds, filters):
        return None
    if Mark.UNTIL in q.marks:
        # "How many days until classes start again after the holiday?"
        return Query(Op.UNTIL, Subject(kinds=kinds), filters=filters)
    return Query(Op.AROUND_BREAK, Subject(kinds=kinds), filters=filters)


def _break_event(vocab: Vocabulary, kinds: tuple[str, ...], filters: Filters) -> bool:
    return any(
        grounding.around_break(vocab.course, kind, filters.before_break) is not None
        for kind in kinds
    )


def day_in_other_calendar(vocab: Vocabulary, q: Question, now: datetime) -> Query | None:
    """Read "what is 21 Farvardin 1402 in Gregorian?", "۱۰ آوریل به شمسی چند میشه؟"."""
    if q.day is None or q.span != "day" or q.refs or q.kinds:
        return None
    if not set(q.tokens) & OTHER_CALENDAR:
        return None
    return Query(Op.DAY, filters=Filters(span="day", start=q.day, end=q.day))


def after_day(vocab: Vocabulary, q: Question, now: datetime) -> Query | None:
    """Read "any classes after 13 Khordad?"."""
    kinds = vocab.focus_kinds(q, q.focus)
    if q.span != "day" or q.day is None or q.refs or not kinds:
        return None
    if not set(q.tokens) & AFTER_WORDS:
        return None
    filters = Filters(span="day", start=q.day, end=q.day)
    return Query(Op.AFTER_DAY, Subject(kinds=tuple(kinds)), filters=filters)


def term(vocab: Vocabulary, q: Question, now: datetime) -> Query | None:
    """Read when the course starts or ends: its first or last class."""
    words = set(q.tokens)
    course_words = {*LEX.words.course, vocab.course.data.course.code.lower()}
    if not words & course_words or q.refs or q.span or q.kinds:
        return None
    if Mark.FINAL_EXAM in q.marks or words & set(LEX.words.again):
        return None
    if set(q.focus) - {"class"}:
        return None
    if words & set(LEX.words.time_of_day) or words & OTHER_NOUNS:
        return None  # "the first book on the list" is about the references, not the term
    # "the first time I'm caught", "بار اول": a first time, not the course's start.
    starts = bool(words & START_WORDS) and not _first_time(q.tokens)
    ends = bool(words & END_WORDS)
    if starts == ends:
        return None
    if not words & (set(LEX.words.course) - CLASS_WORDS) and (ends or Mark.UNTIL in q.marks):
        # "When does class end?" is the hour, "how long until class starts" a countdown.
        return None
    if ends:
        return Query(Op.TERM, Subject(course=True), (Attr.END,))
    # "When does class start?" may mean the weekly hour as much as the first day.
    with_classes = "where" in q.intents or bool(words & CLASS_WORDS)
    attrs = (Attr.START, Attr.PLACE) if with_classes else (Attr.START,)
    return Query(Op.TERM, Subject(course=True), attrs)


def until(vocab: Vocabulary, q: Question, now: datetime) -> Query | None:
    """Read a countdown: "how many days until the CA2 deadline", "how long to quiz 6"."""
    if Mark.UNTIL not in q.marks or _each_item(q) or _asks_length(q):
        return None
    if Mark.NOWRUZ in q.marks and not q.refs:
        return None
    if set(q.tokens) & LATE_WORDS and not q.refs:
        return None  # "how many days can one hand in late?": the late policy, not a countdown
    attrs = (Attr.RELEASE,) if "release" in q.intents else ()
    subject = Subject(
        items=tuple(ref(r) for r in q.refs), kinds=tuple(vocab.focus_kinds(q, q.focus))
    )
    query = Query(Op.UNTIL, subject, attrs)
    if grounding.countdown_event(vocab.course, query, now) is not None:
        return query
    if Mark.FINAL_EXAM in q.marks:
        return Query(Op.ENTRY, Subject(entry="faq:final-exam"), notes=("fact:final_exam",))
    return None


def each(vocab: Vocabulary, q: Question, now: datetime) -> Query | None:
    """Read "how many days for each phase?", "the dates of all three assignments"."""
    each = _each_item(q) or _asks_length(q)
    if each and q.kinds and not q.refs and not q.span:
        return Query(Op.LIST, Subject(kinds=(q.kinds[0],)), notes=("whole",))
    return None


def class_on(vocab: Vocabulary, q: Question, now: datetime) -> Query | None:
    """Read "is there class tomorrow?"."""
    one_day = q.span in ("day", "today", "tomorrow", "yesterday")
    if one_day and vocab.focus_kinds(q, q.focus) == ["class"]:
        return Query(Op.CLASS_ON, filters=Filters(span=q.span, start=q.day, end=q.day))
    return None


def relative(vocab: Vocabulary, q: Question, now: datetime) -> Query | None:
    """Read next, last, first, what's left, a span of days, or what already happened."""
    words = set(q.tokens)
    if words & AGAIN_WORDS and "class" in q.focus and set(q.focus) <= {"class"} and not q.refs:
        # "When do classes start again?": the next class, wherever now is.
        return Query(Op.PICK, Subject(kinds=("class",)), filters=Filters(order="next"))
    bare = not q.focus and not q.kinds and not q.refs and q.span is None
    if q.wants_next and bare and not vocab.names_topic(q, ignore=UNIT_WORDS):
        return Query(Op.OVERVIEW)
    # "What's left this term?": the term names no topic of its own.
    topical = vocab.names_topic(q, ignore=COURSE_WORDS)
    if q.wants_remaining and not q.focus and not q.kinds and not topical:
        return Query(Op.REMAINING, Subject(kinds=("quiz", "deadline", "workshop")))
    focus = vocab.focus_kinds(q, q.order_focus or q.focus)
    item_kinds = tuple(kind for kind in q.kinds if kind in ("assignment", "project"))
    if focus and (q.wants_next or q.wants_last or q.wants_first or q.wants_remaining):
        # A named kind with next/last/first carries the question; chatty context around
        # it ("I was sick yesterday, when's the next quiz?") does not change it.
        return Query(Op.PICK, Subject(kinds=tuple(focus)), filters=_order(q, item_kinds))
    focus = vocab.focus_kinds(q, q.focus)
    if q.span is not None:
        if not focus and vocab.unexplained(q) and Mark.RANGE not in q.marks:
            return None
        # "What's on in class today" means everything that happens in that class, and
        # "anything due or happening" everything at all.
        if focus == ["class"] or (focus == ["deadline"] and words & HAPPENING_WORDS):
            focus = []
        filters = Filters(span=q.span, start=q.day, end=q.end)
        attrs = (Attr.TOPIC,) if "topic" in q.intents else ()
        return Query(Op.AGENDA, Subject(kinds=tuple(focus)), attrs, filters=filters)
    if focus and q.past_tense and not vocab.unexplained(q) and not vocab.names_topic(q):
        if words & ALREADY_WORDS:
            # An assignment "has happened" once released: list releases with deadlines.
            if item_kinds and "release" not in focus:
                focus = [*focus, "release"]
            filters = Filters(item_kinds=item_kinds, past=True)
            return Query(Op.DONE, Subject(kinds=tuple(focus)), filters=filters)
        filters = Filters(item_kinds=item_kinds, order="latest")
        return Query(Op.PICK, Subject(kinds=tuple(focus)), filters=filters)
    return None


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


def _count_of(token: str) -> str | None:
    for name, words in LEX.counts.items():
        if token in words or kind_of(token) == name:
            return name
    return None


def _countable(q: Question) -> str | None:
    """Find what "how many" counts: the word right after it ("how many TAs", "چند تا کوییز"),
    else the one before it ("کوییزها چندتاست")."""
    tokens = q.tokens
    triggers = [i for i, tok in enumerate(tokens) if tok in COUNT_TRIGGERS]
    for index in triggers:
        # "how many TAs", "how many of the TAs", "چند تا کوییز".
        for token in tokens[index + 1 : index + 4]:
            if (found := _count_of(token)) is not None:
                return found
    for index in triggers:
        for token in reversed(tokens[max(0, index - 2) : index]):
            if (found := _count_of(token)) is not None:
                return found
    if not triggers:
        return next((f for tok in tokens if (f := _count_of(tok)) is not None), None)
    return None


def _first_time(tokens: list[str]) -> bool:
    """Tell whether "first" is said of a time or occasion ("first time", "بار اول")."""
    pairs = set(itertools.pairwise(tokens))
    return bool(pairs & _FIRST_TIME)


_FIRST_TIME = frozenset(
    {("first", "time"), ("بار", "اول"), ("اولین", "بار"), ("دفعه", "اول"), ("اولین", "دفعه")}
)


def _says_first(q: Question) -> bool:
    return any(read_number(token) == (1, True) for token in q.tokens)


def _each_item(q: Question) -> bool:
    """Tell whether "each"/"every"/"هر" is said of items ("each phase", "هر سه تمرین"), not of
    time ("per hour")."""
    tokens = q.tokens
    for index, token in enumerate(tokens[:-1]):
        if token not in EACH_WORDS:
            continue
        following = tokens[index + 1 : index + 3]
        if kind_of(following[0]) or (read_number(following[0]) and any(map(kind_of, following))):
            return True
    return False


def _asks_length(q: Question) -> bool:
    """Tell whether "how many days" asks how long items of a kind run ("برای تمرینا چند روز
    مهلت میدن"), not how long until one: no item, no "next" and no "until"."""
    ordered = q.wants_next or q.wants_last or q.wants_remaining or q.wants_first
    counting_down = bool(set(q.tokens) & TOWARDS_WORDS)
    return (
        Mark.UNTIL in q.marks and bool(q.kinds) and not q.refs and not ordered and not counting_down
    )
