"""Dates at and past the ends of the calendar: a moment given on the command line outside the
supported years is bad input (one line, exit 2), a date in a question is answered with one
line saying it is too far, and no number is ever printed in scientific notation."""

from __future__ import annotations

import contextlib
import io
import itertools

import pytest

from bot.cli import main
from bot.core.lang.i18n import t
from tests.conftest import Bot
from tests.support.process import run_cli

EDGES = [
    "0001-01-01",
    "0001-01-01T00:00Z",
    "0999-12-29",
    "1278-10-10",
    "1578-10-11",
    "1699-12-29",
    "1700-01-01",
    "1899-12-31T23:59",
    "2200-01-01",
    "9999-12-25",
    "9999-12-31",
    "9999-12-31T23:59:59Z",
    "2023-01-01T10:00-99:99",
    "2023-01-01T10:00+24:00",
    "2023-02-29",
    "2023-01-01T24:00",
]
INSIDE = ["1900-01-01", "1900-01-01T00:00+14:00", "2199-12-31", "2199-12-31T23:59-12:00"]
QUESTIONS = [
    "what's due this week?",
    "is there class tomorrow?",
    "what's next?",
    "how many days until quiz 3?",
    "what happened yesterday?",
]


def _run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize(("when", "question"), list(itertools.product(EDGES, QUESTIONS)))
def test_every_edge_of_the_calendar_is_one_line_and_exit_2(when: str, question: str) -> None:
    """--now outside 1900–2199, or not a moment at all, is one line naming --now, exit 2."""
    code, out, err = _run("ask", "--now", when, question)
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and err.startswith("course-bot: --now: cannot read"), err


@pytest.mark.parametrize(("when", "question"), list(itertools.product(INSIDE, QUESTIONS)))
def test_the_ends_of_the_supported_years_are_answered(when: str, question: str) -> None:
    """The first and last moments of the supported years, in any offset, get an answer."""
    code, out, err = _run("ask", "--now", when, question)
    assert (code, err) == (0, "") and out.strip()


@pytest.mark.parametrize("flag", ["--from", "--to"])
@pytest.mark.parametrize("command", ["schedule", "reminders"])
def test_ranges_at_the_edges_are_one_line(command: str, flag: str) -> None:
    """--from and --to past the calendar's ends are one line naming the flag, exit 2."""
    for when in ("9999-12-31", "0001-01-01", "2023-01-01T10:00-99:99"):
        code, _, err = _run(command, flag, when)
        assert code == 2 and err.startswith(f"course-bot: {flag}: cannot read"), err


@pytest.mark.process
def test_the_real_process_refuses_the_calendars_ends() -> None:
    """Through the real process: the reported cases are one line, exit 2, no traceback."""
    for args in (
        ["ask", "--now", "9999-12-31", "what's due this week?"],
        ["ask", "--now", "9999-12-25", "is there class tomorrow?"],
        ["ask", "--now", "0001-01-01", "what's next?"],
        ["schedule", "--from", "9999-12-31"],
    ):
        done = run_cli(*args)
        assert done.returncode == 2, done.stderr
        assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
        assert "1900-01-01 to 2199-12-31" in done.stderr


@pytest.mark.process
def test_a_date_past_the_calendar_in_a_question_is_answered_in_one_line() -> None:
    """Asked through the real process, a day in the year 9999 gets one line saying it is too
    far, and the next question of the batch is answered as usual."""
    done = run_cli(
        "ask", stdin="what weekday is 31 December 9999\nwhat's on 9999-12-31\nwhen is quiz 3\n"
    )
    assert done.returncode == 0 and "Traceback" not in done.stderr
    too_far = t("en", "answer.out_of_range")
    answers = [block for block in done.stdout.split("\n\n") if block.strip()]
    assert answers[:2] == [too_far, too_far]
    assert "Quiz 3" in answers[2]


@pytest.mark.anyio
async def test_the_bot_answers_a_date_past_the_calendar(bot: Bot) -> None:
    """In the bot such a question is answered in the asker's language, not with an apology."""
    assert await bot.ask(1001, "what weekday is 31 December 9999") == t("en", "answer.out_of_range")
    assert await bot.ask(1002, "۹۹۹۹/۱۲/۳۱ چه خبر است؟") == t("fa", "answer.out_of_range")


@pytest.mark.parametrize(
    ("value", "en", "fa"),
    [
        (2913460, "2913460", "۲۹۱۳۴۶۰"),
        (2913460.0, "2913460", "۲۹۱۳۴۶۰"),
        (2.5e7 + 0.5, "25000000.5", "۲۵۰۰۰۰۰۰.۵"),
        (0.25, "0.25", "۰.۲۵"),
    ],
)
def test_numbers_are_never_in_scientific_notation(value: float, en: str, fa: str) -> None:
    """A very large day count reads as plain digits, in both languages."""
    assert (
        t("en", "answer.ago", what="Quiz 1", days=value, when="x")
        == f"Quiz 1 was {en} day(s) ago: x."
    )
    assert fa in t("fa", "answer.ago", what="Quiz 1", days=value, when="x")
