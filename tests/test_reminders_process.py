"""End to end: the real `course-bot run` process delivers a reminder minutes away, exactly once
across a kill -9 in the middle of the broadcast and a clean restart, and re-plans on SIGHUP,
telling the channel and every subscriber once that the quiz moved."""

from __future__ import annotations

import signal
import subprocess
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO

import jdatetime
import pytest
import yaml

from bot import storage
from tests.conftest import CHANNEL, CHANNEL_ID, COURSE_FILE, TEHRAN, TOKEN
from tests.support.bot_api import BotApiDouble
from tests.support.process import bot_environment, start_bot

pytestmark = pytest.mark.process

MONTHS = "Farvardin Ordibehesht Khordad Tir Mordad Shahrivar Mehr Aban Azar Dey Bahman Esfand"
STUDENTS = range(2000, 2040)
# The reminder falls due this long after the process is launched: after its start-up, so the
# scheduled job (not the catch-up at start) delivers it.
LEAD = timedelta(seconds=5)


def write_course(path: Path, quiz_at: datetime) -> None:
    """Write a one-session course whose Quiz 1 is at ``quiz_at`` today."""
    data = yaml.safe_load(COURSE_FILE.read_text(encoding="utf-8"))
    today = jdatetime.date.fromgregorian(date=quiz_at.date())
    end = min(quiz_at + timedelta(minutes=90), quiz_at.replace(hour=23, minute=59))
    data["course"]["start_year"] = today.year
    data["classes"]["start"] = f"{quiz_at:%H:%M}"
    data["classes"]["end"] = f"{end:%H:%M}"
    data["schedule"] = [
        {
            "date": f"{today.day} {MONTHS.split()[today.month - 1]} {today.year}",
            "section": "intro",
            "items": [{"quiz": 1}],
        }
    ]
    data["breaks"] = []
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def launch(config: Path, api: BotApiDouble, log: IO[str]) -> subprocess.Popen[str]:
    """Start `python -m bot run` against the double."""
    env = bot_environment(api, TOKEN)
    return start_bot(config, env, output=log, errors=subprocess.STDOUT)


def counts(api: BotApiDouble) -> dict[int, int]:
    """Count the messages each recipient got."""
    chats = [CHANNEL_ID, *STUDENTS]
    return {chat: len(api.messages_to(chat)) for chat in chats}


def wait_until(condition, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    """Poll ``condition`` until it holds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"waited {timeout}s for {what}")
        time.sleep(0.02)


def stop(process: subprocess.Popen[str]) -> int:
    """SIGTERM the process and return its exit code."""
    process.send_signal(signal.SIGTERM)
    return process.wait(timeout=20)


def test_reminder_reaches_channel_and_students_once_across_kill_and_restart(
    tmp_path: Path, api: BotApiDouble
) -> None:
    """The real process posts a quiz reminder on time; after kill -9 mid-broadcast and two
    restarts every recipient has it exactly once; SIGHUP announces a moved quiz."""
    launched = datetime.now(TEHRAN)
    quiz_at = launched.replace(second=0, microsecond=0) + timedelta(minutes=2)
    if quiz_at.date() != launched.date() or (quiz_at.hour == 23 and quiz_at.minute > 50):
        pytest.skip("too close to midnight in Tehran for a same-day quiz")
    due = launched + LEAD
    course = tmp_path / "course.yaml"
    write_course(course, quiz_at)
    database = f"sqlite:///{tmp_path / 'state' / 'bot.sqlite3'}"
    config = tmp_path / "settings.yaml"
    offset = int((quiz_at - due).total_seconds())
    settings = {
        "course": str(course),
        "channel": CHANNEL,
        "database_url": database,
        "reminders": {
            "quiz": [f"{offset}s"],
            "deadline": [],
            "release": [],
            "workshop": [],
            "digest": False,
        },
    }
    config.write_text(yaml.safe_dump(settings), encoding="utf-8")
    engine = storage.make_engine(database)
    for user_id in STUDENTS:
        api.add_chat(user_id, "private")
        storage.subscribe(engine, user_id, "all", launched - timedelta(hours=1))
        storage.set_language(engine, user_id, "fa" if user_id % 2 else "en", launched)
    engine.dispose()

    log = (tmp_path / "bot.log").open("w", encoding="utf-8")
    mono_at_launch = time.monotonic()
    first = launch(config, api, log)
    try:
        sent = api.wait_for_count(11, "sendMessage", timeout=40)
        on_time = launched + timedelta(seconds=sent[0].time - mono_at_launch)
        assert on_time >= due - timedelta(seconds=0.5), "sent before it was due"
        # The next send fails with 502: while the bot backs off to retry, nothing is in
        # flight, so a kill now cannot fall between Telegram's answer and the database.
        api.fail_next("sendMessage", 502, times=3)
        wait_until(lambda: any(r.status == 502 for r in api.requests), 10, "a 502")
        first.kill()
        first.wait(timeout=10)
        before_restart = counts(api)
        assert 10 <= sum(before_restart.values()) < 1 + len(STUDENTS)

        second = launch(config, api, log)
        wait_until(lambda: all(counts(api).values()), 30, "everyone to get the reminder")
        time.sleep(0.5)
        assert stop(second) == 0

        requests_before = len(api.requests)
        third = launch(config, api, log)
        # deleteWebhook comes right before polling; a long poll is only logged when it ends.
        wait_until(
            lambda: any(r.method == "deleteWebhook" for r in api.requests[requests_before:]),
            20,
            "the third start to poll",
        )
        time.sleep(1.5)
        assert counts(api) == dict.fromkeys(counts(api), 1), "a restart sent something twice"
        write_course(course, quiz_at + timedelta(days=1))
        third.send_signal(signal.SIGHUP)
        moved = api.wait_for(lambda r: "تغییر کرد" in (r.plain_text or ""), timeout=10)
        # The subscribers hear of the move too, once each.
        wait_until(lambda: set(counts(api).values()) == {2}, 20, "every subscriber to hear")
        time.sleep(0.5)
        assert stop(third) == 0
    finally:
        for process in (first, locals().get("second"), locals().get("third")):
            if process is not None and process.poll() is None:
                process.kill()
                process.wait()
        log.close()

    assert counts(api) == dict.fromkeys(counts(api), 2)
    channel = api.messages_to(CHANNEL_ID)[0].plain_text or ""
    assert "کوییز ۱" in channel
    assert moved[0].chat_id == CHANNEL_ID and "کوییز ۱" in (moved[0].plain_text or "")
    english = api.messages_to(STUDENTS[0])[0].plain_text or ""
    assert english.startswith("⏰ Quiz 1 is in ") and "Late" not in english
    output = (tmp_path / "bot.log").read_text(encoding="utf-8")
    assert "Traceback" not in output and TOKEN not in output
