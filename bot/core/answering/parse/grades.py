"""Readings of questions about the grade: the weight of its parts, their shares, comparisons
between them, and what-ifs ("if I skip the final and get full marks on the rest?").

The words are read as mentions of parts and score words (see ``mentions``); the scores of a
what-if are read in ``what_if``.
"""

from __future__ import annotations

import re
from datetime import datetime

from bot.core.answering import grounding
from bot.core.answering.parse.mentions import TOGETHER, Reading, part_scales, read_mentions
from bot.core.answering.parse.vocabulary import Vocabulary
from bot.core.answering.parse.what_if import (
    points_listed,
    score_needed,
    share_of_total,
    some_missed,
    what_if_scores,
)
from bot.core.answering.parse.words import (
    ASKS_NUMBER_WORDS,
    COUNT_TRIGGERS,
    HALF_WORDS,
    MOST_WORDS,
    MUCH_WORDS,
    RECEIVED_WORDS,
    SHARE_WORDS,
    WHEN_DATED_WORDS,
)
from bot.core.answering.query import Attr, Op, Query, Subject
from bot.core.answering.question import Question, reading
from bot.core.lang.lexicon import Mark, lexicon

LEX = lexicon()
_W = LEX.words
_CONDITIONAL = frozenset(_W.conditional)
_MORE = frozenset(_W.more)
_LESS = frozenset(_W.less)
_RATIO = frozenset(_W.ratio)
_UNIT = frozenset(_W.unit)
# Between the two sides of a comparison: "the final than the quizzes", "final ya tamrina".
_SIDES = frozenset(_W.sides)
# Words that ask for a share of the grade outright, not for someone's mark.
_WORTH = frozenset(
    [
        *_W.weight,
        *_W.share,
        *("worth", "carry", "carries", "ارزش", "بارم"),
        *("نمره", "نمرش", "نمرست", "نمرس"),
    ]
)
_SELF = frozenset(_W.self) | frozenset(_W.me)
_SOMEONE = frozenset(_W.someone)


def weight(vocab: Vocabulary, q: Question, now: datetime) -> Query | None:
    """Read "how much is the final exam worth"."""
    words = set(q.tokens)
    strong = words & set(_W.weight)
    # "grade" or "نمره" alone may ask for one's own grade; with "how much" it asks a weight.
    graded = bool(words & set(_W.grade))
    # ... and so does a grade word beside a part and nothing else: "nomre final?".
    weak = graded and (bool(words & set(_W.amount)) or len(q.tokens) <= 2)
    if not (strong or weak or Mark.WEIGHT in q.marks) or words & set(_W.self):
        return None
    known = {part.id for part in vocab.course.data.grading.parts}
    parts = tuple(p for p in grounding.grading_parts(q) if p in known)
    if not parts:
        return None
    return Query(Op.WEIGHT, Subject(parts=parts), (Attr.POINTS,))


def heaviest(vocab: Vocabulary, q: Question, now: datetime) -> Query | None:
    """Read "what's the biggest chunk of the grade?", "کمترین نمره مال کدوم بخشه؟": the part
    worth the most (or least), among those named or all."""
    words = set(q.tokens)
    extreme = words & (_HEAVIEST | _LIGHTEST)
    if not extreme or not words & _PIECE or q.refs or words & _CONDITIONAL:
        return None
    if not (words & _WORTH or words & set(_W.grade) or Mark.WEIGHT in q.marks):
        return None
    known = tuple(part.id for part in vocab.course.data.grading.parts)
    named = tuple(p for p in grounding.grading_parts(q) if p in known)
    asked = "least" if words & _LIGHTEST and not words & _HEAVIEST else "most"
    subject = Subject(parts=named if len(named) > 1 else known)
    return Query(Op.WEIGHT, subject, (Attr.POINTS,), notes=(asked,))


_HEAVIEST = frozenset(_W.heaviest)
_LIGHTEST = frozenset(_W.lightest)
_PIECE = frozenset(_W.grade_piece)


def arithmetic(vocab: Vocabulary, q: Question, now: datetime) -> Query | None:
    """Read a what-if, a comparison or a share of the grade."""
    if Mark.COUNT in q.marks and set(q.tokens) & _PARTS_COUNTED:
        return None  # "how many parts is the grade made of?": a count
    if _SPLIT.search(reading(q.text)) and not set(q.tokens) & _EQUAL:
        return None  # "how are the project's points split?": the syllabus doesn't say
    total = share_of_total(vocab, q)
    if total is not None:
        return total
    grading = vocab.course.data.grading
    known = tuple(part.id for part in grading.parts)
    listed = points_listed(vocab, q, known)
    # "out of 21": the total, written as students write it, speaks of the grade too.
    found = read_mentions(q, known, f"{grading.total:g}", part_scales(vocab))
    needed = score_needed(q, found, known, grading.total, listed)
    if needed is not None:
        return needed
    if listed is not None:
        return listed
    # "If I skip the CAs and get the rest in full …" speaks of the grade by its scores alone,
    # "how much is one of the quizzes" or "their sum" by the parts it weighs.
    words = set(q.tokens)
    asks_number = bool(words & ASKS_NUMBER_WORDS) and not words & WHEN_DATED_WORDS
    compares = bool(words & (_MORE | _LESS | _RATIO))
    scored = bool(found.scores or found.except_at) and bool(found.mentions or found.others_at)
    # "if I skip …", "… and the rest in full", or a score told ("I aced 5 of the 7 quizzes").
    told = bool(words & RECEIVED_WORDS)
    scored = scored and (bool(found.others_at) or compares or bool(words & _CONDITIONAL) or told)
    many = len(found.mentions) > 1 or any(m.one for m in found.mentions)
    weighs = found.weighs and many and asks_number
    # "the quizzes and the final together?", "their sum": parts added up ask their weight.
    summed = len({m.part for m in found.mentions}) > 1 and bool(words & TOGETHER)
    # ... unless the parts' items are meant: "quiz 6 together with the phase 2 deadline".
    summed = summed and not (q.refs or q.span or q.day or q.intents or "class" in q.focus)
    if not (found.mentions or found.others_at) or not (
        found.about_grade or scored or weighs or summed
    ):
        return None
    # Scores said of two parts or more ("10 of 12 on the project, the final 2 of 4") are a
    # what-if even without an "if".
    # "full marks everywhere except half the final -> score out of 21?": scores given of the
    # whole grade ask its total even without "how much".
    of_all = found.about_grade and (bool(found.others_at) or len(found.scores) > 1)
    asks_total = asks_number or bool(words & MOST_WORDS) or of_all
    if asks_total and (words & _CONDITIONAL or words & MOST_WORDS or len(found.scores) > 1):
        what_if = some_missed(vocab, q, found, what_if_scores(q, found, known))
        if what_if is not None:
            return what_if
    mine = bool(words & (_SELF - {"i"})) or bool("i" in words and words & RECEIVED_WORDS)
    if mine or words & _SOMEONE:
        return None  # "what grade did I get on CA1", "who got the highest": not the scheme
    if words & (_MORE | _LESS | _RATIO) or (words & HALF_WORDS and not words & _CONDITIONAL):
        compared = _compare(q, found, known)
        if compared is not None:
            return compared
    return _share(q, found, known)


_PARTS_COUNTED = frozenset(LEX.counts.get("section", []))
_SPLIT = re.compile("|".join(f"(?:{p})" for p in LEX.unsaid.get("split", [])))
_EQUAL = frozenset(_W.equal_weights)


def _compare(q: Question, found: Reading, known: tuple[str, ...]) -> Query | None:
    """Read "is the final worth more than all seven quizzes together?"."""
    split = next((i for i, t in enumerate(q.tokens) if t in _SIDES), None)
    mentions = found.mentions
    if split is not None:
        left = [m for m in mentions if m.at < split]
        right = [m for m in mentions if m.at > split]
        others_right = any(at > split for at in found.others_at)
    else:
        left, right, others_right = mentions[:1], mentions[1:], bool(found.others_at)
    if not left and right and split is not None:
        left, right = right[:1], right[1:]  # "which is more, the final or the quizzes?"
    left_parts = tuple(dict.fromkeys(m.part for m in left))
    right_parts = tuple(dict.fromkeys(m.part for m in right))
    if others_right and not right_parts:
        right_parts = tuple(p for p in known if p not in left_parts)
    if left_parts and not right_parts and set(q.tokens) & HALF_WORDS:
        # "is the project more than half the grade?": against half the total.
        return Query(
            Op.COMPARE,
            Subject(parts=left_parts, unit=any(m.unit for m in left)),
            (Attr.POINTS,),
            other=Subject(parts=(), unit=True),
            notes=(*_asked(q, split), "half"),
        )
    if not left_parts or not right_parts or set(left_parts) & set(right_parts):
        return None
    # "how many quizzes make one assignment?": one of the counted against the other.
    how_many = bool(left) and _counted_at(q.tokens, left[0].at)
    return Query(
        Op.COMPARE,
        Subject(parts=left_parts, unit=how_many or any(m.unit for m in left)),
        (Attr.POINTS,),
        other=Subject(parts=right_parts, unit=any(m.unit for m in right)),
        notes=("how_many",) if how_many else _asked(q, split),
    )


def _counted_at(tokens: list[str], at: int) -> bool:
    """Tell whether "how many" counts the part named at ``at``: "how many quizzes", "چند تا
    کوییز"."""
    before = tokens[max(0, at - 3) : at]
    return bool(set(before) & COUNT_TRIGGERS)


def _asked(q: Question, split: int | None) -> tuple[str, ...]:
    """Return ("more",) or ("less",) when the question asks whether one side is worth more
    (less) than the other, rather than which is more or by how much."""
    words = set(q.tokens)
    if split is None or q.tokens[split] not in ("than", "از") or words & _RATIO:
        return ()
    if words & _LESS:
        return ("less",)
    return ("more",) if words & _MORE else ()


def _share(q: Question, found: Reading, known: tuple[str, ...]) -> Query | None:
    """Read "what percent is everything except the final?", "how much is one quiz?"."""
    words = set(q.tokens)
    parts = tuple(dict.fromkeys(m.part for m in found.mentions))
    if found.except_at:
        parts = tuple(p for p in known if p not in parts)
    elif found.others_at:
        parts = known  # "the final and everything else"
    # "one quiz", "each phase", "CA2" worth: one item's share; a named item ("CA1") only
    # when its worth is asked outright.
    # "how much is one quiz": "much" asks a worth of one of a part's items, not of "CA2".
    one = any(m.one or (m.every and m.singular) for m in found.mentions)
    # "phase 3's deadline and how many points is the project": the whole part is named too.
    plain = any(not (m.one or m.every or m.item) for m in found.mentions)
    single = one or (any(m.item for m in found.mentions) and not plain)
    unit = single and bool(words & _WORTH or (one and words & MUCH_WORDS))
    together = bool(words & TOGETHER) or bool(found.except_at) or bool(found.others_at)
    if not parts or (len(parts) > 1 and not together):
        return None
    if not (words & SHARE_WORDS or unit or len(parts) > 1):
        return None
    attrs = (Attr.PERCENT,) if words & SHARE_WORDS else (Attr.POINTS,)
    return Query(Op.SHARE, Subject(parts=parts, unit=unit and len(parts) == 1), attrs)
