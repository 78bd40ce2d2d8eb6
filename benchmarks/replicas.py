"""PostgreSQL against SQLite, and failover between replicas, measured in one run.

1. The 1,000-subscriber broadcast (Quiz 3's 1-day reminder) by the real application, once on
   SQLite and once on a real PostgreSQL server (started here as in the tests), against the Bot
   API double enforcing Telegram's 30 messages/s; plus the cost of one delivery record
   (``storage.record_delivery``, the write after every message) on each.
2. Failover: three `course-bot run --webhook` replicas on PostgreSQL; the leader is killed
   with SIGKILL, and the time until another replica's /healthz says it runs the reminders is
   taken; the killed one is started again, five times over.

    python benchmarks/replicas.py [--subscribers 1000] [--kills 5]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("PTB_TIMEDELTA", "1")

import httpx  # noqa: E402
import yaml  # noqa: E402

from bot import storage  # noqa: E402 - needs the path above
from bot.core.course.loader import load_course  # noqa: E402
from bot.core.planning.reminders import plan  # noqa: E402
from bot.settings import ReminderSettings, Settings  # noqa: E402
from bot.telegram.app import build_application  # noqa: E402
from tests.support.bot_api import BotApiDouble  # noqa: E402
from tests.support.postgres import PostgresServer, free_port  # noqa: E402
from tests.support.process import bot_environment, start_bot  # noqa: E402

TOKEN = "424242:BENCHMARK-token"
COURSE = ROOT / "data" / "mlsd-spring-2023.yaml"
FIRST_USER = 10_000
RATE = 30.0
SECRET = "benchmark-webhook-secret"


async def broadcast(database_url: str, subscribers: int) -> dict[str, float]:
    """Run one broadcast on ``database_url`` and return its figures."""
    reminders = ReminderSettings(quiz=["1d"], deadline=[], release=[], workshop=[], digest=False)
    settings = Settings(course=COURSE, database_url=database_url, reminders=reminders)
    quiz3 = next(
        r
        for r in plan(load_course(COURSE), reminders.plan_settings(channel=False))
        if r.key == "quiz:quiz-3/1d/subscribers"
    )
    db = storage.make_engine(database_url)
    users = range(FIRST_USER, FIRST_USER + subscribers)
    for user_id in users:
        storage.subscribe(
            db, user_id, "all", quiz3.due_at - timedelta(days=1), "fa" if user_id % 2 else "en"
        )
    with BotApiDouble(TOKEN, global_rate=RATE) as api:
        for user_id in users:
            api.add_chat(user_id, "private")
        app = build_application(
            settings, token=TOKEN, api_url=api.base_url, clock=lambda: quiz3.due_at, db_engine=db
        )
        async with app:
            started = time.monotonic()
            await app.post_init(app)  # type: ignore[misc]  # elected at once: plans, schedules
            await app.start()
            await asyncio.to_thread(
                api.wait_for_count, subscribers, "sendMessage", 10 + 2 * subscribers / RATE
            )
            await asyncio.sleep(1.0)  # anything more would be a duplicate
            await app.stop()
            await app.post_shutdown(app)  # type: ignore[misc]
        sent = [r for r in api.sent if r.method == "sendMessage"]
    per_user = Counter(r.chat_id for r in sent)
    record_ms = _record_cost(db)
    db.dispose()
    last = max(r.time for r in sent)
    return {
        "seconds": last - started,
        "throughput": len(sent) / (last - min(r.time for r in sent)),
        "lost": sum(1 for user_id in users if per_user[user_id] == 0),
        "duplicated": sum(1 for user_id in users if per_user[user_id] > 1),
        "record_ms": record_ms,
    }


def _record_cost(db: object, count: int = 500) -> float:
    """Return the median milliseconds of one delivery record (a committed insert)."""
    due = datetime(2030, 1, 1, tzinfo=UTC)
    times = []
    for n in range(count):
        start = time.perf_counter()
        storage.record_delivery(db, "bench:record", due, str(n), "sent", due)  # type: ignore[arg-type]
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def failover(postgres: PostgresServer, kills: int, folder: Path) -> list[float]:
    """Kill the leader of three replicas ``kills`` times; return the seconds to a new leader."""
    url = postgres.create_database("failover")
    storage.make_engine(url).dispose()  # migrated, as `course-bot migrate` would
    config = folder / "settings.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "course": str(COURSE),
                "database_url": url,
                "webhook_url": "https://bot.example/telegram/updates",
            }
        ),
        encoding="utf-8",
    )
    ports = [free_port() for _ in range(3)]
    times: list[float] = []
    with BotApiDouble(TOKEN) as api:
        api.deliver_by_webhook(f"http://127.0.0.1:{p}/telegram/updates" for p in ports)

        def launch(port: int) -> subprocess.Popen[str]:
            env = bot_environment(
                api,
                TOKEN,
                TELEGRAM_WEBHOOK_SECRET=SECRET,
                COURSE_BOT_WEB=f"{{listen: 127.0.0.1, port: {port}}}",
            )
            return start_bot(
                config, env, "--webhook", output=subprocess.DEVNULL, errors=subprocess.DEVNULL
            )

        replicas = {port: launch(port) for port in ports}
        try:
            _until(lambda: all(_role(p) is not None for p in ports), 60)
            for _ in range(kills):
                _until(lambda: [_role(p) for p in ports].count(True) == 1, 60)
                leader = next(p for p in ports if _role(p))
                replicas[leader].kill()
                killed = time.monotonic()
                replicas[leader].wait()
                others = [p for p in ports if p != leader]
                _until(lambda: any(_role(p) for p in others), 90)  # noqa: B023
                times.append(time.monotonic() - killed)
                replicas[leader] = launch(leader)
                _until(lambda: _role(leader) is not None, 60)  # noqa: B023
        finally:
            for process in replicas.values():
                process.terminate()
            for process in replicas.values():
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
    return times


def _role(port: int) -> bool | None:
    """Return the replica's reminders_leader from /healthz, None if it does not answer."""
    try:
        role = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).json()["reminders_leader"]
    except (httpx.HTTPError, ValueError, KeyError):
        return None
    return bool(role)


def _until(condition: object, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise TimeoutError(f"waited {timeout} s")
        time.sleep(0.02)


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--subscribers", type=int, default=1000)
    parser.add_argument("--kills", type=int, default=5)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    with tempfile.TemporaryDirectory() as folder, PostgresServer() as postgres:
        runs = {
            "SQLite": f"sqlite:///{Path(folder) / 'bot.sqlite3'}",
            "PostgreSQL": postgres.create_database("broadcast"),
        }
        print(f"broadcast of one reminder to {args.subscribers} subscribers, double at 30 msg/s")
        print(f"{'':<12}{'total s':>9}{'msg/s':>8}{'lost':>6}{'dup':>5}{'record ms':>11}")
        for name, url in runs.items():
            f = asyncio.run(broadcast(url, args.subscribers))
            print(
                f"{name:<12}{f['seconds']:>9.1f}{f['throughput']:>8.1f}{f['lost']:>6.0f}"
                f"{f['duplicated']:>5.0f}{f['record_ms']:>11.2f}"
            )
        times = failover(postgres, args.kills, Path(folder))
    print(f"failover over {len(times)} leader kills (SIGKILL), seconds to a new leader:")
    print("  " + ", ".join(f"{t:.1f}" for t in times))
    print(f"  median {statistics.median(times):.1f}, max {max(times):.1f} (target < 60)")


if __name__ == "__main__":
    main()
