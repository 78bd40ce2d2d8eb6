"""The real ``course-bot run`` process against the Bot API test double."""

from __future__ import annotations

import re
import socket
from pathlib import Path

import httpx
import pytest
import yaml

from bot.core.course.loader import CourseError
from bot.settings import Settings, SettingsError
from bot.telegram.runner import run_bot
from tests.conftest import ROOT, STUDENT, TOKEN
from tests.support.bot_api import BotApiDouble
from tests.support.process import bot_environment, killed_on_failure, start_bot, stop_bot

pytestmark = pytest.mark.process


def test_run_without_token_fails_before_any_network_call(settings: Settings) -> None:
    """A missing TELEGRAM_BOT_TOKEN raises SettingsError naming the variable."""
    with pytest.raises(SettingsError, match="TELEGRAM_BOT_TOKEN"):
        run_bot(settings, webhook=False, environ={})


def test_run_with_broken_course_raises_course_error(settings: Settings, course_file: Path) -> None:
    """An invalid course file raises CourseError with file:line problems, before any request."""
    course_file.write_text("course: [\n", encoding="utf-8")
    environ = {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": "http://127.0.0.1:9"}
    with pytest.raises(CourseError, match=r"course\.yaml:\d+"):
        run_bot(settings, webhook=False, environ=environ)


def test_webhook_needs_a_url(settings: Settings) -> None:
    """--webhook without webhook_url is a settings error."""
    with pytest.raises(SettingsError, match="webhook_url"):
        run_bot(settings, webhook=True, environ={"TELEGRAM_BOT_TOKEN": TOKEN})


def test_course_bot_run_answers_and_stops_cleanly_without_leaking_the_token(
    tmp_path: Path, api: BotApiDouble
) -> None:
    """`course-bot run` answers a question, exits 0 on SIGTERM and never prints the token."""
    config = tmp_path / "settings.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "course": str(ROOT / "data" / "mlsd-spring-2023.yaml"),
                "database_url": f"sqlite:///{tmp_path / 'state' / 'bot.sqlite3'}",
                "log_level": "DEBUG",
            }
        ),
        encoding="utf-8",
    )
    process = start_bot(config, bot_environment(api, TOKEN), cwd=tmp_path)
    with killed_on_failure(process):
        api.wait_until_polling(timeout=20)
        api.push_text(STUDENT, "when is quiz 3")
        reply = api.wait_for_count(1, chat_id=STUDENT, timeout=10)
        assert "27 Esfand 1401" in (reply[0].plain_text or "")
        stdout, stderr = stop_bot(process)
    assert process.returncode == 0, stderr
    assert "DEBUG" in stderr  # the check below is only meaningful with chatty logs
    assert TOKEN not in stdout + stderr
    assert TOKEN.split(":", 1)[1] not in stdout + stderr
    assert "Traceback" not in stderr


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_course_bot_run_webhook_checks_the_secret(tmp_path: Path, api: BotApiDouble) -> None:
    """With --webhook the bot registers its URL and answers only updates with the secret."""
    port = _free_port()
    config = tmp_path / "settings.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "course": str(ROOT / "data" / "mlsd-spring-2023.yaml"),
                "database_url": f"sqlite:///{tmp_path / 'bot.sqlite3'}",
                "webhook_url": f"http://127.0.0.1:{port}/telegram",
                "webhook_listen": "127.0.0.1",
                "webhook_port": port,
            }
        ),
        encoding="utf-8",
    )
    secret = "s3cret-for-the-test"
    env = bot_environment(api, TOKEN, TELEGRAM_WEBHOOK_SECRET=secret)
    process = start_bot(config, env, "--webhook", cwd=tmp_path)
    with killed_on_failure(process):
        api.wait_for_request("setWebhook", timeout=20)
        registered = [r for r in api.requests if r.method == "setWebhook"][-1].params
        assert registered["url"] == f"http://127.0.0.1:{port}/telegram"
        assert registered["secret_token"] == secret
        api.add_chat(STUDENT)
        update = {
            "update_id": 1,
            "message": {
                "message_id": 1,
                "date": 0,
                "chat": {"id": STUDENT, "type": "private", "first_name": "S"},
                "from": {"id": STUDENT, "is_bot": False, "first_name": "S"},
                "text": "/next",
                "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
            },
        }
        url = f"http://127.0.0.1:{port}/telegram"
        wrong = httpx.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "x"})
        assert wrong.status_code == 403
        right = httpx.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": secret})
        assert right.status_code == 200
        reply = api.wait_for_count(1, chat_id=STUDENT, timeout=10)
        assert len(api.messages_to(STUDENT)) == 1
        # The real clock: any phase of the term (after it, /next says it is over).
        assert re.search(r"quiz|term is over", (reply[0].plain_text or "").lower())
        stdout, stderr = stop_bot(process)
    assert process.returncode == 0, stderr
    assert secret not in stdout + stderr and TOKEN not in stdout + stderr
