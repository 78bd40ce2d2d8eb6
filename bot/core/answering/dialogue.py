"""Follow-ups across messages, kept as typed slots.

After each answer the engine remembers what it was about (:class:`Context`: the query and
the subject it resolved to). The next message from the same student, within
:data:`FOLLOW_UP_WINDOW`, may lean on it:

- it names no subject of its own and points back ("his email?", "when is it due?",
  "ددلاینش؟", "which weekday is that?"): it borrows the remembered subject;
- it names only a subject ("and quiz 4?", "فاینال چی؟"): it borrows the remembered
  operation, asked of the new subject;
- anything else is a new topic and borrows nothing. After the window, a message that points
  back at nothing is asked to name its subject.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields, replace
from datetime import date, datetime, timedelta
from typing import Any

from bot.core.answering import grounding
from bot.core.answering.cues import DETERMINERS, NOT_NAMES, REFERS_BACK, THOSE_TWO, UNTIL_THEN
from bot.core.answering.query import Attr, Op, Query, Ref, Subject
from bot.core.answering.question import Question
from bot.core.answering.results import Countdown, LateFacts, Listed, Nearest, Result
from bot.core.course.course import Course
from bot.core.lang.calendar import format_date
from bot.core.lang.lexicon import lexicon

# How long the subject of a question stays the subject of the next message.
FOLLOW_UP_WINDOW = timedelta(minutes=10)
LEX = lexicon()
# A remembered answer about more items than this is about their kind, not each one.
_MOST_ITEMS = 2


@dataclass(frozen=True)
class Context:
    """What a student's previous question was about, for the next message."""

    query: Query
    subject: Subject
    at: datetime
    # Everything the last few messages asked the same question of ("quizzes", then "and the
    # final?"): what "their sum" or "them" points back at.
    together: Subject | None = None
    # The moment the answer worked out rather than looked up ("the latest CA2 may go in"):
    # what "that" points at in "what weekday is that?".
    moment: datetime | None = None
    # The items the last answers were about, the latest last (what "between them" spans),
    # and the items the last list or count named (what "the first of those" picks from).
    recent: tuple[Ref, ...] = ()
    listed: tuple[Ref, ...] = ()

    def fresh(self, now: datetime) -> bool:
        """Tell whether a message at ``now`` may still lean on this context."""
        return -FOLLOW_UP_WINDOW <= now - self.at <= FOLLOW_UP_WINDOW

    def to_dict(self) -> dict[str, Any]:
        """Return the context as plain data (JSON-ready)."""
        data: dict[str, Any] = {
            "query": self.query.to_dict(),
            "subject": _subject_data(self.subject),
            "at": self.at.isoformat(),
        }
        if self.together is not None:
            data["together"] = _subject_data(self.together)
        if self.moment is not None:
            data["moment"] = self.moment.isoformat()
        for name in ("recent", "listed"):
            if getattr(self, name):
                data[name] = [_ref_data(ref) for ref in getattr(self, name)]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Context:
        """Build a context from :meth:`to_dict`'s output."""
        together, moment = data.get("together"), data.get("moment")
        return cls(
            Query.from_dict(data["query"]),
            _subject_of(data.get("subject") or {}),
            datetime.fromisoformat(data["at"]),
            _subject_of(together) if together is not None else None,
            datetime.fromisoformat(moment) if moment is not None else None,
            tuple(_subject_of({"items": data.get("recent") or []}).items),
            tuple(_subject_of({"items": data.get("listed") or []}).items),
        )


def _subject_data(subject: Subject) -> dict[str, Any]:
    found: dict[str, Any] = Query(Op.LOOKUP, subject).to_dict().get("subject", {})
    return found


def _ref_data(ref: Ref) -> dict[str, Any]:
    found: dict[str, Any] = _subject_data(Subject(items=(ref,)))["items"][0]
    return found


def _subject_of(data: dict[str, Any]) -> Subject:
    return Query.from_dict({"op": "lookup", "subject": data}).subject


def remember(
    course: Course,
    query: Query,
    result: Result,
    now: datetime,
    previous: Context | None = None,
) -> Context | None:
    """Return what an answered question was about, or None when it was about nothing."""
    if not result.answered or query.op in (Op.GREET, Op.UNKNOWN, Op.DECLINE):
        return None
    subject = resolved(course, query, result)
    if subject.empty():
        return None
    together = subject
    if previous is not None and SAME_QUESTION in query.notes:
        before = previous.together or previous.subject
        together = replace(
            subject,
            items=tuple(dict.fromkeys((*before.items, *subject.items))),
            parts=tuple(dict.fromkeys((*before.parts, *subject.parts))),
        )
    moment = result.latest if isinstance(result, LateFacts) else None
    used = _items_used(course, result)
    earlier = previous.recent if previous is not None else ()
    recent = tuple(dict.fromkeys((*earlier, *used)))[-_RECENT:] if len(used) <= 2 else earlier
    # A list or count is what "the first of those" picks from, until another list comes.
    listed = used if len(used) > 1 else previous.listed if previous is not None else ()
    return Context(query, subject, now, together, moment, recent, listed)


# How many of the items asked about lately a context keeps.
_RECENT = 3


def _items_used(course: Course, result: Result) -> tuple[Ref, ...]:
    """Return the items an answer drew on, in its order."""
    items = [item for u in result.used if (item := course.item_by_id(u)) is not None]
    return tuple(Ref(i.kind, i.number, _workshop_name(i.id)) for i in items)


# A query asked again of a new subject ("and quiz 4?") carries this note.
SAME_QUESTION = "follow-up: the same question"


def resolved(course: Course, query: Query, result: Result) -> Subject:
    """Return the subject an answer turned out to be about: the items, person, grading parts,
    section or entry it drew on, and whether it was about their deadlines or releases."""
    used = result.used
    items = [item for u in used if (item := course.item_by_id(u)) is not None]
    kinds = list(query.subject.kinds)
    if len(items) > _MOST_ITEMS:
        kinds = list(dict.fromkeys([*kinds, *(item.kind for item in items)]))
        items = []
    role = _role(query, result)
    if role and role not in kinds and items:
        kinds.append(role)
    person = next((u.split(":", 1)[1] for u in used if u.startswith("staff:")), None)
    if person is None and "faq:instructor" in used:
        # "Who teaches MLSD?" is answered from an entry, and is about one person.
        person = next((p.id for p in course.staff_by_role("instructor")), None)
    parts = tuple(u.split(":", 1)[1] for u in used if u.startswith("grading:"))
    section = next((u.split(":", 1)[1] for u in used if u.startswith("section:")), None)
    entry = next((u for u in used if u.startswith(("faq:", "staff:", "reference:"))), None)
    return Subject(
        items=tuple(Ref(i.kind, i.number, _workshop_name(i.id)) for i in items),
        kinds=tuple(kinds),
        section=section or query.subject.section,
        parts=parts or query.subject.parts,
        unit=query.subject.unit,
        person=person,
        entry=entry,
        course=query.subject.course,
    )


def _workshop_name(item_id: str) -> str | None:
    return item_id.removeprefix("workshop-") if item_id.startswith("workshop-") else None


def _role(query: Query, result: Result) -> str | None:
    """Return "deadline" or "release" when the answer was about that moment of its items."""
    events = []
    if isinstance(result, Nearest):
        events = [e for _, e in result.found if e is not None]
    elif isinstance(result, Countdown):
        events = [result.event]
    elif isinstance(result, Listed):
        events = list(result.events)
    kinds = {e.kind for e in events}
    if kinds == {"deadline"} or Attr.DEADLINE in query.attrs or "deadline" in query.subject.kinds:
        return "deadline"
    if kinds == {"release"} or (Attr.RELEASE in query.attrs and Attr.DEADLINE not in query.attrs):
        return "release"
    return None


def resolve(text: str, words: str, day: str | None = None) -> str:
    """Put the remembered subject's ``words`` where the message points back at it: "that
    day" becomes its ``day``; its first pronoun ("and the one after it?" → "… after CA2?"),
    else the end of the message, gets ``words``."""
    if day is not None:
        replaced, count = _THAT_DAY.subn(day, text, count=1)
        if count:
            return replaced
    # "until then", "تا اون موقع": until the remembered moment; "those two": them.
    for pattern in (UNTIL_THEN, THOSE_TWO):
        replaced, count = pattern.subn(lambda m: f"{_kept(m)} {words}".strip(), text, 1)
        if count:
            return replaced
    found = list(_WORD.finditer(text))
    for index, match in enumerate(found):
        word = match.group(0).casefold()
        following = found[index + 1].group(0).casefold() if index + 1 < len(found) else ""
        alone = word not in DETERMINERS or not following or following in NOT_NAMES
        if word in REFERS_BACK and word not in ("one", "ones") and alone:
            # "براش" is "for it": keep the preposition, put the subject for the pronoun.
            said = f"{_PREPOSITIONS[word]} {words}" if word in _PREPOSITIONS else words
            return f"{text[: match.start()]}{said}{text[match.end() :]}"
    # Before the closing question mark, so the words stay in the question's clause.
    body = text.rstrip().rstrip("?؟!.")
    return f"{body} {words}{text.rstrip()[len(body) :]}"


_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
# Persian prepositions with a pronoun ending: "براش" (for it), "ازش" (from it).
_PREPOSITIONS = {
    "ازش": "از",
    "بهش": "به",
    "براش": "برای",
    "باهاش": "با",
    "روش": "روی",
    "توش": "توی",
    "ازشون": "از",
    "براشون": "برای",
    # "بعدیش" is "the one after it".
    "بعدیش": "بعد از",
    "قبلیش": "قبل از",
}
# Pronoun endings that place another item of the kind: "بعدیش چی؟".
RELATIVE_PRONOUNS = frozenset({"بعدیش", "قبلیش"})
# "that day", "the same day", "اون روز", "همون روز", "oon rooz".
_THAT_DAY = re.compile(
    r"\b(?:that|the same|this) day\b|(?:اون|همون|همان|آن|همین) ?روز|\b(?:oon|hamun|hamoon) rooz\b",
    re.IGNORECASE,
)


def says_that_day(text: str) -> bool:
    """Tell whether a text points back at a day: "that day", "همون روز", "oon rooz"."""
    return _THAT_DAY.search(text) is not None


def _kept(match: re.Match[str]) -> str:
    """Return the word a replaced phrase keeps ("until" of "until then"), if any."""
    return next((group for group in match.groups() if group), "")


def day_of(course: Course, subject: Subject) -> str | None:
    """Return the day of the remembered item, in words the parser reads: "1 Khordad 1402"."""
    day = date_of(course, subject)
    return date_words(day) if day is not None else None


def date_of(course: Course, subject: Subject) -> date | None:
    """Return the day of the remembered item: its own day, else its release's."""
    for ref in subject.items:
        item = grounding.item_named(course, ref)
        moment = item.starts_at or item.release_at if item is not None else None
        if moment is not None:
            return moment.date()
    return None


def date_words(moment: datetime | date) -> str:
    """Return a day in words the parser reads: "16 Ordibehesht 1402"."""
    day = moment.date() if isinstance(moment, datetime) else moment
    return format_date(day, "en").split(" ", 1)[1].split(" (")[0]


def words_for(course: Course, subject: Subject, *, role: bool = True) -> str:
    """Return words that name ``subject`` for the parser: "CA2 deadline", "Hossein Basafa";
    without ``role``, the item alone ("the one after CA2" is another assignment)."""
    words: list[str] = []
    for ref in subject.items:
        item = grounding.item_named(course, ref)
        if item is not None:
            words.append(item.title.en)
    if role:
        words += [k for k in subject.kinds if k in ("deadline", "release")]
    if not subject.items:
        words += [_KIND_WORDS.get(k, k) for k in subject.kinds if k not in ("deadline", "release")]
    if subject.person is not None:
        person = next((p for p in course.data.staff if p.id == subject.person), None)
        if person is not None:
            words.append(person.name)
    elif subject.entry is not None and subject.entry.startswith("reference:"):
        number = subject.entry.split(":", 1)[1]
        book = next((r for r in course.data.references if str(r.number) == number), None)
        if book is not None:
            words.append(book.title)
    elif subject.entry is not None and subject.entry.startswith("faq:"):
        faq = next((e for e in course.data.faq if f"faq:{e.id}" == subject.entry), None)
        if faq is not None:
            words.append(faq.questions.en[0].rstrip("?"))
    by_id = {part.id: part for part in course.data.grading.parts}
    words += [by_id[p].name.en for p in subject.parts if p in by_id]
    if subject.section is not None:
        section = course.section_of(subject.section)
        if section is not None:
            words.append(section.title.en)
    return " ".join(words)


_KIND_WORDS = {
    "quiz": "quizzes",
    "assignment": "assignments",
    "project": "project phases",
    "workshop": "workshops",
    "class": "classes",
}


def with_subject(previous: Query, subject: Subject) -> Query | None:
    """Ask the previous question of a new subject, when the operation can take it."""
    if previous.op in (Op.WEIGHT, Op.SHARE) and subject.parts:
        return replace(previous, subject=replace(previous.subject, parts=subject.parts))
    if previous.op is Op.ENTRY and subject.entry is not None:
        return replace(previous, subject=Subject(entry=subject.entry))
    if previous.op in (Op.LOOKUP, Op.UNTIL, Op.LATE, Op.GAP) and subject.items:
        kept = {f.name: getattr(previous.subject, f.name) for f in fields(Subject)}
        kept.update(items=subject.items, anchor=None, relation=None, entry=None)
        if previous.op is Op.GAP:
            return None
        # A quiz or a workshop has no release or deadline: "and quiz 4?" after "CA2 due?".
        dated = all(ref.kind in ("assignment", "project") for ref in subject.items)
        attrs = tuple(a for a in previous.attrs if dated or a not in _ITEM_DATES)
        return replace(previous, subject=Subject(**kept), attrs=attrs)
    if previous.op in (Op.PICK, Op.COUNT, Op.LIST, Op.AGENDA) and subject.kinds:
        return replace(previous, subject=replace(previous.subject, kinds=subject.kinds))
    return None


# The dates only assignments and project phases have.
_ITEM_DATES = frozenset({Attr.RELEASE, Attr.DEADLINE})


def the_other(course: Course, q: Question, own: Subject, remembered: Subject) -> Subject:
    """Read "the other workshop" after one was asked about as the rest of that kind."""
    if own.items or len(own.kinds) != 1 or not set(q.tokens) & _OTHER:
        return own
    asked = {(r.kind, r.number, r.name) for r in remembered.items}
    rest = [
        Ref(i.kind, i.number, _workshop_name(i.id))
        for i in course.items_of(own.kinds[0])  # type: ignore[arg-type]
        if (i.kind, i.number, _workshop_name(i.id)) not in asked
    ]
    if not asked or not rest or len(rest) == len(course.items_of(own.kinds[0])):  # type: ignore[arg-type]
        return own
    return replace(own, items=tuple(rest), kinds=())


_OTHER = frozenset(LEX.words.another)


def given_words(query: Query) -> str:
    """Return the numbers a previous late-policy question gave, as words the parser reads
    ("72 hours late"), so "and if my free days were gone?" asks about the same delay."""
    if query.op is not Op.LATE or query.given.delay_hours is None:
        return ""
    return f"{query.given.delay_hours:g} hours late"
