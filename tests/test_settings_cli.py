"""Settings through the real `course-bot` process: only `run` needs the token, and every
settings problem is one line on stderr with exit code 2."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.conftest import COURSE_FILE
from tests.support.process import run_cli

pytestmark = pytest.mark.process


def course_bot(*args: str, cwd: Path, env: dict[str, str] | None = None):
    """Run `python -m bot ARGS` in ``cwd`` with only the bot variables given in env."""
    return run_cli(*args, cwd=cwd, env=env)


@pytest.fixture
def config(tmp_path: Path) -> Path:
    """Write settings with the MLSD course and a database in tmp_path."""
    path = tmp_path / "settings.yaml"
    values = {
        "course": str(COURSE_FILE),
        "database_url": f"sqlite:///{tmp_path / 'state' / 'bot.sqlite3'}",
    }
    path.write_text(yaml.safe_dump(values), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "token", [None, "not a token"], ids=["without a token", "with a malformed token"]
)
def test_offline_commands_never_look_at_the_token(tmp_path: Path, config: Path, token) -> None:
    """ask, schedule, check, calendar, migrate and reminders run without a (valid) token."""
    env = {} if token is None else {"TELEGRAM_BOT_TOKEN": token}
    commands = [
        ["ask", "--now", "1401-12-01T10:00", "when is quiz 3?"],
        ["schedule", "--from", "1401-12-27", "--to", "1401-12-27"],
        ["check"],
        ["calendar", "-o", str(tmp_path / "course.ics")],
        ["migrate"],
        ["reminders", "--from", "1401-12-26", "--to", "1401-12-27"],
    ]
    for command in commands:
        result = course_bot(*command, "--config", str(config), cwd=tmp_path, env=env)
        assert result.returncode == 0, (command, result.stderr)
        assert "TELEGRAM_BOT_TOKEN" not in result.stderr
    assert (tmp_path / "course.ics").read_bytes().startswith(b"BEGIN:VCALENDAR")


def test_run_without_a_token_is_one_line_and_exit_2(tmp_path: Path, config: Path) -> None:
    """`course-bot run` with no TELEGRAM_BOT_TOKEN says so in one line and exits 2."""
    env = {"TELEGRAM_API_URL": "http://127.0.0.1:9"}
    result = course_bot("run", "--config", str(config), cwd=tmp_path, env=env)
    assert result.returncode == 2
    assert result.stderr == "course-bot: TELEGRAM_BOT_TOKEN: not set; get a token from @BotFather\n"
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("settings", "env", "line"),
    [
        ("colour: blue\n", {}, "course-bot: config: colour: unknown key"),
        (
            "channel: mlsd\n",
            {},
            "course-bot: config: channel: give a numeric chat id or an @username",
        ),
        (
            "flood_limit: 0\n",
            {},
            "course-bot: config: flood_limit: Input should be greater than or equal to 1",
        ),
        ("- a list\n", {}, "course-bot: <config>: the settings file must be a YAML mapping"),
        (
            "course: [\n",
            {},
            "course-bot: <config>:2: invalid YAML: expected the node content, "
            "but found '<stream end>'",
        ),
        ("", {"COURSE_BOT_COLOUR": "blue"}, "course-bot: config: colour: unknown key"),
        (
            "",
            {"COURSE_BOT_ADMINS": "me"},
            "course-bot: config: admins.0: Input should be a valid integer, "
            "unable to parse string as an integer",
        ),
        (
            "",
            {"COURSE_BOT_REMINDERS": "{"},
            "course-bot: config: reminders: cannot read COURSE_BOT_REMINDERS='{': "
            "expected the node content, but found '<stream end>'",
        ),
        (
            "",
            {"COURSE_BOT_CONFIG": "<missing>"},
            "course-bot: config: settings file <missing> does not exist",
        ),
    ],
)
def test_settings_problems_are_one_line_and_exit_2(tmp_path: Path, settings, env, line) -> None:
    """A bad settings file or COURSE_BOT_ value stops even `ask` with one exact line, exit 2."""
    config = tmp_path / "settings.yaml"
    config.write_text(settings, encoding="utf-8")
    missing = tmp_path / "missing.yaml"
    env = {k: v.replace("<missing>", str(missing)) for k, v in env.items()}
    args = [] if "COURSE_BOT_CONFIG" in env else ["--config", str(config)]
    result = course_bot("ask", *args, "quiz 1", cwd=tmp_path, env=env)
    assert result.returncode == 2
    expected = line.replace("<config>", str(config)).replace("<missing>", str(missing))
    assert result.stderr == expected + "\n"


def test_the_default_settings_file_is_read_from_the_working_directory(tmp_path: Path) -> None:
    """Without --config or COURSE_BOT_CONFIG, config/settings.yaml in the working directory
    is read; its relative course path is found beside it."""
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "mlsd.yaml").write_bytes(COURSE_FILE.read_bytes())
    (tmp_path / "config" / "settings.yaml").write_text("course: mlsd.yaml\n", encoding="utf-8")
    found = course_bot("ask", "--now", "1401-12-01T10:00", "when is quiz 3?", cwd=tmp_path)
    assert found.returncode == 0, found.stderr
    assert "27 Esfand 1401" in found.stdout
    (tmp_path / "config" / "settings.yaml").write_text("colour: blue\n", encoding="utf-8")
    refused = course_bot("ask", "quiz 3", cwd=tmp_path)
    assert (refused.returncode, refused.stderr) == (2, "course-bot: config: colour: unknown key\n")
