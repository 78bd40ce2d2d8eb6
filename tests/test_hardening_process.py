"""The real `course-bot run` process facing faults and operator mistakes: updates it cannot
read, a Bot API that is not there yet, a rejected token and bad settings."""

from __future__ import annotations

import importlib.util
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.conftest import ADMIN, ROOT, STUDENT, TOKEN
from tests.support.bot_api import BotApiDouble
from tests.support.process import (
    bot_environment,
    free_port,
    killed_on_failure,
    start_bot,
    stop_bot,
    wait_for_output,
)

pytestmark = pytest.mark.process

SECRET_TEXT = "my-private-question-about-my-grade"


def _config(tmp_path: Path, **values: Any) -> Path:
    config = tmp_path / "settings.yaml"
    settings = {
        "course": str(ROOT / "data" / "mlsd-spring-2023.yaml"),
        "database_url": f"sqlite:///{tmp_path / 'state' / 'bot.sqlite3'}",
        **values,
    }
    config.write_text(yaml.safe_dump(settings), encoding="utf-8")
    return config


def unreadable_update(update_id: int) -> dict[str, Any]:
    """A message with a poll whose option lacks persistent_id, which PTB 22.8 requires."""
    return {
        "update_id": update_id,
        "message": {
            "message_id": 77,
            "date": 0,
            "chat": {"id": STUDENT, "type": "private", "first_name": "S"},
            "from": {"id": STUDENT, "is_bot": False, "first_name": "S"},
            "text": SECRET_TEXT,
            "poll": {
                "id": "p1",
                "question": SECRET_TEXT,
                "options": [{"text": SECRET_TEXT, "voter_count": 0}],
                "total_voter_count": 0,
                "is_closed": False,
                "is_anonymous": True,
                "type": "regular",
                "allows_multiple_answers": False,
            },
        },
    }


def test_anunreadable_update_is_skipped_once_and_later_ones_are_answered(
    tmp_path: Path, api: BotApiDouble
) -> None:
    """An update PTB cannot parse is logged once (id and type, no text); the next is answered."""
    errors = tmp_path / "stderr.txt"
    process = start_bot(
        _config(tmp_path), bot_environment(api, TOKEN), errors=errors.open("w"), cwd=tmp_path
    )
    with killed_on_failure(process):
        api.wait_until_polling(timeout=20)
        bad = api.push_update(unreadable_update(500))
        api.push_text(STUDENT, "when is quiz 3")
        reply = api.wait_for_count(1, chat_id=STUDENT, timeout=10)
        assert "27 Esfand 1401" in (reply[0].plain_text or "")
        # The offset moved past both: Telegram would not send the bad one again.
        api.wait_until_polling(timeout=10)
        assert all(u["update_id"] > bad["update_id"] for u in api.pending_updates)
        _, _ = stop_bot(process)
    log = errors.read_text(encoding="utf-8")
    assert process.returncode == 0, log
    skipped = [line for line in log.splitlines() if "skipped update" in line]
    assert len(skipped) == 1, log
    assert "WARNING" in skipped[0] and "500 (message)" in skipped[0]
    assert SECRET_TEXT not in log
    assert "Traceback" not in log


def test_webhook_skips_an_unreadable_update_and_answers_the_next(
    tmp_path: Path, api: BotApiDouble
) -> None:
    """--webhook without a web section acknowledges an unreadable update once, then answers."""
    port = free_port()
    config = _config(
        tmp_path,
        webhook_url=f"http://127.0.0.1:{port}/telegram",
        webhook_listen="127.0.0.1",
        webhook_port=port,
    )
    errors = tmp_path / "stderr.txt"
    env = bot_environment(api, TOKEN, TELEGRAM_WEBHOOK_SECRET="s3cret")
    process = start_bot(config, env, "--webhook", errors=errors.open("w"), cwd=tmp_path)
    with killed_on_failure(process):
        api.wait_for_request("setWebhook", timeout=20)
        api.add_chat(STUDENT)
        headers = {"X-Telegram-Bot-Api-Secret-Token": "s3cret"}
        url = f"http://127.0.0.1:{port}/telegram"
        # Acknowledged: a refusal would make Telegram send it again and again.
        assert httpx.post(url, json=unreadable_update(5), headers=headers).status_code == 200
        question = api.push_text(STUDENT, "when is quiz 3")
        assert httpx.post(url, json=question, headers=headers).status_code == 200
        reply = api.wait_for_count(1, chat_id=STUDENT, timeout=10)
        assert "27 Esfand 1401" in (reply[0].plain_text or "")
        # Without a web section the webhook's port serves no pages, only the health check.
        assert httpx.get(f"http://127.0.0.1:{port}/en").status_code == 404
        assert httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200
        stop_bot(process)
    log = errors.read_text(encoding="utf-8")
    assert process.returncode == 0, log
    skipped = [line for line in log.splitlines() if "skipped update" in line]
    assert len(skipped) == 1 and "WARNING" in skipped[0] and "5 (message)" in skipped[0], log
    assert SECRET_TEXT not in log
    assert "Traceback" not in log


def test_webhook_on_a_taken_port_is_one_line(tmp_path: Path, api: BotApiDouble) -> None:
    """--webhook on a port already in use gets one line naming webhook_port, exit code 2."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        config = _config(
            tmp_path,
            webhook_url=f"http://127.0.0.1:{port}/telegram",
            webhook_listen="127.0.0.1",
            webhook_port=port,
        )
        process = start_bot(config, bot_environment(api, TOKEN), "--webhook", cwd=tmp_path)
        with killed_on_failure(process):
            _, stderr = process.communicate(timeout=60)
    assert process.returncode == 2, stderr
    lines = [line for line in stderr.splitlines() if line.startswith("course-bot:")]
    assert lines == [lines[0]] and f"webhook_port: cannot listen on 127.0.0.1:{port}" in lines[0]
    assert "Traceback" not in stderr


def test_a_failed_reload_by_sighup_is_reported_to_the_admins(
    tmp_path: Path, api: BotApiDouble
) -> None:
    """SIGHUP with a broken course file keeps the old course and tells each admin why."""
    course = tmp_path / "course.yaml"
    shutil.copyfile(ROOT / "data" / "mlsd-spring-2023.yaml", course)
    config = _config(tmp_path, course=str(course), admins=[ADMIN])
    process = start_bot(config, bot_environment(api, TOKEN), cwd=tmp_path)
    with killed_on_failure(process):
        api.wait_until_polling(timeout=20)
        api.add_chat(ADMIN)  # the admin has started the bot before
        course.write_text("quiz_count: [oops\n", encoding="utf-8")
        process.send_signal(signal.SIGHUP)
        (notice,) = api.wait_for_count(1, chat_id=ADMIN, timeout=10)
        assert "invalid" in (notice.plain_text or "") and "course.yaml" in (notice.plain_text or "")
        api.push_text(STUDENT, "when is quiz 3")
        reply = api.wait_for_count(1, chat_id=STUDENT, timeout=10)
        assert "27 Esfand 1401" in (reply[0].plain_text or "")
        _, stderr = stop_bot(process)
    assert process.returncode == 0, stderr
    assert "Traceback" not in stderr


def test_start_waits_for_an_unreachable_bot_api_then_serves(tmp_path: Path) -> None:
    """With the Bot API refusing connections, the bot retries (one line each) until it is up."""
    port = free_port()
    errors = tmp_path / "stderr.txt"
    with BotApiDouble(TOKEN, port=port) as placeholder:
        env = bot_environment(placeholder, TOKEN)
    # The double is stopped again: connections to the port are refused.
    process = start_bot(_config(tmp_path), env, errors=errors.open("w"), cwd=tmp_path)
    with killed_on_failure(process):
        wait_for_output(errors, "cannot reach the Bot API", count=2, timeout=20)
        with BotApiDouble(TOKEN, port=port) as api:
            api.wait_until_polling(timeout=30)
            api.push_text(STUDENT, "when is quiz 3")
            reply = api.wait_for_count(1, chat_id=STUDENT, timeout=10)
            assert "27 Esfand 1401" in (reply[0].plain_text or "")
            stop_bot(process)
    log = errors.read_text(encoding="utf-8")
    assert process.returncode == 0, log
    attempts = [line for line in log.splitlines() if "cannot reach the Bot API" in line]
    assert len(attempts) >= 2
    assert "attempt 1" in attempts[0] and "attempt 2" in attempts[1]
    assert "Traceback" not in log and TOKEN not in log


def test_sigterm_while_waiting_for_the_bot_api_exits_0(tmp_path: Path) -> None:
    """SIGTERM while the Bot API is still unreachable stops the bot cleanly, exit code 0."""
    port = free_port()
    errors = tmp_path / "stderr.txt"
    env = bot_environment(BotApiDouble(TOKEN, port=port), TOKEN)
    process = start_bot(_config(tmp_path), env, errors=errors.open("w"), cwd=tmp_path)
    with killed_on_failure(process):
        wait_for_output(errors, "cannot reach the Bot API", timeout=20)
        stop_bot(process)
    log = errors.read_text(encoding="utf-8")
    assert process.returncode == 0, log
    assert "Traceback" not in log


def _run_briefly(config: Path, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "run", "--config", str(config)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def _one_line(result: subprocess.CompletedProcess[str]) -> str:
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2, result.stderr
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("course-bot: ")
    return lines[0]


def test_a_rejected_token_is_one_line_and_exit_2(tmp_path: Path, api: BotApiDouble) -> None:
    """A token Telegram answers with 401 is reported as rejected, in one line, exit code 2."""
    wrong = "123456:Wrong-Token-Telegram-Rejects"
    result = _run_briefly(_config(tmp_path), bot_environment(api, wrong), tmp_path)
    line = _one_line(result)
    assert "TELEGRAM_BOT_TOKEN" in line and "rejected" in line
    assert wrong.split(":")[1] not in result.stderr + result.stdout
    assert any(r.status == 401 for r in api.requests)


@pytest.mark.parametrize("token", ["123456:ABC DEF", "123456:ABC\nDEF", "not a token"])
def test_a_malformed_token_is_one_line_and_exit_2(
    tmp_path: Path, api: BotApiDouble, token: str
) -> None:
    """A token with a space or a line break in it is refused before any request."""
    result = _run_briefly(_config(tmp_path), bot_environment(api, token), tmp_path)
    line = _one_line(result)
    assert "TELEGRAM_BOT_TOKEN" in line
    assert "DEF" not in line
    assert api.requests == []


def test_an_unknown_log_level_names_the_key(tmp_path: Path, api: BotApiDouble) -> None:
    """`log_level: LOUD` gets one line naming log_level, exit code 2."""
    result = _run_briefly(
        _config(tmp_path, log_level="LOUD"), bot_environment(api, TOKEN), tmp_path
    )
    line = _one_line(result)
    assert "log_level" in line and "LOUD" in line


@pytest.mark.skipif(importlib.util.find_spec("pg8000") is not None, reason="pg8000 is here")
def test_a_postgres_url_without_its_driver_names_the_extra(
    tmp_path: Path, api: BotApiDouble
) -> None:
    """A PostgreSQL URL whose driver is missing names the key and the extra to install."""
    config = _config(tmp_path, database_url="postgresql+pg8000://bot@127.0.0.1/bot")
    line = _one_line(_run_briefly(config, bot_environment(api, TOKEN), tmp_path))
    assert "database_url" in line and "mlsd-course-bot[postgres]" in line
    assert "postgresql+psycopg://" in line


@pytest.mark.skipif(importlib.util.find_spec("psycopg") is None, reason="needs [postgres]")
def test_an_unreachable_database_is_one_line(tmp_path: Path, api: BotApiDouble) -> None:
    """A database server that refuses connections at start is one line naming the key."""
    url = f"postgresql+psycopg://bot@127.0.0.1:{free_port()}/bot"
    line = _one_line(
        _run_briefly(_config(tmp_path, database_url=url), bot_environment(api, TOKEN), tmp_path)
    )
    assert "database_url" in line and "cannot open" in line


def test_unreadable_environment_yaml_is_one_line(tmp_path: Path, api: BotApiDouble) -> None:
    """COURSE_BOT_FLOOD_LIMIT='[' gets one line naming the variable, not the parser's dump."""
    env = bot_environment(api, TOKEN, COURSE_BOT_FLOOD_LIMIT="[")
    line = _one_line(_run_briefly(_config(tmp_path), env, tmp_path))
    assert "flood_limit" in line and "COURSE_BOT_FLOOD_LIMIT" in line


def test_a_state_folder_deleted_under_the_running_bot_is_recreated_and_kept(
    tmp_path: Path, api: BotApiDouble
) -> None:
    """`rm -rf state/` under `course-bot run`: one ERROR pair in the log, one message to the
    admin, and a subscription made afterwards is in the file on disk for the next start."""
    admin = 900
    api.add_chat(admin)
    errors = tmp_path / "stderr.txt"
    config = _config(tmp_path, admins=[admin])
    process = start_bot(config, bot_environment(api, TOKEN), errors=errors.open("w"), cwd=tmp_path)
    with killed_on_failure(process):
        api.wait_until_polling(timeout=20)
        api.push_text(STUDENT, "when is quiz 3")
        api.wait_for_count(1, chat_id=STUDENT, timeout=10)
        shutil.rmtree(tmp_path / "state")
        api.push_text(STUDENT, "/subscribe")
        prompt = api.wait_for_count(2, chat_id=STUDENT, timeout=10)[-1]
        assert prompt.message_id is not None
        api.push_callback(STUDENT, "sub:all", prompt.message_id)
        api.wait_for_request("answerCallbackQuery", timeout=10)
        notice = api.wait_for_count(1, chat_id=admin, timeout=10)[0]
        stop_bot(process)
    log = errors.read_text(encoding="utf-8")
    assert process.returncode == 0, log
    assert "deleted or replaced" in (notice.plain_text or "")
    assert sum("ERROR" in line and "state" in line for line in log.splitlines()) == 2, log
    with sqlite3.connect(tmp_path / "state" / "bot.sqlite3") as db:
        rows = db.execute("select user_id, interest, active from subscription").fetchall()
    assert rows == [(STUDENT, "all", 1)]
