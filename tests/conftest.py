"""Fixtures for the bot's tests: a temporary database, the course, a settable clock, and a
real ``Application`` polling a Bot API test double."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from apscheduler.events import (
    EVENT_JOB_ERROR,
    EVENT_JOB_EXECUTED,
    EVENT_JOB_MAX_INSTANCES,
    EVENT_JOB_MISSED,
    EVENT_JOB_SUBMITTED,
    JobExecutionEvent,
    JobSubmissionEvent,
)
from apscheduler.schedulers.base import BaseScheduler
from sqlalchemy.engine import Engine

# Before anything imports telegram, as build_application does (bot/telegram/app.py).
os.environ.setdefault("PTB_TIMEDELTA", "1")

from bot.settings import Settings
from bot.storage import make_engine
from tests.support import services
from tests.support.bot_api import BotApiDouble, SentRecord
from tests.support.postgres import PostgresError, PostgresServer

ROOT = Path(__file__).resolve().parent.parent
COURSE_FILE = ROOT / "data" / "mlsd-spring-2023.yaml"
TEHRAN = ZoneInfo("Asia/Tehran")
# Wednesday 17 Esfand 1401: Quiz 3 (27 Esfand) and CA1's deadline are still ahead.
NOW = datetime(2023, 3, 8, 12, 0, tzinfo=TEHRAN)
TOKEN = "123456:TEST-token-Must-Never-Leak"
ADMIN = 900
STUDENT = 1001
CHANNEL = "@mlsd_channel"
CHANNEL_ID = -100777


class Clock:
    """A clock the test sets and advances instead of sleeping."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        """Move the clock forward."""
        self.now += timedelta(**delta)


# What each test needs, heaviest last. A test declares ``process`` or ``browser`` itself;
# ``postgres`` and ``integration`` follow from the fixtures it uses; ``unit`` is the rest.
LEVELS = ("unit", "integration", "process", "postgres", "browser")


def _needs_postgres(item: pytest.Item) -> bool:
    """Tell whether ``item`` starts or uses the PostgreSQL server."""
    params = getattr(getattr(item, "callspec", None), "params", {})
    return (
        "postgres" in getattr(item, "fixturenames", ())
        or params.get("database_url") == "postgresql"
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test with what it needs, so ``pytest -m unit`` runs the pure ones alone."""
    for item in items:
        if _needs_postgres(item):
            item.add_marker(pytest.mark.postgres)
        if not any(item.get_closest_marker(level) for level in LEVELS):
            uses_the_double = "api" in getattr(item, "fixturenames", ())
            item.add_marker(pytest.mark.integration if uses_the_double else pytest.mark.unit)


@pytest.fixture(autouse=True)
def _unit_tests_stay_in_this_process(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Fail a ``unit`` test that starts a process or opens a connection: it is mislabelled."""
    if request.node.get_closest_marker("unit") is None:
        return

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(
            f"{request.node.nodeid} is marked unit but reaches outside its process"
        )

    monkeypatch.setattr(subprocess.Popen, "__init__", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Say, one line each, which services were missing and how to get them."""
    for reason in services.missing.values():
        terminalreporter.write_line(f"skipped tests: {reason}", yellow=True)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture
def course_file(tmp_path: Path) -> Path:
    """Return a private copy of the MLSD course file, free for a test to break."""
    copy = tmp_path / "course.yaml"
    shutil.copyfile(COURSE_FILE, copy)
    return copy


@pytest.fixture
def settings(tmp_path: Path, course_file: Path) -> Settings:
    return Settings(
        course=course_file,
        channel=CHANNEL,
        admins=[ADMIN],
        database_url=f"sqlite:///{tmp_path / 'state' / 'bot.sqlite3'}",
        flood_limit=20,
    )


@pytest.fixture
def db(settings: Settings) -> Iterator[Engine]:
    engine = make_engine(settings.database_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """Start one real PostgreSQL server for the whole run (installing Debian's package first
    when the tests run as root); skip without it, or fail in CI."""
    services.require(services.POSTGRESQL)
    try:
        server = PostgresServer().start()
    except PostgresError as error:
        reason = f"PostgreSQL could not start: {' '.join(str(error).split())}"
        services.missing["PostgreSQL"] = reason
        if services.in_ci():
            pytest.fail(f"{reason} (required in CI)", pytrace=False)
        pytest.skip(reason)
    # A run stopped with SIGTERM (e.g. by `timeout`) skips fixture teardown: stop the server
    # first, or it would outlive the run (pg_ctl detaches it from this process).
    previous = signal.getsignal(signal.SIGTERM)

    def stop_then_exit(signum: int, frame: object) -> None:
        server.stop()
        signal.signal(signal.SIGTERM, previous)
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, stop_then_exit)
    try:
        yield server
    finally:
        signal.signal(signal.SIGTERM, previous)
        server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Return the URL of a fresh, empty database, once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'state' / 'bot.sqlite3'}"
    server: PostgresServer = request.getfixturevalue("postgres")
    return server.create_database()


@pytest.fixture
def api() -> Iterator[BotApiDouble]:
    with BotApiDouble(TOKEN) as double:
        double.add_chat(CHANNEL_ID, "channel", username=CHANNEL[1:])
        yield double


class JobWatch:
    """Follow the JobQueue's runs through APScheduler's events, to tell when it is idle."""

    def __init__(self, scheduler: BaseScheduler) -> None:
        self.scheduler = scheduler
        self.running = 0
        self._changed = asyncio.Event()
        scheduler.add_listener(self._submitted, EVENT_JOB_SUBMITTED)
        scheduler.add_listener(self._ended, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR | EVENT_JOB_MISSED)
        scheduler.add_listener(lambda _: self._changed.set(), EVENT_JOB_MAX_INSTANCES)

    def _submitted(self, event: JobSubmissionEvent) -> None:
        # One run per scheduled time; each ends with one executed, error or missed event.
        self.running += len(event.scheduled_run_times)
        self._changed.set()

    def _ended(self, event: JobExecutionEvent) -> None:
        self.running -= 1
        self._changed.set()

    def due(self) -> list[str]:
        """Return the ids of jobs whose time has come but which the scheduler has not run."""
        now = datetime.now(UTC)
        return [
            job.id
            for job in self.scheduler.get_jobs()
            if job.next_run_time is not None and job.next_run_time <= now
        ]

    async def idle(self, timeout: float = 10.0) -> None:
        """Wait until no job is due or running (the scheduler reports each step as an event)."""
        try:
            async with asyncio.timeout(timeout):
                while self.running or self.due():
                    self._changed.clear()
                    await self._changed.wait()
        except TimeoutError:
            raise TimeoutError(
                f"jobs still busy after {timeout}s: {self.running} running, due: {self.due()}"
            ) from None


@dataclass
class Bot:
    """A running application and the double it polls, with helpers to talk to it."""

    app: Any
    api: BotApiDouble
    jobs: JobWatch

    @property
    def username(self) -> str:
        return str(self.api.bot_user["username"])

    async def wait(
        self, predicate: Callable[[SentRecord], bool], timeout: float = 5.0
    ) -> list[SentRecord]:
        """Wait (off the event loop, so the bot keeps running) for matching sent records."""
        return await asyncio.to_thread(self.api.wait_for, predicate, timeout)

    async def ask(self, user: int, text: str, *, chat_id: int | None = None, **kw: Any) -> str:
        """Send a text and return the bot's reply to that chat (pieces joined by newlines)."""
        chat = user if chat_id is None else chat_id
        before = len(self.api.messages_to(chat))
        self.api.push_text(user, text, chat_id=chat_id, **kw)
        await asyncio.to_thread(
            self.api.wait_for_count, before + 1, "sendMessage", 5.0, chat_id=chat
        )
        await self.handled()  # the reply's later pieces, if any, are sent by then
        return "\n".join(r.plain_text or "" for r in self.api.messages_to(chat)[before:])

    async def handled(self, timeout: float = 10.0) -> None:
        """Wait until the bot has fetched, acknowledged and finished every update pushed so far."""
        await asyncio.to_thread(self.api.wait_until_acknowledged, timeout)
        # Acknowledged means queued; PTB marks each queued update done once it was handled.
        async with asyncio.timeout(timeout):
            await self.app.update_queue.join()
            # Handlers queue some writes (the question log) without waiting for them.
            await self.app.bot_data.store.written()

    async def idle(self, timeout: float = 10.0) -> None:
        """Wait until every update pushed so far was handled and no job is due or running."""
        await self.handled(timeout)
        await self.jobs.idle(timeout)


@asynccontextmanager
async def running_bot(
    api: BotApiDouble, settings: Settings, clock: Clock, db: Engine
) -> AsyncIterator[Bot]:
    """Start the real application polling the double; stop it cleanly afterwards."""
    from bot.telegram.app import ALLOWED_UPDATES, build_application

    app = build_application(settings, token=TOKEN, api_url=api.base_url, clock=clock, db_engine=db)
    async with app:
        # post_init runs only under run_polling/run_webhook; call it like they do.
        await app.post_init(app)
        # Watching before the JobQueue starts, so the reminders due at start are seen too.
        jobs = JobWatch(app.job_queue.scheduler)
        await app.start()
        await app.updater.start_polling(poll_interval=0, timeout=1, allowed_updates=ALLOWED_UPDATES)
        try:
            yield Bot(app, api, jobs)
        finally:
            await app.updater.stop()
            await app.stop()


@pytest.fixture
async def bot(
    api: BotApiDouble, settings: Settings, clock: Clock, db: Engine
) -> AsyncIterator[Bot]:
    async with running_bot(api, settings, clock, db) as running:
        yield running
