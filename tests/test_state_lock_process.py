"""Two `course-bot run` processes on one SQLite state: the second refuses to start in one line,
however its path is spelt, and the first goes on alone; once it stops, another may start."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT, STUDENT, TOKEN
from tests.support.bot_api import BotApiDouble
from tests.support.process import bot_environment, killed_on_failure, start_bot, stop_bot

pytestmark = pytest.mark.process


def _config(folder: Path, database_url: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "settings.yaml"
    settings = {
        "course": str(ROOT / "data" / "mlsd-spring-2023.yaml"),
        "database_url": database_url,
    }
    config.write_text(yaml.safe_dump(settings), encoding="utf-8")
    return config


def test_a_second_run_on_the_same_sqlite_state_is_refused(
    tmp_path: Path, api: BotApiDouble
) -> None:
    """While one bot runs, a second on the same file (reached by a relative path from another
    folder) exits 2 with one line naming the first's pid; the first answers alone."""
    first_dir, other_dir = tmp_path / "a", tmp_path / "b"
    state = first_dir / "state" / "bot.sqlite3"
    first_config = _config(first_dir, f"sqlite:///{state}")
    second_config = _config(other_dir, "sqlite:///../a/state/../state/bot.sqlite3")
    env = bot_environment(api, TOKEN)
    first = start_bot(first_config, env, cwd=first_dir)
    with killed_on_failure(first):
        api.wait_until_polling(timeout=30)
        second = start_bot(second_config, env, cwd=other_dir)
        with killed_on_failure(second):
            _, stderr = second.communicate(timeout=30)
        assert second.returncode == 2, stderr
        lines = stderr.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in stderr
        assert f"another `course-bot run` (pid {first.pid}) is using {state}" in lines[0]
        api.push_text(STUDENT, "when is quiz 3")
        api.wait_for_count(1, "sendMessage", timeout=10, chat_id=STUDENT)
        assert first.poll() is None
        _, stderr = stop_bot(first)
    assert first.returncode == 0, stderr
    assert len(api.messages_to(STUDENT)) == 1
    # The lock went with the first process: the same state starts again.
    again = start_bot(second_config, env, cwd=other_dir)
    with killed_on_failure(again):
        requests = len(api.requests)
        api.push_text(STUDENT, "when is quiz 4")
        api.wait_for_count(2, "sendMessage", timeout=30, chat_id=STUDENT)
        assert len(api.requests) > requests
        _, stderr = stop_bot(again)
    assert again.returncode == 0, stderr


def test_a_killed_process_leaves_no_lock_behind(tmp_path: Path, api: BotApiDouble) -> None:
    """After kill -9 the kernel frees the lock: the next start is not refused."""
    config = _config(tmp_path, f"sqlite:///{tmp_path / 'state' / 'bot.sqlite3'}")
    env = bot_environment(api, TOKEN)
    first = start_bot(config, env, cwd=tmp_path)
    with killed_on_failure(first):
        api.wait_until_polling(timeout=30)
        first.kill()
        first.communicate(timeout=10)
    assert (tmp_path / "state" / "bot.sqlite3.lock").read_text().strip() == str(first.pid)
    second = start_bot(config, env, cwd=tmp_path)
    with killed_on_failure(second):
        api.push_text(STUDENT, "when is quiz 3")
        api.wait_for_count(1, "sendMessage", timeout=30, chat_id=STUDENT)
        _, stderr = stop_bot(second)
    assert second.returncode == 0, stderr
    assert (tmp_path / "state" / "bot.sqlite3.lock").read_text().strip() == str(second.pid)
