"""Readings of questions about the late policy: may something go in late, what a delay
costs after the forgiven days, the latest moment an item may be submitted, how much delay
is forgiven and how much of it is left.

Durations ("36 hours", "four and a half days", "۳ روز", "2 free days left") are read with
the role their neighbours give them: a delay, forgiven days left, or forgiven days used.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from bot.core.answering import grounding
from bot.core.answering.dates import days_named
from bot.core.answering.parse.vocabulary import Vocabulary, ref
from bot.core.answering.query import Given, Late, Op, Query, Ref, Subject
from bot.core.answering.question import Question, reading
from bot.core.lang.lexicon import Mark, lexicon

LEX = lexicon()
Refs = tuple[Ref, ...]
_W = LEX.words
_LATE = frozenset(_W.late)
_FREE = frozenset(_W.free_days)
_USED = frozenset(_W.used_up) | frozenset(_W.none_left)
_LEFT = frozenset(_W.left_over)
_HOURS = frozenset(_W.hour_units)
_DAYS = frozenset(_W.day_units)
_WEEKS = frozenset(_W.week_units)
_LATEST = frozenset(_W.latest)
_HOW_MUCH = frozenset(_W.how_much)
_FULL = frozenset(_W.full)
_MOST = frozenset(_W.most)
_PER = frozenset(_W.per_unit)
_EACH = frozenset(_W.each_one)
_CAN = frozenset(_W.can)
_STILL = frozenset(_W.still)
_COVER = frozenset(_W.cover)
_TERM = frozenset(_W.whole_term)
_CHARGED = frozenset(_W.charged)
_UNIT = r"(?:hours?|hrs?|h|days?|weeks?|ساعت|روز|روزه|هفته)"
_NUMBER = r"(?:\d+(?:\.\d+)?|[a-z\u0600-\u06ff]+)"
# "36 hours", "4.5 days", "four and a half days", "a day and a half", "2 free days", "۱ روز و
# نیم".
_DURATION = re.compile(
    rf"(?<![\w.]){_NUMBER}(?: and a half)?(?: (?:free|grace|late|extra|ازاد|مجاز|تاخیر))?"
    rf" {_UNIT}(?: و نیم| and a half)?(?![\w])"
)
# Bare numbers listed before a length of time: "5, 5 and 4 days", "۲، ۳ و ۴ روز".
_LISTED_BEFORE = re.compile(r"(?:\d+(?:\.\d+)? ?,? ?)+(?:and|و) ?$")
_SO_FAR = frozenset(_W.so_far)
_AFTER = frozenset(LEX.order.get("after", []))
# What joins the parts of one length of time: "3 days and 12 hours", "۲ روز و ۶ ساعت".
_JOINED = re.compile(r"^ (?:and|و|,)? ?$")
_HALF_UNIT = re.compile(rf"\bhalf an? {_UNIT}\b|نیم {_UNIT}")


@dataclass(frozen=True)
class Duration:
    """A length of time named at a word position, with the role its neighbours give it."""

    hours: float
    at: int
    role: str  # "delay", "left" (forgiven days left) or "used" (forgiven days used)


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
    return bool(words & _LATE) or Mark.PAST_DEADLINE in q.marks


def words_of(q: Question) -> list[str]:
    """Return the question's words as read (Finglish in Persian script), decimals kept."""
    return _WORD.findall(reading(q.text))


_WORD = re.compile(r"\d+(?:\.\d+)?|[a-z\u0600-\u06ff]+")


def durations(q: Question) -> list[Duration]:
    """Return the lengths of time a question names, each with its role."""
    words = words_of(q)
    text = " ".join(words)
    starts = {m.start(): i for i, m in enumerate(re.finditer(r"\S+", text))}
    found: list[Duration] = []
    end = -1
    for match in _DURATION.finditer(text):
        hours = _hours(match.group(0))
        if hours is None:
            continue
        # "5, 5 and 4 days": the numbers listed before share the unit.
        listed = _LISTED_BEFORE.search(text[: match.start()])
        if listed and not found:
            unit_hours = (
                hours / float(match.group(0).split()[0]) if match.group(0)[0].isdigit() else 0
            )
            numbers = re.findall(r"\d+(?:\.\d+)?", listed.group(0)) if unit_hours else []
            for offset, number in enumerate(numbers):
                at = starts.get(listed.start(), 0) + offset
                size = len(text[listed.start() : match.end()].split())
                found.append(Duration(float(number) * unit_hours, at, _role(words, at, size)))
        if found and _JOINED.match(text[end : match.start()]):
            # "three days and twelve hours": one delay of 84 hours.
            last = found.pop()
            size = len(text[starts_at(starts, last.at) : match.end()].split())
            found.append(Duration(last.hours + hours, last.at, _role(words, last.at, size)))
        else:
            at = starts.get(match.start(), 0)
            found.append(Duration(hours, at, _role(words, at, len(match.group(0).split()))))
        end = match.end()
    for match in _HALF_UNIT.finditer(text):
        hours = _unit_hours(match.group(0).split()[-1]) / 2
        at = starts.get(match.start(), 0)
        found.append(Duration(hours, at, _role(words, at, 3)))
    return found


def starts_at(starts: dict[int, int], word: int) -> int:
    """Return where in the text the word numbered ``word`` starts."""
    return next(offset for offset, index in starts.items() if index == word)


def _unit_hours(unit: str) -> float:
    if unit in _HOURS:
        return 1.0
    if unit in _WEEKS:
        return 24.0 * 7
    return 24.0


def _hours(phrase: str) -> float | None:
    """Return the hours of "36 hours", "two days", "four and a half days", "۱ روز و نیم"."""
    parts = phrase.split()
    number = parts[0]
    if re.fullmatch(r"\d+(?:\.\d+)?", number):
        value = float(number)
    elif number in ("a", "an", "یه", "یک"):
        value = 1.0
    elif number in LEX.cardinals:
        value = float(LEX.cardinals[number])
    else:
        return None
    unit = next(p for p in reversed(parts) if re.fullmatch(_UNIT, p))
    if "half" in parts or "نیم" in parts[1:]:
        value += 0.5
    return value * _unit_hours(unit)


def _role(words: list[str], at: int, size: int) -> str:
    """Tell a delay from forgiven days left or used, by the nearest word that says which:
    "3 days late", "2 free days left", "12 of my allowed days used". A cue across a question
    word ("4 days. how many free days are left?") belongs to the question, not the number."""
    best: tuple[int, str] | None = None
    for index in range(max(0, at - 4), min(len(words), at + size + 5)):
        cue = _cue(words[index])
        if cue is None or _asked_between(words, index, at, size):
            continue
        distance = (
            0 if at <= index < at + size else min(abs(index - at), abs(index - at - size + 1))
        )
        between = words[at + size : index]
        if index > at + size and all(w in _FULL for w in between):
            distance = 0  # "a whole day late", "یه روز کامل دیرکرد": the cue is the duration's
        # "no free days left, 5 hours late": of two cues as near, "late" says the delay.
        if best is None or distance < best[0] or (distance == best[0] and cue == "late"):
            best = (distance, cue)
    after = words[at + size : at + size + 5]
    # "… used", not "… after … used": "100 hours late after my free days are used" is a delay.
    after = after[: next((i for i, w in enumerate(after) if w in _AFTER), len(after))]
    # "5 hours late, no free days left": a delay said right after its length is one.
    spent = bool(after) and _cue(after[0]) != "late" and any(_cue(w) == "used" for w in after)
    if best is not None and best[1] == "late" and spent:
        # "13 days of my delay used", "۱۳ روز از تاخیرامو استفاده کردم": days spent.
        return "used"
    if best is None or best[1] == "late":
        return "delay"
    if best[1] == "free":
        near = set(words[max(0, at - 4) : at + size + 5])
        return "left" if near & _LEFT else "used"
    return best[1]


def _cue(word: str) -> str | None:
    """Return which role a word gives a duration next to it, if any."""
    if word in _FREE:
        return "free"
    if word in _LATE or word.startswith(_LATE_STEMS):
        return "late"
    if word in _LEFT:
        return "left"
    if word in _USED:
        return "used"
    return None


def _asked_between(words: list[str], index: int, at: int, size: int) -> bool:
    """Tell whether a question word stands between a cue and a duration."""
    low, high = (index, at) if index < at else (at + size, index)
    return bool(set(words[low:high]) & _ASKING)


# Words that ask what a delay costs, not how much delay is left.
_LOSS = frozenset(_W.loss)
_PERCENT = re.compile(r"(\d+(?:\.\d+)?) ?(?:%|percent|درصد)")
_ASKING = frozenset(_W.asks_amount)


# Persian late words under an ending: "تاخیرمو", "تاخیرها".
_LATE_STEMS = ("تاخیر", "دیر")


def _bare_days(q: Question, found: list[Duration]) -> list[float]:
    """Return numbers listed beside durations without a unit of their own: the 3 in "4 days on
    CA1 and 3 on phase 1", read in the unit of the duration before them."""
    words = words_of(q)
    taken = {d.at for d in found}
    unit = 24.0 if not found or found[0].hours % 24 == 0 else 1.0
    extra = []
    for index, word in enumerate(words):
        previous = words[index - 1] if index else ""
        if not word.isdigit() or index in taken or int(word) > 30:
            continue
        following = words[index + 1] if index + 1 < len(words) else ""
        if previous in _ITEM_WORDS or re.fullmatch(_UNIT, following):
            continue
        if any(d.at < index for d in found):
            extra.append(int(word) * unit)
    return extra


_ITEM_WORDS = frozenset(w for words in LEX.kinds.values() for w in words) | frozenset(
    _W.item_prefixes
)


def _free_left(q: Question, words: set[str], found: list[Duration], allowed: float) -> float | None:
    """Return the forgiven days left, when the question says: none, some, or all but some."""
    left = [d.hours / 24 for d in found if d.role == "left"]
    if left:
        return left[0]
    used = [d.hours / 24 for d in found if d.role == "used"]
    delays = [d.hours / 24 for d in found if d.role == "delay"]
    if not used and len(delays) > 1 and words & _SO_FAR:
        # "My delays so far: 5, 5 and 4 days. Now I'll be 3 days late": all but the last.
        return max(0.0, allowed - sum(delays[:-1]))
    if used and (words & _USED or words & _SO_FAR):
        return max(0.0, allowed - sum(used))
    # "I've used 14 of my 15 free days": the bare number before the term's total.
    told = re.search(
        rf"(\d+(?:\.\d+)?) (?:of|از) (?:my |the |all )?{allowed:g}\b", " ".join(words_of(q))
    )
    if told and words & _USED:
        return max(0.0, allowed - float(told.group(1)))
    if words & _USED and (words & _FREE or words & {"all", "همه", "15"} or words & _LATE):
        return 0.0  # "all my free days are used", "روزای مجازم تموم شده"
    if words & _FREE and words & {"after", "past", "beyond", "once", "بعد", "پس"}:
        return 0.0  # "one day late after the free days"
    return None


def _latest(
    vocab: Vocabulary, q: Question, words: set[str], items: Refs, now: datetime
) -> Query | None:
    """Read "the latest I can submit CA1 with the maximum delay", "until when can I still
    send it?" (its deadline passed)."""
    if not items:
        return None
    # "with the maximum delay", "if I use the full 5 days".
    most_late = bool(words & _MOST) and _about_late(q, words)
    most = vocab.course.data.policies.late.max_delay_days * 24
    said = words_of(q)
    full = any(
        d.hours == most and any(w in _FULL for w in said[max(0, d.at - 2) : d.at])
        for d in durations(q)
    )
    most_late = most_late or full
    still = words & (_LEFT | _STILL | {"now", "alan", "الان"})
    # "can I still submit CA3?", "هنوز میشه تمرین ۲ رو فرستاد؟": until when it may go in
    # ("if I send it 3 days late" names a delay: what that costs, read below).
    delayed = any(d.role == "delay" for d in durations(q))
    still_can = bool(words & _STILL and words & _CAN) and not delayed
    if still_can and _sent_on(vocab, q, items) is not None:
        return None  # "can I still send it on 14 Tir?": that day, read below
    if Mark.UNTIL_WHEN not in q.marks and not words & _LATEST and not most_late and not still_can:
        return None
    if not (_about_late(q, words) or words & _MOST or still or full):
        return None
    # "if I send it 3 days late, until when?": that delay, not the most allowed.
    # "The full 5 days" is a delay too: a later "and if my free days are gone?" leans on it.
    delays = [d.hours for d in durations(q) if d.role == "delay"]
    # "the absolute latest", "with the maximum delay": the most allowed, whatever was said.
    said_delay = len(delays) == 1 and not (words & _MOST and not full)
    given = Given(delay_hours=delays[0]) if said_delay else Given()
    return Query(Op.LATE, Subject(items=items), given=given, late=Late.LATEST)


def _max_delay(
    vocab: Vocabulary, q: Question, words: set[str], items: Refs, now: datetime
) -> Query | None:
    """Read "at most how many hours late can one submission be?"."""
    if not (words & _MOST and _about_late(q, words)) or words & _FREE:
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
    return ("hours",) if words & _HOURS else ()


def _rate(
    vocab: Vocabulary, q: Question, words: set[str], items: Refs, now: datetime
) -> Query | None:
    """Read "is the penalty per hour or per day?", "every 24 hours of delay costs how much?"."""
    if not _about_late(q, words) and not words & _FREE:
        return None
    said = words_of(q)
    per = None
    for index, word in enumerate(said[:-1]):
        following = said[index + 1]
        unit = following in _HOURS | _DAYS
        if (word in _PER - {"a", "an"} and (unit or following.isdigit())) or (
            word in ("a", "an") and following in _HOURS
        ):
            per = index
            break
    if per is None:
        return None
    after = [d for d in durations(q) if d.at > per]
    hours = after[0].hours if after else (1.0 if said[per + 1] in _HOURS else 24.0)
    return Query(Op.LATE, Subject(items=items), late=Late.RATE, given=Given(delay_hours=hours))


def _free(
    vocab: Vocabulary, q: Question, words: set[str], items: Refs, now: datetime
) -> Query | None:
    """Read "how many days of delay are forgiven over the term?", "how many are left?"."""
    # "13 days of my delay are used, how many are left?": the forgiven days, unnamed.
    spent_left = bool(words & _LEFT) and any(d.role == "used" for d in durations(q))
    if not (words & _FREE and (words & _LATE or words & _DAYS or words & _HOURS)) and not (
        spent_left
    ):
        return None
    if items and q.span == "day":
        return None  # "if I send phase 1 on 21 Farvardin": that day's delay, not the total
    found = durations(q)
    allowed = vocab.course.data.policies.late.free_delay_days
    # "no grace days left and I'm 5 days late": what that delay costs, read below.
    none_left = _free_left(q, words, found, allowed) == 0
    if words & _LEFT and not [d for d in found if d.role == "left"] and not none_left:
        spent = tuple(d.hours for d in found) + tuple(_bare_days(q, found))
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
    if not (_about_late(q, words) or words & _FREE or dated):
        return None
    found = durations(q)
    delays = [d for d in found if d.role == "delay"]
    allowed = vocab.course.data.policies.late.free_delay_days
    # "CA3 one day late after the free days?": a delay and the free days' state ask the cost.
    stated = delays and _free_left(q, words, found, allowed) is not None
    if not words & _HOW_MUCH and not stated:
        return None
    # "I submitted CA2 on 12 Ordibehesht": the delay is the days from its deadline.
    on_day = _sent_on(vocab, q, items) if not delays else None
    if not delays and on_day is None:
        return _hours_for(q, words, items)
    left = _free_left(q, words, found, allowed)
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
    if not asked or not words & (_HOURS | _DAYS):
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
        free_days_left=_free_left(q, words, found, allowed),
        on_day=on_day,
    )
    return Query(Op.LATE, Subject(items=items), late=Late.ALLOWED, given=given)
