"""Answers that need a computation or a count: how many, how long until, how much a part of
the grade is worth, when the course starts or ends, class on a given day, around a break."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta

from bot.core import facts
from bot.core.answering.understand import ItemRef, Question, kind_of, read_number, reading
from bot.core.calendar import format_date, format_datetime, format_time, jalali_to_date, to_jalali
from bot.core.course import Course, Event, EventKind, Item
from bot.core.i18n import t
from bot.core.lexicon import lexicon
from bot.core.views import break_lines, event_title

Found = tuple[str, tuple[str, ...]]
LEX = lexicon()
# Units that make "how many …" a question of time or points, not of things to count.
_NOT_COUNTED = frozenset(LEX.words.not_counted)


def _count_of(token: str) -> str | None:
    for name, words in LEX.counts.items():
        if token in words or kind_of(token) == name:
            return name
    return None


def _countable(q: Question) -> str | None:
    """Find what "how many" counts: the word right after it ("how many TAs", "چند تا کوییز"),
    else the one before it ("کوییزها چندتاست")."""
    tokens = q.tokens
    triggers = [i for i, tok in enumerate(tokens) if tok in _COUNT_TRIGGERS]
    for index in triggers:
        for token in tokens[index + 1 : index + 3]:
            if (found := _count_of(token)) is not None:
                return found
    for index in triggers:
        for token in reversed(tokens[max(0, index - 2) : index]):
            if (found := _count_of(token)) is not None:
                return found
    if not triggers:
        return next((f for tok in tokens if (f := _count_of(tok)) is not None), None)
    return None


_COUNT_TRIGGERS = frozenset(LEX.words.count_triggers)


def count_answer(course: Course, q: Question, lang: str) -> Found | None:
    """Answer "how many quizzes / TAs / phases / references / sessions …": the number first."""
    if "count" not in q.marks or q.refs or set(q.tokens) & _NOT_COUNTED:
        return None
    name = _countable(q)
    if name is None:
        return None
    if name in ("quiz", "assignment", "project", "workshop"):
        items = course.items_of(name)  # type: ignore[arg-type]
        titles = ", ".join(
            f"{item.title.get(lang)} ({format_date(_item_day(item), lang)})" for item in items
        )
        kinds = t(lang, f"kind.{name}.many")
        text = t(lang, "answer.count", count=len(items), kinds=kinds, titles=titles)
        return text, (f"count:{name}",)
    if name in ("ta", "staff"):
        people = course.staff_by_role("lead_ta", "ta") if name == "ta" else course.data.staff
        names = ", ".join(
            p.name + (t(lang, "answer.lead_mark") if p.role == "lead_ta" else "") for p in people
        )
        key = "answer.count_tas" if name == "ta" else "answer.count_staff"
        return t(lang, key, count=len(people), names=names), (f"count:{name}",)
    if name == "reference":
        refs = course.data.references
        titles = "; ".join(r.title for r in refs)
        return t(lang, "answer.count_references", count=len(refs), titles=titles), (
            "count:reference",
        )
    if name == "class":
        held = [s for s in course.sessions if not s.cancelled]
        text = t(
            lang,
            "answer.count_sessions",
            count=len(held),
            first=format_date(held[0].date, lang),
            last=format_date(held[-1].date, lang),
        )
        return text, ("count:class",)
    if name == "section":
        titles = ", ".join(section.title.get(lang) for section in course.data.sections)
        count = len(course.data.sections)
        return t(lang, "answer.count_sections", count=count, titles=titles), ("count:section",)
    return None


def _item_day(item: Item) -> date:
    moment = item.starts_at or item.release_at
    assert moment is not None
    return moment.date()


def _grading_parts(q: Question) -> list[str]:
    words = set(q.tokens) | ({"finalexam"} if "final_exam" in q.marks else set())
    found: list[str] = []
    for part, names in LEX.grading.items():
        kind = _PART_KIND.get(part)
        if words & set(names) or (kind and any(kind_of(w) == kind for w in q.tokens)):
            found.append(part)
    # "final project" names the project, not the final exam; "final" alone is the exam.
    if "project" in found and "final" in found and "final_exam" not in q.marks:
        found.remove("final")
    if not found and words & set(LEX.order.get("final", [])):
        found.append("final")
    return found


_EVENT_OF_KIND: dict[str, EventKind] = {
    "quiz": "quiz",
    "workshop": "workshop",
    "assignment": "release",
    "project": "release",
}
_PART_KIND = {"project": "project", "assignments": "assignment", "quizzes": "quiz"}


def weight_answer(course: Course, q: Question, lang: str) -> Found | None:
    """Answer "how much is the final exam worth": each named part's points out of the total."""
    words = set(q.tokens)
    strong = words & set(LEX.words.weight)
    # "grade" or "نمره" alone may ask for one's own grade; with "how much" it asks a weight.
    weak = words & set(LEX.words.grade) and words & set(LEX.words.amount)
    if not (strong or weak or "weight" in q.marks) or words & set(LEX.words.self):
        return None
    parts = _grading_parts(q)
    if not parts:
        return None
    grading = course.data.grading
    by_id = {part.id: part for part in grading.parts}
    lines = []
    for part_id in parts:
        part = by_id.get(part_id)
        if part is None:
            continue
        lines.append(
            t(
                lang,
                "answer.weight",
                name=part.name.get(lang),
                points=part.points,
                total=grading.total,
                percent=round(100 * part.points / grading.total),
            )
        )
    if not lines:
        return None
    return "\n".join(lines), tuple(f"grading:{p}" for p in parts)


def until_answer(course: Course, event: Event, now: datetime, lang: str) -> str:
    """Say how long until ``event`` (or how long ago it was), with its date."""
    title = event_title(event, lang)
    when = format_datetime(event.at, lang)
    days = (event.at.date() - now.date()).days
    delta = event.at - now
    if delta <= timedelta(0):
        return t(lang, "answer.ago", what=title, when=when, days=-days)
    hours = int(delta.total_seconds() // 3600)
    if delta < timedelta(days=2):
        return t(lang, "answer.until_hours", what=title, when=when, hours=hours)
    return t(lang, "answer.until_days", what=title, when=when, days=days)


_CLASS_WORDS = frozenset({"class", "کلاس"})
# Things a "first"/"last" may be about other than the course itself.
_OTHER_NOUNS = frozenset(
    word for name in ("ta", "reference", "section") for word in LEX.counts.get(name, [])
)


def term_answer(course: Course, q: Question, lang: str) -> Found | None:
    """Answer when the course starts or ends: its first or last class, not the weekly time."""
    words = set(q.tokens)
    course_words = {*LEX.words.course, course.data.course.code.lower()}
    if not words & course_words or q.refs or q.span or q.kinds:
        return None
    if "final_exam" in q.marks or words & set(LEX.words.again):
        return None
    if set(q.focus) - {"class"}:
        return None
    if words & set(LEX.words.time_of_day):
        return None
    if words & _OTHER_NOUNS:
        return None  # "the first book on the list" is about the references, not the term
    starts = bool(words & set(LEX.words.start))
    ends = bool(words & set(LEX.words.end))
    if starts == ends:
        return None
    if not words & (set(LEX.words.course) - _CLASS_WORDS) and (ends or "until" in q.marks):
        # "When does class end?" is the hour, "how long until class starts" a countdown.
        return None
    held = [s for s in course.sessions if not s.cancelled]
    if starts:
        text = t(lang, "answer.course_starts", date=format_date(held[0].date, lang))
        if "where" in q.intents or words & _CLASS_WORDS:
            # "When does class start?" may mean the weekly hour as much as the first day.
            text += "\n" + facts.render(course, "classes", lang)
        return text, ("term:start",)
    last_deadline = course.last_event(datetime.max.replace(tzinfo=course.tz), ["deadline"])
    text = t(lang, "answer.course_ends", date=format_date(held[-1].date, lang))
    if last_deadline is not None and last_deadline.item is not None:
        text += "\n" + t(
            lang,
            "answer.last_deadline",
            what=event_title(last_deadline, lang),
            when=format_datetime(last_deadline.at, lang),
        )
    text += "\n" + course.data.exams.final.get(lang)
    return text, ("term:end",)


def class_on_day(course: Course, day: date, lang: str) -> Found:
    """Say whether there is class on ``day``, and if not, when the next one is."""
    session = course.session_on(day)
    if session is not None and not session.cancelled:
        hours = f"{format_time(session.starts_at, lang)}–{format_time(session.ends_at, lang)}"
        items = [
            item.title.get(lang)
            for item_id in session.item_ids
            if (item := course.item_by_id(item_id)) is not None
        ]
        text = t(
            lang,
            "answer.class_yes",
            date=format_date(day, lang),
            hours=hours,
            topic=session.section.title.get(lang),
            place=course.data.classes.place.get(lang),
        )
        if items:
            text += "\n" + t(
                lang,
                "answer.class_also",
                items="، ".join(items) if lang == "fa" else ", ".join(items),
            )
        return text, (f"session:{session.id}",)
    lines = [t(lang, "answer.class_no", date=format_date(day, lang))]
    lines += break_lines(course, lang, between=(day, day))
    if day.weekday() not in {s.date.weekday() for s in course.sessions}:
        # "Class on Wednesday?": not a class day at all, so say which days are.
        lines.append(facts.render(course, "classes", lang))
    start = datetime.combine(day + timedelta(days=1), time(0), tzinfo=course.tz)
    following = course.next_event(start, ["class"])
    if following is not None:
        lines.append(t(lang, "answer.next_class", when=format_datetime(following.at, lang)))
        return "\n".join(lines), (f"session:{following.session.id}",) if following.session else ()
    lines.append(t(lang, "answer.none_next", kinds=t(lang, "kind.class.many")))
    return "\n".join(lines), ()


def around_break(course: Course, q: Question, kinds: list[EventKind], lang: str) -> Found | None:
    """Answer "the next class after Nowruz", "the last quiz before the break"."""
    words = set(q.tokens)
    # "the first quiz after Nowruz": "first" counts from the break, not from the term.
    first_of_kind = all(ref.number == 1 for ref in q.refs) and words & set(LEX.order["first"])
    if "nowruz" not in q.marks or not course.breaks or (q.refs and not first_of_kind):
        return None
    if q.refs:
        kinds = [_EVENT_OF_KIND[ref.kind] for ref in q.refs]
    after = bool(words & set(LEX.order.get("after", [])))
    before = bool(words & set(LEX.order.get("before", []))) and not after
    resume = bool(words & (set(LEX.words.again) | set(LEX.words.start)))
    if not (after or before or resume):
        return None
    pause = course.breaks[0]
    kinds = kinds or ["class"]
    lines, used = [], []
    for kind in kinds:
        if before:
            # Classes stop at the break, but work falls due until the new year itself.
            last_day = pause.last_class if kind == "class" else _eve_of_nowruz(pause.last_class)
            moment = datetime.combine(last_day, time(23, 59), tzinfo=course.tz)
            event = course.last_event(moment, [kind])
        else:
            moment = datetime.combine(pause.next_class, time(0), tzinfo=course.tz)
            event = course.next_event(moment, [kind])
        if event is None:
            continue
        key = "answer.before_break" if before else "answer.after_break"
        lines.append(
            t(
                lang,
                key,
                what=event_title(event, lang),
                when=format_datetime(event.at, lang),
                name=pause.name.get(lang),
            )
        )
        used.append(event.key)
    if not lines:
        return None
    return "\n".join(lines), tuple(used)


_ITEM_KINDS = ("quiz", "assignment", "project", "workshop")


def _eve_of_nowruz(day: date) -> date:
    """Return the last day of the Jalali year ``day`` falls in (the eve of Nowruz)."""
    year = to_jalali(day).year
    return jalali_to_date(year + 1, 1, 1) - timedelta(days=1)


def item_named(course: Course, ref: ItemRef) -> Item | None:
    """Return the item a reference names ("quiz 3", "the MLflow workshop"), or None."""
    if ref.kind == "workshop" and ref.name:
        return course.item_by_id(f"workshop-{ref.name}")
    return course.item(ref.kind, ref.number) if ref.number is not None else None


def _moment(item: Item, by_deadline: bool) -> datetime | None:
    if by_deadline and item.due_at is not None:
        return item.due_at
    return item.starts_at or item.release_at or item.due_at


def neighbour(course: Course, q: Question) -> Item | None:
    """Find the item "the quiz after quiz 3" or "the deadline before the MLflow workshop" means.

    The kinds asked for are the item words other than the named item's own; with none ("the
    one after quiz 3", "the quiz after quiz 3") it is the named item's kind.
    """
    if q.relation is None:
        return None
    direction, ref = q.relation
    anchor_item = item_named(course, ref)
    if anchor_item is None:
        return None
    by_deadline = "deadline" in q.focus or "due" in q.intents
    anchor = _moment(anchor_item, by_deadline)
    asked = [f for f in q.focus if f in _ITEM_KINDS and f != anchor_item.kind]
    if asked:
        candidates = [item for item in course.items if item.kind in asked]
    elif "deadline" in q.focus:
        # "what's due next after CA3": any deadline, whatever item it belongs to
        candidates = [item for item in course.items if item.due_at is not None]
    else:
        candidates = course.items_of(anchor_item.kind)
    timed = [
        (moment, item)
        for item in candidates
        if item is not anchor_item and (moment := _moment(item, by_deadline)) is not None
    ]
    if anchor is None:
        return None
    if direction == "same":
        # Any of the item's own moments: "which quiz is on the day phase 3 comes out".
        days = {
            m.date()
            for m in (anchor_item.starts_at, anchor_item.release_at, anchor_item.due_at)
            if m
        }
        moments = [
            (m, item)
            for item in candidates
            if item is not anchor_item
            for m in (item.starts_at, item.release_at, item.due_at)
            if m is not None and m.date() in days
        ]
        return min(moments, key=lambda pair: pair[0])[1] if moments else None
    if direction == "after":
        later = [pair for pair in timed if pair[0] > anchor]
        return min(later, key=lambda pair: pair[0])[1] if later else None
    earlier = [pair for pair in timed if pair[0] < anchor]
    return max(earlier, key=lambda pair: pair[0])[1] if earlier else None


_DAY_WORDS = frozenset({"days", "day", "روز", "روزه"})


def between_answer(course: Course, q: Question, lang: str) -> Found | None:
    """Answer "how many days between quiz 2 and quiz 3" with the two dates and the gap."""
    asks_days = bool(q.marks & {"between", "until"}) or bool(set(q.tokens) & _DAY_WORDS)
    if len(q.refs) == 1 and {"release", "due"} <= q.intents and asks_days:
        return _release_to_due(course, q.refs[0], lang)
    relative = q.relation is not None and "until" in q.marks  # "… how many days before quiz 3"
    if not ("between" in q.marks or relative) or len(q.refs) < 2:
        return None
    by_deadline = "deadline" in q.focus or "due" in q.intents
    found: list[tuple[Item, datetime]] = []
    for ref in q.refs[:2]:
        item = item_named(course, ref)
        moment = _moment(item, by_deadline) if item is not None else None
        if item is None or moment is None:
            return None
        found.append((item, moment))
    (first, first_at), (second, second_at) = sorted(found, key=lambda pair: pair[1])
    text = t(
        lang,
        "answer.days_between",
        first=first.title.get(lang),
        first_when=format_date(first_at.date(), lang),
        second=second.title.get(lang),
        second_when=format_date(second_at.date(), lang),
        days=(second_at.date() - first_at.date()).days,
    )
    return text, (first.id, second.id)


_START_WORDS = frozenset(LEX.words.start)
_END_WORDS = frozenset(LEX.words.end)


def _section_named(course: Course, q: Question) -> str | None:
    text = f" {reading(q.text)} "
    return next((sid for sid, pattern in course.section_names if pattern.search(text)), None)


def section_answer(course: Course, q: Question, lang: str) -> Found | None:
    """Answer when a part of the course ("Deployment") starts or ends, how many classes it has,
    or which quizzes or workshops fall in it."""
    if any(f not in ("class", *_ITEM_KINDS) for f in q.focus):
        return None
    section_id = _section_named(course, q)
    if section_id is None:
        return None
    # "The first quiz of Deployment" reads as quiz 1 by the words alone, and "the Deployment
    # quiz the syllabus calls quiz4" names one outside it: the part named decides.
    first_of = len(q.refs) == 1 and q.refs[0].number == 1 and _says_first(q)
    outside = all(
        (item := item_named(course, ref)) is None or item.section.id != section_id for ref in q.refs
    )
    if q.refs and not (first_of or outside):
        return None
    section = course.section_of(section_id)
    assert section is not None
    sessions = [s for s in course.sessions if s.section.id == section_id]
    if not sessions:
        return None
    title = section.title.get(lang)
    kinds = [f for f in q.focus if f in _ITEM_KINDS]
    if kinds and q.span is None:
        return _section_items(course, q, section_id, kinds, lang)
    if kinds:
        return None  # "is the quiz on 27 Esfand about data or modeling?": the day answers
    first, last = sessions[0], sessions[-1]
    words = set(q.tokens)
    ends = q.wants_last or bool(words & _END_WORDS)
    starts = q.wants_first or bool(words & _START_WORDS)
    if ends and not starts:
        text = t(lang, "answer.section_last", title=title, when=format_date(last.date, lang))
    elif starts and not ends:
        text = t(lang, "answer.section_first", title=title, when=format_date(first.date, lang))
    else:  # both ("when does it start and end?") or neither: the whole span
        key = "answer.section_sessions" if "count" in q.marks else "answer.section_span"
        text = t(
            lang,
            key,
            title=title,
            count=len(sessions),
            start=format_date(first.date, lang),
            end=format_date(last.date, lang),
        )
        text += "\n" + ("، " if lang == "fa" else ", ").join(
            format_date(s.date, lang) for s in sessions
        )
    return text, (f"section:{section_id}",)


def asks_start_and_end(q: Question) -> bool:
    """Tell whether a question asks both when something starts and when it ends."""
    words = set(q.tokens)
    return bool(words & _START_WORDS and words & _END_WORDS)


def _says_first(q: Question) -> bool:
    return any(read_number(token) == (1, True) for token in q.tokens)


def _section_items(
    course: Course, q: Question, section_id: str, kinds: Sequence[str], lang: str
) -> Found:
    """List the quizzes, workshops, assignments or phases of one part of the course."""
    section = course.section_of(section_id)
    assert section is not None
    items = [i for i in course.items if i.section.id == section_id and i.kind in kinds]
    items.sort(key=lambda i: _moment(i, False) or datetime.max.replace(tzinfo=course.tz))
    if q.wants_first or _says_first(q):
        items = items[:1]
    elif q.wants_last:
        items = items[-1:]
    if not items:
        names = t(lang, f"kind.{kinds[0]}.many")
        return t(lang, "answer.section_none", kinds=names, title=section.title.get(lang)), ()
    lines = [
        t(lang, "facts.item_line", title=item.title.get(lang), when=facts.item_when(item, lang))
        for item in items
    ]
    return "\n".join(lines), tuple(item.id for item in items)


def _release_to_due(course: Course, ref: ItemRef, lang: str) -> Found | None:
    """Answer "how many days from phase 1's release to its deadline"."""
    item = item_named(course, ref)
    if item is None or item.release_at is None or item.due_at is None:
        return None
    text = t(
        lang,
        "answer.days_between",
        first=t(lang, "answer.release_of", title=item.title.get(lang)),
        first_when=format_date(item.release_at.date(), lang),
        second=t(lang, "answer.due_of", title=item.title.get(lang)),
        second_when=format_date(item.due_at.date(), lang),
        days=(item.due_at.date() - item.release_at.date()).days,
    )
    return text, (item.id,)


_AFTER_WORDS = frozenset(LEX.order.get("after", []))


def after_day_answer(
    course: Course, q: Question, kinds: list[EventKind], lang: str
) -> Found | None:
    """Answer "any classes after 13 Khordad?": how many follow that day, and the next one."""
    if q.span != "day" or q.day is None or q.refs or not kinds:
        return None
    if not set(q.tokens) & _AFTER_WORDS:
        return None
    start = datetime.combine(q.day + timedelta(days=1), time(0), tzinfo=course.tz)
    day = format_date(q.day, lang)
    lines: list[str] = []
    used: list[str] = []
    for kind in kinds:
        later = [e for e in course.events if e.kind == kind and e.at >= start]
        name = t(lang, f"kind.{kind}.{'one' if len(later) == 1 else 'many'}")
        if not later:
            lines.append(t(lang, "answer.none_after_day", day=day, kinds=name))
            continue
        lines.append(
            t(
                lang,
                "answer.after_day",
                day=day,
                count=len(later),
                kinds=name,
                what=event_title(later[0], lang),
                when=format_datetime(later[0].at, lang),
            )
        )
        used.append(later[0].source_id)
    return "\n".join(lines), tuple(used)


def open_work(course: Course, q: Question, now: datetime, lang: str) -> Found | None:
    """Answer "what's open right now?": assignments and phases released and not yet due."""
    if "open_now" not in q.marks or q.refs:
        return None
    kinds = [k for k in q.kinds if k in ("assignment", "project")] or ["assignment", "project"]
    work = [i for i in course.items if i.kind in kinds and i.release_at and i.due_at]
    open_now = [i for i in work if i.release_at and i.due_at and i.release_at <= now < i.due_at]
    if open_now:
        lines = [
            t(
                lang,
                "answer.open_item",
                title=i.title.get(lang),
                due=format_datetime(i.due_at, lang),
            )
            for i in open_now
            if i.due_at is not None
        ]
        return "\n".join([t(lang, "answer.open_head"), *lines]), tuple(i.id for i in open_now)
    coming = sorted((i for i in work if i.release_at and i.release_at > now), key=_released)
    text = t(lang, "answer.open_none")
    if coming:
        first = coming[0]
        assert first.release_at is not None
        when = format_date(first.release_at.date(), lang)
        text += " " + t(lang, "answer.open_next", title=first.title.get(lang), when=when)
        return text, (first.id,)
    return text, ()


def _released(item: Item) -> datetime:
    assert item.release_at is not None
    return item.release_at
