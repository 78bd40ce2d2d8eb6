"""The real `course-bot run` stopping while replies are in flight behind a slow Bot API: it
exits within 10 s with 0 and no traceback, and nothing Telegram already handed over is lost."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import ROOT, STUDENT, TOKEN
from tests.support.bot_api import BotApiDouble
from tests.support.process import bot_environment, killed_on_failure, start_bot

pytestmark = pytest.mark.process

QUESTIONS = [f"when is quiz {n}" for n in range(1, 8)]


def _config(tmp_path: Path, **values: Any) -> Path:
    config = tmp_path / "settings.yaml"
    settings = {
        "course": str(ROOT / "data" / "mlsd-spring-2023.yaml"),
        "database_url": f"sqlite:///{tmp_path / 'state' / 'bot.sqlite3'}",
        **values,
    }
    config.write_text(yaml.safe_dump(settings), encoding="utf-8")
    return config


def _terminate(process: subprocess.Popen[str]) -> tuple[float, str]:
    """Send SIGTERM; return how long the process took to exit and what it logged."""
    began = time.monotonic()
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=30)
    return time.monotonic() - began, stderr or ""


@pytest.mark.parametrize("web", [False, True], ids=["polling", "with-web"])
def test_a_stop_behind_a_slow_bot_api_is_quick_and_loses_nothing(
    tmp_path: Path, api: BotApiDouble, web: bool
) -> None:
    """SIGTERM while one student's seven questions queue behind a 1.5 s round trip: exit 0
    in under 10 s without a traceback; after a restart every question has exactly one answer."""
    extra = {"web": {"listen": "127.0.0.1", "port": 0}} if web else {}
    config = _config(tmp_path, **extra)
    env = bot_environment(api, TOKEN)
    process = start_bot(config, env, cwd=tmp_path)
    with killed_on_failure(process):
        api.wait_until_polling(timeout=30)
        api.round_trip = 1.5
        for question in QUESTIONS:
            api.push_text(STUDENT, question)
        api.wait_for_count(1, "sendMessage", timeout=20, chat_id=STUDENT)
        took, stderr = _terminate(process)
    assert process.returncode == 0, stderr
    assert took < 10, f"took {took:.1f}s"
    assert "Traceback" not in stderr
    assert "kept for the next start" in stderr
    answered_before = len(api.messages_to(STUDENT))
    assert answered_before < len(QUESTIONS)

    api.round_trip = 0
    again = start_bot(config, env, cwd=tmp_path)
    with killed_on_failure(again):
        api.wait_for_count(len(QUESTIONS), "sendMessage", timeout=30, chat_id=STUDENT)
        time.sleep(1)  # a second copy of any answer would have come by now
        took, stderr = _terminate(again)
    assert again.returncode == 0, stderr
    answers = [r.plain_text or "" for r in api.messages_to(STUDENT)]
    assert len(answers) == len(QUESTIONS)
    # In the order asked: quiz 1 to quiz 7.
    assert [next(n for n in range(1, 8) if f"Quiz {n}" in a) for a in answers] == list(range(1, 8))


def test_a_bot_api_that_stops_answering_does_not_hold_the_stop(
    tmp_path: Path, api: BotApiDouble
) -> None:
    """With every request hanging, SIGTERM still ends the process within 10 s, with exit 0 and
    one line per failure rather than a traceback."""
    process = start_bot(_config(tmp_path), bot_environment(api, TOKEN), cwd=tmp_path)
    with killed_on_failure(process):
        api.wait_until_polling(timeout=30)
        api.round_trip = 120
        for student in range(3):
            api.push_text(STUDENT + student, "when is quiz 3")
        deadline = time.monotonic() + 20
        while api.peak_in_flight("sendMessage") < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        took, stderr = _terminate(process)
    assert process.returncode == 0, stderr
    assert took < 10, f"took {took:.1f}s"
    assert "Traceback" not in stderr
