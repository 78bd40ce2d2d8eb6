"""Reminder broadcast: 1,000 subscribers and 40 students asking, against PTB's AIORateLimiter.

One Bot API double for the whole run, with a round trip per request (100 ms by default) and
Telegram's 30 messages/s overall enforced with 429 + ``retry_after``. In one run, one after
the other on that double:

1. ``replies, no broadcast``: the real application (the one ``course-bot run`` builds) polls
   the double while 40 students ask a question each (pushed at 20/s); nothing is due.
2. ``broadcast``: the application starts with its clock at the moment Quiz 3's 1-day reminder
   falls due and N students subscribed. Time from the start (planning included) to the last
   subscriber's message; lost, duplicated, 429s.
3. ``broadcast + replies``: the same broadcast again (deliveries cleared), and the 40
   students ask while it runs (from the 300th message on).
4. ``PTB AIORateLimiter``: a plain PTB script sends the same N messages through PTB's own
   ``AIORateLimiter`` (all at once with ``asyncio.gather``, ``max_retries=3``).

Latency is from pushing a question into the double to the double receiving the reply.
"first message" is the time from the start to the first subscriber's message: the rest of
the broadcast time is the pacing.

    python benchmarks/reminder_broadcast.py [--subscribers 1000] [--round-trip 0.1] [--rate 30]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("PTB_TIMEDELTA", "1")

from sqlmodel import Session, delete  # noqa: E402 - needs the path above
from telegram import Bot  # noqa: E402
from telegram.error import TelegramError  # noqa: E402
from telegram.ext import AIORateLimiter, ExtBot  # noqa: E402

from bot import storage  # noqa: E402
from bot.core.course.loader import load_course  # noqa: E402
from bot.core.planning.reminders import plan  # noqa: E402
from bot.settings import ReminderSettings, Settings  # noqa: E402
from bot.telegram.app import ALLOWED_UPDATES, build_application  # noqa: E402
from tests.support.bot_api import BotApiDouble  # noqa: E402

TOKEN = "424242:BENCHMARK-token"
COURSE = ROOT / "data" / "mlsd-spring-2023.yaml"
FIRST_SUBSCRIBER = 10_000
FIRST_STUDENT = 50_000
STUDENTS = 40
ASK_RATE = 20.0
ASK_AFTER = 300  # broadcast messages before the students start asking
TEXT = "broadcast"


@dataclass
class Figures:
    """What one phase measured."""

    name: str
    seconds: float | None = None
    first: float | None = None
    messages: int = 0
    lost: int | None = None
    duplicated: int | None = None
    rate_limited: int | None = None
    latencies: list[float] = field(default_factory=list)

    def p(self, q: float) -> float | None:
        """Return the q-quantile of the reply latencies, in ms."""
        if not self.latencies:
            return None
        ordered = sorted(self.latencies)
        if q == 0.5:
            return 1000 * statistics.median(ordered)
        return 1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class Run:
    """The double, the database and the subscribers shared by every phase."""

    def __init__(self, api: BotApiDouble, folder: Path, subscribers: int) -> None:
        self.api = api
        self.reminders = ReminderSettings(
            quiz=["1d"], deadline=[], release=[], workshop=[], digest=False
        )
        self.settings = Settings(
            course=COURSE,
            database_url=f"sqlite:///{folder / 'bot.sqlite3'}",
            reminders=self.reminders,
            log_level="WARNING",
        )
        course = load_course(COURSE)
        self.quiz3 = next(
            r
            for r in plan(course, self.reminders.plan_settings(channel=False))
            if r.key == "quiz:quiz-3/1d/subscribers"
        )
        self.db = storage.make_engine(self.settings.database_url)
        self.users = range(FIRST_SUBSCRIBER, FIRST_SUBSCRIBER + subscribers)
        since = self.quiz3.due_at - timedelta(days=1)
        for user_id in self.users:
            storage.subscribe(self.db, user_id, "all", since, "fa" if user_id % 2 else "en")
            api.add_chat(user_id, "private")
        self.students = range(FIRST_STUDENT, FIRST_STUDENT + STUDENTS)

    async def replies_alone(self) -> Figures:
        """Phase 1: the students ask while nothing is due."""
        figures = Figures("replies, no broadcast")
        async with self.application(self.quiz3.due_at - timedelta(hours=1)):
            figures.latencies = await self.ask()
        return figures

    async def broadcast(self, *, ask: bool) -> Figures:
        """Phase 2 or 3: the broadcast, with or without students asking meanwhile."""
        figures = Figures("broadcast + replies" if ask else "broadcast")
        with Session(self.db) as session:
            session.exec(delete(storage.Delivery))  # type: ignore[call-overload]
            session.commit()
        before, limited = len(self.api.sent), self.api.rate_limited_count
        started = time.monotonic()
        async with self.application(self.quiz3.due_at):
            if ask:
                await asyncio.to_thread(
                    self.wait_broadcast, before, min(ASK_AFTER, len(self.users) // 3)
                )
                figures.latencies = await self.ask()
            await asyncio.to_thread(self.wait_broadcast, before, len(self.users))
            await asyncio.sleep(1.0)  # anything more would be a duplicate
        self.count(figures, before, limited, started)
        return figures

    async def ptb(self) -> Figures:
        """Phase 4: PTB's own AIORateLimiter sends the same messages, all at once."""
        figures = Figures("PTB AIORateLimiter")
        before, limited = len(self.api.sent), self.api.rate_limited_count
        started = time.monotonic()
        limiter = AIORateLimiter(max_retries=3)
        async with ExtBot(TOKEN, base_url=self.api.bot_base_url, rate_limiter=limiter) as bot:
            await asyncio.gather(*(self.send(bot, user_id) for user_id in self.users))
        await asyncio.sleep(1.0)
        self.count(figures, before, limited, started)
        return figures

    async def send(self, bot: Bot, user_id: int) -> None:
        """Send one broadcast message the way a plain PTB script would."""
        # A message PTB gives up on (429 after its retries) is counted as lost, not fatal.
        with contextlib.suppress(TelegramError):
            await bot.send_message(user_id, TEXT)

    def application(self, now: datetime) -> Any:
        """Return the running application (an async context manager) with its clock at now."""
        run = self

        class Running:
            async def __aenter__(self) -> None:
                self.app = build_application(
                    run.settings,
                    token=TOKEN,
                    api_url=run.api.base_url,
                    clock=lambda: now,
                    db_engine=run.db,
                )
                await self.app.initialize()
                await self.app.post_init(self.app)  # plans and schedules
                await self.app.start()
                await self.app.updater.start_polling(
                    poll_interval=0, timeout=10, allowed_updates=ALLOWED_UPDATES
                )

            async def __aexit__(self, *exc: object) -> None:
                await self.app.updater.stop()
                await self.app.stop()
                await self.app.shutdown()

        return Running()

    async def ask(self) -> list[float]:
        """Have each student ask once, ASK_RATE a second; return reply latencies in seconds."""
        await asyncio.to_thread(self.api.wait_until_polling, 10)
        pushed: dict[int, float] = {}
        already = {student: len(self.api.messages_to(student)) for student in self.students}
        start = time.monotonic()
        for n, student in enumerate(self.students):
            await asyncio.sleep(max(0.0, start + n / ASK_RATE - time.monotonic()))
            self.api.push_text(student, "when is quiz 3?")
            pushed[student] = time.monotonic()
        replies = []
        for student in self.students:
            found = await asyncio.to_thread(
                self.api.wait_for_count, already[student] + 1, "sendMessage", 30.0, chat_id=student
            )
            replies.append(found[already[student]].time - pushed[student])
        return replies

    def wait_broadcast(self, before: int, n: int) -> None:
        """Block until n subscribers got a message since record ``before``."""
        deadline = time.monotonic() + 30 + 3 * len(self.users) / 30
        while time.monotonic() < deadline:
            got = {r.chat_id for r in self.api.sent[before:] if r.chat_id in self.users}
            if len(got) >= n:
                return
            time.sleep(0.2)
        raise TimeoutError(f"only {len(got)} of {n} subscribers reached")

    def count(self, figures: Figures, before: int, limited: int, started: float) -> None:
        """Fill in time, lost, duplicated and 429s for the records since ``before``."""
        sent = [r for r in self.api.sent[before:] if r.chat_id in self.users]
        per_user = Counter(r.chat_id for r in sent)
        figures.seconds = max(r.time for r in sent) - started if sent else None
        figures.first = min(r.time for r in sent) - started if sent else None
        figures.messages = len(sent)
        figures.lost = sum(1 for user_id in self.users if per_user[user_id] == 0)
        figures.duplicated = sum(1 for user_id in self.users if per_user[user_id] > 1)
        figures.rate_limited = self.api.rate_limited_count - limited


async def run(args: argparse.Namespace, folder: Path) -> list[Figures]:
    """Run the four phases on one double and return their figures."""
    with BotApiDouble(TOKEN, global_rate=args.rate, round_trip=args.round_trip) as api:
        phases = Run(api, folder, args.subscribers)
        results = [
            await phases.replies_alone(),
            await phases.broadcast(ask=False),
            await phases.broadcast(ask=True),
            await phases.ptb(),
        ]
        phases.db.dispose()
    return results


def show(value: float | None, unit: str = "", digits: int = 0) -> str:
    """Format a figure, or a dash when the phase has none."""
    return "–" if value is None else f"{value:,.{digits}f}{unit}"


def main() -> None:
    """Run the benchmark and print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--subscribers", type=int, default=1000)
    parser.add_argument("--round-trip", type=float, default=0.1, help="seconds per request")
    parser.add_argument("--rate", type=float, default=30.0, help="the double's messages/s")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    # PTB's limiter logs a traceback per message it gives up on; the table counts them as lost.
    logging.getLogger("telegram.ext.AIORateLimiter").setLevel(logging.CRITICAL)
    with tempfile.TemporaryDirectory() as folder:
        results = asyncio.run(run(args, Path(folder)))
    target = 1.1 * args.subscribers / args.rate
    print(
        f"{args.subscribers} subscribers, {STUDENTS} students asking at {ASK_RATE:g}/s, "
        f"round trip {1000 * args.round_trip:g} ms, double at {args.rate:g} msg/s "
        f"(broadcast target <= {target:.1f} s)\n"
    )
    print(
        "| phase | broadcast time | first message | msg/s | lost | duplicated | 429s "
        "| reply p50 | reply p99 |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for f in results:
        rate = f.messages / f.seconds if f.seconds else None
        print(
            f"| {f.name} | {show(f.seconds, ' s', 1)} | {show(f.first, ' s', 2)} "
            f"| {show(rate, '', 1)} | {show(f.lost)} "
            f"| {show(f.duplicated)} | {show(f.rate_limited)} | {show(f.p(0.5), ' ms')} "
            f"| {show(f.p(0.99), ' ms')} |"
        )


if __name__ == "__main__":
    main()
