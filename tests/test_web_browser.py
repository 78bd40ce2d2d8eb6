"""The schedule page in a real headless Chromium: both languages, the countdown ticking from
the server's clock, right-to-left Persian with Persian digits, and screenshots."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy.engine import Engine

from bot.core.course.loader import load_course
from bot.settings import Settings
from bot.web import Site, create_app
from tests.conftest import Clock
from tests.support import services
from tests.support.browser import chromium, live_server

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def browser_installed() -> None:
    """Get Debian's Chromium when the tests can (as root), else skip (fail in CI)."""
    services.require(services.CHROMIUM)


PERSIAN_DIGITS = "۰۱۲۳۴۵۶۷۸۹"
# NOW (Wed 17 Esfand 1401, 12:00) to Quiz 3 (Sat 27 Esfand, 16:30): 10 days 4.5 hours.
QUIZ3_LEFT = 10 * 86400 + 4 * 3600 + 30 * 60


def seconds_left(text: str) -> int:
    """Read a countdown like "10 d 04:29:58" or "۱۰ روز ۰۴:۲۹:۵۸" back into seconds."""
    ascii_text = text.translate(str.maketrans(PERSIAN_DIGITS, "0123456789"))
    match = re.fullmatch(r"(?:(\d+) \S+ )?(\d\d):(\d\d):(\d\d)", ascii_text.strip())
    assert match, text
    days, hours, minutes, seconds = (int(g or 0) for g in match.groups())
    return ((days * 24 + hours) * 60 + minutes) * 60 + seconds


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    """Where screenshots go: $WEB_SCREENSHOTS if set (to keep them), else a temp dir."""
    folder = Path(os.environ.get("WEB_SCREENSHOTS") or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def base_url(settings: Settings, db: Engine, clock: Clock) -> Iterator[str]:
    course = load_course(settings.course_path())
    site = Site(settings=settings, course=lambda: course, db=db, clock=clock)
    with live_server(create_app(site)) as url:
        yield url


def test_english_page_counts_down_from_the_server_clock(base_url: str, shots: Path) -> None:
    """/en shows the next quiz counting down from the server's now, one second per second."""
    with chromium() as browser:
        browser.get(f"{base_url}/en")
        countdown = browser.find_element(By.ID, "next-quiz")
        first = seconds_left(countdown.text)
        assert 0 <= QUIZ3_LEFT - first <= 5
        WebDriverWait(browser, 5).until(lambda _: seconds_left(countdown.text) < first)
        assert first - seconds_left(countdown.text) <= 5
        assert browser.find_element(By.TAG_NAME, "html").get_attribute("dir") == "ltr"
        quiz = browser.find_element(By.CSS_SELECTOR, ".card .what").text
        assert quiz == "Quiz 3 (in class)"
        assert "Sat 27 Esfand 1401" in browser.find_element(By.CSS_SELECTOR, ".card").text
        assert "18 Mar 2023" in browser.find_element(By.CSS_SELECTOR, ".card").text
        this_week = browser.find_element(By.ID, "this-week").text
        assert "Sat 13 Esfand 1401" in this_week and "CA1 released" in this_week
        next_week = browser.find_element(By.ID, "next-week").text
        assert "Mon 22 Esfand 1401" in next_week and "DVC workshop" in next_week
        assert browser.find_element(By.CSS_SELECTOR, "#term .past")  # the term so far is dimmed
        browser.save_screenshot(str(shots / "schedule-en-phone.png"))
    assert (shots / "schedule-en-phone.png").stat().st_size > 10_000


def test_persian_page_is_right_to_left_with_persian_digits(base_url: str, shots: Path) -> None:
    """/fa is laid out right to left and writes every number of dates and countdown in Persian."""
    with chromium() as browser:
        browser.get(f"{base_url}/fa")
        html = browser.find_element(By.TAG_NAME, "html")
        assert html.get_attribute("dir") == "rtl" and html.get_attribute("lang") == "fa"
        main = browser.find_element(By.TAG_NAME, "main")
        assert main.value_of_css_property("direction") == "rtl"
        countdown = browser.find_element(By.ID, "next-quiz")
        first = countdown.text
        assert re.search(f"[{PERSIAN_DIGITS}]", first) and not re.search(r"[0-9]", first)
        assert 0 <= QUIZ3_LEFT - seconds_left(first) <= 5
        WebDriverWait(browser, 5).until(lambda _: countdown.text != first)
        assert not re.search(r"[0-9]", countdown.text)
        card = browser.find_element(By.CSS_SELECTOR, ".card").text
        assert "۲۷ اسفند ۱۴۰۱" in card and "۲۰۲۳/۰۳/۱۸" in card
        term = re.sub(r"CA[0-9]", "", browser.find_element(By.ID, "term").text)
        assert not re.search(r"[0-9]", term)  # item codes like CA1 stay Latin
        # Right to left: the heading starts at the right edge of the content.
        heading = browser.find_element(By.TAG_NAME, "h1").rect
        assert heading["x"] + heading["width"] > main.rect["x"] + main.rect["width"] * 0.6
        browser.save_screenshot(str(shots / "schedule-fa-phone.png"))
    with chromium(1280, 900) as browser:
        browser.get(f"{base_url}/fa")
        browser.save_screenshot(str(shots / "schedule-fa-desktop.png"))
    assert (shots / "schedule-fa-phone.png").stat().st_size > 10_000


def test_page_fits_a_phone_without_sideways_scrolling(base_url: str) -> None:
    """On a 360 px wide phone neither language scrolls sideways."""
    with chromium(360, 740) as browser:
        for lang in ("en", "fa"):
            browser.get(f"{base_url}/{lang}")
            overflow = browser.execute_script(
                "return document.documentElement.scrollWidth - window.innerWidth"
            )
            assert overflow <= 0, lang


def test_empty_weeks_say_which_week_is_empty(
    base_url: str, settings: Settings, clock: Clock
) -> None:
    """After the term each week heading is followed by its own empty text, in both languages."""
    last = load_course(settings.course_path()).events[-1].at
    clock.now = last + timedelta(weeks=6)
    expected = {
        "en": ("This week", "Nothing this week.", "Next week", "Nothing next week."),
        "fa": ("این هفته", "این هفته چیزی نیست.", "هفته‌ی بعد", "هفته‌ی بعد چیزی نیست."),
    }
    with chromium() as browser:
        for lang, (this_heading, this_empty, next_heading, next_empty) in expected.items():
            browser.get(f"{base_url}/{lang}")
            this_week = browser.find_element(By.ID, "this-week").text.splitlines()
            next_week = browser.find_element(By.ID, "next-week").text.splitlines()
            assert this_week == [this_heading, this_empty], lang
            assert next_week == [next_heading, next_empty], lang


def test_past_quizzes_and_deadlines_turn_grey_and_dates_never_wrap(
    base_url: str, settings: Settings, clock: Clock
) -> None:
    """Once past, quizzes and deadlines are as grey as past classes; a card's Gregorian date
    stays on one line on a narrow phone, in both languages."""
    course = load_course(settings.course_path())
    ca1_due = next(e for e in course.events if e.key == "deadline:ca-1").at
    clock.now = ca1_due + timedelta(days=1)
    with chromium(320, 700) as browser:
        for lang in ("en", "fa"):
            browser.get(f"{base_url}/{lang}")
            past = browser.find_elements(By.CSS_SELECTOR, "#term .ev.past")
            colours = {e.get_attribute("class"): e.value_of_css_property("color") for e in past}
            assert {"ev quiz past", "ev deadline past", "ev class past"} <= set(colours), lang
            assert set(colours.values()) == {"rgba(153, 153, 153, 1)"}, (lang, colours)
            future = browser.find_element(By.CSS_SELECTOR, "#term .ev.quiz:not(.past)")
            assert future.value_of_css_property("color") != "rgba(153, 153, 153, 1)"
            for date in browser.find_elements(By.CSS_SELECTOR, ".card .greg"):
                lines = browser.execute_script("return arguments[0].getClientRects().length", date)
                assert lines == 1, (lang, date.text)
