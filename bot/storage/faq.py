"""FAQ entries the staff saved from their chat: a student's question and the staff's answer,
used by the engine beside the course file's own entries (see ``Course.with_faq``)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import yaml
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel, col, select

from bot.core.course.models import FaqEntry, FaqQuestions, Text
from bot.core.lang.calendar import MONTHS_EN, to_jalali
from bot.storage.database import utc

# Saved entries' ids in the course: "staff-3". A course file with the export merged in has
# the same ids, and then its own entry wins (Course.with_faq).
ID_PREFIX = "staff-"

Revision = tuple[int, int, int]


class SavedFaq(SQLModel, table=True):
    """A question and the staff's answer to it, saved as an FAQ entry."""

    id: int | None = Field(default=None, primary_key=True)
    card_id: int | None = Field(default=None, unique=True, description="the card it came from")
    question: str
    answer: str
    lang: str
    answered_on: date = Field(description="the day the staff answered, in the course's zone")
    saved_at: datetime
    saved_by: str = Field(description="the first name of who saved it")
    removed_at: datetime | None = None


def save_faq(
    engine: Engine,
    *,
    card_id: int,
    question: str,
    answer: str,
    lang: str,
    answered_on: date,
    by: str,
    now: datetime,
) -> SavedFaq | None:
    """Save a card's question and answer as an entry; None if that card was saved already."""
    row = SavedFaq(
        card_id=card_id,
        question=question,
        answer=answer,
        lang=lang,
        answered_on=answered_on,
        saved_at=utc(now),
        saved_by=by,
    )
    with Session(engine) as session:
        session.add(row)
        try:
            session.commit()
        except IntegrityError:
            return None
        session.refresh(row)
        return row


def saved_for_card(engine: Engine, card_id: int) -> SavedFaq | None:
    """Return the entry saved from a card, if any (removed or not)."""
    with Session(engine) as session:
        return session.exec(select(SavedFaq).where(SavedFaq.card_id == card_id)).first()


def saved_faq(engine: Engine) -> list[SavedFaq]:
    """Return the saved entries in use, oldest first."""
    with Session(engine) as session:
        return list(
            session.exec(
                select(SavedFaq)
                .where(col(SavedFaq.removed_at).is_(None))
                .order_by(col(SavedFaq.id))
            ).all()
        )


def remove_faq(engine: Engine, entry_id: int, now: datetime) -> bool:
    """Stop using a saved entry; False if there is no such entry in use."""
    with Session(engine) as session:
        row = session.get(SavedFaq, entry_id)
        if row is None or row.removed_at is not None:
            return False
        row.removed_at = utc(now)
        session.add(row)
        session.commit()
    return True


def faq_revision(engine: Engine) -> Revision:
    """Return a value that changes whenever an entry is saved or removed (one cheap query)."""
    with Session(engine) as session:
        total, last, removed = session.exec(
            select(func.count(), func.max(SavedFaq.id), func.count(col(SavedFaq.removed_at)))
        ).one()
    return int(total), int(last or 0), int(removed)


def saved_count(engine: Engine) -> int:
    """Count the entries ever saved (removed ones too): what /stats reports."""
    with Session(engine) as session:
        return int(session.exec(select(func.count()).select_from(SavedFaq)).one())


def as_entry(row: SavedFaq) -> FaqEntry:
    """Return a saved entry as the course's FAQ entry: the staff's words in both languages
    (they wrote in one), marked as theirs with the day they answered."""
    assert row.id is not None
    return FaqEntry(
        id=f"{ID_PREFIX}{row.id}",
        questions=FaqQuestions(en=[row.question], fa=[row.question]),
        answer=Text(en=row.answer, fa=row.answer),
        source="staff",
        answered_on=row.answered_on,
    )


def export_yaml(rows: list[SavedFaq]) -> str:
    """Write saved entries as the course file's ``faq:`` list, indented like the course file,
    so the entries can be appended to its own list (``course-bot faq export``)."""
    entries = []
    for row in rows:
        entry = as_entry(row)
        assert entry.answered_on is not None and entry.answer is not None
        day = to_jalali(entry.answered_on)
        entries.append(
            {
                "id": entry.id,
                "source": entry.source,
                "answered_on": f"{day.day} {MONTHS_EN[day.month]} {day.year}",
                "questions": {"en": entry.questions.en, "fa": entry.questions.fa},
                "answer": {"en": entry.answer.en, "fa": entry.answer.fa},
            }
        )
    return yaml.dump(
        {"faq": entries},
        Dumper=_CourseFileDumper,
        allow_unicode=True,
        sort_keys=False,
        width=100,
        default_flow_style=False,
    )


class _CourseFileDumper(yaml.SafeDumper):
    """Indent lists under their key ("  - id: …") and write multi-line text as a block."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> Any:
        return super().increase_indent(flow, False)


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_CourseFileDumper.add_representer(str, _text)
