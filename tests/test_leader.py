"""Leader election for the reminders: one holder of the PostgreSQL advisory lock at a time,
taken over when the holder's session ends; on SQLite the one process always leads."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import Engine

from bot import storage
from bot.telegram.leader import Leadership
from tests.support.postgres import PostgresServer


class Replica:
    """A Leadership with callbacks that record what happened to it."""

    def __init__(self, db: Engine, interval: float = 60.0) -> None:
        self.events: list[str] = []
        self.changed = asyncio.Event()
        self.leadership = Leadership(
            db, self._elected, self._deposed, on_reload=self._reload, interval=interval
        )

    async def _reload(self) -> None:
        self.events.append("reload")

    async def _elected(self) -> None:
        self.events.append("elected")
        self.changed.set()

    async def _deposed(self) -> None:
        self.events.append("deposed")
        self.changed.set()

    @property
    def leads(self) -> bool:
        return self.leadership.is_leader


@pytest.fixture
async def pg_db(postgres: PostgresServer) -> AsyncIterator[Engine]:
    """Return an engine on a fresh, migrated PostgreSQL database."""
    engine = storage.make_engine(postgres.create_database())
    yield engine
    engine.dispose()


def _backend_pids(postgres: PostgresServer, db: Engine) -> list[int]:
    """Return the server processes holding the reminder lock in ``db``'s database."""
    with psycopg.connect(postgres.url().replace("+psycopg", ""), autocommit=True) as admin:
        rows = admin.execute(
            "SELECT l.pid FROM pg_locks l JOIN pg_database d ON d.oid = l.database "
            "WHERE l.locktype = 'advisory' AND l.granted AND d.datname = %s",
            (db.url.database,),
        ).fetchall()
    return [row[0] for row in rows]


def _terminate(postgres: PostgresServer, pid: int) -> None:
    with psycopg.connect(postgres.url().replace("+psycopg", ""), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))


@pytest.mark.anyio
async def test_one_replica_leads_and_the_next_takes_over_when_it_stops(
    pg_db: Engine, postgres: PostgresServer
) -> None:
    """Of two replicas the first to start leads; when it stops, the other is elected."""
    first, second = Replica(pg_db), Replica(pg_db)
    await first.leadership.start()
    await second.leadership.start()
    try:
        assert first.leads and not second.leads
        assert first.events == ["elected"] and second.events == []
        assert len(_backend_pids(postgres, pg_db)) == 1
        await second.leadership.check()
        assert not second.leads, "the lock is still held"
        await first.leadership.stop()
        await second.leadership.check()
        assert second.leads and second.events == ["elected"]
    finally:
        await first.leadership.stop()
        await second.leadership.stop()
    assert _backend_pids(postgres, pg_db) == []


@pytest.mark.anyio
async def test_leader_whose_session_dies_steps_down_and_another_leads_in_the_background(
    pg_db: Engine, postgres: PostgresServer
) -> None:
    """Killing the leader's database session frees the lock: the leader notices and follows,
    and a waiting replica is elected by its own periodic check."""
    first, second = Replica(pg_db, interval=0.05), Replica(pg_db, interval=0.05)
    await first.leadership.start()
    await second.leadership.start()
    try:
        [pid] = _backend_pids(postgres, pg_db)
        second.changed.clear()
        _terminate(postgres, pid)
        await asyncio.wait_for(second.changed.wait(), timeout=10)
        assert second.leads and second.events == ["elected"]
        for _ in range(200):
            if "deposed" in first.events:
                break
            await asyncio.sleep(0.05)
        assert first.events[:2] == ["elected", "deposed"]
        assert [first.leads, second.leads].count(True) == 1
    finally:
        await first.leadership.stop()
        await second.leadership.stop()


@pytest.mark.anyio
async def test_sqlite_process_always_leads(tmp_path: Path) -> None:
    """On SQLite the single process is elected at start, with no lock and no background task."""
    engine = storage.make_engine(f"sqlite:///{tmp_path / 'bot.sqlite3'}")
    replica = Replica(engine)
    try:
        await replica.leadership.start()
        assert replica.leads and replica.events == ["elected"]
        await replica.leadership.check()
        assert replica.events == ["elected"]
    finally:
        await replica.leadership.stop()
        engine.dispose()


@pytest.mark.anyio
async def test_a_reload_is_followed_by_every_other_replica_once(pg_db: Engine) -> None:
    """A replica announcing a reload makes each other replica reload once, not itself."""
    replicas = [Replica(pg_db) for _ in range(3)]
    for replica in replicas:
        await replica.leadership.start()
    try:
        await replicas[1].leadership.announce_reload()
        for _ in range(2):
            for replica in replicas:
                await replica.leadership.check()
        assert [r.events.count("reload") for r in replicas] == [1, 0, 1]
    finally:
        for replica in replicas:
            await replica.leadership.stop()


@pytest.mark.anyio
async def test_a_replica_that_cannot_start_the_reminders_gives_the_lock_up(
    pg_db: Engine, postgres: PostgresServer
) -> None:
    """If planning fails right after election, the lock is released for the next check."""
    failing, other = Replica(pg_db), Replica(pg_db)

    async def broken() -> None:
        raise RuntimeError("planning failed")

    failing.leadership.on_elected = broken
    try:
        await failing.leadership.start()
        assert not failing.leads
        assert _backend_pids(postgres, pg_db) == []
        await other.leadership.start()
        assert other.leads and other.events == ["elected"]
    finally:
        await failing.leadership.stop()
        await other.leadership.stop()
