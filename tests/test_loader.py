"""Course file loading: the shipped file, derived facts, and file:line errors for broken ones."""

from datetime import datetime
from pathlib import Path

import pytest

from bot.core.course.loader import CourseError, check_course, load_course
from bot.core.lang.calendar import TEHRAN

COURSE = Path(__file__).resolve().parents[1] / "data" / "mlsd-spring-2023.yaml"


@pytest.fixture(scope="module")
def course():
    return load_course(COURSE)


def _broken(tmp_path: Path, old: str, new: str) -> Path:
    text = COURSE.read_text(encoding="utf-8")
    assert old in text, f"fixture text not found: {old!r}"
    path = tmp_path / "course.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def _line_of(path: Path, needle: str) -> int:
    """Return the last line containing ``needle``."""
    found = [
        number
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if needle in line
    ]
    assert found, needle
    return found[-1]


def test_shipped_course_file_has_no_errors():
    """The shipped MLSD course file passes the checker (warnings allowed)."""
    assert [p for p in check_course(COURSE) if p.level == "error"] == []


def test_course_holds_every_item_of_the_syllabus(course):
    """7 quizzes, 3 assignments, 3 project phases and 2 workshops, from 28 sessions."""
    assert len(course.sessions) == 28
    assert [i.number for i in course.items_of("quiz")] == [1, 2, 3, 4, 5, 6, 7]
    assert [i.number for i in course.items_of("assignment")] == [1, 2, 3]
    assert [i.number for i in course.items_of("project")] == [1, 2, 3]
    assert {i.id for i in course.items_of("workshop")} == {"workshop-dvc", "workshop-mlflow"}
    assert len(course.data.references) == 7
    assert course.data.grading.total == 21


def test_assignment_deadline_is_release_plus_14_days_at_2359(course):
    """An assignment without an explicit deadline is due 14 days after release at 23:59."""
    ca1 = course.item("assignment", 1)
    assert ca1.release_at.date().isoformat() == "2023-03-06"
    assert ca1.due_at == datetime(2023, 3, 20, 23, 59, tzinfo=TEHRAN)
    assert not ca1.due_explicit
    assert course.item("assignment", 2).due_at.date().isoformat() == "2023-05-01"
    assert course.item("assignment", 3).due_at.date().isoformat() == "2023-06-05"


def test_project_phase_explicit_deadline_wins(course):
    """Project phases keep the deadlines printed in the schedule, not release + 21 days."""
    phase1 = course.item("project", 1)
    assert phase1.due_explicit
    assert phase1.due_at == datetime(2023, 4, 8, 23, 59, tzinfo=TEHRAN)
    assert course.item("project", 3).due_at.date().isoformat() == "2023-07-01"


def test_second_printed_quiz4_is_recorded_as_quiz6_with_a_note(course):
    """The syllabus prints Quiz4 twice; the data holds Quiz 6 and notes what was printed."""
    quiz6 = course.item("quiz", 6)
    assert quiz6.session_date.isoformat() == "2023-05-13"
    assert "Quiz4" in (quiz6.note or "")


def test_quizzes_start_at_class_time(course):
    """Quizzes are held in class: they start at 16:30 Tehran time."""
    assert course.item("quiz", 2).starts_at == datetime(2023, 2, 27, 16, 30, tzinfo=TEHRAN)


def test_explicit_assignment_deadline_overrides_the_policy(tmp_path):
    """A `due` on an assignment replaces release + 14 days (e.g. an extension)."""
    path = _broken(
        tmp_path, "      - assignment: 2\n", "      - assignment: 2\n        due: 20 Ordibehesht\n"
    )
    course = load_course(path)
    assert course.item("assignment", 2).due_at.date().isoformat() == "2023-05-10"


@pytest.mark.parametrize(
    ("old", "new", "needle", "message"),
    [
        (
            "    - id: quizzes\n      name: {en: Quizzes, fa: کوییزها}\n      points: 2",
            "    - id: quizzes\n      name: {en: Quizzes, fa: کوییزها}\n      points: 3",
            "  total: 21",
            "add up to 22",
        ),
        ("      - quiz: 6\n", "      - quiz: 4\n", "      - quiz: 4", "Quiz 4 appears 2 times"),
        (
            "  - {date: 6 Esfand, section: data}",
            "  - {date: 6 Esfand, section: dta}",
            "section: dta",
            "unknown section 'dta'",
        ),
        (
            "  - {date: 6 Esfand, section: data}",
            "  - {date: 36 Esfand, section: data}",
            "36 Esfand",
            "out of range",
        ),
        (
            "        due: 19 Farvardin 1402",
            "        due: 19 Esfand 1401",
            "19 Esfand 1401",
            "not after the release",
        ),
        (
            "  assignment_days: 14",
            "  assignment_days: 14\n  assignmnt_days: 14",
            "assignmnt_days",
            "unknown field",
        ),
        ('  start: "16:30"', '  start: "half past four"', "half past four", "classes.start"),
        (
            "    facts: [grading]",
            "    facts: [gradings]",
            "facts: [gradings]",
            "unknown fact 'gradings'",
        ),
    ],
)
def test_broken_course_files_report_file_line_and_field(tmp_path, old, new, needle, message):
    """Each kind of mistake is reported with the file, the line it is on and what is wrong."""
    path = _broken(tmp_path, old, new)
    with pytest.raises(CourseError) as caught:
        load_course(path)
    text = str(caught.value)
    assert message in text
    problem = next(p for p in caught.value.problems if message in str(p))
    assert problem.file == path
    expected_line = _line_of(path, needle)
    # The error points at the offending line, or at the key that holds it.
    assert problem.line is not None and abs(problem.line - expected_line) <= 2, (
        problem,
        expected_line,
    )
    assert str(problem).startswith(f"{path}:{problem.line}: error:")


def test_invalid_yaml_reports_its_line(tmp_path):
    """A YAML syntax error names the file and line instead of raising a traceback."""
    path = _broken(tmp_path, "  code: MLSD", "  code: [MLSD")
    problems = check_course(path)
    assert len(problems) == 1 and problems[0].level == "error"
    assert "invalid YAML" in problems[0].message and problems[0].line is not None


def test_missing_file_is_one_clear_error(tmp_path):
    """A course file that does not exist is one error naming it."""
    problems = check_course(tmp_path / "nope.yaml")
    assert [p.level for p in problems] == ["error"]
    assert "cannot read" in problems[0].message


def test_duplicate_yaml_keys_are_errors(tmp_path):
    """A key written twice in one mapping is an error, since YAML silently keeps the last."""
    path = _broken(tmp_path, "  code: MLSD", "  code: MLSD\n  code: ML")
    problems = [p for p in check_course(path) if p.level == "error"]
    duplicates = [p for p in problems if "appears twice" in p.message]
    assert len(duplicates) == 1
    assert duplicates[0].field == "course.code"
    assert duplicates[0].line == _line_of(path, "  code: ML")


def test_warnings_for_gaps_and_sessions_off_class_days(tmp_path):
    """Numbering gaps and sessions on non-class days are warnings, not errors."""
    path = _broken(tmp_path, "      - quiz: 5\n", "      - quiz: 8\n")
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "  - {date: 13 Esfand, section: data}", "  - {date: 14 Esfand, section: data}"
        ),
        encoding="utf-8",
    )
    problems = check_course(path)
    messages = [str(p) for p in problems if p.level == "warning"]
    assert any("quiz numbering has a gap: no quiz 5" in m for m in messages)
    assert any("14 Esfand is a Sunday, not a class day" in m for m in messages)
    assert not [p for p in problems if p.level == "error"]


def test_items_may_carry_their_own_time_of_day(tmp_path):
    """A quiz's `time` replaces the class start; an assignment's replaces the release hour."""
    path = _broken(tmp_path, "      - quiz: 3\n", '      - quiz: 3\n        time: "17:15"\n')
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "      - assignment: 1\n",
            '      - assignment: 1\n        time: "12:00"\n        due_time: "20:00"\n',
        ),
        encoding="utf-8",
    )
    course = load_course(path)
    assert course.item("quiz", 3).starts_at == datetime(2023, 3, 18, 17, 15, tzinfo=TEHRAN)
    ca1 = course.item("assignment", 1)
    assert ca1.release_at == datetime(2023, 3, 6, 12, 0, tzinfo=TEHRAN)
    assert ca1.due_at == datetime(2023, 3, 20, 20, 0, tzinfo=TEHRAN)


BREAK_UNTIL = "    until: 14 Farvardin 1402"


@pytest.mark.parametrize(
    ("old", "new", "field", "message"),
    [
        (
            BREAK_UNTIL,
            "    until: 14 Farvardin 1403",
            "until",
            "14 Farvardin 1403 is outside the term (sessions run from 17 Bahman 1401 to 10 Tir "
            "1402); a typo in the year?",
        ),
        (
            "    after: 27 Esfand 1401",
            "    after: 27 Esfand 1400",
            "after",
            "27 Esfand 1400 is outside the term (sessions run from 17 Bahman 1401 to 10 Tir "
            "1402); a typo in the year?",
        ),
        (
            BREAK_UNTIL,
            "    until: 14 Khordad 1402",
            "until",
            "the break is 78 days long; a break is at most 60 days (a typo in the date?)",
        ),
        (BREAK_UNTIL, "    until: 20 Esfand 1401", "until", "the break ends before it starts"),
    ],
)
def test_a_break_outside_the_term_or_too_long_is_an_error(tmp_path, old, new, field, message):
    """A break must end after it starts, lie within the term and last at most 60 days."""
    path = _broken(tmp_path, old, new)
    errors = [p for p in check_course(path) if p.level == "error"]
    assert len(errors) == 1
    assert errors[0].field == f"breaks[0].{field}"
    assert errors[0].line == _line_of(path, new.strip())
    assert errors[0].message == message
    with pytest.raises(CourseError):
        load_course(path)


def test_sessions_inside_a_break_are_warnings_unless_cancelled(tmp_path):
    """A class the break covers is a warning naming the session; a cancelled one is not."""
    path = _broken(tmp_path, BREAK_UNTIL, "    until: 21 Farvardin 1402")
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "  - {date: 19 Farvardin, section: modeling}",
            "  - {date: 19 Farvardin, section: modeling, cancelled: true}",
        ),
        encoding="utf-8",
    )
    problems = check_course(path)
    assert not [p for p in problems if p.level == "error"]
    inside = [p for p in problems if "inside the break" in p.message]
    assert [(p.field, p.line) for p in inside] == [
        ("schedule[10].date", _line_of(path, "{date: 14 Farvardin 1402"))
    ]
    assert inside[0].message == (
        "14 Farvardin 1402 is inside the break 'Nowruz break (Happy New Year!)' "
        "(27 Esfand 1401 to 21 Farvardin 1402); mark the session cancelled or move the break"
    )


def test_the_shipped_break_lies_between_its_classes(course):
    """The Nowruz break runs from the last class of Esfand to the first one after Nowruz."""
    (nowruz,) = course.breaks
    dates = [s.date for s in course.sessions]
    assert nowruz.last_class in dates and nowruz.next_class in dates
    assert not [d for d in dates if nowruz.last_class < d < nowruz.next_class]


def _events(path: Path) -> list[tuple[str, datetime]]:
    return [(event.key, event.at) for event in load_course(path).events]


@pytest.mark.parametrize(
    ("session", "due", "until"),
    [
        ("1402-01-26", "1402-01-19", "1402-01-14"),
        ("'1402-01-26'", "۱۴۰۲-۰۱-۱۹", "1402-1-14"),
        ("2023-04-15", "2023-04-08", "2023-04-03"),
    ],
    ids=["jalali", "quoted-and-persian-digits", "gregorian"],
)
def test_iso_dates_in_the_course_file_are_read(tmp_path, session, due, until):
    """`1402-01-26` is read as the Jalali 26 Farvardin 1402 (year ≥ 1700: Gregorian)."""
    path = _broken(
        tmp_path,
        "  - {date: 26 Farvardin, section: modeling}",
        f"  - {{date: {session}, section: modeling}}",
    )
    text = path.read_text(encoding="utf-8")
    text = text.replace("        due: 19 Farvardin 1402", f"        due: {due}")
    path.write_text(text.replace(BREAK_UNTIL, f"    until: {until}"), encoding="utf-8")
    assert [p for p in check_course(path) if p.level == "error"] == []
    assert _events(path) == _events(COURSE)
    assert load_course(path).breaks == load_course(COURSE).breaks


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("1402-13-26", "1402-13-26: month 13 is not a Jalali month (1 to 12)"),
        ("1402-01-32", "day 32 is out of range for Farvardin"),
        ("1401-12-30", "1401-12-30 is not a Jalali date: day is out of range for month"),
        ("2023-02-30", "2023-02-30 is not a Gregorian date: day is out of range for month"),
    ],
)
def test_impossible_iso_dates_are_file_line_errors(tmp_path, written, message):
    """An ISO date that is no day at all is an error on its line, never a traceback."""
    path = _broken(
        tmp_path,
        "  - {date: 26 Farvardin, section: modeling}",
        f"  - {{date: {written}, section: modeling}}",
    )
    errors = [p for p in check_course(path) if p.level == "error"]
    assert [(p.field, p.line, p.message) for p in errors] == [
        ("schedule[13].date", _line_of(path, written), message)
    ]


def test_a_jalali_day_the_gregorian_calendar_lacks_is_read(tmp_path):
    """`1402-02-30` (30 Ordibehesht) is a Jalali day even though February has no 30th."""
    path = _broken(
        tmp_path,
        "  - {date: 30 Ordibehesht, section: deployment}",
        "  - {date: 1402-02-30, section: deployment}",
    )
    assert _events(path) == _events(COURSE)
