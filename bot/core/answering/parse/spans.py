"""Readings of questions about lengths of time and filtered counts: the days between any two
moments ("from the first class to the phase 3 deadline"), how long a class, a week of
classes or a part of the course lasts, and how many quizzes fall before the break, in a
month, on Saturdays or are still to come."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from bot.core.answering import grounding
from bot.core.answering.dates import days_named
from bot.core.answering.parse.vocabulary import Vocabulary, ref
from bot.core.answering.parse.words import (
    COUNT_TRIGGERS,
    DAY_WORDS,
    HOUR_UNITS,
    LATE_WORDS,
    MINUTE_UNITS,
    NOT_COUNTED,
    SO_FAR_WORDS,
    WINDOW_WORDS,
)
from bot.core.answering.query import Attr, Filters, Op, Point, Query, Ref, Subject
from bot.core.answering.question import WEEKDAY_WORDS, Question, kind_of, read_number
from bot.core.lang.lexicon import Mark, lexicon

LEX = lexicon()
_W = LEX.words
_DEADLINE = frozenset(_W.deadline)
_RELEASE = frozenset(_W.release)
_FIRST = frozenset(LEX.order.get("first", [])) | frozenset(_W.first_of)
_LAST = frozenset(LEX.order.get("last", [])) | frozenset(_W.last_of)
_BEFORE = frozenset(LEX.order.get("before", []))
_AFTER = frozenset(LEX.order.get("after", []))
_NOW = frozenset(_W.now)
_CLASS = frozenset(LEX.focus.get("class", [])) | frozenset(_W.session)
_WEEKS = frozenset(_W.week_units) | frozenset(_W.weekly)
_GAP = frozenset(_W.gap)
_LONG = frozenset(_W.long)
_REMAINING = frozenset(LEX.order.get("remaining", [])) | frozenset(_W.ahead)
_YET = frozenset(_W.yet)
_WILL = frozenset(_W.future)
_NEGATIVE = frozenset(_W.negative)
# A single item's time as a whole: "how many days is it in total", "کلا چند روز وقت داره".
# "for it": the time one has for an item, not what is left of it ("چند روز وقت داریم براش").
# A pronoun for one thing, standing for a moment the question does not name.
_POINTS_BACK = frozenset(_W.refers_back) - frozenset(_W.plural_back) - frozenset(_W.determiners)
_POINTS_BACK |= {"that", "it", "اون"}
_PER = frozenset(_W.per_span)
_TOTAL = frozenset(_W.total)
# "how long until", "چند روز مونده": what is left, not how long something lasts.
_COUNTDOWN = frozenset(_W.countdown)
# The kinds of event a count is about, by what it counts.
_EVENT_KIND = {"quiz": "quiz", "workshop": "workshop", "class": "class"}


def between(vocab: Vocabulary, q: Question, now: datetime) -> Query | None:
    """Read "how many days from the first class to the phase 3 deadline", "how many days
    after quiz 2 is quiz 3", "the two workshops are how many days apart"."""
    words = set(q.tokens)
    asks = words & (DAY_WORDS | HOUR_UNITS | _WEEKS) and (words & _GAP or words & COUNT_TRIGGERS)
    if not asks:
        return None
    found = points(vocab, q, now)
    if len(found) == 1 and found[0].item is not None and words & WINDOW_WORDS:
        # "how many days is phase 3 in total": from its release to its deadline.
        item = found[0].item
        found = [Point(item=item, role="release"), Point(item=item, role="due")]
    if len(found) == 1 and set(q.tokens) & _POINTS_BACK:
        # "how many days after quiz 4 is that?" with nothing said before: which one?
        return Query(Op.DECLINE, reason="which-one")
    if len(found) < 2 or any(point.now for point in found):
        return None  # from now on is a countdown
    attrs = (Attr.HOURS,) if words & HOUR_UNITS and not words & DAY_WORDS else ()
    return Query(Op.GAP, attrs=attrs, points=tuple(found[:2]))


def points(vocab: Vocabulary, q: Question, now: datetime) -> list[Point]:
    """List the moments a question names, in order: items (at their release or deadline),
    days, the first or last event of a kind (around the break), and now."""
    tokens = q.tokens
    found: list[tuple[int, Point]] = []
    named_days = {at: day for at, day in days_named(q, vocab.term_days)}
    for index, token in enumerate(tokens):
        item = _item_at(vocab, tokens, index)
        if item is not None:
            # "فاز دوم پروژه": the phase and the project name one item, not two.
            if not found or found[-1][1].item != item or index - found[-1][0] > 3:
                found.append((index, Point(item=item, role=_role(tokens, index))))
            continue
        if index in named_days:
            found.append((index, Point(day=named_days[index])))
        elif token in _NOW:
            found.append((index, Point(now=True)))
        elif token in _FIRST | _LAST and (item := _ordered_item(vocab, tokens, index)):
            # "فاز اول پروژه": the ordinal of the item just named, not another one.
            if not found or found[-1][1].item != item or index - found[-1][0] > 3:
                found.append((index, Point(item=item, role=_role(tokens, index))))
        elif token in _FIRST | _LAST and _class_near(tokens, index):
            order: Literal["first", "last"] = "first" if token in _FIRST else "last"
            found.append((index, Point(kind="class", order=order, around_break=_break(q, index))))
    pair = _pair_of_kind(vocab, q)
    if not found and pair:
        return pair
    return [point for _, point in sorted(found, key=lambda pair: pair[0])]


def _item_at(vocab: Vocabulary, tokens: list[str], index: int) -> Ref | None:
    """Return the item named at ``index``: "quiz 3", "CA2", "ph3", "the MLflow workshop"."""
    token = tokens[index]
    if token in vocab.names.values():
        return Ref("workshop", name=token)
    kind = kind_of(token)
    if kind is None:
        return None
    following = tokens[index + 1] if index + 1 < len(tokens) else ""
    number = read_number(following) if following else None
    if number is None and index:
        number = read_number(tokens[index - 1])
        number = number if number and number[1] else None
    if number is None or grounding.item_named(vocab.course, Ref(kind, number[0])) is None:
        return None
    return Ref(kind, number[0])


def _ordered_item(vocab: Vocabulary, tokens: list[str], index: int) -> Ref | None:
    """Return the first or last item of the kind named after ``index`` ("the last phase")."""
    for word in tokens[index + 1 : index + 3]:
        kind = kind_of(word)
        if kind is None:
            continue
        items = [i for i in vocab.course.items_of(kind) if i.number is not None]
        if not items:
            return None
        chosen = items[0] if tokens[index] in _FIRST else items[-1]
        return Ref(chosen.kind, chosen.number)
    return None


def _role(tokens: list[str], index: int) -> str | None:
    """Tell whether an item is named at its deadline or its release."""
    for window in (tokens[max(0, index - 2) : index], tokens[index + 1 : index + 4]):
        if set(window) & _DEADLINE:
            return "deadline"
        if set(window) & _RELEASE:
            return "release"
    return None


def _class_near(tokens: list[str], index: int) -> bool:
    return bool(set(tokens[index + 1 : index + 3]) & _CLASS)


def _break(q: Question, index: int) -> Literal["before", "after"] | None:
    """Return whether "the last class before Nowruz" or "the first after it" is meant."""
    if Mark.NOWRUZ not in q.marks:
        return None
    following = set(q.tokens[index + 1 : index + 5])
    if following & _BEFORE:
        return "before"
    if following & _AFTER:
        return "after"
    return None


def _pair_of_kind(vocab: Vocabulary, q: Question) -> list[Point]:
    """Return the two items of a kind that has exactly two ("the two workshops")."""
    words = set(q.tokens)
    if not words & {"two", "both", "دو", "دوتا", "هردو"} or len(q.kinds) != 1:
        return []
    items = vocab.course.items_of(q.kinds[0])
    if len(items) != 2:
        return []
    return [
        Point(
            item=Ref(i.kind, i.number, i.id.removeprefix("workshop-") if i.number is None else None)
        )
        for i in items
    ]


def duration(vocab: Vocabulary, q: Question, now: datetime) -> Query | None:
    """Read how long something lasts: a class, a week of classes, a part of the course, or
    an item's time to submit in hours."""
    words = set(q.tokens)
    in_hours = _asks_in(q.tokens, HOUR_UNITS)
    in_minutes = _asks_in(q.tokens, MINUTE_UNITS)
    unit = (Attr.MINUTES,) if in_minutes else (Attr.HOURS,) if in_hours else ()
    # "هفته‌ای چند جلسه", "per week": every week, not this week.
    per_week = bool(words & _WEEKS) and bool(words & _PER)
    task = len(q.refs) == 1 and q.refs[0].kind in ("assignment", "project") and not q.span
    # "How long is phase 3?": from its release to its deadline.
    if task and words & _LONG and not words & _COUNTDOWN and not words & LATE_WORDS:
        item = ref(q.refs[0])
        points = (Point(item=item, role="release"), Point(item=item, role="due"))
        return Query(Op.GAP, attrs=unit, points=points)
    if q.refs or (q.span is not None and not per_week):
        return None
    if not (in_hours or in_minutes or words & _LONG or per_week):
        return None
    section = grounding.section_named(vocab.course, q)
    classes = bool(words & _CLASS) or "class" in q.focus or any(w.startswith("کلاس") for w in words)
    if section is not None and (in_hours or in_minutes) and (classes or words & _TOTAL):
        return Query(Op.DURATION, Subject(section=section, kinds=("class",)), unit or (Attr.HOURS,))
    if classes and per_week and (in_hours or in_minutes or Mark.COUNT in q.marks):
        return Query(Op.DURATION, Subject(kinds=("class",)), unit, notes=("week",))
    if classes and (in_hours or in_minutes) and words & _TOTAL:
        # "how many hours of class in total, if every session happens?": the whole schedule.
        return Query(Op.DURATION, Subject(kinds=("class",)), unit, notes=("term",))
    # "how many minutes does a lecture last": "last" is the verb, not the last class.
    ordered = bool(words & (_FIRST | _LAST)) and not (in_hours or in_minutes)
    long = in_minutes or words & _LONG or (in_hours and Mark.UNTIL not in q.marks)
    if classes and long and not ordered and section is None:
        return Query(Op.DURATION, Subject(kinds=("class",)), unit)
    kinds = tuple(k for k in q.kinds if k in ("assignment", "project"))
    if kinds and (in_hours or in_minutes) and Mark.UNTIL not in q.marks:
        return Query(Op.DURATION, Subject(kinds=kinds[:1]), unit)
    return None


def _asks_in(tokens: list[str], units: frozenset[str]) -> bool:
    """Tell whether a question asks for a length in these units: "how many hours", "چند
    ساعت", "in hours", "hours altogether" — not "ساعت چند" (what time) or "class hrs"."""
    for index, token in enumerate(tokens):
        if token not in units:
            continue
        previous = tokens[index - 1] if index else ""
        if previous in _HOW_MANY or previous.isdigit() or previous in ("in", "به"):
            return True
        if token.isascii() and token.endswith("s") and len(token) > 3 and index > 1:
            return tokens[index - 2 : index] == ["how", "many"] or "long" in tokens
    return False


_HOW_MANY = frozenset(_W.how_many)


def counted(vocab: Vocabulary, q: Question, now: datetime) -> Query | None:
    """Read a count narrowed by a part of the course, the break, a month, a weekday, or
    now: "how many quizzes are still to come?", "چند تا کوییز قبل از عید داریم؟"."""
    words = set(q.tokens)
    if Mark.COUNT not in q.marks or Mark.UNTIL in q.marks or q.refs:
        return None  # "how many days until …" is a countdown
    if words & NOT_COUNTED - {"days", "day", "روز"}:
        return None
    kinds = _counted_kinds(q, words)
    if not kinds:
        return None
    filters = _count_filters(vocab, q, words)
    if filters == Filters():
        return None  # a plain count keeps its own reading
    if kinds == ("class",) and filters == Filters(section=filters.section):
        return None  # "how many sessions is Modeling Pipeline": the part's own reading
    return Query(Op.COUNT, Subject(kinds=kinds), filters=filters)


def _counted_kinds(q: Question, words: set[str]) -> tuple[str, ...]:
    """Return the kinds of event a count is about; assignments and phases by release, or by
    deadline when deadlines are counted."""
    kinds: list[str] = []
    deadlines = bool(words & _DEADLINE)
    for kind in q.kinds:
        if kind in _EVENT_KIND:
            kinds.append(_EVENT_KIND[kind])
        elif deadlines:
            kinds.append(f"deadline:{kind}")
        else:
            kinds.append(f"release:{kind}")
    if "class" in q.focus and not kinds:
        kinds.append("class")
    if deadlines and not kinds:
        kinds.append("deadline")
    return tuple(dict.fromkeys(kinds))


def _count_filters(vocab: Vocabulary, q: Question, words: set[str]) -> Filters:
    """Return what narrows a count: a section, the break, a span of days, a weekday, now."""
    before_break = after_break = False
    if Mark.NOWRUZ in q.marks:
        before_break = bool(words & (_BEFORE | {"by", "until", "تا"}))
        after_break = bool(words & _AFTER) and not before_break
    weekday = next(
        (_weekday(t) for i, t in enumerate(q.tokens) if _weekday(t) is not None and _plural(q, i)),
        None,
    )
    yet = bool(words & _YET and words & _NEGATIVE)
    ahead = bool(words & _REMAINING) or yet
    until_now = any(q.tokens[i : i + 2] == ["تا", "الان"] for i in range(len(q.tokens)))
    # "By Nowruz how many will we have had?": "will" makes "had" a future, not the past.
    past = (bool(words & SO_FAR_WORDS) or until_now) and not ahead and not words & _WILL
    span = q.span if q.span in ("month", "this_week", "next_week", "last_week") else None
    return Filters(
        section=grounding.section_named(vocab.course, q),
        before_break=before_break,
        after_break=after_break,
        ahead=ahead,
        past=past,
        span=span,
        start=q.day if span else None,
        end=q.end if span else None,
        weekday=weekday,
    )


def _weekday(token: str) -> int | None:
    """Return the weekday a word names, plural or not ("saturdays")."""
    found = WEEKDAY_WORDS.get(token)
    return found if found is not None else WEEKDAY_WORDS.get(token.removesuffix("s"))


def _plural(q: Question, index: int) -> bool:
    """Tell whether a weekday is said of every week ("on Saturdays", "شنبه‌ها")."""
    token = q.tokens[index]
    following = q.tokens[index + 1] if index + 1 < len(q.tokens) else ""
    return token.endswith("s") or following in ("ها", "های")
