"""The staff desk: questions the bot could not answer, offered to students, sent to the staff
as cards, and the card → students mapping their answer goes back through.

Three tables. ``StaffOffer`` is the "Ask the course staff" button under a reply: the question
behind it, kept a few days. ``StaffCard`` is a card in the staff chat: the question as the
first student wrote it, never who asked. ``CardAsk`` says which students wait on a card and
what became of the answer to each; it is the only link to their identity, and it is deleted
``FORGET_AFTER`` a card is closed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import BigInteger, Index, UniqueConstraint, delete, func, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel, col, select

from bot.core.lang.detect import detect_language
from bot.core.lang.text import normalize
from bot.storage.database import from_db, utc

PENDING, ANSWERED, DISMISSED = "pending", "answered", "dismissed"
WAITING, DELIVERED, BLOCKED, FAILED = "waiting", "delivered", "blocked", "failed"
# A student's identity is kept this long after their card is closed, then forgotten.
FORGET_AFTER = timedelta(days=30)
# An offer (the button under a reply) not taken by then has expired.
OFFER_DAYS = timedelta(days=7)
# Sending an answer to a student is tried this many times (network trouble) before giving up.
MAX_ATTEMPTS = 5


class StaffOffer(SQLModel, table=True):
    """A question the bot could not answer, with the button that sends it to the staff."""

    token: str = Field(primary_key=True, description="the button's id, random")
    user_id: int = Field(index=True, sa_type=BigInteger)
    question: str
    lang: str
    guess: str | None = Field(default=None, description="the bot's closest guess, if any")
    offered_at: datetime
    sent_at: datetime | None = Field(default=None, description="when the student tapped it")


class StaffCard(SQLModel, table=True):
    """One card in the staff chat: a pending question and how many students asked it."""

    __table_args__ = (Index("ix_staffcard_message", "chat_id", "message_id"),)

    id: int | None = Field(default=None, primary_key=True)
    # The question's normalised text while the card is pending, so the same question asked
    # again (on any replica) joins this card; None once closed.
    open_key: str | None = Field(default=None, unique=True)
    question: str = Field(description="as the first student wrote it, cut to the limit")
    length: int = Field(description="how many characters the student wrote")
    lang: str
    guess: str | None = None
    asked: int = Field(default=1, description="students grouped on the card")
    status: str = Field(default=PENDING, description="pending, answered or dismissed")
    chat_id: int | None = Field(default=None, sa_type=BigInteger)
    message_id: int | None = None
    created_at: datetime
    closed_at: datetime | None = None
    closed_by: str | None = Field(default=None, description="the staff member's first name")
    answer: str | None = None


class CardAsk(SQLModel, table=True):
    """A student waiting on a card, and what became of the answer to them."""

    __table_args__ = (UniqueConstraint("card_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    card_id: int = Field(foreign_key="staffcard.id", index=True)
    user_id: int = Field(index=True, sa_type=BigInteger)
    lang: str
    asked_at: datetime
    status: str = Field(default=WAITING, description="waiting, delivered, blocked or failed")
    attempts: int = 0


@dataclass(frozen=True)
class Filed:
    """What tapping the button did: ``outcome`` and, when the question went on, its card."""

    outcome: Literal["filed", "joined", "already", "limit", "expired"]
    card: StaffCard | None = None
    cut: bool = False


@dataclass(frozen=True)
class DeskStats:
    """The staff desk's counts for /stats."""

    sent: int
    answered: int
    dismissed: int
    median_answer: timedelta | None
    saved: int


def question_key(question: str) -> str:
    """Return the text two questions share when they are the same question."""
    return " ".join(normalize(question).strip(" ?!.؟").split())


def add_offer(
    engine: Engine,
    token: str,
    user_id: int,
    question: str,
    *,
    lang: str,
    guess: str | None,
    now: datetime,
) -> None:
    """Remember the question behind a button offered to a student."""
    row = StaffOffer(
        token=token, user_id=user_id, question=question, lang=lang, guess=guess, offered_at=utc(now)
    )
    with Session(engine) as session:
        session.add(row)
        session.commit()


def file_question(
    engine: Engine,
    token: str,
    user_id: int,
    *,
    now: datetime,
    day_start: datetime,
    daily_limit: int,
    max_length: int,
) -> Filed:
    """Send the offered question on: put it on its pending card (a new one, or the one with the
    same text), in one transaction, so a double tap or a crash sends it once or not at all."""
    for attempt in range(2):
        try:
            return _file(engine, token, user_id, now, day_start, daily_limit, max_length)
        except IntegrityError:
            # Another process opened a card for the same text at the same moment: join it.
            if attempt:
                raise
    raise AssertionError("unreachable")


def _open_card(
    session: Session, offer: StaffOffer, now: datetime, max_length: int
) -> tuple[StaffCard, bool]:
    """Return the open card for the offer's question, opening one if none is; say if it is new."""
    key = question_key(offer.question)
    card = session.exec(select(StaffCard).where(StaffCard.open_key == key)).first()
    if card is not None:
        return card, False
    card = StaffCard(
        open_key=key,
        question=offer.question[:max_length],
        length=len(offer.question),
        # The language it is written in (the student may read answers in another).
        lang=detect_language(offer.question),
        guess=offer.guess,
        asked=0,
        created_at=utc(now),
    )
    session.add(card)
    session.flush()
    return card, True


def _file(
    engine: Engine,
    token: str,
    user_id: int,
    now: datetime,
    day_start: datetime,
    daily_limit: int,
    max_length: int,
) -> Filed:
    with Session(engine) as session:
        offer = session.get(StaffOffer, token)
        if offer is None or offer.user_id != user_id:
            return Filed("expired")
        if offer.sent_at is not None:
            return Filed("already")
        today = session.exec(
            select(func.count())
            .select_from(CardAsk)
            .where(CardAsk.user_id == user_id, col(CardAsk.asked_at) >= utc(day_start))
        ).one()
        if today >= daily_limit:
            return Filed("limit")
        # Only one tap may take the offer, whichever replica it reaches.
        taken = session.exec(
            update(StaffOffer)
            .where(col(StaffOffer.token) == token, col(StaffOffer.sent_at).is_(None))
            .values(sent_at=utc(now))
        )
        if taken.rowcount != 1:
            session.rollback()
            return Filed("already")
        card, opened = _open_card(session, offer, now, max_length)
        outcome: Literal["filed", "joined", "already"] = "filed" if opened else "joined"
        assert card.id is not None
        waiting = session.exec(
            select(CardAsk).where(CardAsk.card_id == card.id, CardAsk.user_id == user_id)
        ).first()
        if waiting is not None:
            outcome = "already"  # the same question again, from another message
        else:
            session.add(
                CardAsk(card_id=card.id, user_id=user_id, lang=offer.lang, asked_at=utc(now))
            )
            card.asked += 1
            session.add(card)
        session.commit()
        session.refresh(card)
        return Filed(outcome, card, cut=len(offer.question) > max_length)


def card_posted(engine: Engine, card_id: int, chat_id: int, message_id: int) -> None:
    """Note where the card was posted, so a reply to it finds it."""
    with Session(engine) as session:
        session.exec(
            update(StaffCard)
            .where(col(StaffCard.id) == card_id)
            .values(chat_id=chat_id, message_id=message_id)
        )
        session.commit()


def get_card(engine: Engine, card_id: int) -> StaffCard | None:
    """Return the card with this id."""
    with Session(engine) as session:
        return session.get(StaffCard, card_id)


def card_at(engine: Engine, chat_id: int, message_id: int) -> StaffCard | None:
    """Return the card posted as this message, if it is one."""
    with Session(engine) as session:
        return session.exec(
            select(StaffCard).where(
                StaffCard.chat_id == chat_id, StaffCard.message_id == message_id
            )
        ).first()


def close_card(
    engine: Engine,
    card_id: int,
    status: str,
    *,
    by: str,
    now: datetime,
    answer: str | None = None,
) -> StaffCard | None:
    """Answer or dismiss a pending card; None if it was closed already (once only)."""
    with Session(engine) as session:
        done = session.exec(
            update(StaffCard)
            .where(col(StaffCard.id) == card_id, col(StaffCard.status) == PENDING)
            .values(status=status, open_key=None, closed_at=utc(now), closed_by=by, answer=answer)
        )
        session.commit()
        if done.rowcount != 1:
            return None
        return session.get(StaffCard, card_id)


def waiting_on(engine: Engine, card_id: int) -> list[CardAsk]:
    """Return the students on a card whose answer has not gone out yet."""
    with Session(engine) as session:
        return list(
            session.exec(
                select(CardAsk)
                .where(CardAsk.card_id == card_id, CardAsk.status == WAITING)
                .order_by(col(CardAsk.id))
            ).all()
        )


def ask_counts(engine: Engine, card_id: int) -> dict[str, int]:
    """Count a card's students by what became of their answer."""
    with Session(engine) as session:
        rows = session.exec(
            select(CardAsk.status, func.count())
            .where(CardAsk.card_id == card_id)
            .group_by(col(CardAsk.status))
        ).all()
    return dict(rows)


def note_attempt(engine: Engine, ask_id: int, status: str | None) -> None:
    """Record one try at sending an answer: its final status, or None to try again later
    (``failed`` after ``MAX_ATTEMPTS``)."""
    with Session(engine) as session:
        ask = session.get(CardAsk, ask_id)
        if ask is None:
            return
        ask.attempts += 1
        if status is not None:
            ask.status = status
        elif ask.attempts >= MAX_ATTEMPTS:
            ask.status = FAILED
        session.add(ask)
        session.commit()


def unposted_cards(engine: Engine, before: datetime) -> list[StaffCard]:
    """Return pending cards created before ``before`` that never reached the staff chat."""
    with Session(engine) as session:
        return list(
            session.exec(
                select(StaffCard)
                .where(
                    StaffCard.status == PENDING,
                    col(StaffCard.message_id).is_(None),
                    col(StaffCard.created_at) < utc(before),
                )
                .order_by(col(StaffCard.id))
            ).all()
        )


def undelivered_cards(engine: Engine, before: datetime) -> list[StaffCard]:
    """Return cards closed before ``before`` with students still waiting for the outcome."""
    with Session(engine) as session:
        waiting = select(CardAsk.card_id).where(CardAsk.status == WAITING)
        return list(
            session.exec(
                select(StaffCard)
                .where(
                    col(StaffCard.status) != PENDING,
                    col(StaffCard.closed_at) < utc(before),
                    col(StaffCard.id).in_(waiting),
                )
                .order_by(col(StaffCard.id))
            ).all()
        )


def forget_students(engine: Engine, now: datetime) -> int:
    """Delete who asked what on cards closed ``FORGET_AFTER`` ago, and old offers; return how
    many students were forgotten."""
    closed = select(StaffCard.id).where(col(StaffCard.closed_at) < utc(now - FORGET_AFTER))
    with Session(engine) as session:
        gone = session.exec(delete(CardAsk).where(col(CardAsk.card_id).in_(closed)))
        session.exec(delete(StaffOffer).where(col(StaffOffer.offered_at) < utc(now - OFFER_DAYS)))
        session.commit()
    return int(gone.rowcount)


def desk_stats(engine: Engine, saved: int) -> DeskStats:
    """Count questions sent to the staff, answered and dismissed, and the median time from a
    card's first question to its answer."""
    with Session(engine) as session:
        cards = session.exec(
            select(StaffCard.status, StaffCard.asked, StaffCard.created_at, StaffCard.closed_at)
        ).all()
    sent = sum(asked for _, asked, _, _ in cards)
    answered = sum(asked for status, asked, _, _ in cards if status == ANSWERED)
    dismissed = sum(asked for status, asked, _, _ in cards if status == DISMISSED)
    waits = [
        from_db(closed) - from_db(created)
        for status, _, created, closed in cards
        if status == ANSWERED and closed is not None
    ]
    waits.sort()
    middle = len(waits) // 2
    median = None
    if waits:
        median = waits[middle] if len(waits) % 2 else (waits[middle - 1] + waits[middle]) / 2
    return DeskStats(sent, answered, dismissed, median, saved)
