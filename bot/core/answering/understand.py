"""Read a question: which items it names, which moment or span it asks about, and what it asks."""

from __future__ import annotations

import re
from datetime import date

from bot.core.answering.dates import Term, find_time
from bot.core.answering.question import (
    CARDINALS,
    FINAL_WORDS,
    FIRST_WORDS,
    FOCUS_WORDS,
    INTENT_WORDS,
    LAST_WORDS,
    NEXT_WORDS,
    PAST_WORDS,
    REMAINING_WORDS,
    SPLIT_ALNUM,
    SUBMIT_WORDS,
    ItemRef,
    Question,
    kind_of,
    read_number,
    reading,
    tokenize,
)
from bot.core.lang.lexicon import Focus, Mark, lexicon

LEX = lexicon()
# "phase two of the project": the phase word carries the number, not the project word.
_PHASE = {w for w in LEX.kinds.get("project", []) if w.startswith(("ph", "فاز"))}
_PROJECT_ONLY = set(LEX.kinds.get("project", [])) - _PHASE
# Words that may sit between a kind and its number: "quiz number 3", "phase #2", "فاز شماره ۲".
_FILLERS = set(LEX.fillers)
_ORDER_WORDS = NEXT_WORDS | LAST_WORDS | FIRST_WORDS | FINAL_WORDS | REMAINING_WORDS
_PATTERNS = {
    Mark(name): re.compile("|".join(f"(?:{p})" for p in ps)) for name, ps in LEX.patterns if ps
}


def understand(text: str, names: dict[str, str], today: date, term: Term | None = None) -> Question:
    """Read a question's item references, span, intents and focus.

    ``names`` maps each workshop's normalised names and aliases to its id suffix; ``term``
    (first and last day of the course) places dates and months named without a year.
    """
    tokens = tokenize(text, names)
    question = Question(text=text, tokens=tokens)
    norm = SPLIT_ALNUM.sub(" ", reading(text))
    question.marks = {name for name, pattern in _PATTERNS.items() if pattern.search(norm)}
    _find_refs(question, frozenset(names.values()))
    if "same_day" in question.marks and len(question.refs) == 1 and question.relation is None:
        question.relation = ("same", question.refs[0])
    find_time(question, today, term)
    for index, token in enumerate(tokens):
        intent = INTENT_WORDS.get(token)
        if intent:
            question.intents.add(intent)
        focus = FOCUS_WORDS.get(token) or FOCUS_WORDS.get(kind_of(token) or "")
        if focus and focus not in question.focus:
            question.focus.append(focus)
        if token in NEXT_WORDS:
            question.wants_next = True
            question.consumed.add(index)
        elif token in FIRST_WORDS and _before_focus(tokens, index):
            question.wants_first = True
            question.consumed.add(index)
        elif token in LAST_WORDS or (
            token in FINAL_WORDS and _before_focus(tokens, index, exclude={"project"})
        ):
            question.wants_last = True
            question.consumed.add(index)
        if token in PAST_WORDS:
            question.past_tense = True
        if token in REMAINING_WORDS:
            question.wants_remaining = True
            question.consumed.add(index)
        if index in question.consumed and token in _ORDER_WORDS and not question.order_focus:
            question.order_focus = _focus_within(tokens[index + 1 : index + 4])
            question.order_count = _count_near(tokens, index)
    # "what's due", "next thing to submit": asking for deadlines without naming one.
    if any(tok in SUBMIT_WORDS for tok in tokens) and "deadline" not in question.focus:
        question.focus.append("deadline")
    return question


_UNITS = frozenset(LEX.words.units)
_AFTER_WORDS = frozenset(LEX.order.get("after", []))
_BEFORE_WORDS = frozenset(LEX.order.get("before", []))
# Between "after"/"before" and the item: "right before the", "بعد از".
_RELATION_FILLERS = frozenset(LEX.words.relation_fillers)


def _relation_at(tokens: list[str], start: int) -> str | None:
    """Tell whether an item mentioned at ``start`` follows "after" or "before"."""
    position = start - 1
    while position >= 0 and (
        tokens[position] in _RELATION_FILLERS or kind_of(tokens[position]) is not None
    ):
        position -= 1
    if position < 0:
        return None
    if (
        position >= 2
        and tokens[position - 1] in ("or", "یا")
        and tokens[position - 2] in (_AFTER_WORDS | _BEFORE_WORDS)
    ):
        return None  # "before or after quiz 3?" compares two items; it names no third
    if tokens[position] in _AFTER_WORDS:
        return "after"
    if tokens[position] in _BEFORE_WORDS:
        return "before"
    return None


def _note_relation(question: Question, ref: ItemRef, start: int) -> None:
    direction = _relation_at(question.tokens, start)
    if direction is not None and question.relation is None:
        question.relation = (direction, ref)


def _find_refs(question: Question, workshop_names: frozenset[str]) -> None:
    tokens = question.tokens
    used_numbers: set[int] = set()
    for index, token in enumerate(tokens):
        if token in workshop_names:
            ref = ItemRef("workshop", name=token)
            question.refs.append(ref)
            question.consumed.add(index)
            _note_relation(question, ref, index)
            continue
        kind = kind_of(token)
        if kind is None:
            continue
        question.consumed.add(index)
        if kind not in question.kinds:
            question.kinds.append(kind)
        if token in _PROJECT_ONLY and _phase_nearby(tokens, index):
            continue  # "phase two of the project": the phase word carries the number
        found = _number_near(tokens, index, used_numbers)
        if found is None:
            continue
        for number, position in [found, *_listed(tokens, found[1])]:
            used_numbers.add(position)
            question.consumed.add(position)
            ref = ItemRef(kind, number)
            if ref not in question.refs:
                question.refs.append(ref)
                _note_relation(question, ref, min(index, position))


def _count_near(tokens: list[str], index: int) -> int:
    """Find "two" in "the last two quizzes" or "دو تا کوییز آخر": how many are asked for."""
    for token in [*tokens[index + 1 : index + 3], *tokens[max(0, index - 4) : index]]:
        if token in CARDINALS and 1 < CARDINALS[token] <= 10:
            return CARDINALS[token]
        if token.isdigit() and 1 < int(token) <= 10:
            return int(token)
    return 1


def _focus_within(tokens: list[str]) -> list[Focus]:
    found: list[Focus] = []
    for token in tokens:
        focus = FOCUS_WORDS.get(token) or FOCUS_WORDS.get(kind_of(token) or "")
        if focus and focus not in found:
            found.append(focus)
    return found


def _before_focus(
    tokens: list[str], index: int, exclude: frozenset[str] | set[str] = frozenset()
) -> bool:
    """Tell whether an item or event word follows within two tokens."""
    for token in tokens[index + 1 : index + 3]:
        focus = FOCUS_WORDS.get(token) or kind_of(token)
        if focus and focus not in exclude:
            return True
    return False


def _listed(tokens: list[str], index: int) -> list[tuple[int, int]]:
    """Find more numbers listed after the one at ``index``: "quiz 6 and 7", "CA 1, 2 و 3"."""
    found: list[tuple[int, int]] = []
    position = index + 1
    # "quizzes 2 to 7", "کوییز ۲ تا ۵": every number from the first to the last.
    first = read_number(tokens[index])
    if position + 1 < len(tokens) and tokens[position] in _THROUGH and first and not first[1]:
        last = read_number(tokens[position + 1])
        if last is not None and not last[1] and first[0] < last[0] <= first[0] + 10:
            return [(number, position + 1) for number in range(first[0] + 1, last[0] + 1)]
    while position + 1 < len(tokens) and tokens[position] in {"and", "or", "و", "یا", "&"}:
        number = read_number(tokens[position + 1])
        if number is None or number[1]:
            break
        found.append((number[0], position + 1))
        position += 2
    # A bare comma-separated run ("quizzes 2 3 4" after punctuation is dropped).
    while position < len(tokens) and tokens[position].isdigit() and not found:
        if position + 1 < len(tokens) and tokens[position + 1] in _UNITS_OF_TIME:
            break  # "CA3 2 days late": an amount of time, not CA2
        found.append((int(tokens[position]), position))
        position += 1
    return found


# Words of time after a number make it an amount, not an item's number.
_UNITS_OF_TIME = frozenset(
    [*LEX.words.hour_units, *LEX.words.day_units, *LEX.words.week_units, *LEX.words.minute_units]
)
# Words between the first and the last number of a range.
_THROUGH = frozenset({"to", "through", "thru", "until", "till", "تا"})


def _phase_nearby(tokens: list[str], index: int) -> bool:
    window = tokens[max(0, index - 4) : index + 5]
    return any(tok in _PHASE for tok in window)


def _number_near(tokens: list[str], index: int, used: set[int]) -> tuple[int, int] | None:
    """Find the number that belongs to the kind word at ``index``."""
    # After the kind: "quiz 3", "quiz number three", "کوییز سوم".
    position = index + 1
    while position < len(tokens) and tokens[position] in _FILLERS:
        position += 1
    if position < len(tokens) and position not in used:
        number = read_number(tokens[position])
        unit = tokens[position + 1] if position + 1 < len(tokens) else ""
        # "project 10 points?", "پروژه ۱۰ نمره": an amount, not an item number.
        if number is not None and unit not in _UNITS:
            return number[0], position
    # Before the kind, ordinals only: "third quiz", "سومین کوییز", "third project phase".
    kind = kind_of(tokens[index])
    position = index - 1
    while position >= 0 and (tokens[position] in {"the", "ی"} or kind_of(tokens[position]) == kind):
        position -= 1
    if position >= 0 and position not in used:
        number = read_number(tokens[position])
        if number is not None and number[1]:
            return number[0], position
    return None
