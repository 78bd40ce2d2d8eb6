"""Word greetings, declines, the fallback, missing items and knowledge-base entries."""

from __future__ import annotations

from bot.core.answering import entries
from bot.core.answering.render.numbers import amount
from bot.core.answering.results import (
    Declined,
    Entry,
    Greeting,
    Missing,
    Result,
    Unsaid,
)
from bot.core.course.course import Course
from bot.core.course.models import Person
from bot.core.lang.i18n import t
from bot.core.render import facts

_SAID_WHY = frozenset({"personal", "solutions", "campus"})


def comma(lang: str) -> str:
    """Return the list separator of ``lang``."""
    return "، " if lang == "fa" else ", "


def greeting(course: Course, result: Greeting, lang: str) -> str:
    return t(lang, "answer.thanks" if result.thanks else "answer.greeting")


def fallback(course: Course, result: Result, lang: str) -> str:
    """Say the question was not understood, and what can be asked."""
    assignments = course.items_of("assignment")
    span = (
        f" ({assignments[0].title.get(lang)}–{assignments[-1].title.get(lang)})"
        if len(assignments) > 1
        else ""
    )
    return t(lang, "answer.fallback", url=course.submit_url, assignments=span)


def declined(course: Course, result: Declined, lang: str) -> str:
    reason = result.reason
    if result.entry is not None:
        return entries.render(course, result.entry, lang)
    if reason == "other-course":
        info = course.data.course
        name = f"{info.name.get(lang).split(' (')[0]}{comma(lang)}{info.code}"
        return t(lang, "answer.other_course", course=name)
    if reason == "other-term":
        return t(lang, "answer.other_term", term=course.data.course.term.get(lang))
    if reason == "no-phone" and result.person is not None:
        person: Person = result.person
        return t(lang, "answer.no_phone", name=person.name, emails=", ".join(person.emails))
    if reason == "other-person":
        return t(lang, "answer.other_person")
    if reason == "which-one":
        return t(lang, "answer.which_one")
    if reason == "date-out-of-range":
        return t(lang, "answer.out_of_range")
    if reason in _SAID_WHY:
        return t(lang, f"answer.why_{reason}", url=course.submit_url)
    return fallback(course, result, lang)


def missing(course: Course, result: Missing, lang: str) -> str:
    lines = []
    for ref in result.refs:
        existing = course.items_of(ref.kind)
        kinds = t(lang, f"kind.{ref.kind}.many")
        if not existing:
            lines.append(t(lang, "answer.no_such_kind", kinds=kinds))
            continue
        lines.append(
            t(
                lang,
                "answer.no_such_item",
                kind=t(lang, f"kind.{ref.kind}.one"),
                n=ref.number or 0,
                count=len(existing),
                kinds=kinds,
                first=existing[0].title.get(lang),
                last=existing[-1].title.get(lang),
            )
        )
    return "\n".join(lines)


def entry(course: Course, result: Entry, lang: str) -> str:
    return entries.render(course, result.entry, lang)


def _split_numbers(course: Course, lang: str) -> dict[str, str]:
    """Return the project's points, phases and equal share, for "how is it split?"."""
    project = next((p for p in course.data.grading.parts if p.id == "project"), None)
    phases = len(course.items_of("project"))
    if project is None or not phases:
        return {"points": "", "phases": "", "each": ""}
    return {
        "points": amount(project.points, lang),
        "phases": amount(phases, lang),
        "each": amount(project.points / phases, lang),
    }


def unsaid(course: Course, result: Unsaid, lang: str) -> str:
    """Say the syllabus does not give what was asked, then the one related fact it has."""
    what = t(lang, f"unsaid.{result.attribute}", **_split_numbers(course, lang))
    if result.item is None and result.related is None:
        return t(lang, "unsaid.alone", what=what)
    lines = [t(lang, "unsaid.head", what=what)]
    if result.item is not None:
        item = result.item
        when = facts.item_when(item, lang)
        line = t(lang, "facts.item_line", title=item.title.get(lang), when=when)
        lines.append(line.lstrip("• "))
    elif result.related is not None:
        lines.append(entries.render(course, result.related, lang))
    return "\n".join(lines)
