"""Read the lengths of time a question names, each with the role its neighbours give it."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core.answering.parse.words import (
    FREE_DAY_WORDS,
    FULL_WORDS,
    HOUR_UNITS,
    LATE_WORDS,
    LEFT_OVER_WORDS,
    SO_FAR_WORDS,
)
from bot.core.answering.question import Question, reading
from bot.core.lang.lexicon import lexicon

LEX = lexicon()
_W = LEX.words
_USED = frozenset(_W.used_up) | frozenset(_W.none_left)
_WEEKS = frozenset(_W.week_units)
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
    if unit in HOUR_UNITS:
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
        if index > at + size and all(w in FULL_WORDS for w in between):
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
        return "left" if near & LEFT_OVER_WORDS else "used"
    return best[1]


def _cue(word: str) -> str | None:
    """Return which role a word gives a duration next to it, if any."""
    if word in FREE_DAY_WORDS:
        return "free"
    if word in LATE_WORDS or word.startswith(_LATE_STEMS):
        return "late"
    if word in LEFT_OVER_WORDS:
        return "left"
    if word in _USED:
        return "used"
    return None


def _asked_between(words: list[str], index: int, at: int, size: int) -> bool:
    """Tell whether a question word stands between a cue and a duration."""
    low, high = (index, at) if index < at else (at + size, index)
    return bool(set(words[low:high]) & _ASKING)


_ASKING = frozenset(_W.asks_amount)
# Persian late words under an ending: "تاخیرمو", "تاخیرها".
_LATE_STEMS = ("تاخیر", "دیر")


def bare_days(q: Question, found: list[Duration]) -> list[float]:
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


def free_days_left(
    q: Question, words: set[str], found: list[Duration], allowed: float
) -> float | None:
    """Return the forgiven days left, when the question says: none, some, or all but some."""
    left = [d.hours / 24 for d in found if d.role == "left"]
    if left:
        return left[0]
    used = [d.hours / 24 for d in found if d.role == "used"]
    delays = [d.hours / 24 for d in found if d.role == "delay"]
    if not used and len(delays) > 1 and words & SO_FAR_WORDS:
        # "My delays so far: 5, 5 and 4 days. Now I'll be 3 days late": all but the last.
        return max(0.0, allowed - sum(delays[:-1]))
    if used and (words & _USED or words & SO_FAR_WORDS):
        return max(0.0, allowed - sum(used))
    # "I've used 14 of my 15 free days": the bare number before the term's total.
    told = re.search(
        rf"(\d+(?:\.\d+)?) (?:of|از) (?:my |the |all )?{allowed:g}\b", " ".join(words_of(q))
    )
    if told and words & _USED:
        return max(0.0, allowed - float(told.group(1)))
    if words & _USED and (
        words & FREE_DAY_WORDS or words & {"all", "همه", "15"} or words & LATE_WORDS
    ):
        return 0.0  # "all my free days are used", "روزای مجازم تموم شده"
    if words & FREE_DAY_WORDS and words & {"after", "past", "beyond", "once", "بعد", "پس"}:
        return 0.0  # "one day late after the free days"
    return None
