"""`course-bot reminders` and `course-bot calendar`, run as real processes."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import jdatetime
import pytest
import yaml

from bot import storage
from tests.conftest import COURSE_FILE
from tests.test_cli import run

pytestmark = pytest.mark.process

TEHRAN = ZoneInfo("Asia/Tehran")


def jalali(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    """Return a Tehran moment from a Jalali date, computed without the bot's calendar code."""
    gregorian = jdatetime.date(year, month, day).togregorian()
    return datetime(gregorian.year, gregorian.month, gregorian.day, hour, minute, tzinfo=TEHRAN)


@pytest.fixture
def config(tmp_path: Path) -> Path:
    """Write settings with a channel and a database that does not exist yet."""
    path = tmp_path / "settings.yaml"
    settings = {
        "course": str(COURSE_FILE),
        "channel": "@mlsd_channel",
        "database_url": f"sqlite:///{tmp_path / 'state' / 'bot.sqlite3'}",
    }
    path.write_text(yaml.safe_dump(settings), encoding="utf-8")
    return path


def reminders_json(config: Path, *args: str) -> list[dict[str, str]]:
    """Run `reminders --json` and parse its lines."""
    result = run("reminders", "--json", "--config", str(config), *args)
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_json_lists_the_whole_term_with_the_fields(config: Path) -> None:
    """`reminders --json` prints one object per reminder with every documented field."""
    records = reminders_json(config)
    fields = {"key", "kind", "title", "event_at", "due_at", "offset", "target", "status"}
    assert all(fields <= set(record) for record in records)
    assert {r["kind"] for r in records} == {"quiz", "deadline", "release", "workshop", "digest"}
    assert {r["target"] for r in records} == {"channel", "subscribers"}
    assert {r["status"] for r in records} == {"planned"}
    assert all(r["due_at"].endswith("+03:30") and r["event_at"].endswith("+03:30") for r in records)
    due = [datetime.fromisoformat(r["due_at"]) for r in records]
    assert due == sorted(due)


def test_known_due_times_match_an_independent_computation(config: Path) -> None:
    """Quiz 2's 1-day reminder is due 1401-12-07 16:30 and CA1's 1-day reminder 1401-12-28 23:59."""
    records = {r["key"]: r for r in reminders_json(config)}
    quiz2 = records["quiz:quiz-2/1d/channel"]
    assert quiz2["due_at"] == "2023-02-26T16:30:00+03:30"
    assert datetime.fromisoformat(quiz2["due_at"]) == jalali(1401, 12, 8, 16, 30) - timedelta(1)
    assert (quiz2["kind"], quiz2["title"], quiz2["offset"]) == ("quiz", "Quiz 2", "1d")
    ca1 = records["deadline:ca-1/1d/subscribers"]
    assert ca1["due_at"] == "2023-03-19T23:59:00+03:30"
    assert datetime.fromisoformat(ca1["due_at"]) == jalali(1401, 12, 28, 23, 59)
    assert ca1["event_at"] == "2023-03-20T23:59:00+03:30"


def test_from_and_to_filter_by_due_time(config: Path) -> None:
    """--from and --to (read like `ask --now`) bound the due times, whole days included."""
    records = reminders_json(config, "--from", "1401-12-07", "--to", "2023-02-26")
    assert [r["key"] for r in records] == ["quiz:quiz-2/1d/channel", "quiz:quiz-2/1d/subscribers"]


def test_status_comes_from_the_database_without_creating_it(config: Path, tmp_path: Path) -> None:
    """A missing database is not created (all planned); recorded deliveries show their status."""
    database = tmp_path / "state" / "bot.sqlite3"
    reminders_json(config)
    assert not database.exists()
    engine = storage.make_engine(f"sqlite:///{database}")
    quiz2 = datetime.fromisoformat("2023-02-26T16:30:00+03:30")
    storage.record_delivery(engine, "quiz:quiz-2/1d/channel", quiz2, "@mlsd_channel", "sent", quiz2)
    storage.record_delivery(engine, "quiz:quiz-2/1d/subscribers", quiz2, "7", "late", quiz2)
    storage.record_skipped(engine, [("quiz:quiz-1/1d/channel", quiz2 - timedelta(7), "x")], quiz2)
    engine.dispose()
    records = {r["key"]: r["status"] for r in reminders_json(config, "--to", "1401-12-07")}
    assert records["quiz:quiz-2/1d/channel"] == "sent"
    assert records["quiz:quiz-2/1d/subscribers"] == "late"
    assert records["quiz:quiz-1/1d/channel"] == "skipped"
    assert records["quiz:quiz-1/2h/channel"] == "planned"


def test_text_mode_prints_a_table(config: Path) -> None:
    """Without --json the plan is a table with Jalali due times."""
    result = run("reminders", "--config", str(config), "--from", "1401-12-07", "--to", "1401-12-07")
    assert result.returncode == 0, result.stderr
    header, *lines = result.stdout.splitlines()
    assert header.split()[:3] == ["due", "status", "target"]
    first = "Sun 1401-12-07 16:30 planned channel quiz 1d Quiz 2"
    assert lines[0].split() == first.split()


def test_reminders_needs_no_token_and_rejects_a_bad_when(config: Path) -> None:
    """An unreadable --from is one line on stderr with exit code 2."""
    result = run("reminders", "--config", str(config), "--from", "next week")
    assert result.returncode == 2 and "cannot read" in result.stderr
    assert "Traceback" not in result.stderr


def test_calendar_writes_an_icalendar_file(config: Path, tmp_path: Path) -> None:
    """`calendar -o FILE` writes every event; without -o the same file goes to stdout."""
    target = tmp_path / "mlsd.ics"
    result = run("calendar", "--config", str(config), "-o", str(target))
    assert result.returncode == 0, result.stderr
    calendar = icalendar.Calendar.from_ical(target.read_bytes())
    summaries = [str(event["SUMMARY"]) for event in calendar.walk("VEVENT")]
    assert "Quiz 2 (in class)" in summaries and "Project phase 1 due" in summaries
    # A deadline the syllabus does not print says how it was found.
    assert "CA1 due (release + 14 days)" in summaries
    printed = run("calendar", "--config", str(config)).stdout
    assert printed == target.read_bytes().decode().replace("\r\n", "\n")
