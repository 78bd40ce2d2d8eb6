"""Bad or surprising input to the real `course-bot` process: one exact line and an exit code."""

from __future__ import annotations

import os
import socket
import tomllib
from pathlib import Path

import pytest
import yaml

from tests.conftest import COURSE_FILE
from tests.test_cli import ROOT, run

pytestmark = pytest.mark.process

BOT_API_OFF = {"TELEGRAM_BOT_TOKEN": "123:ABC", "TELEGRAM_API_URL": "http://127.0.0.1:9"}


@pytest.fixture
def corrupt(tmp_path: Path) -> tuple[Path, str]:
    """Write settings whose database_url is a file that is not SQLite."""
    bad = tmp_path / "bad.db"
    bad.write_text("garbage\n", encoding="utf-8")
    config = tmp_path / "settings.yaml"
    url = f"sqlite:///{bad}"
    config.write_text(yaml.safe_dump({"course": str(COURSE_FILE), "database_url": url}))
    return config, url


@pytest.mark.parametrize(
    ("command", "line"),
    [
        (["reminders"], "cannot read {url!r}: file is not a database"),
        (["reminders", "--json"], "cannot read {url!r}: file is not a database"),
        (["calendar", "-o", "{tmp}/x.ics"], "cannot read {url!r}: file is not a database"),
        (["migrate"], "cannot migrate {url!r}: file is not a database"),
        (["serve"], "cannot open {url!r}: (sqlite3.DatabaseError) file is not a database"),
        (["run"], "cannot open {url!r}: file is not a database"),
    ],
)
def test_a_corrupt_database_is_one_line_naming_database_url(tmp_path, corrupt, command, line):
    """Every command that opens the database says a corrupt file is one in one line, exit 2."""
    config, url = corrupt
    args = [part.replace("{tmp}", str(tmp_path)) for part in command]
    result = run(*args, "--config", str(config), cwd=tmp_path, env=BOT_API_OFF)
    assert result.returncode == 2
    expected = "course-bot: config: database_url: " + line.format(url=url)
    assert result.stderr == expected + "\n"
    assert not (tmp_path / "x.ics").exists()


def test_an_unreachable_database_server_is_one_line_not_nothing_sent(tmp_path):
    """`reminders` on a PostgreSQL server that refuses connections says so, not "planned"."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"postgresql+psycopg://bot:secret@127.0.0.1:{port}/bot"
    result = run("reminders", env={"COURSE_BOT_DATABASE_URL": url})
    assert result.returncode == 2 and result.stdout == ""
    masked = f"postgresql+psycopg://bot:***@127.0.0.1:{port}/bot"
    assert result.stderr.startswith(f"course-bot: config: database_url: cannot read {masked!r}: ")
    assert result.stderr.count("\n") == 1 and "secret" not in result.stderr


@pytest.mark.parametrize("url", ["not-a-url", "ftp://api.example.org", "https://", "/bot"])
def test_run_refuses_a_telegram_api_url_that_is_not_absolute_http(tmp_path, url):
    """`run` with an unusable TELEGRAM_API_URL stops at once with one line, exit 2."""
    result = run("run", cwd=ROOT, env={"TELEGRAM_BOT_TOKEN": "123:ABC", "TELEGRAM_API_URL": url})
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == (
        f"course-bot: TELEGRAM_API_URL: {url!r} is not an absolute http:// or https:// URL "
        "(the default is https://api.telegram.org)\n"
    )


@pytest.mark.parametrize("command", ["schedule", "reminders"])
def test_a_reversed_range_is_one_line_and_exit_2(command):
    """--to before --from is refused in one line with exit code 2."""
    result = run(command, "--from", "1401-12-29", "--to", "1401-12-20")
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == "course-bot: --to 1401-12-20 is before --from 1401-12-29\n"


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (["schedule", "--from", "1401-12-28", "--to", "1401-12-28"], "nothing is scheduled on"),
        (["schedule", "--from", "1402-06-01"], "nothing is scheduled from 1402-06-01 on"),
        (["schedule", "--to", "1401-11-01"], "nothing is scheduled until 1401-11-01"),
        (["reminders", "--from", "1402-06-01", "--to", "1402-06-30"], "no reminders are due"),
    ],
)
def test_an_empty_range_says_so_in_one_line(tmp_path, args, line):
    """A range with nothing in it prints one line saying so (stdout), exit 0."""
    env = {"COURSE_BOT_DATABASE_URL": f"sqlite:///{tmp_path / 'none.sqlite3'}"}
    result = run(*args, env=env)
    assert result.returncode == 0, result.stderr
    expected = {
        "nothing is scheduled on": "nothing is scheduled on 1401-12-28",
        "no reminders are due": "no reminders are due between 1402-06-01 and 1402-06-30",
    }.get(line, line)
    assert result.stdout == expected + "\n" and result.stderr == ""


def test_an_empty_range_in_json_leaves_stdout_empty():
    """With --json an empty range prints no records; the note goes to stderr."""
    result = run("schedule", "--json", "--from", "1402-06-01")
    assert result.returncode == 0
    assert result.stdout == ""
    assert result.stderr == "nothing is scheduled from 1402-06-01 on\n"


def test_check_of_a_missing_file_is_one_line_and_exit_2(tmp_path):
    """`check FILE` on a file that is not there is bad input: one line, exit 2, not 1."""
    missing = tmp_path / "nope.yaml"
    result = run("check", str(missing))
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == (
        f"course-bot: course: {missing}: error: cannot read the course file: "
        f"[Errno 2] No such file or directory: '{missing}'\n"
    )


def test_check_of_a_folder_is_exit_2(tmp_path):
    """`check` on a folder is bad input too: one line, exit 2."""
    result = run("check", str(tmp_path))
    assert result.returncode == 2
    assert result.stderr.startswith(f"course-bot: course: {tmp_path}: error: cannot read")
    assert result.stderr.count("\n") == 1


@pytest.mark.parametrize("question", ["", "   ", "\t"])
def test_ask_an_empty_question_is_one_line_and_exit_2(question):
    """An empty or blank question is refused in one line with exit code 2."""
    result = run("ask", question)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == (
        "course-bot: ask: the question is empty; give one, or none to read them from stdin\n"
    )


def test_version_prints_the_package_version():
    """`--version` prints `course-bot <version>` with the version the package declares."""
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    result = run("--version")
    assert result.returncode == 0
    assert result.stdout == f"course-bot {declared}\n"


@pytest.mark.parametrize(
    ("args", "flags"),
    [(["ask", "quiz 3"], "--config or --course"), (["check"], "--config or FILE")],
)
def test_outside_the_checkout_the_missing_course_says_where_it_looked(tmp_path, args, flags):
    """Without config/settings.yaml here, the one line adds where and how to point elsewhere."""
    result = run(*args, cwd=tmp_path)
    assert result.returncode == 2 and result.stdout == ""
    course = "data/mlsd-spring-2023.yaml"
    assert result.stderr == (
        f"course-bot: course: {course}: error: cannot read the course file: [Errno 2] No such "
        f"file or directory: '{course}'; a relative path is looked up in the working directory "
        f"({os.path.realpath(tmp_path)}): {flags} points elsewhere\n"
    )


def test_check_refuses_a_break_with_a_typo_in_its_year(tmp_path):
    """`check` exits 1 on a break ending a year late, naming the file, line and field."""
    text = COURSE_FILE.read_text(encoding="utf-8")
    course = tmp_path / "course.yaml"
    course.write_text(
        text.replace("until: 14 Farvardin 1402", "until: 14 Farvardin 1403"), encoding="utf-8"
    )
    line = next(
        n
        for n, row in enumerate(course.read_text(encoding="utf-8").splitlines(), 1)
        if "1403" in row
    )
    result = run("check", str(course))
    assert result.returncode == 1
    errors = result.stderr.splitlines()
    assert errors[0] == (
        f"{course}:{line}: error: breaks[0].until: 14 Farvardin 1403 is outside the term "
        "(sessions run from 17 Bahman 1401 to 10 Tir 1402); a typo in the year?"
    )
    assert len(errors) == 2 and errors[1].startswith(f"{course}: 1 error(s), ")


def test_check_accepts_an_iso_date_as_jalali(tmp_path):
    """`check` passes a course file with `date: 1402-01-26`, and `schedule` reads it alike."""
    text = COURSE_FILE.read_text(encoding="utf-8")
    course = tmp_path / "course.yaml"
    old = "{date: 26 Farvardin, section: modeling}"
    course.write_text(text.replace(old, "{date: 1402-01-26, section: modeling}"), encoding="utf-8")
    result = run("check", str(course))
    assert result.returncode == 0, result.stderr
    original = run("check", str(COURSE_FILE))
    assert result.stdout == original.stdout.replace(str(COURSE_FILE), str(course))
    mine = run("schedule", "--json", "--course", str(course), "--from", "1402-01-26")
    shipped = run("schedule", "--json", "--from", "1402-01-26")
    assert mine.stdout == shipped.stdout and "2023-04-15" in mine.stdout
