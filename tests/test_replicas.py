"""End to end: three `course-bot run --webhook` replicas on one PostgreSQL behind one webhook.

The Bot API double plays Telegram and the reverse proxy: it POSTs each update to the next
replica in turn. Time is the real clock, injected the way tests/test_reminders_process.py does
it: the course is written so that its reminders fall due seconds after the launch.
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO

import httpx
import pytest
import yaml

from bot import storage
from bot.telegram.reminders import IN_FLIGHT
from tests.conftest import CHANNEL, CHANNEL_ID, TEHRAN, TOKEN
from tests.support.bot_api import BotApiDouble
from tests.support.postgres import PostgresServer, free_port
from tests.support.process import bot_environment, start_bot
from tests.test_reminders_process import wait_until, write_course

pytestmark = pytest.mark.process

SECRET = "replicas-share-this-secret"
REPLICAS = 3
SUBSCRIBERS = range(5000, 5080)
ASKERS = range(7000, 7030)
# The first reminder falls due after the replicas have started; the second after the first
# broadcast (81 messages at under 30/s) is over.
FIRST_DUE = timedelta(seconds=12)
SECOND_DUE = timedelta(seconds=22)


def counts(api: BotApiDouble, chats: range | list[int]) -> dict[int, int]:
    """Count the messages each chat got."""
    got = Counter(r.chat_id for r in api.sent if r.method == "sendMessage")
    return {chat: got[chat] for chat in chats}


def healthy(port: int) -> bool:
    """Tell whether the replica on ``port`` answers /healthz with 200."""
    try:
        return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def health(port: int) -> dict[str, object]:
    """Return the replica's /healthz report."""
    report: dict[str, object] = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).json()
    return report


def elected(log: Path) -> bool:
    """Tell whether the replica writing ``log`` was elected to run the reminders."""
    return "elected to run the reminders" in log.read_text(encoding="utf-8")


def test_three_replicas_answer_once_send_once_and_survive_the_leaders_death(
    tmp_path: Path, postgres: PostgresServer
) -> None:
    """Updates spread over 3 replicas are each answered once; a due reminder reaches every
    subscriber once; after kill -9 of the leader mid-broadcast another replica finishes it."""
    launched = datetime.now(TEHRAN)
    quiz_at = launched.replace(second=0, microsecond=0) + timedelta(minutes=3)
    if quiz_at.date() != launched.date() or (quiz_at.hour == 23 and quiz_at.minute > 50):
        pytest.skip("too close to midnight in Tehran for a same-day quiz")
    course = tmp_path / "course.yaml"
    write_course(course, quiz_at)
    offsets = [int((quiz_at - (launched + due)).total_seconds()) for due in (FIRST_DUE, SECOND_DUE)]
    url = postgres.create_database()
    config = tmp_path / "settings.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "course": str(course),
                "channel": CHANNEL,
                "database_url": url,
                "webhook_url": "https://bot.example/telegram/updates",
                "reminders": {
                    "quiz": [f"{o}s" for o in offsets],
                    "deadline": [],
                    "release": [],
                    "workshop": [],
                    "digest": False,
                },
            }
        ),
        encoding="utf-8",
    )
    migrated = subprocess.run(
        [sys.executable, "-m", "bot", "migrate", "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert migrated.returncode == 0, migrated.stderr
    engine = storage.make_engine(url, migrate=False)
    for user_id in SUBSCRIBERS:
        storage.subscribe(engine, user_id, "all", launched - timedelta(hours=1))
        storage.set_language(engine, user_id, "fa" if user_id % 2 else "en", launched)
    engine.dispose()

    ports = [free_port() for _ in range(REPLICAS)]
    logs = [tmp_path / f"replica-{n}.log" for n in range(REPLICAS)]
    processes: list[subprocess.Popen[str]] = []
    files: list[IO[str]] = []
    with BotApiDouble(TOKEN, round_trip=0.01) as api:
        api.add_chat(CHANNEL_ID, "channel", username=CHANNEL[1:])
        for user_id in [*SUBSCRIBERS, *ASKERS]:
            api.add_chat(user_id, "private")
        api.deliver_by_webhook(f"http://127.0.0.1:{p}/telegram/updates" for p in ports)
        try:
            for port, log in zip(ports, logs, strict=True):
                env = bot_environment(
                    api,
                    TOKEN,
                    TELEGRAM_WEBHOOK_SECRET=SECRET,
                    COURSE_BOT_WEB=f"{{listen: 127.0.0.1, port: {port}}}",
                )
                files.append(log.open("w", encoding="utf-8"))
                processes.append(
                    start_bot(config, env, "--webhook", output=files[-1], errors=subprocess.STDOUT)
                )
            wait_until(lambda: all(healthy(p) for p in ports), 40, "every replica to be healthy")

            # Questions from 30 students, spread over the replicas by the "proxy".
            for user_id in ASKERS:
                api.push_text(user_id, "when is quiz 3?")
            wait_until(lambda: all(counts(api, ASKERS).values()), 20, "every answer")
            time.sleep(0.5)
            assert counts(api, ASKERS) == dict.fromkeys(ASKERS, 1)
            answered_by = Counter(d.target for d in api.webhook_deliveries if d.status == 200)
            assert len(answered_by) == REPLICAS and min(answered_by.values()) >= 5

            # The first reminder: one replica sends it, each recipient gets one copy.
            recipients = [CHANNEL_ID, *SUBSCRIBERS]
            wait_until(lambda: all(counts(api, recipients).values()), 40, "the first reminder")
            time.sleep(1)
            assert counts(api, recipients) == dict.fromkeys(recipients, 1)
            leaders = [n for n, log in enumerate(logs) if elected(log)]
            assert len(leaders) == 1, "exactly one replica runs the reminders"
            leader = leaders[0]
            roles = [health(p)["reminders_leader"] for p in ports]
            assert roles == [n == leader for n in range(REPLICAS)]

            # The second reminder: kill -9 the leader once its broadcast is under way.
            wait_until(
                lambda: sum(n >= 2 for n in counts(api, recipients).values()) >= 20,
                40,
                "the second broadcast to begin",
            )
            processes[leader].kill()
            processes[leader].wait(timeout=10)
            at_kill = counts(api, recipients)
            assert sum(n >= 2 for n in at_kill.values()) < len(recipients), "killed too late"
            wait_until(
                lambda: all(n >= 2 for n in counts(api, recipients).values()),
                40,
                "another replica to finish the broadcast",
            )
            time.sleep(1)
            final = counts(api, recipients)
            followers = [n for n in range(REPLICAS) if n != leader]
            assert [n for n in followers if elected(logs[n])], "no replica took over"
            roles = {n: health(ports[n])["reminders_leader"] for n in followers}
            assert sorted(roles.values()) == [False, True]

            # SIGHUP to the replica that does not lead: the leader reloads too and announces.
            write_course(course, quiz_at + timedelta(days=1))
            idle = next(n for n, leads in roles.items() if not leads)
            processes[idle].send_signal(signal.SIGHUP)
            moved = api.wait_for(lambda r: "تغییر کرد" in (r.plain_text or ""), timeout=20)
            time.sleep(0.5)
            assert len(api.messages_to(CHANNEL_ID)) == final[CHANNEL_ID] + 1
            assert moved[0].chat_id == CHANNEL_ID
            for n in followers:
                assert processes[n].poll() is None
                processes[n].terminate()
            for n in followers:
                assert processes[n].wait(timeout=20) == 0
        finally:
            for process in processes:
                if process.poll() is None:
                    process.kill()
                    process.wait()
            for file in files:
                file.close()

    # Every recipient has both reminders; only messages in flight at the kill may repeat.
    assert all(n >= 2 for n in final.values())
    repeated = sum(n - 2 for n in final.values())
    assert repeated <= IN_FLIGHT, f"{repeated} repeated messages"
    takeover = [n for n in followers if elected(logs[n])]
    new_log = logs[takeover[0]].read_text(encoding="utf-8")
    assert re.search(r"sent to \d+ subscriber", new_log), "the new leader finished the broadcast"
    for log in logs:
        text = log.read_text(encoding="utf-8")
        assert TOKEN not in text and SECRET not in text
        assert "Traceback" not in text, text[-3000:]
