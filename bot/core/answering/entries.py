"""The knowledge base's entries: the phrasings the retrieval index matches, and each entry
rendered as the text of an answer."""

from __future__ import annotations

import re

from bot.core.answering.retrieval import Document, content_terms
from bot.core.course.course import Course
from bot.core.lang.calendar import format_date
from bot.core.lang.i18n import LANGS, t
from bot.core.lang.text import tokens
from bot.core.render import facts

_ADDRESS = re.compile(r"\S+@\S+|https?://\S+")


def documents(course: Course) -> list[Document]:
    """Build the phrasings the retrieval index matches against."""
    docs: list[Document] = []

    def add(entry: str, text: str, *, is_answer: bool = False) -> None:
        # An address's pieces ("gmail", "com", "https") are no words a student asks with,
        # and would pull typos ("come") toward the staff.
        terms = frozenset(content_terms(tokens(_ADDRESS.sub(" ", text))))
        docs.append(Document(entry, terms, is_answer))

    for faq in course.data.faq:
        for phrasing in [*faq.questions.en, *faq.questions.fa]:
            add(f"faq:{faq.id}", phrasing)
        answers = [facts.render(course, name, lang) for name in faq.facts for lang in LANGS]
        if faq.answer is not None:
            answers += [faq.answer.en, faq.answer.fa]
        add(f"faq:{faq.id}", " ".join(answers), is_answer=True)
    for person in course.data.staff:
        contacts = " ".join([*person.emails, person.phone or ""])
        for name in (person.name, *person.aliases):
            add(f"staff:{person.id}", f"{name} email contact {contacts}")
            add(f"staff:{person.id}", name)
            add(f"staff:{person.id}", f"{name} ایمیل تماس")
    for section in course.data.sections:
        for name in (section.title.en, section.title.fa, *section.aliases):
            add(f"section:{section.id}", f"{name} section")
            add(f"section:{section.id}", name)
            add(f"section:{section.id}", f"{name} بخش")
    for ref in course.data.references:
        add(f"reference:{ref.number}", f"{' '.join(ref.authors)} {ref.title}")
        add(f"reference:{ref.number}", ref.title)
    return docs


def render(course: Course, entry: str, lang: str) -> str:
    """Render an entry (``faq:grading``, ``staff:basafa``, ``section:data`` …) in ``lang``."""
    kind, _, key = entry.partition(":")
    if kind == "faq":
        faq = next(e for e in course.data.faq if e.id == key)
        parts = [facts.render(course, name, lang) for name in faq.facts]
        if faq.answer is not None:
            parts.append(faq.answer.get(lang))
        if faq.answered_on is not None:
            # A staff answer saved from the staff chat: say whose words these are, and when.
            parts.append(t(lang, "answer.by_staff", date=format_date(faq.answered_on, lang)))
        return "\n\n".join(part for part in parts if part)
    if kind == "staff":
        person = next(p for p in course.data.staff if p.id == key)
        role = {"instructor": "facts.instructor", "lead_ta": "facts.lead_ta"}.get(
            person.role, "facts.ta"
        )
        lines = [t(lang, role, name=person.name)]
        contacts = [*person.emails, *([person.phone] if person.phone else [])]
        if contacts:
            lines.append(", ".join(contacts))
        if person.meeting_hours:
            lines.append(
                t(
                    lang,
                    "facts.meeting_hours",
                    name=person.name,
                    hours=person.meeting_hours.get(lang),
                )
            )
        return "\n".join(lines)
    if kind == "section":
        return _section(course, key, lang)
    if kind == "reference":
        ref = next(r for r in course.data.references if str(r.number) == key)
        extra = ", ".join(str(v) for v in (ref.publisher, ref.year) if v)
        return f"[{ref.number}] {', '.join(ref.authors)}. {ref.title}" + (
            f", {extra}." if extra else "."
        )
    return facts.render(course, key, lang)


def _section(course: Course, section_id: str, lang: str) -> str:
    section = course.section_of(section_id)
    assert section is not None
    days = [s.date for s in course.sessions if s.section.id == section_id]
    lines = [
        t(
            lang,
            "facts.section",
            title=section.title.get(lang),
            start=format_date(min(days), lang),
            end=format_date(max(days), lang),
        )
    ]
    for item in course.items:
        if item.section.id == section_id:
            lines.append(
                t(
                    lang,
                    "facts.item_line",
                    title=item.title.get(lang),
                    when=facts.item_when(item, lang),
                )
            )
    return "\n".join(lines)
