"""Render the course's standing facts (grading, staff, policies, …) as plain text in a language."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from bot.core.lang.calendar import format_date, format_datetime, format_time
from bot.core.lang.i18n import t
from bot.core.render.views import assumed_times, break_lines, deadline_basis

if TYPE_CHECKING:
    from bot.core.course.course import Course, Item
    from bot.core.course.models import Person


def _join(lang: str, parts: list[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    separator = "، " if lang == "fa" else ", "
    return separator.join(parts[:-1]) + t(lang, "and") + parts[-1]


def identity(course: Course, lang: str) -> str:
    """Name the course, its department, university and term."""
    info = course.data.course
    return t(
        lang,
        "facts.identity",
        name=info.name.get(lang),
        department=info.department.get(lang),
        university=info.university.get(lang),
        term=info.term.get(lang),
    )


def objective(course: Course, lang: str) -> str:
    """State the course's objective."""
    return course.data.objective.get(lang)


def grading(course: Course, lang: str) -> str:
    """List the grading parts and the total."""
    data = course.data.grading
    lines = [t(lang, "facts.grading_head", total=data.total)]
    lines += [
        t(lang, "facts.grading_part", name=part.name.get(lang), points=part.points)
        for part in data.parts
    ]
    if data.note:
        lines.append(data.note.get(lang))
    return "\n".join(lines)


def classes(course: Course, lang: str) -> str:
    """Say where and when classes are held, and the virtual-class rule."""
    data = course.data.classes
    days = _join(lang, [t(lang, f"days.{day}") for day in data.days])
    main = t(
        lang,
        "facts.classes",
        place=data.place.get(lang),
        days=days,
        start=format_time(data.start, lang),
        end=format_time(data.end, lang),
    )
    return f"{main}\n{data.online.get(lang)}"


def online(course: Course, lang: str) -> str:
    """Say that classes are in person, and when they go online."""
    data = course.data.classes
    in_person = t(lang, "facts.in_person", place=data.place.get(lang))
    return f"{in_person}\n{data.online.get(lang)}"


def cancellation(course: Course, lang: str) -> str:
    """Explain what happens when students cancel a class."""
    text = course.data.classes.cancellation
    return text.get(lang) if text else classes(course, lang)


def _person(person: Person, lang: str, key: str) -> str:
    lines = [t(lang, key, name=person.name)]
    contacts = [*person.emails, *([person.phone] if person.phone else [])]
    if contacts:
        lines.append(t(lang, "facts.contact", items=", ".join(contacts)))
    return "\n".join(lines)


def instructor(course: Course, lang: str) -> str:
    """Name the instructor with contacts and meeting hours."""
    lines = [_person(p, lang, "facts.instructor") for p in course.staff_by_role("instructor")]
    return "\n".join([*lines, meeting_hours(course, lang)])


def lead_ta(course: Course, lang: str) -> str:
    """Name the lead TA with contacts."""
    return "\n".join(_person(p, lang, "facts.lead_ta") for p in course.staff_by_role("lead_ta"))


def tas(course: Course, lang: str) -> str:
    """List every TA with contacts, lead TA first."""
    lines = [t(lang, "facts.tas_head")]
    for person in course.staff_by_role("lead_ta", "ta"):
        key = "facts.lead_ta" if person.role == "lead_ta" else "facts.ta"
        lines.append(_person(person, lang, key))
    return "\n".join(lines)


def staff(course: Course, lang: str) -> str:
    """List the instructor and every TA with contacts."""
    return f"{instructor(course, lang)}\n\n{tas(course, lang)}"


def meeting_hours(course: Course, lang: str) -> str:
    """Give the staff's meeting hours."""
    lines = [
        t(lang, "facts.meeting_hours", name=p.name, hours=p.meeting_hours.get(lang))
        for p in course.data.staff
        if p.meeting_hours is not None
    ]
    return "\n".join(lines)


def late_policy(course: Course, lang: str) -> str:
    """Explain the late-submission policy."""
    late = course.data.policies.late
    summary = t(
        lang,
        "facts.late_numbers",
        max=late.max_delay_days,
        free=late.free_delay_days,
        penalty=late.penalty_percent_per_hour,
    )
    return f"{late.text.get(lang)}\n{summary}"


def collaboration(course: Course, lang: str) -> str:
    """Explain what collaboration is allowed and how to list sources."""
    return course.data.policies.collaboration.get(lang)


def honesty(course: Course, lang: str) -> str:
    """Give the penalties for cheating and copying."""
    return course.data.policies.honesty.get(lang)


def references(course: Course, lang: str) -> str:
    """List the course's references."""
    lines = [t(lang, "facts.references_head")]
    for ref in course.data.references:
        title = ref.title + (f", {ref.publisher}" if ref.publisher else "")
        title += f", {ref.year}" if ref.year else ""
        lines.append(f"[{ref.number}] {', '.join(ref.authors)}. {title}.")
    return "\n".join(lines)


def pages(course: Course, lang: str) -> str:
    """List the course pages and what each is for."""
    lines = [t(lang, "facts.pages_head")]
    lines += [
        t(lang, "facts.page", name=p.name.get(lang), url=p.url, purpose=p.purpose.get(lang))
        for p in course.data.pages
    ]
    return "\n".join(lines)


def _page(course: Course, lang: str, page_id: str) -> str:
    for p in course.data.pages:
        if p.id == page_id:
            return t(
                lang, "facts.page", name=p.name.get(lang), url=p.url, purpose=p.purpose.get(lang)
            )
    return pages(course, lang)


def webpage(course: Course, lang: str) -> str:
    """Give the course webpage."""
    return _page(course, lang, "webpage")


def quera(course: Course, lang: str) -> str:
    """Give the Quera page and what it is for."""
    return _page(course, lang, "quera")


def item_when(item: Item, lang: str) -> str:
    """Describe when an item happens: its date and time, or its release and deadline."""
    if item.due_at is not None and item.release_at is not None:
        return t(
            lang,
            "facts.release_due",
            release=format_date(item.release_at.date(), lang),
            due=format_datetime(item.due_at, lang) + deadline_basis(item, lang),
        )
    assert item.starts_at is not None
    return format_datetime(item.starts_at, lang)


def _item_list(course: Course, lang: str, kind: str, head: str, **values: object) -> str:
    items = [item for item in course.items if item.kind == kind]
    lines = [t(lang, head, count=len(items), **values)]
    lines += [
        t(lang, "facts.item_line", title=item.title.get(lang), when=item_when(item, lang))
        for item in items
    ]
    lines += assumed_times(items, lang)
    return "\n".join(lines)


def quizzes(course: Course, lang: str) -> str:
    """Explain the quizzes, where they are held, and list their dates."""
    listing = _item_list(course, lang, "quiz", "facts.quizzes_head")
    return f"{quiz_rules(course, lang)}\n{listing}"


def quiz_rules(course: Course, lang: str) -> str:
    """Say how the quizzes are held and where, without listing them."""
    data = course.data.classes
    where = t(
        lang, "facts.quiz_place", place=data.place.get(lang), start=format_time(data.start, lang)
    )
    return f"{course.data.exams.quizzes.get(lang)}\n{where}"


def final_exam(course: Course, lang: str) -> str:
    """Say what is known about the final exam."""
    return course.data.exams.final.get(lang)


def assignments(course: Course, lang: str) -> str:
    """List the assignments with release and due dates."""
    days = course.data.policies.assignment_days
    return _item_list(course, lang, "assignment", "facts.assignments_head", days=days)


def project(course: Course, lang: str) -> str:
    """List the project phases; say so where the printed dates differ from the policy's days."""
    days = course.data.policies.project_phase_days
    phases = course.items_of("project")
    printed = [
        (p.due_at.date() - p.release_at.date()).days
        for p in phases
        if p.due_at is not None and p.release_at is not None
    ]
    listing = _item_list(course, lang, "project", "facts.project_head", days=days)
    if all(length == days for length in printed):
        return listing
    lengths = _join(lang, [t(lang, "facts.days", n=n) for n in printed])
    return f"{listing}\n" + t(lang, "facts.project_mismatch", days=days, lengths=lengths)


def workshops(course: Course, lang: str) -> str:
    """List the workshops."""
    return _item_list(course, lang, "workshop", "facts.workshops_head")


def deadlines(course: Course, lang: str) -> str:
    """List every deadline of the term in date order."""
    lines = [t(lang, "facts.deadlines_head")]
    items: list[Item] = []
    for event in course.events:
        if event.kind == "deadline" and event.item is not None:
            when = format_datetime(event.at, lang) + deadline_basis(event.item, lang)
            lines.append(t(lang, "facts.item_line", title=event.item.title.get(lang), when=when))
            items.append(event.item)
    lines += assumed_times(items, lang)
    return "\n".join(lines)


def term(course: Course, lang: str) -> str:
    """Say when classes start and end, and where the final exam date is announced."""
    first, last = course.sessions[0].date, course.sessions[-1].date
    span = t(lang, "facts.term", start=format_date(first, lang), end=format_date(last, lang))
    return f"{span}\n{course.data.exams.final.get(lang)}"


def breaks(course: Course, lang: str) -> str:
    """Describe the breaks with no classes."""
    return "\n".join(break_lines(course, lang, key="facts.break"))


def sections(course: Course, lang: str) -> str:
    """List the sections of the course with their date ranges."""
    lines = [t(lang, "facts.sections_head")]
    for section in course.data.sections:
        days = [s.date for s in course.sessions if s.section.id == section.id]
        if days:
            lines.append(
                t(
                    lang,
                    "facts.section",
                    title=section.title.get(lang),
                    start=format_date(min(days), lang),
                    end=format_date(max(days), lang),
                )
            )
    return "\n".join(lines)


FACTS: dict[str, Callable[[Course, str], str]] = {
    "identity": identity,
    "objective": objective,
    "grading": grading,
    "classes": classes,
    "online": online,
    "cancellation": cancellation,
    "instructor": instructor,
    "lead_ta": lead_ta,
    "tas": tas,
    "staff": staff,
    "meeting_hours": meeting_hours,
    "late_policy": late_policy,
    "collaboration": collaboration,
    "honesty": honesty,
    "references": references,
    "pages": pages,
    "webpage": webpage,
    "quera": quera,
    "quizzes": quizzes,
    "final_exam": final_exam,
    "quiz_rules": quiz_rules,
    "assignments": assignments,
    "project": project,
    "workshops": workshops,
    "deadlines": deadlines,
    "term": term,
    "breaks": breaks,
    "sections": sections,
}


def render(course: Course, name: str, lang: str) -> str:
    """Render the fact ``name`` in ``lang``."""
    return FACTS[name](course, lang)
