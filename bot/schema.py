"""The state database's schema version: Alembic migrations in ``bot/migrations``, applied by
``course-bot migrate`` and checked when the bot starts."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cache

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine

# The revision that matches the tables the bot made with create_all before migrations existed.
BASELINE = "0001"
# Any table of the baseline tells a database made before migrations from an empty one.
BASELINE_TABLE = "delivery"
# Serialises `course-bot migrate` run from two hosts at once (PostgreSQL only).
MIGRATION_LOCK = 0x6D6C7364_0001


log = logging.getLogger(__name__)


class SchemaError(Exception):
    """The database's schema does not match the code: one line for the user."""


@dataclass(frozen=True)
class Upgrade:
    """What ``upgrade`` did: the revision before (None for an empty database) and after."""

    before: str | None
    after: str
    adopted: bool = False  # a database made before migrations was stamped with the baseline


def _config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", "bot:migrations")
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@cache
def head() -> str:
    """Return the newest revision this code knows."""
    revision = ScriptDirectory.from_config(_config()).get_current_head()
    assert revision is not None, "bot/migrations has no revisions"
    return revision


@cache
def _known() -> frozenset[str]:
    return frozenset(s.revision for s in ScriptDirectory.from_config(_config()).walk_revisions())


def current(connection: Connection) -> str | None:
    """Return the database's revision: None if it has none (empty, or made before migrations)."""
    return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine) -> Upgrade:
    """Bring the database to the newest revision, adopting one made before migrations."""
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # Held until this transaction ends: a second migrate waits, then finds nothing to do.
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        before = current(connection)
        adopted = before is None and inspect(connection).has_table(BASELINE_TABLE)
        if before is not None and before not in _known():
            raise SchemaError(
                f"database is at revision {before}, which this code does not know "
                f"(it needs {head()}): upgrade the bot"
            )
        if adopted:
            command.stamp(_config(connection), BASELINE)
            before = BASELINE
        if before != head():
            command.upgrade(_config(connection), "head")
            # A fresh database is routine; an upgrade of one in use is worth a line.
            level = logging.INFO if before else logging.DEBUG
            log.log(level, "database schema upgraded from %s to %s", before or "nothing", head())
    return Upgrade(before if not adopted else None, head(), adopted)


def require_current(engine: Engine) -> None:
    """Raise SchemaError unless the database is at a revision this code can run on."""
    with engine.connect() as connection:
        revision = current(connection)
    if revision == head():
        return
    if revision is None:
        raise SchemaError(
            f"database has no schema (this code needs revision {head()}): run `course-bot migrate`"
        )
    if revision not in _known():
        raise SchemaError(
            f"database is at revision {revision}, which this code does not know "
            f"(it needs {head()}): upgrade the bot"
        )
    raise SchemaError(
        f"database is at revision {revision}, behind the code ({head()}): run `course-bot migrate`"
    )
