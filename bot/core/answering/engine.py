"""The answering engine: a question and a moment in, an answer with its sources out."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from bot.core import facts
from bot.core.answering import computed, entries, timeline
from bot.core.answering.clauses import split_clauses, with_antecedents, without_chatter
from bot.core.answering.computed import Found
from bot.core.answering.retrieval import Index, Match, content_terms
from bot.core.answering.scope import (
    about_campus,
    asks_about_someone_else,
    asks_for_support,
    missing_phone,
    names_other_course,
    names_other_season,
    own_names,
)
from bot.core.answering.understand import (
    FOCUS_WORDS,
    INTENT_WORDS,
    PAST_WORDS,
    ItemRef,
    Question,
    as_local,
    kind_of,
    read_number,
    span_bounds,
    understand,
)
from bot.core.calendar import format_date, format_datetime, weekday_name
from bot.core.course import Course, Event, EventKind, Item
from bot.core.i18n import t
from bot.core.lexicon import Focus, lexicon
from bot.core.text import detect_language, normalize, tokens
from bot.core.views import (
    assumed_times,
    next_overview,
)

LEX = lexicon()
# A retrieval match below this is a guess; the engine says it doesn't know instead.
CONFIDENT = 0.5
# ... and a match that leaves most of the question unexplained is about something else.
MIN_RECALL = 0.5
# A second topic next to an item ("CA1 … late?") must match this well to be answered too.
ALSO_ASKED = 0.6
# Terms that name items or their dates rather than a topic of their own.
_ITEM_TERMS = frozenset({"quiz", "assignment", "project", "workshop", "deadline", "date", "time"})
# Words the relative handlers understand without retrieval ("what do we have today").
_SMALL_TALK = frozenset(LEX.words.small_talk)


@dataclass(frozen=True)
class Answer:
    """An answer in plain text, whether the engine was confident, and the KB entries it used."""

    answered: bool
    text: str
    lang: str
    used: tuple[str, ...] = ()
    # Why a question was declined on principle ("other-course", "solutions", …), if it was.
    declined: str | None = None
    # Built from the whole question at once ("days between quiz 2 and quiz 3"): not split.
    whole: bool = False

    @property
    def unknown(self) -> bool:
        """Tell whether the engine did not know: not answered, declined for no reason, and
        drawn from no entry (the fallback), as opposed to a decline that itself answers."""
        return not self.answered and self.declined is None and not self.used


class Engine:
    """Answer syllabus questions about one course."""

    def __init__(self, course: Course) -> None:
        self.course = course
        self.names = _workshop_names(course)
        self.not_covered = frozenset(f"faq:{e.id}" for e in course.data.faq if not e.answered)
        info = course.data.course
        # The course's own name ("anything new in MLSD?") explains itself.
        names = " ".join([info.code, info.name.en, info.name.fa, *info.aliases])
        self.course_words = frozenset(tokens(names))
        self.own_names = own_names(course)
        self.index = Index(entries.documents(course))
        self.term = (course.first_day(), course.last_day())
        self.help_url = course.submit_url
        # Names with "and" in them ("Deployment and Monitoring", "استقرار و پایش") are one
        # subject, not two clauses.
        self._titles = _joined_names(course)

    def answer(self, question: str, now: datetime, lang: str | None = None) -> Answer:
        """Answer ``question`` as of ``now``, in ``lang`` or the question's own language.

        A question of several parts ("how much is the project worth and how many phases?")
        gets every part the knowledge base covers; chatter around a question is dropped.
        """
        reply_lang = lang if lang in ("en", "fa") else detect_language(question)
        now = as_local(now, self.course.tz)
        whole = self._answer_one(question, now, reply_lang)
        clauses = split_clauses(self._titles.sub(_unbreakable, question))
        if (
            len(clauses) < 2
            or whole.whole
            or (whole.answered and whole.used in (("greeting",), ()))
        ):
            return whole
        if not whole.answered and whole.declined in _FINAL_DECLINES:
            return whole  # "solve CA2 for me, just the mlflow part": no part of it is answered
        asked = with_antecedents(without_chatter(clauses))
        parts: list[Answer] = []
        for clause in asked:
            if parts and parts[-1].declined and not self._has_subject(clause, now):
                # "Is there a midterm? how many points?": the second part asks about the first.
                parts.append(parts[-1])
                continue
            follow = self._after_previous(clause, parts[-1], now, reply_lang) if parts else None
            parts.append(follow or self._answer_one(clause, now, reply_lang))
        answered = [p for p in parts if p.answered and p.used and p.used != ("greeting",)]
        covered = {entry for p in answered for entry in p.used}
        if not answered or (whole.answered and covered <= set(whole.used)):
            return whole
        if whole.answered and len(answered) < 2:
            return whole
        seen: set[str] = set()
        texts: list[str] = []
        used: list[str] = []
        for part in answered:
            if set(part.used) <= seen:
                continue
            seen.update(part.used)
            texts.append(part.text)
            used.extend(u for u in part.used if u not in used)
        return Answer(True, "\n\n".join(texts), reply_lang, tuple(used))

    def _has_subject(self, clause: str, now: datetime) -> bool:
        """Tell whether a clause names what it asks about: an item, a kind, a day or a topic."""
        q = understand(clause, self.names, now.date(), self.term)
        if q.refs or q.kinds or q.focus or q.span:
            return True
        # Words of time ("until when", "وقت") name no topic of their own.
        return self._names_topic(q, ignore=_WHEN_WORDS | _GREETINGS)

    def _after_previous(
        self, clause: str, previous: Answer, now: datetime, lang: str
    ) -> Answer | None:
        """Answer "… and the quiz after that?" from the item the previous part was about."""
        q = understand(clause, self.names, now.date(), self.term)
        item = next(
            (found for u in previous.used if (found := self.course.item_by_id(u)) is not None),
            None,
        )
        kinds = self._focus_kinds(q, q.focus)
        if "after_that" not in q.marks or item is None or not kinds or q.refs:
            return None
        moments = [m for m in (item.starts_at, item.release_at, item.due_at) if m is not None]
        anchor = max(moments)
        lines, used = [], []
        for kind in kinds:
            event = self.course.next_event(anchor, [kind])
            if event is not None:
                lines.append(timeline.event_sentence(self.course, "answer.next", kind, event, lang))
                used.append(event.source_id)
        return Answer(True, "\n".join(lines), lang, tuple(used)) if lines else None

    def _answer_one(self, question: str, now: datetime, reply_lang: str) -> Answer:
        """Answer one question (or one part of one) without splitting it."""
        if not tokens(question):
            return self._fallback(reply_lang)
        parsed = understand(question, self.names, now.date(), self.term)
        answer = self._answer_parsed(parsed, now, reply_lang)
        if "weekday" in parsed.marks and parsed.day is not None and not answer.declined:
            # "What weekday is the 18 Ord class?": the weekday in full, before the rest.
            # The date without its abbreviated weekday, which the line spells out.
            day = format_date(parsed.day, reply_lang).split(" ", 1)[1]
            name = weekday_name(parsed.day, reply_lang)
            line = t(reply_lang, "answer.weekday", date=day, weekday=name)
            text = f"{line}\n{answer.text}" if answer.answered else line
            return Answer(True, text, reply_lang, answer.used if answer.answered else ())
        return answer

    def _answer_parsed(self, parsed: Question, now: datetime, reply_lang: str) -> Answer:
        if parsed.tokens and all(tok in _GREETINGS or tok in _THANKS for tok in parsed.tokens):
            key = "answer.thanks" if set(parsed.tokens) & _THANKS else "answer.greeting"
            return Answer(True, t(reply_lang, key), reply_lang, ("greeting",))
        declined = self._declined(parsed, reply_lang)
        if declined is not None:
            return declined
        for handler in (self._computed, self._about_items, self._about_time):
            found = handler(parsed, now, reply_lang)
            if found is not None:
                return found
        return self._retrieve(parsed, now, reply_lang)

    def _declined(self, q: Question, lang: str) -> Answer | None:
        """Decline what no syllabus answers: other courses, terms or people, one's own records,
        solving the homework, campus life; the answer names the reason."""
        if "not_in_syllabus" in q.marks and "faq:not-in-syllabus" in self.not_covered:
            text = entries.render(self.course, "faq:not-in-syllabus", lang)
            return Answer(False, text, lang, ("faq:not-in-syllabus",), declined="not-in-syllabus")
        if names_other_course(q, self.own_names):
            text = t(lang, "answer.other_course", course=self._course_name(lang))
            return Answer(False, text, lang, declined="other-course")
        if "other_term" in q.marks or names_other_season(q, self.course):
            text = t(lang, "answer.other_term", term=self.course.data.course.term.get(lang))
            return Answer(False, text, lang, declined="other-term")
        if (person := missing_phone(q, self.course)) is not None:
            emails = ", ".join(person.emails)
            text = t(lang, "answer.no_phone", name=person.name, emails=emails)
            return Answer(False, text, lang, declined="no-phone")
        if asks_about_someone_else(q, self.course) or "others_grades" in q.marks:
            return Answer(False, t(lang, "answer.other_person"), lang, declined="other-person")
        if _asks_for_own_grade(q) or "personal" in q.marks:
            # Personal records are not in the syllabus; saying so beats quoting the grading scheme.
            return self._fallback(lang, "personal")
        if _asks_for_solutions(q):
            return self._fallback(lang, "solutions")
        if (about_campus(q) and not q.refs) or asks_for_support(q):
            return self._fallback(lang, "campus")
        return None

    # Counts and computations ----------------------------------------------------------------

    def _computed(self, q: Question, now: datetime, lang: str) -> Answer | None:
        course = self.course
        focus = self._focus_kinds(q, q.focus)
        open_now = computed.open_work(course, q, now, lang)
        if open_now is not None:
            return Answer(True, open_now[0], lang, open_now[1])
        between = computed.between_answer(course, q, lang)
        if between is not None:
            return Answer(True, between[0], lang, between[1], whole=True)
        weight = computed.weight_answer(course, q, lang)
        section = None if weight else computed.section_answer(course, q, lang)
        if section is not None:
            # "When does Data LifeCycle start and when does it end?" is one question.
            whole = computed.asks_start_and_end(q)
            return Answer(True, section[0], lang, section[1], whole=whole)
        found = (
            weight
            or computed.count_answer(course, q, lang)
            or computed.around_break(course, q, focus, lang)
            or computed.after_day_answer(course, q, focus, lang)
            or computed.term_answer(course, q, lang)
        )
        if found is not None and "until" in q.marks and found[1] and "nowruz" in q.marks:
            # "How many days until classes start again after the holiday?"
            event = next((e for e in course.events if e.key == found[1][0]), None)
            if event is not None:
                found = computed.until_answer(course, event, now, lang), (event.source_id,)
        # "How many days for each phase?" asks how long each one runs, not a countdown.
        each = _each_item(q) or _asks_length(q)
        if (
            found is None
            and "until" in q.marks
            and not each
            and not ("nowruz" in q.marks and not q.refs)
        ):
            event = self._target_event(q, focus, now)
            if event is not None:
                found = computed.until_answer(course, event, now, lang), (event.source_id,)
            elif "final_exam" in q.marks:
                found = facts.render(course, "final_exam", lang), ("faq:final-exam",)
        if found is None and each and q.kinds and not q.refs and not q.span:
            # "How many days for each phase?", "the dates of all three assignments": the list
            # gives each one's release, deadline and length.
            listed = self._list_kind(q.kinds[0], lang)
            return Answer(True, listed.text, lang, listed.used, whole=True)
        one_day = q.span in ("day", "today", "tomorrow", "yesterday")
        if found is None and one_day and focus == ["class"]:
            # "Is there class tomorrow?": yes or no, and if not, the next class.
            day, _ = span_bounds(q.span or "day", now.date(), q.day, q.end)
            found = computed.class_on_day(course, day, lang)
        if found is None:
            return None
        text, used = found
        return Answer(True, text, lang, used)

    def _target_event(self, q: Question, focus: list[EventKind], now: datetime) -> Event | None:
        """Find the event a "how long until …" question counts down to."""
        for ref in q.refs:
            item = computed.item_named(self.course, ref)
            if item is None:
                continue
            wanted = "release" if "release" in q.intents else None
            kinds = [wanted] if wanted else ["deadline", "quiz", "workshop"]
            for event in self.course.events:
                if event.item is item and event.kind in kinds:
                    return event
        for kind in focus:
            upcoming = self.course.next_event(now, [kind])
            if upcoming is not None:
                return upcoming
        return None

    # Items named by kind and number -------------------------------------------------------

    def _about_items(self, q: Question, now: datetime, lang: str) -> Answer | None:
        if not q.refs:
            return None
        related = computed.neighbour(self.course, q)
        if related is not None:
            # "the quiz after quiz 3": the item it means, not the one it names.
            return Answer(True, self._describe(related, q, now, lang), lang, (related.id,))
        parts: list[str] = []
        used: list[str] = []
        missing: list[str] = []
        for ref in q.refs:
            item = computed.item_named(self.course, ref)
            if item is None:
                missing.append(self._no_such(ref, lang))
                continue
            parts.append(self._describe(item, q, now, lang))
            used.append(item.id)
        if not parts:
            return Answer(False, "\n".join(missing), lang, (), declined="no-such-item")
        if q.span == "day" and q.day is not None:
            # "Is quiz 4 on 23 Ordibehesht?": the item's own date, and what that day holds.
            text, day_used = timeline.span_answer(self.course, q, now, lang, [])
            parts.append(text)
            used.extend(u for u in day_used if u not in used)
        extra = self._also_asked(q)
        if extra is not None:
            # "Can I submit CA1 late?": the item's dates, then the policy it asked about.
            parts.append(entries.render(self.course, extra, lang))
            used.append(extra)
        return Answer(True, "\n\n".join(parts + missing), lang, tuple(used))

    def _also_asked(self, q: Question) -> str | None:
        """Find an FAQ entry that the words around an item reference ask about."""
        # Words the parser already read as tense or order ("did I miss …") ask nothing more.
        words = [
            tok
            for tok in q.leftover
            if tok not in INTENT_WORDS and tok not in _SMALL_TALK and tok not in PAST_WORDS
        ]
        terms = [term for term in self._terms(words) if term not in _ITEM_TERMS]
        matches = self.index.search(terms)
        if (
            matches
            and matches[0].score >= ALSO_ASKED
            and matches[0].entry.startswith(("faq:", "staff:"))
        ):
            return matches[0].entry
        return None

    def _terms(self, words: list[str]) -> list[str]:
        """Return the retrieval terms of ``words``, without the course's own name."""
        return [term for term in content_terms(words) if term not in self.course_words]

    def _no_such(self, ref: ItemRef, lang: str) -> str:
        existing = self.course.items_of(ref.kind)
        kinds = t(lang, f"kind.{ref.kind}.many")
        if not existing:
            return t(lang, "answer.no_such_kind", kinds=kinds)
        return t(
            lang,
            "answer.no_such_item",
            kind=t(lang, f"kind.{ref.kind}.one"),
            n=ref.number or 0,
            count=len(existing),
            kinds=kinds,
            first=existing[0].title.get(lang),
            last=existing[-1].title.get(lang),
        )

    def _describe(self, item: Item, q: Question, now: datetime, lang: str) -> str:
        """Say what the question asks of an item, in past or future tense as of ``now``."""
        title = item.title.get(lang)
        topic = item.topic.get(lang) if item.topic else item.section.title.get(lang)
        place = self.course.data.classes.place.get(lang)
        if item.starts_at is not None:
            when = format_datetime(item.starts_at, lang)
            tense = "past" if item.starts_at <= now else "future"
            key = "quiz" if item.kind == "quiz" else "workshop"
            text = t(
                lang, f"answer.{key}_{tense}", title=title, when=when, topic=topic, place=place
            )
            if item.kind == "workshop" and self.course.data.times.assumed:
                text += " " + t(lang, "answer.workshop_assumed")
            return text
        assert item.release_at is not None and item.due_at is not None
        release = t(
            lang,
            "answer.released_past" if item.release_at <= now else "answer.released_future",
            title=title,
            when=format_date(item.release_at.date(), lang),
        )
        due = t(
            lang,
            "answer.due_past" if item.due_at <= now else "answer.due_future",
            title=title,
            when=format_datetime(item.due_at, lang),
        )
        if not item.due_explicit:
            days = (item.due_at.date() - item.release_at.date()).days
            due += " " + t(lang, "answer.due_derived", days=days)
        due = " ".join([due, *assumed_times([item], lang)])
        lines = (
            [due, release] if "due" in q.intents and "release" not in q.intents else [release, due]
        )
        if "topic" in q.intents:
            lines.insert(0, t(lang, "answer.topic", title=title, topic=topic))
        if "due" in q.intents or item.due_at > now:
            lines.append(t(lang, "answer.submit", url=self.help_url))
        return "\n".join(lines)

    # Questions relative to now -------------------------------------------------------------

    def _about_time(self, q: Question, now: datetime, lang: str) -> Answer | None:
        words = set(q.tokens)
        if words & _AGAIN_WORDS and "class" in q.focus and set(q.focus) <= {"class"} and not q.refs:
            # "When do classes start again?": the next class, wherever now is.
            return self._found(
                timeline.nearest(self.course, ["class"], set(), now, lang, future=True), lang
            )
        bare = not q.focus and not q.kinds and not q.refs and q.span is None
        if q.wants_next and bare and not self._names_topic(q, ignore=_UNIT_WORDS):
            # "What's next?": the next class, quiz and deadline, as /next shows them.
            text = next_overview(self.course, now, lang)
            events = [e for e in self.course.events if e.at > now][:1]
            return Answer(True, text, lang, tuple(e.source_id for e in events))
        # "What's left this term?": the term names no topic of its own.
        topical = self._names_topic(q, ignore=_COURSE_WORDS)
        if q.wants_remaining and not q.focus and not q.kinds and not topical:
            # "What's still left in the course?": every quiz, deadline and workshop ahead.
            kinds: list[EventKind] = ["quiz", "deadline", "workshop"]
            return self._found(timeline.remaining(self.course, kinds, set(), now, lang), lang)
        focus = self._focus_kinds(q, q.order_focus or q.focus)
        item_kinds: set[str] = {kind for kind in q.kinds if kind in ("assignment", "project")}
        if focus and (q.wants_next or q.wants_last or q.wants_first or q.wants_remaining):
            # A named kind with next/last/first carries the question; chatty context around
            # it ("I was sick yesterday, when's the next quiz?") does not change it.
            return self._found(timeline.ordered(self.course, q, focus, item_kinds, now, lang), lang)
        focus = self._focus_kinds(q, q.focus)
        unexplained = self._unexplained(q)
        if q.span is not None:
            if not focus and unexplained and "range" not in q.marks:
                return None
            # "What's on in class today" means everything that happens in that class, and
            # "anything due or happening" everything at all.
            if focus == ["class"] or (focus == ["deadline"] and words & _HAPPENING_WORDS):
                focus = []
            return self._found(timeline.span_answer(self.course, q, now, lang, focus), lang)
        if focus and q.past_tense and not unexplained and not self._names_topic(q):
            if words & _ALREADY_WORDS:
                # An assignment "has happened" once released: list releases with deadlines.
                kinds = [*focus, "release"] if item_kinds and "release" not in focus else focus
                return self._found(timeline.done(self.course, kinds, item_kinds, now, lang), lang)
            latest = timeline.nearest(self.course, focus, item_kinds, now, lang, future=False)
            return self._found(latest, lang)
        return None

    def _unexplained(self, q: Question) -> bool:
        """Tell whether the question has words that neither the parser nor the index knows."""
        words = self._own_words(q, self.course_words)
        return any(self.index.correct(term) is None for term in content_terms(words))

    def _names_topic(self, q: Question, ignore: frozenset[str] = frozenset()) -> bool:
        """Tell whether the question names a topic of its own ("if class goes online …")."""
        words = self._own_words(q, ignore)
        return any(term in self.index.idf for term in self._terms(words))

    def _own_words(self, q: Question, ignore: frozenset[str]) -> list[str]:
        """Return the words left after items, times, small talk, intents and ``ignore``."""
        return [
            tok
            for tok in q.leftover
            if tok not in _SMALL_TALK
            and tok not in INTENT_WORDS
            and tok not in FOCUS_WORDS
            and tok not in ignore
        ]

    def _focus_kinds(self, q: Question, words: list[Focus]) -> list[EventKind]:
        mapping: dict[str, EventKind] = {
            "quiz": "quiz",
            "deadline": "deadline",
            "class": "class",
            "workshop": "workshop",
        }
        kinds: list[EventKind] = []
        for focus in words:
            if focus in mapping:
                kinds.append(mapping[focus])
            elif focus in ("assignment", "project"):
                wanted: EventKind = "release" if "release" in q.intents else "deadline"
                kinds.append(wanted)
        return list(dict.fromkeys(kinds))

    # Everything else -------------------------------------------------------------------------

    def _retrieve(self, q: Question, now: datetime, lang: str) -> Answer:
        terms = self._terms(q.tokens)
        if q.kinds and set(terms) <= set(q.kinds) and not q.marks:
            # Only item words ("project phases", "quizzes?"): the list of those items.
            return self._list_kind(q.kinds[0], lang)
        matches = self.index.search(terms)
        best: Match | None = matches[0] if matches else None
        if best is not None and best.score >= CONFIDENT:
            text = entries.render(self.course, best.entry, lang)
            if best.entry in self.not_covered:
                return Answer(False, text, lang, (best.entry,))
            return Answer(True, text, lang, (best.entry,))
        if q.kinds and not self._unexplained(q):
            # "quizzes?", "deadlines": list them all.
            return self._list_kind(q.kinds[0], lang)
        return self._fallback(lang)

    def _list_kind(self, kind: str, lang: str) -> Answer:
        fact = {"quiz": "quizzes", "assignment": "assignments", "project": "project"}.get(
            kind, "workshops"
        )
        return Answer(True, facts.render(self.course, fact, lang), lang, (f"fact:{fact}",))

    def _found(self, found: Found | None, lang: str) -> Answer:
        """Wrap a computed text and its sources as an answer; nothing found is the fallback."""
        return Answer(True, found[0], lang, found[1]) if found is not None else self._fallback(lang)

    def _fallback(self, lang: str, declined: str | None = None) -> Answer:
        assignments = self.course.items_of("assignment")
        span = (
            f" ({assignments[0].title.get(lang)}–{assignments[-1].title.get(lang)})"
            if len(assignments) > 1
            else ""
        )
        text = t(lang, "answer.fallback", url=self.help_url, assignments=span)
        if declined in _SAID_WHY:
            # Declined on principle: say why in one line rather than list what it can do.
            text = t(lang, f"answer.why_{declined}", url=self.help_url)
        return Answer(False, text, lang, (), declined)

    def _course_name(self, lang: str) -> str:
        info = self.course.data.course
        separator = "، " if lang == "fa" else ", "
        return f"{info.name.get(lang).split(' (')[0]}{separator}{info.code}"


def _workshop_names(course: Course) -> dict[str, str]:
    """Map each workshop's normalised name and aliases to the token the parser looks for."""
    names: dict[str, str] = {}
    for item in course.items_of("workshop"):
        slug = item.id.removeprefix("workshop-")
        for name in (slug, *item.aliases):
            names[normalize(name)] = slug
    return names


_GREETINGS = frozenset(LEX.words.greetings)
_EACH_WORDS = frozenset(LEX.words.each)
_SAID_WHY = frozenset({"personal", "solutions", "campus"})
# "in the next few days": a unit of time names no topic.
_UNIT_WORDS = frozenset(LEX.words.units)
_COURSE_WORDS = frozenset(LEX.words.course)
_TOWARDS_WORDS = frozenset(LEX.words.towards)
_AGAIN_WORDS = frozenset(LEX.words.again)
_HAPPENING_WORDS = frozenset(LEX.words.happening)
# Declines that hold for the whole question, whatever else it asks.
_FINAL_DECLINES = frozenset({"other-course", "other-term", "other-person", "personal", "solutions"})
_ALREADY_WORDS = frozenset(LEX.words.already)
_THANKS = frozenset(LEX.words.thanks)
_CONTACT_WORDS = frozenset(LEX.words.contact)
# Requests to do the homework, which a syllabus assistant must decline.
_SOLVE_WORDS = frozenset(LEX.words.solve)
_FOR_ME_WORDS = frozenset(LEX.words.for_me)
_WHEN_WORDS = frozenset(LEX.words.when)
_GRADE_WORDS = frozenset(LEX.words.grade)
_SELF_WORDS = frozenset(LEX.words.self)


def _asks_for_own_grade(question: Question) -> bool:
    words = set(question.tokens)
    if words & (_WHEN_WORDS | _CONTACT_WORDS) or question.wants_next or question.wants_last:
        return False  # "when was the last quiz? I forgot to check my score"
    if question.span:
        return False
    return bool(words & _GRADE_WORDS) and bool(words & _SELF_WORDS) and "how" not in words


def _asks_for_solutions(question: Question) -> bool:
    words = set(question.tokens)
    asks_for_me = bool(words & _FOR_ME_WORDS)
    if (words & _WHEN_WORDS or question.intents & {"release", "due"}) and not asks_for_me:
        return False  # "when are the CA2 solutions released?"
    if "solutions" in question.marks:
        return True
    return len(words & _SOLVE_WORDS) >= 2 or bool(words & _SOLVE_WORDS and words & _FOR_ME_WORDS)


def _joined_names(course: Course) -> re.Pattern[str]:
    names = [
        name
        for section in course.data.sections
        for name in (section.title.en, section.title.fa.split("(")[0], *section.aliases)
        if re.search(r"\s(and|و)\s", name)
    ]
    spelled = [r"\s+".join(map(re.escape, name.split())) for name in names]
    return re.compile("|".join(spelled) or r"(?!x)x", re.IGNORECASE)


def _unbreakable(match: re.Match[str]) -> str:
    # A zero-width non-joiner is no clause break, and normalisation reads it as a space.
    return re.sub(r"\s+", "\u200c", match.group(0))


def _each_item(q: Question) -> bool:
    """Tell whether "each"/"every"/"هر" is said of items ("each phase", "هر سه تمرین"), not of
    time ("per hour")."""
    tokens = q.tokens
    for index, token in enumerate(tokens[:-1]):
        if token not in _EACH_WORDS:
            continue
        following = tokens[index + 1 : index + 3]
        if kind_of(following[0]) or (read_number(following[0]) and any(map(kind_of, following))):
            return True
    return False


def _asks_length(q: Question) -> bool:
    """Tell whether "how many days" asks how long items of a kind run ("برای تمرینا چند روز
    مهلت میدن"), not how long until one: no item, no "next" and no "until"."""
    ordered = q.wants_next or q.wants_last or q.wants_remaining or q.wants_first
    counting_down = bool(set(q.tokens) & _TOWARDS_WORDS)
    return "until" in q.marks and bool(q.kinds) and not q.refs and not ordered and not counting_down
