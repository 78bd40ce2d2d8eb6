"""Word what a question asks of named items."""

from __future__ import annotations

from bot.core.answering import entries
from bot.core.answering.query import Attr
from bot.core.answering.render.basic import missing
from bot.core.answering.render.calendar import agenda
from bot.core.answering.results import (
    ItemFacts,
)
from bot.core.course.course import Course, Item
from bot.core.lang.calendar import format_date, format_datetime
from bot.core.lang.i18n import t
from bot.core.render.views import (
    assumed_times,
)


def item_facts(course: Course, result: ItemFacts, lang: str) -> str:
    parts = [describe(course, item, result, lang) for item in result.items]
    if result.day is not None:
        parts.append(agenda(course, result.day, lang))
    if result.also is not None:
        parts.append(entries.render(course, result.also, lang))
    if result.missing is not None:
        parts.append(missing(course, result.missing, lang))
    return "\n\n".join(parts)


def describe(course: Course, item: Item, result: ItemFacts, lang: str) -> str:
    """Say what the question asks of an item, in past or future tense as of ``now``."""
    now, asked = result.now, set(result.attrs)
    title = item.title.get(lang)
    topic = item.topic.get(lang) if item.topic else item.section.title.get(lang)
    place = course.data.classes.place.get(lang)
    if item.starts_at is not None:
        when = format_datetime(item.starts_at, lang)
        tense = "past" if item.starts_at <= now else "future"
        key = "quiz" if item.kind == "quiz" else "workshop"
        text = t(lang, f"answer.{key}_{tense}", title=title, when=when, topic=topic, place=place)
        if item.kind == "workshop" and course.data.times.assumed:
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
    due_first = Attr.DEADLINE in asked and Attr.RELEASE not in asked
    lines = [due, release] if due_first else [release, due]
    if Attr.TOPIC in asked:
        lines.insert(0, t(lang, "answer.topic", title=title, topic=topic))
    if Attr.DEADLINE in asked or item.due_at > now:
        lines.append(t(lang, "answer.submit", url=course.submit_url))
    return "\n".join(lines)
