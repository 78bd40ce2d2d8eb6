"""Reminder broadcast: one reminder to N subscribers through the Bot API double at 30 msg/s.

The real application (the one ``course-bot run`` builds) starts with its clock at the moment
Quiz 3's 1-day reminder falls due and N students subscribed; the double enforces Telegram's
30 messages/s overall with 429s. Measured: the time from the application's start (planning
included) to the last subscriber's message, messages lost (a subscriber without it),
duplicated (more than one) and the 429s the double answered.

    python benchmarks/reminder_broadcast.py [--subscribers 1000] [--rate 30]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import tempfile
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("PTB_TIMEDELTA", "1")

from bot import storage  # noqa: E402 - needs the path above
from bot.core.loader import load_course  # noqa: E402
from bot.core.reminders import plan  # noqa: E402
from bot.settings import ReminderSettings, Settings  # noqa: E402
from bot.telegram.app import build_application  # noqa: E402
from tests.support.bot_api import BotApiDouble  # noqa: E402

TOKEN = "424242:BENCHMARK-token"
COURSE = ROOT / "data" / "mlsd-spring-2023.yaml"
FIRST_USER = 10_000


async def broadcast(subscribers: int, rate: float, folder: Path) -> dict[str, float]:
    """Run one broadcast and return its figures."""
    reminders = ReminderSettings(quiz=["1d"], deadline=[], release=[], workshop=[], digest=False)
    settings = Settings(
        course=COURSE,
        database_url=f"sqlite:///{folder / 'bot.sqlite3'}",
        reminders=reminders,
    )
    course = load_course(COURSE)
    quiz3 = next(
        r
        for r in plan(course, reminders.plan_settings(channel=False))
        if r.key == "quiz:quiz-3/1d/subscribers"
    )
    db = storage.make_engine(settings.database_url)
    users = range(FIRST_USER, FIRST_USER + subscribers)
    for user_id in users:
        storage.subscribe(
            db, user_id, "all", quiz3.due_at - timedelta(days=1), "fa" if user_id % 2 else "en"
        )
    with BotApiDouble(TOKEN, global_rate=rate) as api:
        for user_id in users:
            api.add_chat(user_id, "private")
        app = build_application(
            settings, token=TOKEN, api_url=api.base_url, clock=lambda: quiz3.due_at, db_engine=db
        )
        async with app:
            started = time.monotonic()
            await app.post_init(app)  # type: ignore[misc]  # plans and schedules
            await app.start()
            await asyncio.to_thread(
                api.wait_for_count, subscribers, "sendMessage", 10 + 2 * subscribers / rate
            )
            await asyncio.sleep(1.0)  # anything more would be a duplicate
            await app.stop()
        sent = [r for r in api.sent if r.method == "sendMessage"]
        per_user = Counter(r.chat_id for r in sent)
        rate_limited = api.rate_limited_count
    db.dispose()
    last = max(r.time for r in sent)
    first = min(r.time for r in sent)
    return {
        "seconds": last - started,
        "first_to_last": last - first,
        "lost": sum(1 for user_id in users if per_user[user_id] == 0),
        "duplicated": sum(1 for user_id in users if per_user[user_id] > 1),
        "rate_limited": rate_limited,
        "messages": len(sent),
    }


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--subscribers", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=30.0, help="the double's messages/s")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    with tempfile.TemporaryDirectory() as folder:
        figures = asyncio.run(broadcast(args.subscribers, args.rate, Path(folder)))
    target = 1.1 * args.subscribers / args.rate
    print(f"subscribers       {args.subscribers}")
    print(f"total time        {figures['seconds']:.1f} s (target <= {target:.1f} s)")
    print(f"first to last     {figures['first_to_last']:.1f} s")
    print(f"throughput        {figures['messages'] / figures['first_to_last']:.1f} msg/s")
    print(f"lost              {figures['lost']:.0f}")
    print(f"duplicated        {figures['duplicated']:.0f}")
    print(f"429s from double  {figures['rate_limited']:.0f}")


if __name__ == "__main__":
    main()
