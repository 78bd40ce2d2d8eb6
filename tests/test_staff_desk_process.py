"""The staff desk through the real `course-bot run` process against the Bot API double: the
round trip, grouping, Dismiss, Save as FAQ, a restart between card and reply, a blocked
student, and two replicas on PostgreSQL sharing a saved FAQ entry."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import pytest
import yaml

from tests.conftest import ADMIN, ROOT, TOKEN
from tests.support.bot_api import BotApiDouble, SentRecord
from tests.support.postgres import PostgresServer, free_port
from tests.support.process import bot_environment, killed_on_failure, start_bot, stop_bot
from tests.test_staff_desk import STAFF_CHAT, TA, UNKNOWN, button_data, buttons

pytestmark = pytest.mark.process

STUDENTS = (3001, 3002, 3003)
FOURTH = 3004
NAMES = {3001: ("Zahra", "zahra_k"), 3002: ("Reza", "reza99"), 3003: ("Sara", None)}
ANSWER = "Yes: any framework is fine, as long as it runs with the requirements you hand in."
PARAPHRASE = "is pytorch lightning allowed in the project"
SENT = "Sent to the course staff; their answer will come here"
WAIT = 15.0


def write_config(path: Path, database_url: str, **extra: Any) -> Path:
    """Write settings with the staff chat and one admin."""
    settings = {
        "course": str(ROOT / "data" / "mlsd-spring-2023.yaml"),
        "database_url": database_url,
        "admins": [ADMIN],
        **extra,
    }
    path.write_text(yaml.safe_dump(settings), encoding="utf-8")
    return path


@contextmanager
def running(config: Path, api: BotApiDouble) -> Iterator[subprocess.Popen[str]]:
    """Run `course-bot run` with COURSE_BOT_STAFF_CHAT set, polling the double."""
    env = bot_environment(api, TOKEN, COURSE_BOT_STAFF_CHAT=str(STAFF_CHAT))
    process = start_bot(config, env, cwd=config.parent)
    with killed_on_failure(process):
        api.wait_until_polling(timeout=30)
        yield process
        _, stderr = stop_bot(process)
    assert process.returncode == 0, stderr
    assert "Traceback" not in stderr


@pytest.fixture
def staff_api(api: BotApiDouble) -> BotApiDouble:
    api.add_chat(STAFF_CHAT, "supergroup", title="MLSD staff")
    api.add_chat(ADMIN)
    return api


def ask(api: BotApiDouble, user: int, text: str = UNKNOWN) -> SentRecord:
    """Ask a question as ``user`` and return the bot's reply."""
    before = len(api.messages_to(user))
    first, username = NAMES.get(user, ("Student", None))
    api.push_text(user, text, first_name=first, username=username)
    return api.wait_for_count(before + 1, "sendMessage", WAIT, chat_id=user)[before]


def send_to_staff(api: BotApiDouble, user: int) -> SentRecord:
    """Ask the unknown question, tap "Ask the course staff" and wait for the button to go."""
    reply = ask(api, user)
    api.push_callback(user, button_data(reply, "Ask the course staff"), reply.message_id or 0)
    api.wait_for(lambda r: r.message_id == reply.message_id and SENT in (r.plain_text or ""), WAIT)
    return reply


def card(api: BotApiDouble) -> SentRecord:
    """Return the first card posted to the staff chat, waiting for it."""
    return api.wait_for(lambda r: r.chat_id == STAFF_CHAT and r.method == "sendMessage", WAIT)[0]


def latest(api: BotApiDouble, message_id: int, has: str) -> SentRecord:
    """Wait until a message of the bot's holds ``has``; return that version."""
    return api.wait_for(lambda r: r.message_id == message_id and has in (r.plain_text or ""), WAIT)[
        -1
    ]


def staff_reply(api: BotApiDouble, posted: SentRecord, text: str = ANSWER) -> None:
    """Reply to a card in the staff chat, as Telegram delivers a reply."""
    api.push_text(
        TA,
        text,
        chat_id=STAFF_CHAT,
        chat_type="supergroup",
        first_name="Mahsa",
        reply_to_message_id=posted.message_id,
    )


def answer_to(api: BotApiDouble, user: int) -> SentRecord:
    """Wait for the staff's answer in a student's chat."""
    return api.wait_for(lambda r: r.chat_id == user and ANSWER in (r.plain_text or ""), WAIT)[0]


def staff_chat_traffic(api: BotApiDouble) -> str:
    """Return every request the bot made about the staff chat, parameters and all."""
    return " ".join(
        repr(r.params) for r in api.requests if str(r.params.get("chat_id")) == str(STAFF_CHAT)
    )


def test_round_trip_and_grouping_reach_every_student_without_naming_them(
    tmp_path: Path, staff_api: BotApiDouble
) -> None:
    """Unknown question → button → card → reply to the card → the answer in each student's
    chat; three students asking it share one card; nothing sent to the staff chat carries a
    student's id, name or username."""
    config = write_config(tmp_path / "settings.yaml", f"sqlite:///{tmp_path / 'bot.sqlite3'}")
    with running(config, staff_api):
        for user in STUDENTS:
            send_to_staff(staff_api, user)
        posted = card(staff_api)
        latest(staff_api, posted.message_id or 0, "asked by 3")
        assert len([r for r in staff_api.messages_to(STAFF_CHAT)]) == 1
        staff_reply(staff_api, posted)
        for user in STUDENTS:
            got = answer_to(staff_api, user)
            assert "The course staff answered your question" in (got.plain_text or "")
        closed = latest(staff_api, posted.message_id or 0, "Answered by Mahsa")
        assert "Sent to 3 of 3 students" in (closed.plain_text or "")
        assert [b["text"] for b in buttons(closed)] == ["Save as FAQ"]
    traffic = staff_chat_traffic(staff_api)
    assert UNKNOWN in traffic
    for user, (first, username) in NAMES.items():
        assert str(user) not in traffic and first not in traffic
        assert username is None or username not in traffic


def test_dismiss_tells_the_students_to_ask_on_quera(
    tmp_path: Path, staff_api: BotApiDouble
) -> None:
    """Dismiss closes the card; its students get one line pointing to Quera."""
    config = write_config(tmp_path / "settings.yaml", f"sqlite:///{tmp_path / 'bot.sqlite3'}")
    with running(config, staff_api):
        send_to_staff(staff_api, STUDENTS[0])
        send_to_staff(staff_api, STUDENTS[1])
        posted = card(staff_api)
        latest(staff_api, posted.message_id or 0, "asked by 2")
        staff_api.push_callback(
            TA, button_data(posted, "Dismiss"), posted.message_id or 0, chat_id=STAFF_CHAT
        )
        for user in STUDENTS[:2]:
            line = staff_api.wait_for(
                lambda r, u=user: r.chat_id == u and "have seen" in (r.plain_text or ""), WAIT
            )
            assert "quera.org" in (line[0].plain_text or "")
        latest(staff_api, posted.message_id or 0, "Dismissed by")


def test_save_as_faq_answers_a_fourth_students_paraphrase_at_once(
    tmp_path: Path, staff_api: BotApiDouble
) -> None:
    """After the staff answered three students and tapped Save as FAQ, a fourth student's
    paraphrase is answered at once, "answered by the course staff on <date>", no button."""
    config = write_config(tmp_path / "settings.yaml", f"sqlite:///{tmp_path / 'bot.sqlite3'}")
    with running(config, staff_api):
        for user in STUDENTS:
            send_to_staff(staff_api, user)
        posted = card(staff_api)
        latest(staff_api, posted.message_id or 0, "asked by 3")
        staff_reply(staff_api, posted)
        closed = latest(staff_api, posted.message_id or 0, "Answered by Mahsa")
        staff_api.push_callback(
            TA, button_data(closed, "Save as FAQ"), posted.message_id or 0, chat_id=STAFF_CHAT
        )
        latest(staff_api, posted.message_id or 0, "Saved as FAQ entry staff-1 by Mahsa")
        reply = ask(staff_api, FOURTH, PARAPHRASE)
        listing = ask(staff_api, ADMIN, "/faq")
    assert ANSWER in (reply.plain_text or "")
    assert "answered by the course staff on" in (reply.plain_text or "")
    assert buttons(reply) == []
    assert "staff-1" in (listing.plain_text or "")
    assert [b["text"] for b in buttons(listing)] == ["Remove staff-1"]


def test_a_reply_after_a_restart_still_reaches_the_students(
    tmp_path: Path, staff_api: BotApiDouble
) -> None:
    """The card is posted, the bot restarts, and a reply to that card still reaches the
    student: the card → student mapping is in the database."""
    config = write_config(tmp_path / "settings.yaml", f"sqlite:///{tmp_path / 'bot.sqlite3'}")
    with running(config, staff_api):
        send_to_staff(staff_api, STUDENTS[0])
        posted = card(staff_api)
    staff_reply(staff_api, posted)
    with running(config, staff_api):
        answer_to(staff_api, STUDENTS[0])
        latest(staff_api, posted.message_id or 0, "Sent to 1 of 1 students")


def test_a_student_who_blocked_the_bot_is_recorded_as_such(
    tmp_path: Path, staff_api: BotApiDouble
) -> None:
    """The answer reaches the students who did not block the bot; the blocked one is counted
    on the card, once: the refusal is not retried."""
    config = write_config(tmp_path / "settings.yaml", f"sqlite:///{tmp_path / 'bot.sqlite3'}")
    with running(config, staff_api):
        send_to_staff(staff_api, STUDENTS[0])
        send_to_staff(staff_api, STUDENTS[1])
        posted = card(staff_api)
        staff_api.block(STUDENTS[1])
        staff_reply(staff_api, posted)
        answer_to(staff_api, STUDENTS[0])
        closed = latest(staff_api, posted.message_id or 0, "1 blocked the bot")
        assert "Sent to 1 of 2 students" in (closed.plain_text or "")
    tries = [
        r
        for r in staff_api.requests
        if r.method == "sendMessage" and str(r.params.get("chat_id")) == str(STUDENTS[1])
    ]
    assert len([r for r in tries if r.status == 403]) == 1


def test_a_faq_entry_saved_on_one_replica_is_used_by_the_other_within_5_s(
    tmp_path: Path, postgres: PostgresServer
) -> None:
    """Two replicas on one PostgreSQL: the staff save an answer through one, and a student
    whose question reaches the other is answered from it within 5 seconds."""
    url = postgres.create_database()
    ports = [free_port(), free_port()]
    config = write_config(
        tmp_path / "settings.yaml",
        url,
        webhook_url="https://bot.example/telegram/updates",
    )
    migrated = subprocess.run(
        [sys.executable, "-m", "bot", "migrate", "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert migrated.returncode == 0, migrated.stderr
    processes: list[subprocess.Popen[str]] = []
    logs: list[IO[str]] = []
    targets = [f"http://127.0.0.1:{port}/telegram/updates" for port in ports]
    with BotApiDouble(TOKEN, round_trip=0.01) as api:
        api.add_chat(STAFF_CHAT, "supergroup")
        api.add_chat(ADMIN)
        try:
            for number, port in enumerate(ports):
                env = bot_environment(
                    api,
                    TOKEN,
                    TELEGRAM_WEBHOOK_SECRET="shared-secret",
                    COURSE_BOT_STAFF_CHAT=str(STAFF_CHAT),
                    COURSE_BOT_WEB=f"{{listen: 127.0.0.1, port: {port}}}",
                )
                logs.append((tmp_path / f"replica-{number}.log").open("w", encoding="utf-8"))
                processes.append(
                    start_bot(config, env, "--webhook", output=logs[-1], errors=subprocess.STDOUT)
                )
            api.deliver_by_webhook(targets[:1])
            api.wait_for_request("setWebhook", timeout=30)
            # The first replica takes the whole conversation with the staff.
            send_to_staff(api, STUDENTS[0])
            posted = card(api)
            staff_reply(api, posted)
            answer_to(api, STUDENTS[0])
            closed = latest(api, posted.message_id or 0, "Answered by Mahsa")
            api.push_callback(
                TA, button_data(closed, "Save as FAQ"), posted.message_id or 0, chat_id=STAFF_CHAT
            )
            latest(api, posted.message_id or 0, "Saved as FAQ entry staff-1")
            saved_at = time.monotonic()
            # Every question now reaches the second replica, which never saw the card.
            api.deliver_by_webhook(targets[1:])
            answered_after = None
            for attempt in range(40):
                reply = ask(api, 5000 + attempt, PARAPHRASE)
                if ANSWER in (reply.plain_text or ""):
                    answered_after = reply.time - saved_at
                    break
                time.sleep(0.1)
            assert answered_after is not None and answered_after < 5.0, answered_after
            served_by = {d.target for d in api.webhook_deliveries if d.status == 200}
            assert served_by == set(targets)
            for process in processes:
                process.terminate()
            for process in processes:
                assert process.wait(timeout=20) == 0
        finally:
            for process in processes:
                if process.poll() is None:
                    process.kill()
                    process.wait()
            for log in logs:
                log.close()
    print(f"FAQ saved on one replica, used by the other after {answered_after:.2f} s")
