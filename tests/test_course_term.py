"""A session, item or deadline dated outside the term — a year typo, the ends of the calendar —
is an error: `course-bot check` fails on it, `/reload` keeps the old course, and the sessions
after it are not dragged into the wrong year."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.core.course.loader import check_course, load_course
from tests.conftest import ADMIN, COURSE_FILE, STUDENT, Bot
from tests.support.process import run_cli

ORIGINAL = COURSE_FILE.read_text(encoding="utf-8")

# (what the file says, what a typo makes it say, the field the error must name)
TYPOS = {
    "a session years later": (
        "  - date: 27 Esfand\n",
        "  - date: 27 Esfand 1410\n",
        "schedule[9].date",
    ),
    "a session years earlier": (
        "  - date: 8 Khordad\n",
        "  - date: 8 Khordad 1399\n",
        "schedule[25].date",
    ),
    "the next year's Nowruz": (
        "  - {date: 14 Farvardin 1402,",
        "  - {date: 14 Farvardin 1403,",
        "schedule[10].date",
    ),
    "the first session's year": (
        "  - {date: 17 Bahman 1401,",
        "  - {date: 17 Bahman 1410,",
        "schedule[0].date",
    ),
    "the calendar's last day": (
        "  - {date: 4 Ordibehesht,",
        "  - {date: 9999-12-31,",
        "schedule[15].date",
    ),
    "the calendar's first day": (
        "  - {date: 9 Ordibehesht,",
        "  - {date: 0001-01-01,",
        "schedule[16].date",
    ),
    "a deadline years later": (
        "        due: 19 Farvardin 1402",
        "        due: 19 Farvardin 1412",
        "schedule[8].items[0].due",
    ),
    "a deadline at the calendar's end": (
        "        due: 19 Farvardin 1402",
        "        due: 9999-12-31",
        "schedule[8].items[0].due",
    ),
}


def typo(tmp_path: Path, case: str) -> Path:
    """Write the course file with one date mistyped."""
    old, new, _ = TYPOS[case]
    assert ORIGINAL.count(old) == 1, old
    path = tmp_path / "course.yaml"
    path.write_text(ORIGINAL.replace(old, new), encoding="utf-8")
    return path


@pytest.mark.parametrize("case", list(TYPOS))
def test_a_date_outside_the_term_is_one_error_at_its_own_line(tmp_path: Path, case: str) -> None:
    """The mistyped date is an error naming its field; no other session is reported with it."""
    path = typo(tmp_path, case)
    errors = [p for p in check_course(path) if p.level == "error"]
    assert len(errors) == 1, [str(e) for e in errors]
    new, field = TYPOS[case][1:]
    line = path.read_text(encoding="utf-8")[: path.read_text(encoding="utf-8").index(new)]
    assert (errors[0].field, errors[0].line) == (field, line.count("\n") + 1)
    assert re.search(r"outside the (term|years a course can be in)|start_year", errors[0].message)


@pytest.mark.process
def test_check_fails_on_a_year_typo_through_the_real_process(tmp_path: Path) -> None:
    """`course-bot check` exits 1 on "27 Esfand 1410" and "8 Khordad 1399", with no traceback."""
    for case in ("a session years later", "a session years earlier", "the calendar's last day"):
        done = run_cli("check", str(typo(tmp_path, case)))
        assert done.returncode == 1, done.stdout + done.stderr
        assert "error:" in done.stderr and "Traceback" not in done.stderr


def test_the_real_files_term_is_within_bounds() -> None:
    """The course file as shipped has no date outside its term."""
    course = load_course(COURSE_FILE)
    assert (course.last_day() - course.first_day()).days < 240


@pytest.mark.anyio
async def test_reload_keeps_the_old_course_on_a_date_outside_the_term(
    bot: Bot, course_file: Path
) -> None:
    """/reload refuses a file with "27 Esfand 1410": quiz 3 stays on 27 Esfand 1401."""
    old, new, _ = TYPOS["a session years later"]
    course_file.write_text(ORIGINAL.replace(old, new), encoding="utf-8")
    reply = await bot.ask(ADMIN, "/reload")
    assert "invalid" in reply and "27 Esfand 1410 is outside the term" in reply
    answer = await bot.ask(STUDENT, "when is quiz 3")
    assert "27 Esfand 1401" in answer and "1410" not in answer
