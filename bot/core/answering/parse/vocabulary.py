"""The course's vocabulary for reading questions: its names, the retrieval index, and the word
tests several readings share."""

from __future__ import annotations

import copy
import functools
import re
from collections.abc import Callable, Sequence
from datetime import date, datetime

from bot.core.answering import entries, scope
from bot.core.answering.parse.words import (
    ASKING_WORDS,
    FOCUS_KINDS,
    GREETINGS,
    LEX,
    SMALL_TALK,
    WHEN_WORDS,
)
from bot.core.answering.query import Ref
from bot.core.answering.question import FOCUS_WORDS, INTENT_WORDS, ItemRef, Question
from bot.core.answering.retrieval import Index, content_terms
from bot.core.answering.understand import understand
from bot.core.course.course import Course, EventKind
from bot.core.lang.text import normalize, tokens


def ref(found: ItemRef) -> Ref:
    """Return the query's reference for an item the words name."""
    return Ref(found.kind, found.number, found.name)


class Vocabulary:
    """What the parser knows of one course: the names it goes by and its knowledge base."""

    def __init__(self, course: Course) -> None:
        self.course = course
        self.names = _workshop_names(course)
        info = course.data.course
        # The course's own name ("anything new in MLSD?") explains itself.
        names = " ".join([info.code, info.name.en, info.name.fa, *info.aliases])
        self.course_words = frozenset(tokens(names))
        self.own_names = scope.own_names(course)
        # The entries the course staff wrote answering students' questions.
        self.staff_entries = frozenset(
            f"faq:{entry.id}" for entry in course.data.faq if entry.source == "staff"
        )
        self.term_days = (course.first_day(), course.last_day())
        # Names with "and" in them ("Deployment and Monitoring", "استقرار و پایش") are one
        # subject, not two clauses.
        self.titles = _joined_names(course)

    @functools.cached_property
    def index(self) -> Index:
        """Return the knowledge base's search index, built when first needed: a question
        about a named item never needs it, and building it is most of a cold start."""
        return Index(entries.documents(self.course))

    def read(self, text: str, now: datetime) -> Question:
        """Return what the words of ``text`` say, with days placed in the course's term."""
        # A long message is read whole, clause by clause and around its question: the same
        # text often twice. Callers only reassign a reading's fields, so a copy is enough.
        return copy.copy(self._understood(text, now.date()))

    @functools.cached_property
    def _understood(self) -> Callable[[str, date], Question]:
        @functools.lru_cache(maxsize=1024)
        def understood(text: str, today: date) -> Question:
            return understand(text, self.names, today, self.term_days)

        return understood

    def has_subject(self, clause: str, now: datetime) -> bool:
        """Tell whether a clause names what it asks about: an item, a kind, a day or a topic."""
        q = self.read(clause, now)
        if q.refs or q.kinds or q.focus or q.span:
            return True
        # Words of time ("until when", "وقت") name no topic of their own.
        return self.names_topic(q, ignore=WHEN_WORDS | GREETINGS)

    def unexplained(self, q: Question) -> bool:
        """Tell whether the question has words that neither the parser nor the index knows."""
        words = self._own_words(q, self.course_words)
        return any(self.index.correct(term) is None for term in content_terms(words))

    def strange_words(self, q: Question) -> list[str]:
        """Return the words no part of the engine knows: not the lexicon's, the course's or
        the knowledge base's ("party", "dog")."""
        return [tok for tok in q.leftover if len(tok) > 2 and not self._knows(tok)]

    def _knows(self, word: str, *, stem: bool = True) -> bool:
        """Tell whether a word, or its stem without a Persian or Finglish ending, is known."""
        if word.isdigit() or word in ASKING_WORDS or word in self.course_words:
            return True
        terms = content_terms([word])
        if not terms or any(self.index.correct(term) is not None for term in terms):
            return True
        # "بعدیش", "gmailesh", "avvalish": a known word with an ending.
        return stem and any(
            word.endswith(ending) and self._knows(word[: -len(ending)], stem=False)
            for ending in _ENDINGS
            if len(word) - len(ending) >= 2
        )

    def names_topic(self, q: Question, ignore: frozenset[str] = frozenset()) -> bool:
        """Tell whether the question names a topic of its own ("if class goes online …")."""
        words = self._own_words(q, ignore)
        return any(term in self.index.idf for term in self.terms(words))

    def _own_words(self, q: Question, ignore: frozenset[str]) -> list[str]:
        """Return the words left after items, times, small talk, intents and ``ignore``."""
        return [
            tok
            for tok in q.leftover
            if tok not in SMALL_TALK
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
            if focus in FOCUS_KINDS:
                kinds.append(FOCUS_KINDS[focus])
            elif focus in ("assignment", "project"):
                kinds.append("release" if "release" in q.intents else "deadline")
        return list(dict.fromkeys(kinds))


# Endings of spoken Persian, and their Latin spellings, longest first.
_ENDINGS = tuple(
    sorted(
        {*LEX.endings, *LEX.words.possessive, *LEX.words.latin_endings},
        key=len,
        reverse=True,
    )
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
