"""The real `course-bot run` when its database cannot be written (a full disk, simulated by a
file size limit of 0 on the running process): questions are still answered, what needs a
write says in one line and in the user's language that it cannot save now, every tap is
answered, each failure is one log line, and all works again once writing does."""

from __future__ import annotations

import resource
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from bot.core.lang.i18n import t
from bot.telegram.replies import as_plain
from tests.conftest import ROOT, STUDENT, TOKEN
from tests.support.bot_api import BotApiDouble
from tests.support.process import bot_environment, killed_on_failure, start_bot, stop_bot

pytestmark = pytest.mark.process

PERSIAN = STUDENT + 1


def _limit_file_size(pid: int, size: int) -> None:
    """Set the process's largest writable file size (an append past it fails with EFBIG)."""
    _, hard = resource.prlimit(pid, resource.RLIMIT_FSIZE)
    resource.prlimit(pid, resource.RLIMIT_FSIZE, (size, hard))


def _wait_until(condition: Callable[[], bool], timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def _texts(api: BotApiDouble, chat: int) -> list[str]:
    return [r.plain_text or "" for r in api.messages_to(chat)]


def _press(api: BotApiDouble, user: int, data: str) -> None:
    menu = next(r for r in reversed(api.messages_to(user)) if r.reply_markup)
    api.push_callback(user, data, menu.message_id or 0)


def test_a_full_disk_gets_a_short_reply_and_recovers(tmp_path: Path, api: BotApiDouble) -> None:
    """With no room to write, /subscribe and /language buttons and a subscribe link get "can't
    save that right now" (Persian for a Persian user); a question is still answered; no
    traceback; once there is room again the same taps work."""
    config = tmp_path / "settings.yaml"
    settings = {
        "course": str(ROOT / "data" / "mlsd-spring-2023.yaml"),
        "database_url": f"sqlite:///{tmp_path / 'state' / 'bot.sqlite3'}",
    }
    config.write_text(yaml.safe_dump(settings), encoding="utf-8")
    process = start_bot(config, bot_environment(api, TOKEN), cwd=tmp_path, output=subprocess.PIPE)
    full = t("en", "bot.cannot_save")
    with killed_on_failure(process):
        api.wait_until_polling(timeout=30)
        for user, lang in ((STUDENT, "en"), (PERSIAN, "fa")):
            api.push_text(user, "/subscribe", language_code=lang)
            api.push_text(user, "/language", language_code=lang)
        api.wait_for_count(2, chat_id=STUDENT, timeout=10)
        api.wait_for_count(2, chat_id=PERSIAN, timeout=10)

        _limit_file_size(process.pid, 0)  # the disk is full from now on
        _press(api, STUDENT, "sub:quizzes")
        _press(api, PERSIAN, "lang:en")
        api.wait_for_request("answerCallbackQuery", timeout=10)
        api.push_text(STUDENT, "/start sub-deadline")
        api.push_text(STUDENT, "when is quiz 3")
        api.wait_for_count(4, chat_id=STUDENT, timeout=10)
        deadline_link, question = _texts(api, STUDENT)[2:4]
        assert deadline_link == full
        assert "Quiz 3" in question
        _wait_until(lambda: len(api.callback_answers) >= 2)
        taps = [a.get("text") for a in api.callback_answers]
        assert sorted(taps) == sorted([full, t("fa", "bot.cannot_save")])

        _limit_file_size(process.pid, resource.RLIM_INFINITY)  # room again
        _press(api, STUDENT, "sub:quizzes")
        api.push_text(STUDENT, "/start sub-deadline")
        api.wait_for_count(5, chat_id=STUDENT, timeout=10)
        _, stderr = stop_bot(process)
    assert process.returncode == 0, stderr
    assert "Traceback" not in stderr
    assert stderr.count("cannot use the database") == 3  # one line per failed update
    done = t("en", "bot.subscribe.done", choice="{choice}")
    assert _texts(api, STUDENT)[-1] == as_plain(done.format(choice="Deadlines only"))
    assert api.callback_answers[-1].get("text") == as_plain(done.format(choice="Quizzes only"))
