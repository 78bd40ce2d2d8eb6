"""Facts to words: the renderer words results built by hand, in English and in Persian, and
every query and result has its executor and its renderer."""

from pathlib import Path

import pytest

from bot.core.answering import results
from bot.core.answering.execute import EXECUTORS
from bot.core.answering.query import Late, Op
from bot.core.answering.render import RENDERERS, render
from bot.core.answering.render.numbers import amount, percent
from bot.core.course.loader import load_course
from bot.core.course.models import FACT_NAMES
from bot.core.render import facts

COURSE_FILE = Path(__file__).resolve().parents[1] / "data" / "mlsd-spring-2023.yaml"


@pytest.fixture(scope="module")
def course():
    return load_course(COURSE_FILE)


def part(course, part_id):
    return next(p for p in course.data.grading.parts if p.id == part_id)


def test_every_operation_has_an_executor():
    """No operation a query can carry is left without the code that computes it."""
    assert set(Op) <= set(EXECUTORS)


def test_every_result_has_a_renderer():
    """No result the executor can build is left without words."""
    kinds = {
        cls
        for cls in vars(results).values()
        if isinstance(cls, type) and issubclass(cls, results.Result) and cls is not results.Result
    }
    assert kinds - set(RENDERERS) == set()


def test_every_fact_an_faq_entry_may_cite_has_words():
    """The course file's list of citable facts and the renderer's facts are the same set."""
    assert set(facts.FACTS) == FACT_NAMES


@pytest.mark.parametrize(
    ("lang", "wanted"),
    [
        ("en", ["One quiz", "≈ 0.29", "of 21 points", "if the 7 quizzes weigh the same"]),
        ("fa", ["یک کوییز", "۰٫۲۹", "از ۲۱ نمره", "هم‌وزن"]),
    ],
)
def test_one_of_a_part_says_its_share_and_the_assumption(course, lang, wanted):
    """A share per item is worded with its points and the equal-weight assumption said."""
    portion = results.Portion(parts=(part(course, "quizzes"),), points=2 / 7, items=7)
    text = render(course, results.Share(portion=portion, total=21), lang)
    assert all(piece in text for piece in wanted), text


@pytest.mark.parametrize(("lang", "yes"), [("en", "Yes."), ("fa", "بله.")])
def test_a_comparison_answers_yes_or_no_first(course, lang, yes):
    """ "Is the final worth more than the quizzes?" opens with the yes, then both weights."""
    left = results.Portion(parts=(part(course, "final"),), points=4)
    right = results.Portion(parts=(part(course, "quizzes"),), points=2)
    text = render(course, results.Comparison(left=left, right=right, asked="more"), lang)
    assert text.startswith(yes)
    assert ("4" in text and "2" in text) if lang == "en" else ("۴" in text and "۲" in text)


def test_a_what_if_lists_each_part_and_the_total(course):
    """Each part's points, then the total of 21 and what it falls short by."""
    earned = tuple(
        results.Earned(part=p, points=0.0 if p.id == "final" else p.points)
        for p in course.data.grading.parts
    )
    text = render(course, results.WhatIf(earned=earned, total=21), "en")
    assert "Final exam: 0 of 4" in text
    assert "Total: 17 of 21 points (80.95% ≈ 81%)" in text
    assert "4 points less than full marks" in text


@pytest.mark.parametrize(
    ("lang", "wanted"), [("en", ["10 hours", "0.5%", "= 5%"]), ("fa", ["۱۰ ساعت", "۰٫۵٪", "۵٪"])]
)
def test_a_penalty_shows_its_arithmetic(course, lang, wanted):
    """The charged hours, the hourly rate and the result, in the reply's digits."""
    facts = results.LateFacts(
        question=Late.PENALTY,
        max_days=5,
        free_days=15,
        rate=0.5,
        item=course.item_by_id("project-2"),
        delay_hours=10,
        free_left=0,
        charged_hours=10,
        percent=5,
        item_points=4,
    )
    text = render(course, facts, lang)
    assert all(piece in text for piece in wanted), text


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("en", "The syllabus doesn't say which programming language or tools to use."),
        ("fa", "سرفصل درس زبان برنامه‌نویسی یا ابزارهای کار را نگفته است."),
    ],
)
def test_an_attribute_the_syllabus_lacks_with_nothing_related_is_one_sentence(course, lang, text):
    """Without a related fact, "what it does say:" is not left hanging."""
    result = results.Unsaid(attribute="language", answered=False, declined="unsaid")
    assert render(course, result, lang) == text


def test_an_attribute_the_syllabus_lacks_comes_with_the_item_it_has(course):
    """The missing dataset of phase 2 is said, then phase 2's own dates."""
    item = course.item_by_id("project-2")
    result = results.Unsaid(attribute="dataset", item=item, answered=False, declined="unsaid")
    text = render(course, result, "en")
    first, rest = text.split("\n", 1)
    assert "doesn't say" in first and "data" in first
    assert "Project phase 2" in rest and "30 Ordibehesht 1402" in rest


@pytest.mark.parametrize(
    ("value", "lang", "written"),
    [
        (19.0, "en", "19%"),
        (2.5, "en", "2.5%"),  # exact with one decimal: no rounding said
        (12.5, "fa", "۱۲٫۵٪"),
        (9.5238, "en", "9.52% ≈ 10%"),
        (42.857, "en", "42.86% ≈ 43%"),
        (14.2857, "fa", "۱۴٫۲۹٪ ≈ ۱۴٪"),
    ],
)
def test_percentages_round_half_up_and_only_when_needed(value, lang, written):
    assert percent(value, lang) == written


@pytest.mark.parametrize(
    ("value", "written"), [(4.0, "4"), (0.5, "0.5"), (0.025, "≈ 0.03"), (2 / 7, "≈ 0.29")]
)
def test_points_keep_two_decimals_and_say_when_rounded(value, written):
    assert amount(value, "en") == written


@pytest.mark.parametrize(
    ("target", "lang", "wanted"),
    [
        (15.0, "en", ["you need 2.5 of 4 on the Final exam", "62.5%", "add up to 12.5"]),
        (15.0, "fa", ["۲٫۵ از ۴", "۶۲٫۵٪"]),
        (12.0, "en", ["even 0 on the Final exam"]),
        (17.0, "en", ["out of reach", "gives 16.5"]),
    ],
)
def test_a_needed_score_says_the_points_or_why_none(course, target, lang, wanted):
    """What the final needs is said with its share of the part, or that none or too much is."""
    others = [p for p in course.data.grading.parts if p.id != "final"]
    points = {"project": 9.5, "assignments": 2.0, "quizzes": 1.0}
    earned = tuple(results.Earned(part=p, points=points[p.id]) for p in others)
    result = results.Needed(part=part(course, "final"), target=target, earned=earned, total=21)
    text = render(course, result, lang)
    assert all(piece in text for piece in wanted), text
