"""Tell how a message leans on the one before: points back, opens a follow-up, or starts anew."""

from __future__ import annotations

import re

from bot.core.answering import grounding
from bot.core.answering.query import Ref, Subject
from bot.core.answering.question import Question, kind_of
from bot.core.course.course import Course
from bot.core.lang.lexicon import Mark, lexicon
from bot.core.lang.text import tokens

LEX = lexicon()
REFERS_BACK = frozenset(LEX.words.refers_back)
_FOLLOW_UP = frozenset(LEX.words.follow_up)
_ATTRIBUTES = frozenset(LEX.words.attributes)
_POSSESSIVE = tuple(sorted(LEX.words.possessive, key=len, reverse=True))
_SMALL = frozenset(LEX.words.small_talk) | frozenset(LEX.stopwords) | frozenset(LEX.words.question)
_ROLE_WORDS = {
    "instructor": frozenset(LEX.words.instructor),
    "lead_ta": frozenset(LEX.words.lead),
    "ta": frozenset(LEX.words.ta),
}
# Up to this many content words, a message with no subject of its own is a follow-up
# ("date?", "ساعت چند؟", "in gregorian pls").
SHORT = 3


def named(course: Course, q: Question) -> Subject:
    """Return the subject a message names by its own words (empty when it names none): its
    items, kinds, part of the course, grading parts, person or staff role."""
    items = tuple(Ref(r.kind, r.number, r.name) for r in q.refs)
    kinds: tuple[str, ...] = tuple(k for k in q.kinds if not items)
    if "class" in q.focus and not items:
        kinds = (*kinds, "class")
    if order_of(q) is not None and not items:
        # "the next deadline?", "ddline badi?": a kind of event in an order names a subject;
        # "when is it due?" asks an attribute of the one before.
        kinds = (*kinds, *(k for k in ("deadline", "release") if k in q.focus))
    words = set(q.tokens)
    person = grounding.person_named(course, q)
    role = next((name for name, spelled in _ROLE_WORDS.items() if words & spelled), None)
    parts = tuple(grounding.grading_parts(q)) if not items else ()
    entry = f"staff:{person}" if person else _page(course, q)
    return Subject(
        items=items,
        kinds=kinds,
        section=grounding.section_named(course, q),
        parts=parts,
        person=person,
        role=role,
        entry=entry,
    )


def _page(course: Course, q: Question) -> str | None:
    """Return the knowledge-base entry of the course page the message names ("Quera")."""
    faq = {entry.id for entry in course.data.faq}
    for page in course.data.pages:
        names = {page.id, *(w for name in (page.name.en, page.name.fa) for w in tokens(name))}
        if names & set(q.tokens) - _NOT_PAGE_NAMES:
            return f"faq:{page.id}" if page.id in faq else "faq:pages"
    return None


# Words of a page's name that name no page on their own: "the course's page".
_NOT_PAGE_NAMES = frozenset(LEX.words.course) | frozenset(LEX.stopwords)


def refers_back(q: Question, *, singular: bool = False) -> bool:
    """Tell whether a message points back at something said before ("it", "his", "ایمیلش",
    "until then", "those two"); with ``singular``, at one thing ("they" and "them" often
    mean the staff)."""
    if UNTIL_THEN.search(q.text) or (not singular and THOSE_TWO.search(q.text)):
        return True
    tokens = q.tokens
    for index, token in enumerate(tokens):
        if singular and token in _PLURAL:
            continue
        if token == "that" and index and tokens[index - 1] not in NOT_NAMES:
            continue  # "a submission that's late": a relative pronoun, pointing at nothing
        if token in REFERS_BACK:
            following = tokens[index + 1] if index + 1 < len(tokens) else ""
            # "this saturday", "that quiz", "این درس": a determiner before a word of its own.
            if token not in DETERMINERS or not following or following in NOT_NAMES:
                return True
        if _possessive(token):
            return True
    return False


_PLURAL = frozenset(LEX.words.plural_back)
# Words that point back alone but name something when a word follows ("this week").
DETERMINERS = frozenset(LEX.words.determiners)
NOT_NAMES = frozenset(LEX.stopwords) | frozenset(LEX.words.question) | frozenset(LEX.words.ones)


def _possessive(token: str) -> bool:
    """Tell whether a word carries a possessive ending on a word that asks for an attribute
    ("ددلاینش", "ایمیلش", "deadlinesh", "emailesh")."""
    for ending in _POSSESSIVE:
        base = token.removesuffix(ending)
        if base != token and len(base) >= 3 and base in _ATTRIBUTES | _KNOWN_BASES:
            return True
    return False


# Latin words a Finglish possessive ending is glued to ("deadlinesh", "emailesh"), and the
# item words of every language.
_KNOWN_BASES = frozenset(LEX.words.possessive_bases) | frozenset(
    w for words in LEX.kinds.values() for w in words if len(w) >= 3
)
UNTIL_THEN = re.compile(
    r"\b(until|till|til|by|before|after) then\b"
    r"|(تا|قبل از|بعد از) (?:اون|آن|همون) (?:موقع|زمان|روز)",
    re.IGNORECASE,
)
THOSE_TWO = re.compile(
    r"()\b(?:those|these|the|both) (?:two|2)\b|()(?:اون|این) دو ?تا|()هر ?دوتا?", re.IGNORECASE
)


def opens_follow_up(q: Question) -> bool:
    """Tell whether a message opens as a follow-up: "and …", "what about …", "so …",
    "پس …", or ends in "… چی؟" (what about …?)."""
    words = q.tokens
    if not words:
        return False
    if words[0] in _OPENERS or words[:2] in (["what", "about"], ["how", "about"]):
        return True
    return words[-1] == "چی" and len(words) <= 4


_OPENERS = frozenset(LEX.words.openers)


def plural_back(q: Question) -> bool:
    """Tell whether a message points back at several things: "them", "their", "جمعشون"."""
    words = set(q.tokens)
    if words & {"them", "they", "their", "those", "these", "both", "اونا", "همشون", "هردو"}:
        return True
    if THOSE_TWO.search(q.text):
        return True
    return any(w.endswith(("شون", "eshun", "shun")) and len(w) > 5 for w in words)


def others_of(q: Question, own: Subject, previous: Subject) -> bool:
    """Tell whether a message asks about the others of the staff member asked about before:
    "how many other TAs?", "چند تا تی ای دیگه؟"."""
    staff_only = set(own.kinds) <= {"ta", "staff"} and not own.person and not own.items
    return staff_only and previous.person is not None and bool(set(q.tokens) & _OTHER)


def only_a_unit(q: Question) -> bool:
    """Tell whether a message asks nothing but a unit or a calendar: "in hours?", "به
    میلادی؟" — a follow-up with nothing to follow."""
    words = content(q)
    return bool(words) and all(w in _UNITS for w in words)


_UNITS = frozenset(
    [
        *LEX.words.hour_units,
        *LEX.words.minute_units,
        *LEX.words.day_units,
        *LEX.words.week_units,
        *LEX.words.other_calendar,
    ]
)


def asks_of_a_person(q: Question) -> bool:
    """Tell whether a message points back at a person: "his email?", "ایمیل ایشون؟"."""
    return bool(set(q.tokens) & _PERSON_BACK)


_PERSON_BACK = frozenset(LEX.words.person_back)


def points_at_moment(q: Question) -> bool:
    """Tell whether a message points back at a moment ("what weekday is that?", "اون روز")
    rather than at a thing ("when is it due?")."""
    words = set(q.tokens)
    return bool(words & _AT_MOMENT) and not words & _AT_THING


_AT_MOMENT = frozenset(LEX.words.moment_back)
_AT_THING = frozenset(LEX.words.thing_back)


def content(q: Question) -> list[str]:
    """Return the words that are neither small talk nor a follow-up's fillers."""
    return [t for t in q.tokens if t not in _SMALL and t not in _FOLLOW_UP and not t.isdigit()]


def strange_topic(q: Question, strange: list[str]) -> bool:
    """Tell whether the words no part of the engine knows ("party", "dog") outnumber those
    that ask something: such a message is a topic of its own, not a follow-up."""
    if not strange:
        return False
    asking = [t for t in content(q) if t not in strange and t not in REFERS_BACK]
    return len(strange) > len(asking)


def asks_only_for(q: Question, subject: Subject, course: Course) -> bool:
    """Tell whether a message says nothing but its subject: "and quiz 4?", "فاینال چی؟"."""
    names = set(_subject_tokens(course, subject))
    left = [
        t
        for t in q.leftover
        if t not in _FOLLOW_UP
        and t not in _SMALL
        and _stem(t) not in names
        and t not in REFERS_BACK
        and t not in _OTHER
        and kind_of(t) is None
    ]
    return not left and not q.intents and q.span is None and not q.marks - _NAMING_MARKS


def order_of(q: Question) -> str | None:
    """Return the order a message asks for: "next", "last", "first", or None."""
    if q.wants_first:
        return "first"
    if q.wants_last:
        return "last"
    return "next" if q.wants_next else None


def _stem(word: str) -> str:
    """Return a word without a possessive ending: "پایانیش" → "پایانی", "finalesh" → "finale"."""
    for ending in _POSSESSIVE:
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            return word[: -len(ending)]
    return word


# Marks that name a subject rather than ask something of it: "the final exam".
_NAMING_MARKS = frozenset({Mark.FINAL_EXAM})


def _subject_tokens(course: Course, subject: Subject) -> list[str]:
    words: list[str] = []
    for part in subject.parts:
        words += LEX.grading.get(part, [])  # type: ignore[call-overload]
        # "the final exam", "the final project": "final" is part of the name.
        words += LEX.order.get("final", [])
    if subject.person is not None:
        person = next(p for p in course.data.staff if p.id == subject.person)
        for name in (person.name, *person.aliases):
            words += tokens(name)
    if subject.section is not None:
        section = course.section_of(subject.section)
        if section is not None:
            for name in (section.title.en, section.title.fa, *section.aliases):
                words += tokens(name)
    for name, spelled in _ROLE_WORDS.items():
        if subject.role == name:
            words += list(spelled)
    return words


_OTHER = frozenset(LEX.words.another)
