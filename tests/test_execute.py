"""Query to facts: the executor computes every fact from the course model alone, so the same
query over another term's numbers gives that term's answer."""

from datetime import timedelta
from pathlib import Path

import pytest

from bot.core.answering.execute import execute
from bot.core.answering.query import Filters, Given, Late, Op, Point, Query, Ref, Score, Subject
from bot.core.answering.results import (
    Comparison,
    Counted,
    CountedEvents,
    Gap,
    Lasting,
    LateFacts,
    Needed,
    Share,
    Unsaid,
    WhatIf,
)
from bot.core.course.loader import load_course
from bot.core.lang.calendar import parse_when

COURSE_FILE = Path(__file__).resolve().parents[1] / "data" / "mlsd-spring-2023.yaml"
BEFORE_TERM = parse_when("1401-11-10T12:00")
IN_TERM = parse_when("1402-01-20T10:00")


@pytest.fixture(scope="module")
def course():
    return load_course(COURSE_FILE)


def run(course, query, now=BEFORE_TERM):
    return execute(course, query, now)


def test_one_of_equal_parts_is_the_part_shared_out(course):
    """One quiz of seven sharing 2 points is 2/7 of a point."""
    result = run(course, Query(Op.SHARE, Subject(parts=("quizzes",), unit=True)))
    assert isinstance(result, Share)
    assert result.portion.items == 7
    assert result.portion.points == pytest.approx(2 / 7)
    assert result.total == 21


def test_a_share_of_several_parts_adds_them(course):
    """Everything but the final is 17 of 21 points."""
    parts = ("project", "assignments", "quizzes")
    result = run(course, Query(Op.SHARE, Subject(parts=parts)))
    assert isinstance(result, Share)
    assert result.portion.points == 17
    assert result.portion.points / result.total == pytest.approx(0.81, abs=0.005)


def test_a_comparison_weighs_both_sides(course):
    """The final (4) against all the quizzes (2)."""
    query = Query(Op.COMPARE, Subject(parts=("final",)), other=Subject(parts=("quizzes",)))
    result = run(course, query)
    assert isinstance(result, Comparison)
    assert (result.left.points, result.right.points) == (4, 2)


def test_a_what_if_scores_each_part_and_the_rest(course):
    """Skipping the final with full marks elsewhere adds up to 17."""
    given = Given(scores=(Score("final", 0.0),), others=1.0)
    result = run(course, Query(Op.WHAT_IF, Subject(parts=("final",)), given=given))
    assert isinstance(result, WhatIf)
    assert result.points == 17
    assert result.total == 21


@pytest.mark.parametrize(
    ("target", "needed"),
    [(15.0, 2.5), (12.0, -0.5), (17.0, 4.5)],  # enough, already there, out of reach
)
def test_what_one_part_needs_is_the_target_less_the_rest(course, target, needed):
    """9.5 on the project, 2 from the CAs and 1 from the quizzes make 12.5: the final needs
    the rest of the target, which may be nothing or more than it is worth."""
    scores = (Score("project", 9.5 / 12), Score("assignments", 2 / 3), Score("quizzes", 0.5))
    query = Query(
        Op.WHAT_IF,
        Subject(parts=("final",)),
        given=Given(scores=scores, target=target),
        notes=("needed",),
    )
    result = run(course, query)
    assert isinstance(result, Needed)
    assert result.rest == pytest.approx(12.5)
    assert result.points == pytest.approx(needed)
    assert result.part.id == "final"


@pytest.mark.parametrize(
    ("item", "hours", "percent"),
    [(Ref("project", 2), 10, 5.0), (Ref("assignment", 3), 24, 12.0)],
)
def test_a_delay_after_the_free_days_costs_the_hourly_rate(course, item, hours, percent):
    """With no forgiven days left, each hour late costs 0.5% of the task's grade."""
    given = Given(delay_hours=hours, free_days_left=0)
    result = run(course, Query(Op.LATE, Subject(items=(item,)), given=given, late=Late.PENALTY))
    assert isinstance(result, LateFacts)
    assert result.charged_hours == hours
    assert result.percent == pytest.approx(percent)


def test_the_latest_moment_is_the_deadline_plus_the_most_delay(course):
    """CA1, due 29 Esfand 23:59, may go in until 5 Farvardin 1402, 23:59."""
    query = Query(Op.LATE, Subject(items=(Ref("assignment", 1),)), late=Late.LATEST)
    result = run(course, query)
    assert isinstance(result, LateFacts)
    assert result.latest == parse_when("1402-01-05T23:59")
    assert result.due is not None and result.latest - result.due == timedelta(days=5)


def test_a_stated_delay_moves_the_latest_moment_by_that_delay(course):
    """Two days late, CA3 goes in two days after its deadline, not five."""
    query = Query(
        Op.LATE,
        Subject(items=(Ref("assignment", 3),)),
        given=Given(delay_hours=48),
        late=Late.LATEST,
    )
    result = run(course, query)
    assert isinstance(result, LateFacts)
    assert result.due is not None and result.latest - result.due == timedelta(days=2)


def test_the_most_delay_in_hours(course):
    """At most five days, 120 hours, late per submission."""
    result = run(course, Query(Op.LATE, late=Late.MAX_DELAY, notes=("hours",)))
    assert isinstance(result, LateFacts)
    assert result.max_days * 24 == 120


def test_a_week_of_classes_is_two_sessions_of_an_hour_and_a_half(course):
    """Saturday and Monday, 16:30 to 18:00: three hours a week."""
    query = Query(Op.DURATION, Subject(kinds=("class",)), notes=("week",))
    result = run(course, query)
    assert isinstance(result, Lasting)
    assert result.sessions * result.each == timedelta(hours=3)


def test_an_assignment_lasts_its_policy_days(course):
    """An assignment is open 14 days: 336 hours."""
    result = run(course, Query(Op.DURATION, Subject(kinds=("assignment",))))
    assert isinstance(result, Lasting)
    assert result.each == timedelta(hours=336)


@pytest.mark.parametrize(
    ("filters", "now", "count"),
    [
        (Filters(section="modeling"), BEFORE_TERM, 2),
        (Filters(before_break=True), BEFORE_TERM, 3),
        (Filters(after_break=True, ahead=True), BEFORE_TERM, 4),
        (Filters(ahead=True), IN_TERM, 4),
    ],
)
def test_counts_pass_their_filters(course, filters, now, count):
    """Quizzes on a part of the course, before or after the break, or still ahead."""
    result = run(course, Query(Op.COUNT, Subject(kinds=("quiz",)), filters=filters), now)
    assert isinstance(result, CountedEvents)
    assert len(result.events) == count


def test_a_count_of_the_staff_leaves_out_who_is_named(course):
    """Six TAs, five besides the lead TA."""
    everyone = run(course, Query(Op.COUNT, Subject(kinds=("ta",))))
    others = run(
        course, Query(Op.COUNT, Subject(kinds=("ta",)), filters=Filters(without=("basafa",)))
    )
    assert isinstance(everyone, Counted) and isinstance(others, Counted)
    assert (len(everyone.things), len(others.things)) == (6, 5)
    assert [p.id for p in others.left_out] == ["basafa"]


@pytest.mark.parametrize(
    ("points", "days"),
    [
        (
            (
                Point(item=Ref("assignment", 1), role="release"),
                Point(item=Ref("project", 1), role="release"),
            ),
            7,
        ),
        ((Point(item=Ref("quiz", 7)), Point(item=Ref("project", 3), role="deadline")), 33),
        ((Point(item=Ref("quiz", 3)), Point(item=Ref("quiz", 4))), 23),
    ],
)
def test_gaps_count_calendar_days(course, points, days):
    """The days between two moments of the calendar."""
    result = run(course, Query(Op.GAP, points=points))
    assert isinstance(result, Gap)
    assert result.days == days


def test_an_attribute_the_syllabus_lacks_is_not_answered(course):
    """A dataset for phase 2 is not in the syllabus: not answered, with phase 2 beside it."""
    query = Query(
        Op.DECLINE, Subject(items=(Ref("project", 2),)), reason="unsaid", notes=("dataset",)
    )
    result = run(course, query)
    assert isinstance(result, Unsaid)
    assert not result.answered
    assert result.item is not None and result.item.id == "project-2"


def test_the_late_policy_numbers_come_from_the_course_file(tmp_path):
    """Another term's file with 3 days' delay at 1% an hour changes every late answer."""
    text = COURSE_FILE.read_text("utf-8")
    text = text.replace("max_delay_days: 5", "max_delay_days: 3")
    text = text.replace("penalty_percent_per_hour: 0.5", "penalty_percent_per_hour: 1")
    other = tmp_path / "course.yaml"
    other.write_text(text, "utf-8")
    course = load_course(other)
    latest = run(course, Query(Op.LATE, Subject(items=(Ref("assignment", 1),)), late=Late.LATEST))
    given = Given(delay_hours=10, free_days_left=0)
    penalty = run(
        course, Query(Op.LATE, Subject(items=(Ref("project", 2),)), given=given, late=Late.PENALTY)
    )
    assert isinstance(latest, LateFacts) and isinstance(penalty, LateFacts)
    assert latest.latest == parse_when("1402-01-03T23:59")
    assert penalty.percent == pytest.approx(10.0)


def test_the_grade_weights_come_from_the_course_file(tmp_path):
    """A file where the quizzes weigh 3 of 22 makes one of seven quizzes 3/7 of a point."""
    text = COURSE_FILE.read_text("utf-8")
    assert "points: 2\n" in text and "total: 21\n" in text
    text = text.replace("points: 2\n", "points: 3\n", 1).replace("total: 21\n", "total: 22\n", 1)
    other = tmp_path / "course.yaml"
    other.write_text(text, "utf-8")
    course = load_course(other)
    result = run(course, Query(Op.SHARE, Subject(parts=("quizzes",), unit=True)))
    assert isinstance(result, Share)
    assert result.portion.points == pytest.approx(3 / 7)
    assert result.total == 22
