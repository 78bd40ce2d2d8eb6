"""Readings of questions about named items: "quiz 3", "the quiz after quiz 3"."""

from __future__ import annotations

from datetime import datetime

from bot.core.answering import grounding
from bot.core.answering.parse.vocabulary import Vocabulary, ref
from bot.core.answering.parse.words import (
    ALSO_ASKED,
    INTENT_ATTRS,
    ITEM_KINDS,
    ITEM_TERMS,
    SMALL_TALK,
)
from bot.core.answering.query import Filters, Op, Query, Subject
from bot.core.answering.question import INTENT_WORDS, PAST_WORDS, Question
from bot.core.lang.lexicon import Mark, lexicon

LEX = lexicon()
# Question words ("what", "چند", "چنده") ask about the item, not about another topic.
_ASKING = frozenset(LEX.words.question) | frozenset(LEX.words.amount)


def items(vocab: Vocabulary, q: Question, now: datetime) -> Query | None:
    """Read a question about named items: "quiz 3", "the quiz after quiz 3"."""
    if not q.refs:
        return None
    attrs = tuple(INTENT_ATTRS[i] for i in sorted(q.intents) if i in INTENT_ATTRS)
    if q.relation is not None:
        direction, anchor = q.relation
        relation: Subject = Subject(
            kinds=tuple(f for f in q.focus if f in (*ITEM_KINDS, "deadline")),
            anchor=ref(anchor),
            relation=direction,  # type: ignore[arg-type]
        )
        by_deadline = "deadline" in q.focus or "due" in q.intents
        # "the quiz after quiz 7": none, which the answer says, rather than quiz 7 again.
        of_its_kind = set(relation.kinds) == {anchor.kind} and Mark.COUNT not in q.marks
        if of_its_kind or grounding.neighbour(vocab.course, relation, by_deadline) is not None:
            return Query(Op.LOOKUP, relation, attrs)
    refs = tuple(ref(r) for r in q.refs)
    if all(grounding.item_named(vocab.course, ref) is None for ref in q.refs):
        return Query(Op.DECLINE, Subject(items=refs), reason="no-such-item")
    filters = Filters()
    if q.span == "day" and q.day is not None:
        # "Is quiz 4 on 23 Ordibehesht?": the item's own date, and what that day holds.
        filters = Filters(span="day", start=q.day, end=q.day)
    return Query(
        Op.LOOKUP, Subject(items=refs, entry=_also_asked(vocab, q)), attrs, filters=filters
    )


def _also_asked(vocab: Vocabulary, q: Question) -> str | None:
    """Find an FAQ entry that the words around an item reference ask about."""
    if Mark.WEEKDAY in q.marks:
        return None  # "which day of the week is it": the weekday line answers it
    # Words the parser already read as tense or order ("did I miss …") ask nothing more.
    words = [
        tok
        for tok in q.leftover
        if tok not in INTENT_WORDS
        and tok not in SMALL_TALK
        and tok not in PAST_WORDS
        and tok not in _ASKING  # "ساعت چنده؟": how much or which asks nothing more
    ]
    # Typos are read as what they mean first: "ddline" is a deadline, which asks nothing more.
    terms = [
        term
        for term in vocab.terms(words)
        if term not in ITEM_TERMS and vocab.index.correct(term) not in ITEM_TERMS
    ]
    if not terms:
        return None  # nothing else asked: the index need not even be built
    matches = vocab.index.search(terms)
    if (
        matches
        and matches[0].score >= ALSO_ASKED
        and matches[0].entry.startswith(("faq:", "staff:"))
    ):
        return matches[0].entry
    return None
