"""Word answers about time: what is open, gaps, parts of the course, counts, the break, the term,
countdowns, next/last/first, what is left or done, spans of days."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from bot.core.answering import grounding
from bot.core.answering.query import Attr
from bot.core.answering.render.basic import comma
from bot.core.answering.render.numbers import amount
from bot.core.answering.results import (
    AfterDay,
    Agenda,
    Ahead,
    AroundBreak,
    ClassOnDay,
    Countdown,
    Counted,
    Done,
    Gap,
    Listed,
    Moment,
    Nearest,
    OpenWork,
    Overview,
    SectionDates,
    SectionItems,
    TermEnd,
    TermStart,
)
from bot.core.course.course import Course, Event, Item
from bot.core.course.models import GradingPart, Person, Reference
from bot.core.lang.calendar import format_date, format_datetime, format_time
from bot.core.lang.i18n import t
from bot.core.render import facts, views
from bot.core.render.views import (
    break_lines,
    event_line,
    event_subject,
    event_title,
    next_overview,
)


def open_work(course: Course, result: OpenWork, lang: str) -> str:
    if result.open_items:
        lines = [
            t(
                lang,
                "answer.open_item",
                title=i.title.get(lang),
                due=format_datetime(i.due_at, lang),
            )
            for i in result.open_items
            if i.due_at is not None
        ]
        return "\n".join([t(lang, "answer.open_head"), *lines])
    text = t(lang, "answer.open_none")
    first = result.coming
    if first is not None and first.release_at is not None:
        when = format_date(first.release_at.date(), lang)
        text += " " + t(lang, "answer.open_next", title=first.title.get(lang), when=when)
    return text


def _side(moment: Moment, lang: str) -> str:
    """Name one side of a gap: "Quiz 3", "The release of CA1", "the first class"."""
    if moment.item is None:
        if moment.role in ("first", "last"):
            key = f"answer.{moment.role}_class"
            if moment.around_break is not None:
                key += f"_{moment.around_break}_break"
            return t(lang, key)
        return t(lang, "answer.the_day") if moment.role == "day" else t(lang, "answer.now")
    title = moment.item.title.get(lang)
    if moment.role == "release":
        return t(lang, "answer.release_of", title=title)
    if moment.role == "due":
        return t(lang, "answer.due_of", title=title)
    if moment.role == "deadline":
        return t(lang, "answer.deadline_of", title=title)
    return title


def gap(course: Course, result: Gap, lang: str) -> str:
    """Say how many days (or hours) lie between two moments, with their dates."""
    text = t(
        lang,
        "answer.days_between",
        first=_side(result.first, lang),
        first_when=format_date(result.first.at.date(), lang),
        second=_side(result.second, lang),
        second_when=format_date(result.second.at.date(), lang),
        days=result.days,
    )
    if result.in_hours:
        hours = (result.second.at - result.first.at).total_seconds() / 3600
        text += " " + t(lang, "answer.hours_between", hours=round(hours))
    return text[:1].upper() + text[1:]


def section(course: Course, result: SectionDates, lang: str) -> str:
    title = result.section.title.get(lang)
    first, last = result.sessions[0], result.sessions[-1]
    asked = set(result.attrs)
    if asked >= {Attr.START, Attr.END} or not asked & {Attr.START, Attr.END}:
        key = "answer.section_sessions" if Attr.SESSIONS in asked else "answer.section_span"
        text = t(
            lang,
            key,
            title=title,
            count=len(result.sessions),
            start=format_date(first.date, lang),
            end=format_date(last.date, lang),
        )
        return text + "\n" + comma(lang).join(format_date(s.date, lang) for s in result.sessions)
    if Attr.END in asked:
        return t(lang, "answer.section_last", title=title, when=format_date(last.date, lang))
    return t(lang, "answer.section_first", title=title, when=format_date(first.date, lang))


def section_items(course: Course, result: SectionItems, lang: str) -> str:
    if not result.items:
        names = t(lang, f"kind.{result.kinds[0]}.many")
        return t(lang, "answer.section_none", kinds=names, title=result.section.title.get(lang))
    return "\n".join(
        t(lang, "facts.item_line", title=item.title.get(lang), when=facts.item_when(item, lang))
        for item in result.items
    )


def _item_day(item: Item) -> date:
    moment = item.starts_at or item.release_at
    assert moment is not None
    return moment.date()


def counted(course: Course, result: Counted, lang: str) -> str:
    what, things, count = result.what, result.things, len(result.things)
    if result.having:
        names = comma(lang).join(
            p.name if isinstance(p, Person) else getattr(p, "title", "") for p in things
        )
        return t(
            lang,
            f"answer.count_having_{what}",
            count=count,
            total=result.total,
            words=" ".join(result.having),
            names=names,
        )
    if what in ("quiz", "assignment", "project", "workshop"):
        items: list[Item] = list(things)  # type: ignore[arg-type]
        titles = ", ".join(
            f"{i.title.get(lang)} ({format_date(_item_day(i), lang)})" for i in items
        )
        kinds = t(lang, f"kind.{what}.many")
        return t(lang, "answer.count", count=count, kinds=kinds, titles=titles)
    if what in ("ta", "staff"):
        people: list[Person] = list(things)  # type: ignore[arg-type]
        names = ", ".join(
            p.name + (t(lang, "answer.lead_mark") if p.role == "lead_ta" else "") for p in people
        )
        key = "answer.count_tas" if what == "ta" else "answer.count_staff"
        if result.left_out:
            left_out = ", ".join(p.name for p in result.left_out)
            return t(lang, f"{key}_besides", count=count, names=names, left_out=left_out)
        return t(lang, key, count=count, names=names)
    if what == "grading":
        parts: list[GradingPart] = list(things)  # type: ignore[arg-type]
        listed = comma(lang).join(f"{p.name.get(lang)} {amount(p.points, lang)}" for p in parts)
        total = amount(course.data.grading.total, lang)
        return t(lang, "answer.count_grading", count=count, parts=listed, total=total)
    if what == "reference":
        refs: list[Reference] = list(things)  # type: ignore[arg-type]
        titles = "; ".join(r.title for r in refs)
        return t(lang, "answer.count_references", count=count, titles=titles)
    if what == "class":
        first, last = things[0], things[-1]
        return t(
            lang,
            "answer.count_sessions",
            count=count,
            first=format_date(first.date, lang),  # type: ignore[attr-defined]
            last=format_date(last.date, lang),  # type: ignore[attr-defined]
        )
    titles = ", ".join(section.title.get(lang) for section in things)  # type: ignore[attr-defined]
    return t(lang, "answer.count_sections", count=count, titles=titles)


def around_break(course: Course, result: AroundBreak, lang: str) -> str:
    key = "answer.before_break" if result.before else "answer.after_break"
    return "\n".join(
        t(
            lang,
            key,
            what=event_title(event, lang),
            when=format_datetime(event.at, lang),
            name=result.pause.name.get(lang),
        )
        for event in result.events
    )


def after_day(course: Course, result: AfterDay, lang: str) -> str:
    day = format_date(result.day, lang)
    lines = []
    for kind, later in result.groups:
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
    return "\n".join(lines)


def term_start(course: Course, result: TermStart, lang: str) -> str:
    text = t(lang, "answer.course_starts", date=format_date(result.day, lang))
    if result.with_classes:
        text += "\n" + facts.render(course, "classes", lang)
    return text


def term_end(course: Course, result: TermEnd, lang: str) -> str:
    text = t(lang, "answer.course_ends", date=format_date(result.day, lang))
    last = result.last_deadline
    if last is not None:
        text += "\n" + t(
            lang,
            "answer.last_deadline",
            what=event_title(last, lang),
            when=format_datetime(last.at, lang),
        )
    return text + "\n" + course.data.exams.final.get(lang)


def countdown(course: Course, result: Countdown, lang: str) -> str:
    event, now = result.event, result.now
    title = event_title(event, lang)
    when = format_datetime(event.at, lang)
    days = (event.at.date() - now.date()).days
    delta = event.at - now
    if delta.total_seconds() <= 0:
        return t(lang, "answer.ago", what=title, when=when, days=-days)
    hours = int(delta.total_seconds() // 3600)
    if delta.days < 2:
        return t(lang, "answer.until_hours", what=title, when=when, hours=hours)
    return t(lang, "answer.until_days", what=title, when=when, days=days)


def class_on(course: Course, result: ClassOnDay, lang: str) -> str:
    session, day = result.session, result.day
    if session is not None:
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
            text += "\n" + t(lang, "answer.class_also", items=comma(lang).join(items))
        return text
    lines = [t(lang, "answer.class_no", date=format_date(day, lang))]
    lines += break_lines(course, lang, between=(day, day))
    if day.weekday() not in {s.date.weekday() for s in course.sessions}:
        # "Class on Wednesday?": not a class day at all, so say which days are.
        lines.append(facts.render(course, "classes", lang))
    if result.following is not None:
        when = format_datetime(result.following.at, lang)
        lines.append(t(lang, "answer.next_class", when=when))
    else:
        lines.append(t(lang, "answer.none_next", kinds=t(lang, "kind.class.many")))
    return "\n".join(lines)


def event_sentence(course: Course, key: str, kind: str, event: Event, lang: str) -> str:
    """Say one event with ``key``'s wording, with its class hours or topic on a second line."""
    head = t(
        lang,
        key,
        kind=t(lang, f"kind.{kind}.one"),
        what=event_subject(event, lang),
        when=format_datetime(event.at, lang),
    )
    if event.session is not None:
        session = event.session
        place = course.data.classes.place.get(lang)
        extra = [
            f"{format_time(session.starts_at, lang)}–{format_time(session.ends_at, lang)}"
            f"{comma(lang)}{place}"
        ]
        for item_id in session.item_ids:
            item = course.item_by_id(item_id)
            if item is not None and item.kind in ("quiz", "workshop"):
                extra.append(item.title.get(lang))
        return head + "\n" + " · ".join(extra)
    if event.item is not None and event.kind in ("quiz", "workshop"):
        topic = event.item.topic or event.item.section.title
        return head + "\n" + topic.get(lang)
    return head


def _none_left(course: Course, kinds: tuple[str, ...], last: tuple[Event, ...], lang: str) -> str:
    lines = [t(lang, "answer.none_next", kinds=t(lang, f"kind.{kinds[0]}.many"))]
    lines += [
        t(lang, "answer.last_was", what=event_title(e, lang), when=format_datetime(e.at, lang))
        for e in last
    ]
    return "\n".join(lines)


def nearest(course: Course, result: Nearest, lang: str) -> str:
    lines = []
    for kind, event in result.found:
        if event is None and result.future:
            found = grounding.matching(course, kind, result.item_kinds)
            lines.append(_none_left(course, (kind,), tuple(found[-1:]), lang))
        elif event is None:
            lines.append(t(lang, "answer.none_past", kind=t(lang, f"kind.{kind}.one")))
        else:
            key = "answer.next" if result.future else "answer.last"
            lines.append(event_sentence(course, key, kind, event, lang))
    return ("\n" if result.compact else "\n\n").join(lines)


def listed(course: Course, result: Listed, lang: str) -> str:
    return "\n".join(
        f"{event_title(event, lang)}: {format_datetime(event.at, lang)}" for event in result.events
    )


def ahead(course: Course, result: Ahead, lang: str) -> str:
    if result.events:
        return "\n".join(event_line(event, lang) for event in result.events)
    return _none_left(course, result.kinds, result.last, lang)


def done(course: Course, result: Done, lang: str) -> str:
    if not result.events:
        return t(lang, "answer.none_past", kind=t(lang, f"kind.{result.kinds[0]}.one"))
    return "\n".join(f"✓ {event_line(event, lang)[2:]}" for event in result.events)


def agenda(course: Course, result: Agenda, lang: str) -> str:
    first, last = result.first, result.last
    span_text = _span_text(result.span, first, last, lang)
    only_deadlines = result.focus == ("deadline",)
    if not result.events:
        key = "answer.nothing_due" if only_deadlines else "answer.nothing_on"
        lines = [t(lang, key, span=span_text)]
        lines += break_lines(course, lang, between=(first, last))
        if result.following is not None:
            following = result.following
            lines.append(
                t(
                    lang,
                    "answer.next_after",
                    what=event_title(following, lang),
                    when=format_datetime(following.at, lang),
                )
            )
        return "\n".join(lines)
    head = t(lang, "answer.due_in_span" if only_deadlines else "answer.on_day", span=span_text)
    start = datetime.combine(first, datetime.min.time(), tzinfo=course.tz)
    end = datetime.combine(last + timedelta(days=1), datetime.min.time(), tzinfo=course.tz)
    kinds = tuple(result.focus) if result.focus else None
    body = views.agenda(course, start, end, lang, kinds, topics=result.topics)  # type: ignore[arg-type]
    if first == last:
        # One day: the heading already names it, so drop the agenda's date line.
        body = [line.strip() for line in body[1:]]
    lines = [head[:1].upper() + head[1:], *body, *break_lines(course, lang, between=(first, last))]
    return "\n".join(lines)


def _span_text(span: str, first: date, last: date, lang: str) -> str:
    if span in ("this_week", "next_week", "last_week"):
        return t(
            lang, f"answer.span_{span}", start=format_date(first, lang), end=format_date(last, lang)
        )
    if span == "month":
        return t(
            lang, "answer.span_range", start=format_date(first, lang), end=format_date(last, lang)
        )
    key = span if span in ("today", "tomorrow", "yesterday") else "day"
    return t(lang, f"answer.span_{key}", date=format_date(first, lang))


def overview(course: Course, result: Overview, lang: str) -> str:
    return next_overview(course, result.now, lang)
