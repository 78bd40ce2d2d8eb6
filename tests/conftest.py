"""Fixtures for the bot's tests: a temporary database, the course, a settable clock, and a
real ``Application`` polling a Bot API test double."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.engine import Engine

# Before anything imports telegram: see bot/telegram/__init__.py.
os.environ.setdefault("PTB_TIMEDELTA", "1")

from bot.settings import Settings
from bot.storage import make_engine
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
    """Start one real PostgreSQL server for the whole run; CI fails loudly if it cannot."""
    try:
        server = PostgresServer().start()
    except PostgresError as error:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"PostgreSQL is required in CI: {error}", pytrace=False)
        pytest.skip(f"PostgreSQL unavailable: {error}")
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


@dataclass
class Bot:
    """A running application and the double it polls, with helpers to talk to it."""

    app: Any
    api: BotApiDouble

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
        await self.settle()
        return "\n".join(r.plain_text or "" for r in self.api.messages_to(chat)[before:])

    async def settle(self, seconds: float = 0.2) -> None:
        """Give the bot a moment to finish what it is doing (e.g. the second piece of a reply)."""
        await asyncio.sleep(seconds)


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
        await app.start()
        await app.updater.start_polling(poll_interval=0, timeout=1, allowed_updates=ALLOWED_UPDATES)
        try:
            yield Bot(app, api)
        finally:
            await app.updater.stop()
            await app.stop()


@pytest.fixture
async def bot(
    api: BotApiDouble, settings: Settings, clock: Clock, db: Engine
) -> AsyncIterator[Bot]:
    async with running_bot(api, settings, clock, db) as running:
        yield running
