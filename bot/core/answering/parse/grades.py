"""Readings of questions about the grade: the weight of its parts."""

from __future__ import annotations

from datetime import datetime

from bot.core.answering import grounding
from bot.core.answering.parse.vocabulary import Vocabulary
from bot.core.answering.query import Attr, Op, Query, Subject
from bot.core.answering.understand import (
    Question,
)
from bot.core.lexicon import Mark, lexicon

LEX = lexicon()


def weight(vocab: Vocabulary, q: Question, now: datetime) -> Query | None:
    """Read "how much is the final exam worth"."""
    words = set(q.tokens)
    strong = words & set(LEX.words.weight)
    # "grade" or "نمره" alone may ask for one's own grade; with "how much" it asks a weight.
    weak = words & set(LEX.words.grade) and words & set(LEX.words.amount)
    if not (strong or weak or Mark.WEIGHT in q.marks) or words & set(LEX.words.self):
        return None
    known = {part.id for part in vocab.course.data.grading.parts}
    parts = tuple(p for p in grounding.grading_parts(q) if p in known)
    if not parts:
        return None
    return Query(Op.WEIGHT, Subject(parts=parts), (Attr.POINTS,))
