"""Readings of questions about the late policy: may something go in late, what a delay
costs after the forgiven days, the latest moment an item may be submitted, how much delay
is forgiven and how much of it is left.

Durations ("36 hours", "four and a half days", "۳ روز", "2 free days left") are read in
``durations``, with the role their neighbours give them: a delay, forgiven days left, or
forgiven days used.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from bot.core.answering import grounding
from bot.core.answering.dates import days_named
from bot.core.answering.parse.durations import bare_days, durations, free_days_left, words_of
from bot.core.answering.parse.vocabulary import Vocabulary, ref
from bot.core.answering.parse.words import (
    FREE_DAY_WORDS,
    FULL_WORDS,
    HOUR_UNITS,
    LATE_WORDS,
    LEFT_OVER_WORDS,
    MOST_WORDS,
)
from bot.core.answering.query import Given, Late, Op, Query, Ref, Subject
from bot.core.answering.question import Question, reading
from bot.core.lang.lexicon import Mark, lexicon

LEX = lexicon()
Refs = tuple[Ref, ...]
_W = LEX.words
_DAYS = frozenset(_W.day_units)
_LATEST = frozenset(_W.latest)
_HOW_MUCH = frozenset(_W.how_much)
_PER = frozenset(_W.per_unit)
_EACH = frozenset(_W.each_one)
_CAN = frozenset(_W.can)
_STILL = frozenset(_W.still)
_COVER = frozenset(_W.cover)
_TERM = frozenset(_W.whole_term)
_CHARGED = frozenset(_W.charged)


def late(vocab: Vocabulary, q: Question, now: datetime) -> Query | None:
    """Read a question the late policy answers with a computation."""
    words = set(q.tokens)
    items = tuple(ref(r) for r in q.refs)
    for kind in (_latest, _max_delay, _rate, _free, _covered, _penalty, _allowed):
        found = kind(vocab, q, words, items, now)
        if found is not None:
            return found
    return None


def _about_late(q: Question, words: set[str]) -> bool:
    return bool(words & LATE_WORDS) or Mark.PAST_DEADLINE in q.marks


# Words that ask what a delay costs, not how much delay is left.
_LOSS = frozenset(_W.loss)
_PERCENT = re.compile(r"(\d+(?:\.\d+)?) ?(?:%|percent|درصد)")


def _latest(
    vocab: Vocabulary, q: Question, words: set[str], items: Refs, now: datetime
) -> Query | None:
    """Read "the latest I can submit CA1 with the maximum delay", "until when can I still
    send it?" (its deadline passed)."""
    if not items:
        return None
    # "with the maximum delay", "if I use the full 5 days".
    most_late = bool(words & MOST_WORDS) and _about_late(q, words)
    most = vocab.course.data.policies.late.max_delay_days * 24
    said = words_of(q)
    full = any(
        d.hours == most and any(w in FULL_WORDS for w in said[max(0, d.at - 2) : d.at])
        for d in durations(q)
    )
    most_late = most_late or full
    still = words & (LEFT_OVER_WORDS | _STILL | {"now", "alan", "الان"})
    # "can I still submit CA3?", "هنوز میشه تمرین ۲ رو فرستاد؟": until when it may go in
    # ("if I send it 3 days late" names a delay: what that costs, read below).
    delayed = any(d.role == "delay" for d in durations(q))
    still_can = bool(words & _STILL and words & _CAN) and not delayed
    if still_can and _sent_on(vocab, q, items) is not None:
        return None  # "can I still send it on 14 Tir?": that day, read below
    if Mark.UNTIL_WHEN not in q.marks and not words & _LATEST and not most_late and not still_can:
        return None
    if not (_about_late(q, words) or words & MOST_WORDS or still or full):
        return None
    # "if I send it 3 days late, until when?": that delay, not the most allowed.
    # "The full 5 days" is a delay too: a later "and if my free days are gone?" leans on it.
    delays = [d.hours for d in durations(q) if d.role == "delay"]
    # "the absolute latest", "with the maximum delay": the most allowed, whatever was said.
    said_delay = len(delays) == 1 and not (words & MOST_WORDS and not full)
    given = Given(delay_hours=delays[0]) if said_delay else Given()
    return Query(Op.LATE, Subject(items=items), given=given, late=Late.LATEST)


def _max_delay(
    vocab: Vocabulary, q: Question, words: set[str], items: Refs, now: datetime
) -> Query | None:
    """Read "at most how many hours late can one submission be?"."""
    if not (words & MOST_WORDS and _about_late(q, words)) or words & FREE_DAY_WORDS:
        return None
    if any(d.role == "delay" for d in durations(q)):
        return None
    if words & (_LOSS | _CHARGED):
        # "the biggest penalty a late task can get": the most delay, with no days forgiven.
        most = vocab.course.data.policies.late.max_delay_days * 24
        given = Given(delay_hours=most, free_days_left=0)
        return Query(Op.LATE, Subject(items=items), given=given, late=Late.PENALTY)
    return Query(Op.LATE, Subject(items=items), late=Late.MAX_DELAY, notes=_unit_note(words))


def _unit_note(words: set[str]) -> tuple[str, ...]:
    return ("hours",) if words & HOUR_UNITS else ()


def _rate(
    vocab: Vocabulary, q: Question, words: set[str], items: Refs, now: datetime
) -> Query | None:
    """Read "is the penalty per hour or per day?", "every 24 hours of delay costs how much?"."""
    if not _about_late(q, words) and not words & FREE_DAY_WORDS:
        return None
    said = words_of(q)
    per = None
    for index, word in enumerate(said[:-1]):
        following = said[index + 1]
        unit = following in HOUR_UNITS | _DAYS
        if (word in _PER - {"a", "an"} and (unit or following.isdigit())) or (
            word in ("a", "an") and following in HOUR_UNITS
        ):
            per = index
            break
    if per is None:
        return None
    after = [d for d in durations(q) if d.at > per]
    hours = after[0].hours if after else (1.0 if said[per + 1] in HOUR_UNITS else 24.0)
    return Query(Op.LATE, Subject(items=items), late=Late.RATE, given=Given(delay_hours=hours))


def _free(
    vocab: Vocabulary, q: Question, words: set[str], items: Refs, now: datetime
) -> Query | None:
    """Read "how many days of delay are forgiven over the term?", "how many are left?"."""
    # "13 days of my delay are used, how many are left?": the forgiven days, unnamed.
    spent_left = bool(words & LEFT_OVER_WORDS) and any(d.role == "used" for d in durations(q))
    if not (
        words & FREE_DAY_WORDS and (words & LATE_WORDS or words & _DAYS or words & HOUR_UNITS)
    ) and not (spent_left):
        return None
    if items and q.span == "day":
        return None  # "if I send phase 1 on 21 Farvardin": that day's delay, not the total
    found = durations(q)
    allowed = vocab.course.data.policies.late.free_delay_days
    # "no grace days left and I'm 5 days late": what that delay costs, read below.
    none_left = free_days_left(q, words, found, allowed) == 0
    if words & LEFT_OVER_WORDS and not [d for d in found if d.role == "left"] and not none_left:
        spent = tuple(d.hours for d in found) + tuple(bare_days(q, found))
        if spent and not words & _LOSS:
            given = Given(delays=spent)
            return Query(Op.LATE, Subject(items=items), late=Late.FREE_LEFT, given=given)
    if found or words & _LOSS or not (words & _TERM or words & {"many", "چند", "how"}):
        return None
    return Query(Op.LATE, late=Late.FREE, notes=_unit_note(words))


def _covered(
    vocab: Vocabulary, q: Question, words: set[str], items: Refs, now: datetime
) -> Query | None:
    """Read "5 days late on each of the 3 CAs: do my free days cover it?"."""
    if not (words & _COVER or words & _CHARGED) or not words & _EACH:
        return None
    times = _times(q.tokens)
    delays = [d for d in durations(q) if d.role == "delay"]
    if times is None or not delays:
        return None
    given = Given(delay_hours=delays[0].hours, times=times)
    return Query(Op.LATE, Subject(items=items), late=Late.COVERED, given=given)


def _times(tokens: list[str]) -> int | None:
    """Find "each of the 3 CAs", "all 3 assignments", "هر ۶ تا تحویلی": how many."""
    for index, token in enumerate(tokens):
        if token not in _EACH:
            continue
        for word in tokens[index + 1 : index + 5]:
            if word.isdigit() and 1 < int(word) <= 20:
                return int(word)
            if word in LEX.cardinals and 1 < LEX.cardinals[word] <= 20:
                return LEX.cardinals[word]
    return None


def _penalty(
    vocab: Vocabulary, q: Question, words: set[str], items: Refs, now: datetime
) -> Query | None:
    """Read "all my free days are used; 10 hours late costs how much?", "I sent CA1 on
    1 Farvardin: what do I lose?"."""
    dated = bool(items) and q.span == "day" and bool(words & _LOSS)
    if not (_about_late(q, words) or words & FREE_DAY_WORDS or dated):
        return None
    found = durations(q)
    delays = [d for d in found if d.role == "delay"]
    allowed = vocab.course.data.policies.late.free_delay_days
    # "CA3 one day late after the free days?": a delay and the free days' state ask the cost.
    stated = delays and free_days_left(q, words, found, allowed) is not None
    if not words & _HOW_MUCH and not stated:
        return None
    # "I submitted CA2 on 12 Ordibehesht": the delay is the days from its deadline.
    on_day = _sent_on(vocab, q, items) if not delays else None
    if not delays and on_day is None:
        return _hours_for(q, words, items)
    left = free_days_left(q, words, found, allowed)
    given = Given(
        delay_hours=delays[-1].hours if delays else None, free_days_left=left, on_day=on_day
    )
    return Query(Op.LATE, Subject(items=items), late=Late.PENALTY, given=given)


def _sent_on(vocab: Vocabulary, q: Question, items: Refs) -> date | None:
    """Return the day an item is sent on: of two days named ("CA1 was due 29 Esfand; if I
    submit on 4 Farvardin …"), the one that is not its deadline."""
    if q.span != "day" or not items:
        return None
    days = [day for _, day in days_named(q, vocab.term_days)] or ([q.day] if q.day else [])
    item = grounding.item_named(vocab.course, items[0])
    due = item.due_at.date() if item is not None and item.due_at is not None else None
    return next((day for day in days if day != due), days[-1] if days else None)


def _hours_for(q: Question, words: set[str], items: Refs) -> Query | None:
    """Read "how many hours late until I lose 30%?": the delay that costs a given share."""
    asked = [float(m.group(1)) for m in _PERCENT.finditer(reading(q.text))]
    if not asked or not words & (HOUR_UNITS | _DAYS):
        return None
    return Query(Op.LATE, Subject(items=items), late=Late.RATE, given=Given(percent=asked[0]))


def _allowed(
    vocab: Vocabulary, q: Question, words: set[str], items: Refs, now: datetime
) -> Query | None:
    """Read "can I submit CA2 two days late?", "can I send phase 1 on 25 Farvardin?"."""
    if not words & _CAN:
        return None
    found = durations(q)
    delays = [d for d in found if d.role == "delay"]
    on_day = _sent_on(vocab, q, items)
    if not (_about_late(q, words) and (delays or items)) and on_day is None:
        return None
    allowed = vocab.course.data.policies.late.free_delay_days
    given = Given(
        delay_hours=delays[-1].hours if delays else None,
        free_days_left=free_days_left(q, words, found, allowed),
        on_day=on_day,
    )
    return Query(Op.LATE, Subject(items=items), late=Late.ALLOWED, given=given)
