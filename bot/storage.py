"""The bot's state in SQL through SQLModel: users' language choices, the question log,
reminder subscriptions and deliveries.

Every table lives in ``SQLModel.metadata``; a change to the tables needs an Alembic migration
in ``bot/migrations/versions`` (``tests/test_schema.py`` fails until models and migrations
agree).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import BigInteger, UniqueConstraint, delete, event, func
from sqlalchemy import select as sa_select
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError
from sqlmodel import Field, Session, SQLModel, col, create_engine, select

from bot.core.text import normalize

UNANSWERED_TOPIC = "unanswered"


class User(SQLModel, table=True):
    """A Telegram user who talked to the bot: only the id, the chosen language and when."""

    id: int = Field(primary_key=True, sa_type=BigInteger, description="Telegram user id")
    language: str | None = Field(default=None, description="None until the user picks one")
    first_seen: datetime
    # Set when the user blocks the bot, cleared when they write again; broadcasts skip them.
    blocked: bool = False


class QuestionLog(SQLModel, table=True):
    """One free-text question and how the engine did with it."""

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(index=True, sa_type=BigInteger)
    question: str
    lang: str
    answered: bool
    used: str = Field(default="", description="KB ids the answer came from, comma-separated")
    topic: str = Field(index=True)
    asked_at: datetime


class Subscription(SQLModel, table=True):
    """A student's /subscribe choice: which reminders they want by direct message."""

    user_id: int = Field(primary_key=True, sa_type=BigInteger, description="Telegram user id")
    interest: str = Field(description="all, quizzes or deadlines")
    subscribed_at: datetime
    active: bool = True
    # The language resolved when they subscribed; a later /language choice takes precedence.
    language: str | None = None


class Delivery(SQLModel, table=True):
    """One reminder (key and due time) for one recipient, written once Telegram accepted it.

    The unique constraint is the "send once" guard: a recipient with a row is never sent the
    same reminder again, across restarts.
    """

    __table_args__ = (UniqueConstraint("key", "due_at", "recipient"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(index=True, description="the reminder's key, e.g. quiz:quiz-2/1d/channel")
    due_at: datetime = Field(description="UTC")
    recipient: str = Field(description="chat id or @username; 'subscribers' for a skip")
    status: str = Field(description="sent, late, skipped or failed")
    at: datetime
    message_id: int | None = None


class EventTime(SQLModel, table=True):
    """The last known time of a dated event, to notice when the course file moves it."""

    key: str = Field(primary_key=True, description="event key, e.g. deadline:ca-1")
    at: datetime = Field(description="UTC")


class EventVersion(SQLModel, table=True):
    """What the calendar feed published of an event, to number its changes (SEQUENCE)."""

    key: str = Field(primary_key=True, description="event key, e.g. deadline:ca-1")
    fingerprint: str = Field(description="digest of the event's times and texts")
    sequence: int = 0
    modified_at: datetime = Field(description="UTC; when the fingerprint last changed")


class ChannelProblem(SQLModel, table=True):
    """A channel the bot could not post to, kept until a post succeeds, so it is reported once."""

    channel: str = Field(primary_key=True)
    error: str
    since: datetime


@dataclass(frozen=True)
class Subscriber:
    """A recipient of subscriber reminders and the language to write to them in."""

    user_id: int
    language: str


@dataclass(frozen=True)
class Stats:
    """Counts for /stats."""

    users: int
    questions: int
    answered: int
    topics: list[tuple[str, int]]

    @property
    def answered_rate(self) -> float:
        """Return the share of questions answered, 0.0 with no questions."""
        return self.answered / self.questions if self.questions else 0.0


def make_engine(database_url: str, *, migrate: bool = True) -> Engine:
    """Create the engine (and a SQLite file's folder), tune SQLite and, with ``migrate``,
    bring the schema up to date (``bot.schema.upgrade``)."""
    url = make_url(database_url)
    sqlite = url.get_backend_name() == "sqlite"
    connect_args: dict[str, Any] = {}
    if sqlite:
        if url.database and url.database != ":memory:":
            Path(url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        # Handlers run on the event loop thread, /reload work may run in another one.
        connect_args["check_same_thread"] = False
    elif url.get_backend_name() == "postgresql":
        connect_args.update(postgres_connect_args())
    # A replica outlives database restarts and failovers: test pooled connections before use.
    engine = create_engine(url, connect_args=connect_args, pool_pre_ping=not sqlite)
    if sqlite:
        event.listen(engine, "connect", _tune_sqlite)
    if migrate:
        from bot import schema

        schema.upgrade(engine)
    return engine


def open_database(database_url: str) -> Engine:
    """Open the bot's database: an embedded SQLite file is migrated in place (one process owns
    it); a shared server must already be at the code's revision (``course-bot migrate``).

    Raises ``bot.schema.SchemaError`` for a server database that is behind.
    """
    from bot import schema

    embedded = make_url(database_url).get_backend_name() == "sqlite"
    engine = make_engine(database_url, migrate=embedded)
    if not embedded:
        try:
            schema.require_current(engine)
        except BaseException:
            engine.dispose()
            raise
    return engine


def safe_url(database_url: str) -> str:
    """Return the URL with its password masked, for messages."""
    try:
        return make_url(database_url).render_as_string(hide_password=True)
    except Exception:
        return "(unreadable URL)"


def one_line(error: BaseException) -> str:
    """Return the first line of a database error, without SQLAlchemy's background link."""
    original = getattr(error, "orig", None) or error
    lines = str(original).strip().splitlines()
    return lines[0] if lines else type(error).__name__


def postgres_connect_args() -> dict[str, Any]:
    """Return psycopg connection options: UTC sessions and TCP keepalives both ways."""
    return {
        # Timestamps are stored without a zone, in UTC like on SQLite: a server whose
        # default zone is Tehran must not shift them.
        "options": "-c timezone=UTC -c tcp_keepalives_idle=10 -c tcp_keepalives_interval=5 "
        "-c tcp_keepalives_count=3",
        # The client side notices a vanished server (or host) within about 25 s.
        "keepalives": 1,
        "keepalives_idle": 10,
        "keepalives_interval": 5,
        "keepalives_count": 3,
        "connect_timeout": 10,
    }


def _tune_sqlite(dbapi_connection: Any, connection_record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers (the CLI, /stats) work while the bot writes; NORMAL is durable
    # enough in WAL mode and keeps each logged question cheap.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def open_existing(database_url: str) -> Engine | None:
    """Open the database for reading without creating it: None when a SQLite file is missing."""
    url = make_url(database_url)
    sqlite_file = url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:")
    if sqlite_file and not Path(str(url.database)).expanduser().exists():
        return None
    postgres = url.get_backend_name() == "postgresql"
    engine = create_engine(url, connect_args=postgres_connect_args() if postgres else {})
    if url.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _tune_sqlite)
    return engine


def remember_user(engine: Engine, user_id: int, now: datetime) -> str | None:
    """Record a user on first contact (or after a block) and return their stored language."""
    with Session(engine) as session:
        user = session.get(User, user_id)
        if user is None:
            session.add(User(id=user_id, first_seen=_utc(now)))
            session.commit()
            return None
        if user.blocked:
            user.blocked = False
            session.add(user)
            session.commit()
        return user.language


def get_language(engine: Engine, user_id: int) -> str | None:
    """Return the language the user chose, or None."""
    with Session(engine) as session:
        user = session.get(User, user_id)
        return user.language if user else None


def set_language(engine: Engine, user_id: int, lang: str, now: datetime) -> None:
    """Store the user's language choice."""
    _update_user(engine, user_id, now, language=lang)


def set_blocked(engine: Engine, user_id: int, blocked: bool, now: datetime) -> None:
    """Note that the user blocked (or unblocked) the bot."""
    _update_user(engine, user_id, now, blocked=blocked)


def _update_user(engine: Engine, user_id: int, now: datetime, **fields: Any) -> None:
    with Session(engine) as session:
        user = session.get(User, user_id) or User(id=user_id, first_seen=_utc(now))
        for name, value in fields.items():
            setattr(user, name, value)
        session.add(user)
        session.commit()


def log_question(
    engine: Engine,
    user_id: int,
    question: str,
    *,
    lang: str,
    answered: bool,
    used: tuple[str, ...],
    asked_at: datetime,
) -> None:
    """Append a question and its outcome to the log."""
    entry = QuestionLog(
        user_id=user_id,
        question=question,
        lang=lang,
        answered=answered,
        used=",".join(used),
        topic=used[0] if used else UNANSWERED_TOPIC,
        asked_at=_utc(asked_at),
    )
    with Session(engine) as session:
        session.add(entry)
        session.commit()


def note_question(
    engine: Engine,
    user_id: int,
    question: str,
    *,
    lang: str,
    answered: bool,
    used: tuple[str, ...],
    asked_at: datetime,
) -> None:
    """Record the asker like ``remember_user`` and log the question, in one transaction.

    What the bot does after every answer, so it skips the ORM's bookkeeping: plain
    statements, one commit.
    """
    users = User.__table__  # type: ignore[attr-defined]
    log = QuestionLog.__table__  # type: ignore[attr-defined]
    try:
        with engine.begin() as connection:
            blocked = connection.execute(
                sa_select(users.c.blocked).where(users.c.id == user_id)
            ).scalar_one_or_none()
            if blocked is None:
                connection.execute(
                    users.insert().values(
                        id=user_id, language=None, first_seen=_utc(asked_at), blocked=False
                    )
                )
            elif blocked:
                connection.execute(
                    users.update().where(users.c.id == user_id).values(blocked=False)
                )
            connection.execute(
                log.insert().values(
                    user_id=user_id,
                    question=question,
                    lang=lang,
                    answered=answered,
                    used=",".join(used),
                    topic=used[0] if used else UNANSWERED_TOPIC,
                    asked_at=_utc(asked_at),
                )
            )
    except IntegrityError:
        # The user's row appeared meanwhile (another process): the slower way copes.
        remember_user(engine, user_id, asked_at)
        log_question(
            engine, user_id, question, lang=lang, answered=answered, used=used, asked_at=asked_at
        )


def stats(engine: Engine, top: int = 5) -> Stats:
    """Count users, questions and answers, and find the busiest topics."""
    with Session(engine) as session:
        users = session.exec(select(func.count()).select_from(User)).one()
        questions = session.exec(select(func.count()).select_from(QuestionLog)).one()
        answered = session.exec(
            select(func.count()).select_from(QuestionLog).where(col(QuestionLog.answered))
        ).one()
        count = func.count().label("n")
        rows = session.exec(
            select(QuestionLog.topic, count)
            .group_by(QuestionLog.topic)
            .order_by(count.desc(), QuestionLog.topic)
            .limit(top)
        ).all()
    return Stats(users, questions, answered, [(topic, n) for topic, n in rows])


def top_unanswered(engine: Engine, top: int = 10) -> list[tuple[str, int]]:
    """Group unanswered questions by normalised text; return (example, count), most asked first."""
    with Session(engine) as session:
        questions = session.exec(
            select(QuestionLog.question)
            .where(col(QuestionLog.answered).is_(False))
            .order_by(col(QuestionLog.id))
        ).all()
    # Normalising folds Persian letter variants and digits, which SQL cannot do.
    counts: Counter[str] = Counter()
    example: dict[str, str] = {}
    for question in questions:
        key = normalize(question).strip(" ?!.")
        counts[key] += 1
        example.setdefault(key, question)
    ranked = sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))
    return [(example[key], n) for key, n in ranked[:top]]


def _utc(moment: datetime) -> datetime:
    # SQLite keeps no offsets: store UTC so rows written in any zone compare correctly.
    return moment.astimezone(UTC)


# -- reminders ------------------------------------------------------------------------------


def subscribe(
    engine: Engine, user_id: int, interest: str, now: datetime, language: str | None = None
) -> None:
    """Subscribe the user to reminders of ``interest`` (all, quizzes or deadlines)."""
    with Session(engine) as session:
        row = session.get(Subscription, user_id)
        if row is None:
            row = Subscription(user_id=user_id, interest=interest, subscribed_at=_utc(now))
        elif not row.active:
            # Reminders that fell due before this moment are not theirs to receive.
            row.subscribed_at = _utc(now)
        row.interest = interest
        row.active = True
        row.language = language or row.language
        session.add(row)
        session.commit()


def unsubscribe(engine: Engine, user_id: int) -> bool:
    """Stop the user's reminders; return whether they were subscribed."""
    with Session(engine) as session:
        row = session.get(Subscription, user_id)
        if row is None or not row.active:
            return False
        row.active = False
        session.add(row)
        session.commit()
        return True


def subscription(engine: Engine, user_id: int) -> str | None:
    """Return the user's active interest, or None when they are not subscribed."""
    with Session(engine) as session:
        row = session.get(Subscription, user_id)
        return row.interest if row is not None and row.active else None


def subscribers(engine: Engine, interests: Iterable[str], since: datetime) -> list[Subscriber]:
    """Return active subscribers of ``interests`` who subscribed by ``since``, not blocked."""
    with Session(engine) as session:
        rows = session.exec(
            select(Subscription, User)
            .join(User, col(User.id) == col(Subscription.user_id), isouter=True)
            .where(col(Subscription.active))
            .where(col(Subscription.interest).in_(list(interests)))
            .where(col(Subscription.subscribed_at) <= _utc(since))
            .order_by(col(Subscription.subscribed_at), col(Subscription.user_id))
        ).all()
    return [
        Subscriber(sub.user_id, (user.language if user else None) or sub.language or "en")
        for sub, user in rows
        if user is None or not user.blocked
    ]


def delivered_to(engine: Engine, key: str, due_at: datetime) -> set[str]:
    """Return the recipients that already have a delivery row for the reminder."""
    with Session(engine) as session:
        rows = session.exec(
            select(Delivery.recipient)
            .where(Delivery.key == key)
            .where(Delivery.due_at == _utc(due_at))
        ).all()
    return set(rows)


def record_delivery(
    engine: Engine,
    key: str,
    due_at: datetime,
    recipient: str,
    status: str,
    at: datetime,
    message_id: int | None = None,
) -> bool:
    """Record what happened to a reminder for one recipient; False if a row already existed."""
    row = Delivery(
        key=key,
        due_at=_utc(due_at),
        recipient=recipient,
        status=status,
        at=_utc(at),
        message_id=message_id,
    )
    with Session(engine) as session:
        session.add(row)
        try:
            session.commit()
        except IntegrityError:
            return False
    return True


def record_skipped(
    engine: Engine, reminders: Iterable[tuple[str, datetime, str]], at: datetime
) -> int:
    """Record (key, due_at, recipient) reminders as skipped unless they have any row; count them."""
    wanted = list(reminders)
    if not wanted:
        return 0
    with Session(engine) as session:
        known = set(session.exec(select(Delivery.key, Delivery.due_at).distinct()).all())
        fresh = [(k, _utc(d), r) for k, d, r in wanted if (k, _utc(d)) not in known]
        for key, due, recipient in fresh:
            session.add(
                Delivery(key=key, due_at=due, recipient=recipient, status="skipped", at=_utc(at))
            )
        try:
            session.commit()
        except IntegrityError:
            # Another process (a second leader for a moment) wrote some of them first:
            # one by one, each row is written once.
            session.rollback()
            return sum(record_delivery(engine, k, d, r, "skipped", at) for k, d, r in fresh)
    return len(fresh)


# Which status a reminder shows when its recipients fared differently.
_STATUS_ORDER = ("sent", "late", "skipped")


def delivery_statuses(engine: Engine) -> dict[tuple[str, datetime], str]:
    """Return each reminder's (key, UTC due time) status: sent, late or skipped.

    Reminders with only failed rows, and tables that do not exist yet, are left out.
    """
    try:
        with Session(engine) as session:
            rows = session.exec(
                select(Delivery.key, Delivery.due_at, Delivery.status).distinct()
            ).all()
    except (OperationalError, ProgrammingError):
        # SQLite says "no such table" with the first, PostgreSQL with the second.
        return {}
    found: dict[tuple[str, datetime], set[str]] = {}
    for key, due, status in rows:
        found.setdefault((key, due), set()).add(status)
    return {
        reminder: next(s for s in _STATUS_ORDER if s in statuses)
        for reminder, statuses in found.items()
        if statuses & set(_STATUS_ORDER)
    }


def event_times(engine: Engine) -> dict[str, datetime]:
    """Return the saved time of every dated event (aware, UTC)."""
    with Session(engine) as session:
        rows = session.exec(select(EventTime)).all()
    return {row.key: row.at for row in rows}


def save_event_times(engine: Engine, times: Mapping[str, datetime]) -> None:
    """Make the saved event times exactly ``times``."""
    with Session(engine) as session:
        session.execute(delete(EventTime))
        session.add_all(EventTime(key=key, at=_utc(at)) for key, at in times.items())
        session.commit()


def note_channel_problem(engine: Engine, channel: str, error: str, now: datetime) -> bool:
    """Remember that posting to the channel fails; True if this problem is new (report it)."""
    with Session(engine) as session:
        row = session.get(ChannelProblem, channel)
        if row is not None and row.error == error:
            return False
        row = row or ChannelProblem(channel=channel, error=error, since=_utc(now))
        row.error = error
        session.add(row)
        session.commit()
        return True


def channel_problem(engine: Engine, channel: str) -> str | None:
    """Return the error posting to the channel last met, or None if it works."""
    with Session(engine) as session:
        row = session.get(ChannelProblem, channel)
        return row.error if row is not None else None


def clear_channel_problem(engine: Engine, channel: str) -> bool:
    """Forget the channel's problem after a successful post; True if there was one."""
    with Session(engine) as session:
        row = session.get(ChannelProblem, channel)
        if row is None:
            return False
        session.delete(row)
        session.commit()
        return True


# -- calendar feed --------------------------------------------------------------------------


def event_versions(engine: Engine) -> dict[str, tuple[int, datetime]]:
    """Return each published event's (sequence, UTC modification time); {} without the table."""
    try:
        with Session(engine) as session:
            rows = session.exec(select(EventVersion)).all()
    except OperationalError:
        return {}
    return {row.key: (row.sequence, _from_db(row.modified_at)) for row in rows}


def sync_event_versions(
    engine: Engine, fingerprints: Mapping[str, str], now: datetime
) -> dict[str, tuple[int, datetime]]:
    """Record the events' fingerprints: a new event starts at sequence 0, a changed one goes
    up by one; return every event's (sequence, UTC modification time)."""
    with Session(engine) as session:
        rows = {row.key: row for row in session.exec(select(EventVersion)).all()}
        for key, fingerprint in fingerprints.items():
            row = rows.get(key)
            if row is None:
                row = EventVersion(key=key, fingerprint=fingerprint, modified_at=_utc(now))
                rows[key] = row
            elif row.fingerprint != fingerprint:
                row.fingerprint = fingerprint
                row.sequence += 1
                row.modified_at = _utc(now)
            else:
                continue
            session.add(row)
        try:
            session.commit()
        except IntegrityError:
            # Another process published the same new event first; its numbers stand.
            session.rollback()
            return event_versions(engine)
        return {key: (row.sequence, _from_db(row.modified_at)) for key, row in rows.items()}


def _from_db(moment: datetime) -> datetime:
    # SQLite hands back naive UTC; a server database may hand back an aware moment.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
