"""Staff answers as FAQ entries of the course: the course file accepts them, the engine uses
them, and each answer says the staff gave it and when."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.core.answering.engine import Engine
from bot.core.course.loader import CourseError, check_course, load_course
from bot.core.course.models import FaqEntry, FaqQuestions, Text
from tests.conftest import COURSE_FILE, NOW

QUESTION = "Can I use pytorch lightning in the project?"
ANSWER = "Yes: any framework is fine, as long as the code runs with the requirements you hand in."
STAFF_ENTRY = f"""
  - id: staff-1
    source: staff
    answered_on: 12 Ordibehesht 1402
    questions:
      en: ["{QUESTION}"]
      fa: ["{QUESTION}"]
    answer:
      en: "{ANSWER}"
      fa: "{ANSWER}"
"""


def _with_entry(tmp_path: Path, entry: str) -> Path:
    path = tmp_path / "course.yaml"
    path.write_text(COURSE_FILE.read_text(encoding="utf-8") + entry, encoding="utf-8")
    return path


def _staff_entry(entry_id: str = "staff-1") -> FaqEntry:
    return FaqEntry(
        id=entry_id,
        questions=FaqQuestions(en=[QUESTION], fa=[QUESTION]),
        answer=Text(en=ANSWER, fa=ANSWER),
        source="staff",
        answered_on=date(2023, 5, 2),
    )


def test_a_course_file_with_a_staff_entry_checks_and_is_answered_from(tmp_path: Path) -> None:
    """A staff entry appended to the file's FAQ passes `check`; a paraphrase of its question
    is answered with the staff's words and "answered by the course staff on <date>"."""
    path = _with_entry(tmp_path, STAFF_ENTRY)
    assert [p for p in check_course(path) if p.level == "error"] == []
    answer = Engine(load_course(path)).answer("is pytorch lightning allowed in the project", NOW)
    assert answer.answered and answer.used == ("faq:staff-1",)
    assert ANSWER in answer.text
    assert "answered by the course staff on Tue 12 Ordibehesht 1402 (2 May 2023)" in answer.text


def test_the_staff_line_follows_the_reply_language(tmp_path: Path) -> None:
    """In Persian the date of the staff's answer is written the Persian way."""
    path = _with_entry(tmp_path, STAFF_ENTRY)
    answer = Engine(load_course(path)).answer(QUESTION, NOW, "fa")
    assert answer.used == ("faq:staff-1",)
    assert "پاسخ کادر درس، سه\u200cشنبه ۱۲ اردیبهشت ۱۴۰۲" in answer.text


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("12 Ordibehesht 1402", date(2023, 5, 2)),
        ("1402-02-12", date(2023, 5, 2)),
        ("2023-05-02", date(2023, 5, 2)),
        ("۱۲ اردیبهشت ۱۴۰۲", date(2023, 5, 2)),
    ],
)
def test_the_day_of_a_staff_answer_is_read_like_the_schedules(
    tmp_path: Path, written: str, expected: date
) -> None:
    """answered_on takes a Jalali day as the schedule writes it, or an ISO date."""
    path = _with_entry(tmp_path, STAFF_ENTRY.replace("12 Ordibehesht 1402", written))
    faq = load_course(path).data.faq[-1]
    assert faq.answered_on == expected


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("answered_on: 12 Ordibehesht 1402", "answered_on: 12 Ordibehesht", "give the year"),
        ("answered_on: 12 Ordibehesht 1402", "answered_on: 40 Ordibehesht 1402", "out of range"),
        ("    answered_on: 12 Ordibehesht 1402\n", "", "source: staff and answered_on"),
    ],
)
def test_a_broken_staff_entry_is_a_file_line_error(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    """An unreadable day, or a staff entry without its day, is an error at its line."""
    path = _with_entry(tmp_path, STAFF_ENTRY.replace(old, new))
    with pytest.raises(CourseError) as caught:
        load_course(path)
    assert message in str(caught.value)
    assert "faq[" in str(caught.value)
    assert f"{path}:" in str(caught.value)


def test_saved_entries_join_the_course_and_the_file_wins_an_id_both_have() -> None:
    """with_faq adds the staff's entries after the file's own; one the file already has (after
    a merge) is not added twice."""
    course = load_course(COURSE_FILE)
    merged = course.with_faq([_staff_entry()])
    assert merged.data.faq[-1].id == "staff-1"
    assert len(merged.data.faq) == len(course.data.faq) + 1
    assert merged.with_faq([_staff_entry()]).data.faq == merged.data.faq
    assert course.with_faq([]) is course
    assert merged.events == course.events
