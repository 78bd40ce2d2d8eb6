"""Opening the database: SQLite for one process, PostgreSQL shared by replicas; moments in UTC."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlmodel import create_engine


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


def utc(moment: datetime) -> datetime:
    """Return the moment in UTC, as every table stores it."""
    # SQLite keeps no offsets: store UTC so rows written in any zone compare correctly.
    return moment.astimezone(UTC)


def from_db(moment: datetime) -> datetime:
    """Return a stored moment as an aware UTC datetime."""
    # SQLite hands back naive UTC; a server database may hand back an aware moment.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
