"""One scheduler among replicas: only the leader runs the reminder jobs.

On PostgreSQL the leader is the replica holding a session-level advisory lock
(``pg_try_advisory_lock``) on a connection of its own, outside the pool: the lock lives exactly
as long as that session. When the leader dies its connection closes (at once for a killed
process; within the server's TCP keepalive time for a vanished host) and the lock is free; the
others try every ``CHECK_SECONDS`` and the first to get it plans and sends what is due.
On SQLite there is one process, and it always leads.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import Awaitable, Callable

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from bot import storage

log = logging.getLogger(__name__)

# The advisory lock's key ("mlsd" and 1); advisory locks are per database, so two bots on two
# databases of one server do not compete.
LOCK_KEY = 0x6D6C7364_0001_0001
# How often a follower tries the lock and the leader checks its connection. With the server's
# keepalives (storage.postgres_connect_args: about 25 s) a dead host's lock is taken over well
# within a minute; a killed process's within this many seconds.
CHECK_SECONDS = 5.0

# Replicas tell each other on this channel that the course file was reloaded.
RELOAD_CHANNEL = "course_bot_reload"

Callback = Callable[[], Awaitable[None]]


async def _nothing() -> None:
    return None


class Leadership:
    """Elect this process to run the reminders, or follow; call ``start`` and ``stop``."""

    def __init__(
        self,
        db: Engine,
        on_elected: Callback,
        on_deposed: Callback,
        *,
        on_reload: Callback = _nothing,
        interval: float = CHECK_SECONDS,
    ) -> None:
        self.db = db
        self.on_elected = on_elected
        self.on_deposed = on_deposed
        # Called when another replica reloaded the course (see announce_reload).
        self.on_reload = on_reload
        self.interval = interval
        self.origin = secrets.token_hex(8)
        self._heard: list[str] = []
        self.is_leader = False
        self.shared = db.url.get_backend_name() == "postgresql"
        self._engine: Engine | None = None
        self._connection: Connection | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Lead at once on SQLite; on PostgreSQL try now, then keep trying in the background."""
        if not self.shared:
            self.is_leader = True
            await self.on_elected()
            return
        await self.check()
        self._task = asyncio.create_task(self._loop(), name="leader-election")

    async def stop(self) -> None:
        """Stop competing and give up the lock (closing its connection releases it)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await asyncio.to_thread(self._close)
        self.is_leader = False

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.check()
            except Exception:  # the election must outlive any one failure
                log.exception("leader election: unexpected error")

    async def announce_reload(self) -> None:
        """Tell the other replicas to re-read the course file too (PostgreSQL NOTIFY)."""
        if self.shared:
            await asyncio.to_thread(self._notify)

    async def check(self) -> None:
        """Take the lock if free (follower), or make sure it is still held (leader); then
        follow reloads announced by other replicas."""
        if not self.shared:
            return
        await self._check_lock()
        if await asyncio.to_thread(self._reloaded_elsewhere):
            log.info("another replica reloaded the course; reloading here too")
            await self.on_reload()

    async def _check_lock(self) -> None:
        if self.is_leader:
            if await asyncio.to_thread(self._alive):
                return
            log.warning("lost the database session holding the reminder lock; following now")
            self.is_leader = False
            await asyncio.to_thread(self._close)
            await self.on_deposed()
            return
        if await asyncio.to_thread(self._try_lock):
            self.is_leader = True
            log.info("elected to run the reminders")
            try:
                await self.on_elected()
            except Exception:
                # Leading without a plan would send nothing: let another replica (or this one,
                # at the next check) try again.
                log.exception("could not start running the reminders; giving the lock up")
                await asyncio.to_thread(self._close)
                self.is_leader = False

    # -- on a worker thread: the dedicated connection is only used from one call at a time --

    def _try_lock(self) -> bool:
        try:
            if self._connection is None:
                if self._engine is None:
                    # Its own engine without a pool: this session must never be shared or reset.
                    self._engine = create_engine(
                        self.db.url,
                        poolclass=NullPool,
                        connect_args=storage.postgres_connect_args(),
                    )
                self._connection = self._engine.connect().execution_options(
                    isolation_level="AUTOCOMMIT"
                )
                self._connection.execute(text(f"LISTEN {RELOAD_CHANNEL}"))
                driver = self._connection.connection.driver_connection
                # psycopg hands over notifications that arrive with any query's answer.
                driver.add_notify_handler(  # type: ignore[union-attr]
                    lambda notify: self._heard.append(notify.payload)
                )
            got = self._connection.execute(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": LOCK_KEY}
            ).scalar()
            return bool(got)
        except SQLAlchemyError as error:
            log.warning("leader election: %s", storage.one_line(error))
            self._close()
            return False

    def _notify(self) -> None:
        try:
            with self.db.connect() as connection:
                connection.execute(
                    text("SELECT pg_notify(:channel, :origin)"),
                    {"channel": RELOAD_CHANNEL, "origin": self.origin},
                )
                connection.commit()
        except SQLAlchemyError as error:
            log.warning("could not tell the other replicas to reload: %s", storage.one_line(error))

    def _reloaded_elsewhere(self) -> bool:
        # Any round trip collects the notifications waiting on this session.
        if not self._alive():
            return False
        origins, self._heard = self._heard, []
        return any(origin != self.origin for origin in origins)

    def _alive(self) -> bool:
        if self._connection is None:
            return False
        try:
            self._connection.execute(text("SELECT 1"))
        except SQLAlchemyError as error:
            log.warning("leader election: %s", storage.one_line(error))
            return False
        return True

    def _close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(SQLAlchemyError):
                # Closing alone frees the lock too, but only once the server has noticed:
                # unlocking first hands over without that delay.
                if self.is_leader:
                    connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": LOCK_KEY})
                connection.close()
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None
