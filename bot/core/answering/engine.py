"""The answering engine: a question and a moment in, an answer with its sources out.

A question is split into the clauses that each may ask something; each clause is parsed
into a :class:`Query`, executed against the course and worded in the reply's language.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime

from bot.core.answering import cues, dialogue, followups
from bot.core.answering.answer import Answer, Part
from bot.core.answering.clauses import (
    Core,
    announced,
    core_of,
    split_clauses,
    with_antecedents,
    without_chatter,
)
from bot.core.answering.dates import as_local
from bot.core.answering.dialogue import Context
from bot.core.answering.execute import execute
from bot.core.answering.parse import Parser
from bot.core.answering.query import Op, Query, Subject
from bot.core.answering.question import Question, reading
from bot.core.answering.render import render
from bot.core.answering.results import Nearest, Result
from bot.core.answering.retrieval import Index
from bot.core.course.course import Course
from bot.core.lang.detect import detect_language
from bot.core.lang.finglish import is_finglish
from bot.core.lang.lexicon import Mark, lexicon
from bot.core.lang.text import normalize, tokens

__all__ = ["Answer", "Engine"]

LEX = lexicon()
# "the one after it", "before that": another item relative to the remembered one.
_RELATIVE_WORDS = frozenset(
    [*LEX.order.get("after", []), *LEX.order.get("before", []), "next", "previous", "other"]
)
# Entries that name a subject a follow-up can lean on, besides items.
_NAMED = ("staff:", "grading:", "section:", "reference:")
# Words that ask about something rather than name it: no topic of their own.
_NOT_TOPICS = frozenset(
    [*LEX.words.attributes, *LEX.words.follow_up, *LEX.words.refers_back, *LEX.words.greetings]
)
# Words of a telling sentence that say nothing about what a later question points at.
_TOLD_NOISE = frozenset(
    [*LEX.stopwords, *LEX.words.chatter, *LEX.words.speaker, *LEX.words.greetings]
)
# Declines that hold for the whole question, whatever else it asks.
# Declines that answer the message as asked: the chatter around it changes nothing.
_KEPT_DECLINES = frozenset({"not-in-syllabus", "unsaid"})
# Readings of a message on its own that a remembered item can sharpen into a computation.
_GENERAL = frozenset({Op.ENTRY, Op.UNKNOWN})
_COMPUTED = frozenset({Op.LATE, Op.GAP, Op.UNTIL, Op.DURATION})
_CONDITIONAL = frozenset(LEX.words.conditional)
_FINAL_DECLINES = frozenset({"other-course", "other-term", "other-person", "personal", "solutions"})


class Engine:
    """Answer syllabus questions about one course."""

    def __init__(self, course: Course) -> None:
        self.course = course
        self.parser = Parser(course)

    @property
    def index(self) -> Index:
        """Return the retrieval index over the knowledge base's entries."""
        return self.parser.index

    def answer(
        self,
        question: str,
        now: datetime,
        lang: str | None = None,
        context: Context | None = None,
    ) -> Answer:
        """Answer ``question`` as of ``now``, in ``lang`` or the question's own language.

        A question of several parts ("how much is the project worth and how many phases?")
        gets every part the knowledge base covers; chatter around a question is dropped.
        ``context`` is what the same student's previous answer was about (its
        :attr:`Answer.context`): a follow-up ("and quiz 4?", "his email?") leans on it.
        """
        reply_lang = lang if lang in ("en", "fa") else detect_language(question)
        now = as_local(now, self.course.tz)
        fresh = context if context is not None and context.fresh(now) else None
        answer, last = self._answer_all(question, now, reply_lang, fresh)
        remembered = dialogue.remember(self.course, last.query, last.result, now, fresh)
        return replace(answer, context=remembered or fresh)

    def _answer_all(
        self, question: str, now: datetime, reply_lang: str, context: Context | None
    ) -> tuple[Answer, Part]:
        followed = self._follow_up(question, now, reply_lang, context)
        if followed is not None:
            return followed
        told = announced(question)
        if told is not None:
            # "… that's not my question. Who's the lead TA?": only the announced part asks.
            asked = self._core(told, now, reply_lang)
            if asked is not None and asked[0].answered:
                return asked
        answer, last = self._answer_whole(question, now, reply_lang)
        core = core_of(question)
        if core is not None and (not answer.answered or self._told_the_time(last.query, core, now)):
            # The question inside the chatter: what it asks, not what the telling around it
            # says ("I was sick yesterday", "my friend at another university").
            asked = self._core(core, now, reply_lang)
            if asked is not None and asked[0].answered:
                return asked
        return answer, last

    def _told_the_time(self, query: Query, core: Core, now: datetime) -> bool:
        """Tell whether an answer's day or week came from the telling around a question
        ("I attended the first session yesterday. … What are they?")."""
        if query.filters.span is None and query.op not in (Op.PICK, Op.OVERVIEW):
            return False
        asked = self.parser.read(core.asking, now)
        return asked.span is None and not (asked.wants_next or asked.wants_last)

    def _answer_whole(self, question: str, now: datetime, reply_lang: str) -> tuple[Answer, Part]:
        """Answer a message as a whole, or part by part when it asks several things."""
        whole = self._one(question, now, reply_lang)
        clauses = split_clauses(self.parser.titles.sub(_unbreakable, question))
        if (
            len(clauses) < 2
            or whole.result.whole
            or (whole.answered and whole.used in (("greeting",), ()))
        ):
            return self._answer(whole, reply_lang), whole
        if not whole.answered and whole.declined in _FINAL_DECLINES:
            return self._answer(
                whole, reply_lang
            ), whole  # "solve CA2 for me, just the mlflow part"
        parts: list[Part] = []
        said = without_chatter(clauses)
        asked = with_antecedents(said)
        for raw, clause in zip(said, asked, strict=True):
            if parts and parts[-1].declined and not self.parser.has_subject(clause, now):
                # "Is there a midterm? how many points?": the second part asks about the first.
                parts.append(parts[-1])
                continue
            follow = (
                self._after_previous(raw, clause, parts[-1], now, reply_lang) if parts else None
            )
            parts.append(follow or self._one(clause, now, reply_lang))
        # A chatty message's decline may come from the telling: the question inside it decides.
        if not whole.answered and whole.declined in _KEPT_DECLINES and core_of(question) is None:
            kept_decline = self._kept_decline(whole, said, parts, now, reply_lang)
            if kept_decline is not None:
                return kept_decline
        answered = [p for p in parts if p.answered and p.used and p.used != ("greeting",)]
        # "Will the final be multiple choice? And when is CA2 due?": what the syllabus does not
        # say is said beside the answer, not dropped for it.
        unsaid = [p for p in parts if p.declined == "unsaid" and p.query != whole.query]
        covered = {entry for p in answered for entry in p.used}
        if not answered or (whole.answered and covered <= set(whole.used) and not unsaid):
            return self._answer(whole, reply_lang), whole
        if whole.answered and len(answered) + len(unsaid) < 2:
            return self._answer(whole, reply_lang), whole
        kept: list[Part] = []
        seen: set[str] = set()
        for part in parts:
            if part not in answered and part not in unsaid:
                continue
            if part.used and set(part.used) <= seen:
                continue
            seen.update(part.used)
            kept.append(part)
        used = tuple(dict.fromkeys(u for part in kept for u in part.used))
        answer = Answer(
            True,
            "\n\n".join(part.text for part in kept),
            reply_lang,
            used,
            queries=tuple(part.query for part in kept),
        )
        # What a follow-up leans on: the last part about an item, a person or grading parts.
        named = [p for p in kept if any(self._names_subject(u) for u in p.used)]
        return answer, (named or kept)[-1]

    def _kept_decline(
        self, whole: Part, said: list[str], parts: list[Part], now: datetime, lang: str
    ) -> tuple[Answer, Part] | None:
        """Answer a message whose whole reading the syllabus does not cover, with what its
        other questions do get; None when its clauses (``said``) are separate questions."""
        if not any(self.parser.has_subject(clause, now) for clause in said[1:]):
            return self._answer(whole, lang), whole  # "Where is the final? The same A22?"
        if not any(part.declined == whole.declined for part in parts):
            return None
        # "If I miss a quiz, is there a make-up?": the "if" clause tells, it does not ask.
        others = [
            part
            for clause, part in zip(said, parts, strict=True)
            if part.answered
            and part.used
            and not set(tokens(clause)[:1]) & _CONDITIONAL
            and self.parser.has_subject(clause, now)
        ]
        if not others:
            return self._answer(whole, lang), whole
        given = [self._answer(whole, lang), *(self._answer(part, lang) for part in others)]
        answer = Answer(
            True,
            "\n\n".join(a.text for a in given),
            lang,
            tuple(dict.fromkeys(u for a in given for u in a.used)),
            queries=tuple(q for a in given for q in a.queries),
        )
        return answer, others[-1]

    def _names_subject(self, used: str) -> bool:
        """Tell whether an entry an answer drew on is an item, a person, a part or a book."""
        return used.startswith(_NAMED) or self.course.item_by_id(used) is not None

    def _follow_up(
        self, question: str, now: datetime, lang: str, context: Context | None
    ) -> tuple[Answer, Part] | None:
        """Answer a message that leans on the previous one, or return None when it does not.

        A message that names only a subject ("and quiz 4?") is asked the previous question;
        one that points back, opens as a follow-up or is a few words naming nothing ("his
        email?", "what about with the maximum delay?", "date?") borrows the previous subject.
        """
        q = self.parser.read(question, now)
        own = cues.named(self.course, q)
        leaning = cues.refers_back(q)
        if context is None:
            return self._leaning_on_nothing(question, q, own, now, lang)
        if not own.empty() and not leaning:
            # "how many other TAs?" after the lead TA: others than the one just asked about.
            leaning = cues.others_of(q, own, context.subject)
        if not own.empty() and not leaning:
            return self._asked_again(q, own, now, lang, context)
        if cues.asks_of_a_person(q) and context.subject.person is None:
            # "his email?" after "when is CA2 due?": no one was asked about.
            part = self._run(Query(Op.DECLINE, reason="which-one"), now, lang)
            return self._answer(part, lang), part
        strange = cues.strange_topic(q, self.parser.strange_words(q))
        if strange or self.parser.greeting(q, now) is not None:
            # "is there a party?", "is it hard?", "thanks": words the course knows nothing
            # of ask something new, and a greeting asks nothing at all.
            return None
        opens = cues.opens_follow_up(q)
        short = own.empty() and len(cues.content(q)) <= cues.SHORT
        if short and not (leaning or opens) and self._stands_alone(q, now):
            return None  # "grading?" after "when is quiz 3?": a topic of its own
        if opens and not leaning and not context.subject.items and self._stands_alone(q, now):
            return None  # "and where are the slides?" after "room for the class?"
        refined = followups.refine(self.course, q, context)
        if refined is not None:
            # "in hours?", "the first of those?", "days between them?": the last question,
            # refined; "none after quiz 7" is an answer too.
            part = self._run(refined, now, lang)
            informs = part.answered or part.result.declined == "no-such-item"
            return (self._answer(part, lang), part) if informs else None
        if not (leaning or opens or short):
            # "latest if I use all 5 late days?": a computation that needs an item the
            # message leaves out is worked out for the item before; anything else stands.
            return self._completed(question, q, now, lang, context) if own.empty() else None
        return self._borrowing(question, q, now, lang, context)

    def _leaning_on_nothing(
        self, question: str, q: Question, own: Subject, now: datetime, lang: str
    ) -> tuple[Answer, Part] | None:
        """Ask which one is meant when a message with nothing before it points back at one
        thing ("when is it due?", "in hours?"); return None when it does not."""
        # One clause, pointing back at one thing ("when is it due?", "his email?"); "they"
        # alone is as often the staff as anything said before.
        single = len(split_clauses(question)) == 1 and cues.refers_back(q, singular=True)
        single = single and len(cues.content(q)) <= cues.SHORT + 2
        single = single or cues.only_a_unit(q)
        if own.empty() and single and self.parser.greeting(q, now) is None:
            part = self._run(Query(Op.DECLINE, reason="which-one"), now, lang)
            return self._answer(part, lang), part
        return None

    def _asked_again(
        self, q: Question, own: Subject, now: datetime, lang: str, context: Context
    ) -> tuple[Answer, Part] | None:
        """Ask the previous question of the subject a message names and nothing else ("and
        quiz 4?"); return None when the message asks a question of its own."""
        if not cues.asks_only_for(q, own, self.course):
            return None  # a new question with a subject of its own
        if cues.order_of(q) not in (None, context.query.filters.order):
            return None  # "and the last quiz?" after "the next quiz?": another question
        # "and the other workshop?": the one of that kind not yet asked about.
        own = dialogue.the_other(self.course, q, own, context.subject)
        same = dialogue.with_subject(context.query, own)
        if same is None:
            return None
        part = self._run(replace(same, notes=(*same.notes, dialogue.SAME_QUESTION)), now, lang)
        return (self._answer(part, lang), part) if part.answered else None

    def _borrowing(
        self, question: str, q: Question, now: datetime, lang: str, context: Context
    ) -> tuple[Answer, Part] | None:
        """Answer a message with the previous subject's words put where it points back."""
        subject = context.together if cues.plural_back(q) and context.together else None
        subject = subject or context.subject
        # "the one after it": another of its kind, placed by the same moment.
        relative = bool(set(q.tokens) & (_RELATIVE_WORDS | dialogue.RELATIVE_PRONOUNS))
        # "when is it due?" after "when is CA2 released?": its own role, not the one before.
        own_role = bool(q.intents & {"due", "release"})
        words = dialogue.words_for(self.course, subject, role=not (relative or own_role))
        words = f"{words} {dialogue.given_words(context.query)}".strip()
        if context.moment is not None and cues.points_at_moment(q):
            words = dialogue.date_words(context.moment)
        # Finglish is put in Persian script first: the subject's words would outvote it.
        said = reading(question) if is_finglish(normalize(question)) else question
        text = dialogue.resolve(said, words, dialogue.day_of(self.course, subject))
        answer, last = self._answer_whole(text, now, lang)
        return (answer, last) if answer.answered else None

    def _completed(
        self, question: str, q: Question, now: datetime, lang: str, context: Context
    ) -> tuple[Answer, Part] | None:
        """Answer a message as a computation on the item asked about before, when on its own
        it is only a general topic ("the late policy") and with the item a computation."""
        items = context.subject.items
        if len(items) != 1 or self.parser.parse_question(q, now).op not in _GENERAL:
            return None
        said = reading(question) if is_finglish(normalize(question)) else question
        words = dialogue.words_for(self.course, Subject(items=items), role=False)
        text = dialogue.resolve(said, f"{words} {dialogue.given_words(context.query)}".strip())
        with_item = self.parser.parse(text, now)
        if with_item.op not in _COMPUTED or items[0] not in with_item.subject.items:
            return None
        part = self._run(with_item, now, lang)
        return (self._answer(part, lang), part) if part.answered else None

    def _stands_alone(self, q: Question, now: datetime) -> bool:
        """Tell whether a short message names a topic of the knowledge base on its own."""
        query = self.parser.parse_question(q, now)
        return query.op is Op.ENTRY and self.parser.names_topic(q, ignore=_NOT_TOPICS)

    def _core(self, core: Core, now: datetime, lang: str) -> tuple[Answer, Part] | None:
        """Answer the asking part of a message; a question that names nothing of its own
        ("What are they?") is about the telling just before it."""
        q = self.parser.read(core.asking, now)
        alone = self._answer_whole(core.asking, now, lang)
        if alone[0].answered or (not alone[0].unknown and not cues.refers_back(q)):
            return alone
        told = " ".join(t for t in tokens(core.context) if t not in _TOLD_NOISE)
        answer, last = self._answer_whole(dialogue.resolve(core.asking, told), now, lang)
        return None if answer.unknown else (answer, last)

    def _one(self, text: str, now: datetime, lang: str) -> Part:
        """Parse, execute and word one question (or one part of one) without splitting it."""
        query = self.parser.parse(text, now)
        return self._run(query, now, lang)

    def _run(self, query: Query, now: datetime, lang: str) -> Part:
        result = execute(self.course, query, now)
        return Part(query, result, render(self.course, result, lang))

    def _answer(self, part: Part, lang: str) -> Answer:
        result = part.result
        return Answer(
            result.answered,
            part.text,
            lang,
            result.used,
            declined=result.declined,
            whole=result.whole,
            queries=(part.query,),
        )

    def _after_previous(
        self, raw: str, clause: str, previous: Part, now: datetime, lang: str
    ) -> Part | None:
        """Answer "… and the quiz after that?" or "… what else happens that day?" from the
        item the previous part was about (``raw`` is the clause as written, ``clause`` with
        the subject it borrowed from the one before)."""
        q = self.parser.read(clause, now)
        item = next(
            (found for u in previous.used if (found := self.course.item_by_id(u)) is not None),
            None,
        )
        moment = item.starts_at or item.release_at if item is not None else None
        own = self.parser.read(raw, now)
        if moment is not None and dialogue.says_that_day(raw) and not (own.refs or own.kinds):
            # "When is the MLflow workshop and what else happens that day?": on its day.
            said = dialogue.resolve(raw, "", dialogue.date_words(moment))
            return self._one(said, now, lang)
        kinds = self.parser.focus_kinds(q, q.focus)
        if Mark.AFTER_THAT not in q.marks or item is None or not kinds or q.refs:
            return None
        moments = [m for m in (item.starts_at, item.release_at, item.due_at) if m is not None]
        anchor = max(moments)
        # The next event of each kind after the item's last moment.
        query = Query(Op.PICK, Subject(kinds=tuple(kinds)), notes=("after",))
        result = _after(self.course, query, anchor)
        if result is None:
            return None
        return Part(query, result, render(self.course, result, lang))


def _after(course: Course, query: Query, anchor: datetime) -> Result | None:
    """Return the next event of each of the query's kinds after ``anchor``, if any."""
    found = tuple(
        (kind, event)
        for kind in query.subject.kinds
        if (event := course.next_event(anchor, [kind])) is not None  # type: ignore[list-item]
    )
    if not found:
        return None
    used = tuple(e.source_id for _, e in found if e)
    return Nearest(future=True, found=found, used=used, compact=True)


def _unbreakable(match: re.Match[str]) -> str:
    # A zero-width non-joiner is no clause break, and normalisation reads it as a space.
    return re.sub(r"\s+", "\u200c", match.group(0))
