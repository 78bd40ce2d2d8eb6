"""The web side in-process: /healthz, the live calendar feed (two parsers, versions, ETag) and
the schedule page, through Starlette's ASGI interface with the test clock and database."""

from __future__ import annotations

import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import icalendar
import pytest
import vobject
import yaml
from sqlalchemy.engine import Engine
from sqlmodel import create_engine

from bot import storage
from bot.core.course.course import Course
from bot.core.course.loader import load_course
from bot.core.planning.reminders import plan
from bot.settings import Settings, WebSettings
from bot.web import Site, create_app
from tests.conftest import TEHRAN, Clock

pytestmark = pytest.mark.anyio

CA1_DUE = "      - assignment: 1\n"


class Holder:
    """The course the site shows, swapped like /reload swaps it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.course = load_course(path)

    def reload(self) -> Course:
        self.course = load_course(self.path)
        return self.course


def make_site(settings: Settings, holder: Holder, db: Engine, clock: Clock) -> Site:
    return Site(settings=settings, course=lambda: holder.course, db=db, clock=clock)


def client(site: Site) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=create_app(site))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


def move_ca1_deadline(course_file: Path) -> None:
    text = course_file.read_text(encoding="utf-8")
    assert CA1_DUE in text
    course_file.write_text(
        text.replace(CA1_DUE, CA1_DUE + "        due: 2 Farvardin 1402\n"), encoding="utf-8"
    )


def events_by_uid(body: bytes) -> dict[str, icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(body)
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


@pytest.fixture
def holder(course_file: Path) -> Holder:
    return Holder(course_file)


@pytest.fixture
def site(settings: Settings, holder: Holder, db: Engine, clock: Clock) -> Site:
    return make_site(settings, holder, db, clock)


async def test_healthz_reports_course_database_and_next_reminder(
    site: Site, settings: Settings, holder: Holder, clock: Clock
) -> None:
    """/healthz is 200 with the course loaded, the database reachable and the next reminder."""
    async with client(site) as http:
        response = await http.get("/healthz")
    assert response.status_code == 200
    status = response.json()
    due = min(
        r.due_at
        for r in plan(holder.course, settings.reminders.plan_settings(channel=True))
        if r.due_at > clock.now
    )
    assert status == {
        "status": "ok",
        "course_loaded": True,
        "database_reachable": True,
        "last_update_at": None,
        "next_reminder_at": due.astimezone(TEHRAN).isoformat(),
        "reminders_leader": None,
    }


async def test_healthz_is_503_when_the_database_is_gone(
    settings: Settings, holder: Holder, clock: Clock, tmp_path: Path
) -> None:
    """A database that cannot be opened makes /healthz answer 503 with reachable false."""
    gone = create_engine(f"sqlite:///{tmp_path / 'missing' / 'dir' / 'db.sqlite3'}")
    async with client(make_site(settings, holder, gone, clock)) as http:
        response = await http.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database_reachable"] is False


async def test_healthz_notices_a_deleted_sqlite_file_without_creating_it(
    settings: Settings, holder: Holder, clock: Clock, tmp_path: Path
) -> None:
    """Once the SQLite file's folder is deleted /healthz is 503, and the file stays gone."""
    path = tmp_path / "state" / "bot.sqlite3"
    db = storage.open_database(f"sqlite:///{path}")
    try:
        async with client(make_site(settings, holder, db, clock)) as http:
            before = await http.get("/healthz")
            shutil.rmtree(path.parent)
            after = await http.get("/healthz")
    finally:
        db.dispose()
    assert before.status_code == 200 and before.json()["database_reachable"] is True
    assert after.status_code == 503
    assert after.json()["database_reachable"] is False
    assert after.json()["course_loaded"] is True
    assert not path.parent.exists()


async def test_feed_parses_in_two_parsers_with_every_event_and_alarms(
    site: Site, holder: Holder
) -> None:
    """Both icalendar and vobject read every event with a unique UID; quizzes alarm 1d and 2h."""
    async with client(site) as http:
        response = await http.get("/calendar/en.ics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    events = events_by_uid(response.content)
    assert len(events) == len(holder.course.events)
    quiz = events["quiz-quiz-3@mlsd"]
    assert quiz["SUMMARY"] == "Quiz 3 (in class)"
    assert int(quiz["SEQUENCE"]) == 0
    triggers = sorted(a["TRIGGER"].dt for a in quiz.walk("VALARM"))
    assert triggers == [-timedelta(days=1), -timedelta(hours=2)]
    parsed = vobject.readOne(response.content.decode("utf-8"))
    second = {str(v.uid.value): v for v in parsed.vevent_list}
    assert set(second) == set(events)
    start = second["quiz-quiz-3@mlsd"].dtstart.value
    assert start == datetime(2023, 3, 18, 16, 30, tzinfo=TEHRAN)
    assert start.utcoffset() == timedelta(hours=3, minutes=30)


async def test_persian_feed_has_persian_titles(site: Site) -> None:
    """/calendar/fa.ics names events in Persian, with the same UIDs as the English feed."""
    async with client(site) as http:
        fa = events_by_uid((await http.get("/calendar/fa.ics")).content)
        en = events_by_uid((await http.get("/calendar/en.ics")).content)
    assert set(fa) == set(en)
    assert "کوییز" in str(fa["quiz-quiz-3@mlsd"]["SUMMARY"])
    async with client(site) as http:
        assert (await http.get("/calendar/de.ics")).status_code == 404


async def test_kinds_filter_keeps_only_those_kinds(site: Site, holder: Holder) -> None:
    """?kinds=quiz,deadline serves quizzes and deadlines only; an unknown kind is a 400 line."""
    async with client(site) as http:
        response = await http.get("/calendar/en.ics", params={"kinds": "quiz,deadline"})
        bad = await http.get("/calendar/en.ics", params={"kinds": "quiz,exam"})
    events = events_by_uid(response.content)
    wanted = [e for e in holder.course.events if e.kind in ("quiz", "deadline")]
    assert len(events) == len(wanted) > 0
    assert {str(e["CATEGORIES"].cats[0]) for e in events.values()} == {"quiz", "deadline"}
    assert bad.status_code == 400
    assert bad.text.count("\n") == 1 and "exam" in bad.text


async def test_kinds_filter_skips_empty_entries_and_merges_repeats(
    site: Site, holder: Holder
) -> None:
    """?kinds=quiz, is quizzes only, repeated kinds= add up, and a filter naming nothing is 400."""
    quizzes = [e for e in holder.course.events if e.kind == "quiz"]
    classes = [e for e in holder.course.events if e.kind == "class"]
    async with client(site) as http:
        trailing = await http.get("/calendar/en.ics?kinds=quiz,")
        repeated = await http.get("/calendar/en.ics?kinds=quiz&kinds=class")
        with_empty = await http.get("/calendar/en.ics?kinds=&kinds=quiz")
        nothing = [await http.get(f"/calendar/en.ics?{q}") for q in ("kinds=", "kinds=,", "kinds")]
        unknown = await http.get("/calendar/en.ics?kinds=quiz&kinds=exam")
    assert trailing.status_code == 200
    assert len(events_by_uid(trailing.content)) == len(quizzes) > 0
    assert repeated.status_code == 200
    assert len(events_by_uid(repeated.content)) == len(quizzes) + len(classes)
    assert len(events_by_uid(with_empty.content)) == len(quizzes)
    for response in nothing:
        assert response.status_code == 400
        assert response.text.count("\n") == 1 and response.text.startswith("kinds: ")
        assert "quiz, release" in response.text
    assert unknown.status_code == 400 and "'exam'" in unknown.text


async def test_conditional_get_answers_304(site: Site) -> None:
    """A GET with the ETag or a later If-Modified-Since gets 304 and no body; a stale tag 200."""
    async with client(site) as http:
        first = await http.get("/calendar/en.ics")
        etag, modified = first.headers["etag"], first.headers["last-modified"]
        by_tag = await http.get("/calendar/en.ics", headers={"If-None-Match": etag})
        by_date = await http.get("/calendar/en.ics", headers={"If-Modified-Since": modified})
        stale = await http.get("/calendar/en.ics", headers={"If-None-Match": '"other"'})
        filtered = await http.get(
            "/calendar/en.ics", params={"kinds": "quiz"}, headers={"If-None-Match": etag}
        )
    assert by_tag.status_code == 304 and by_tag.content == b""
    assert by_tag.headers["etag"] == etag
    assert by_date.status_code == 304
    assert stale.status_code == 200 and stale.content == first.content
    assert filtered.status_code == 200 and filtered.headers["etag"] != etag


async def test_moved_deadline_keeps_its_uid_with_a_higher_sequence(
    site: Site, holder: Holder, course_file: Path, clock: Clock
) -> None:
    """After a reload that moves CA1's deadline the feed shows the same UID at the new time,
    with SEQUENCE 1 and a later LAST-MODIFIED; the old ETag no longer matches."""
    async with client(site) as http:
        before = await http.get("/calendar/en.ics")
        old = events_by_uid(before.content)["deadline-ca-1@mlsd"]
        move_ca1_deadline(course_file)
        clock.advance(hours=1)
        holder.reload()
        after = await http.get(
            "/calendar/en.ics", headers={"If-None-Match": before.headers["etag"]}
        )
    assert after.status_code == 200
    events = events_by_uid(after.content)
    assert len(events) == len(events_by_uid(before.content))
    moved = events["deadline-ca-1@mlsd"]
    assert moved["DTSTART"].dt == datetime(2023, 3, 22, 23, 59, tzinfo=TEHRAN)
    assert old["DTSTART"].dt == datetime(2023, 3, 20, 23, 59, tzinfo=TEHRAN)
    assert int(moved["SEQUENCE"]) == int(old["SEQUENCE"]) + 1 == 1
    assert moved["LAST-MODIFIED"].dt > old["LAST-MODIFIED"].dt
    assert moved["LAST-MODIFIED"].dt == clock.now.astimezone(UTC).replace(microsecond=0)
    assert int(events["quiz-quiz-3@mlsd"]["SEQUENCE"]) == 0
    parsed = vobject.readOne(after.content.decode("utf-8"))
    second = next(v for v in parsed.vevent_list if v.uid.value == "deadline-ca-1@mlsd")
    assert int(second.sequence.value) == 1
    assert second.dtstart.value == datetime(2023, 3, 22, 23, 59, tzinfo=TEHRAN)


async def test_versions_survive_a_restart(
    settings: Settings, holder: Holder, db: Engine, clock: Clock, course_file: Path
) -> None:
    """A second server on the same database keeps the numbers: an unchanged event stays at 1."""
    async with client(make_site(settings, holder, db, clock)) as http:
        await http.get("/calendar/en.ics")
        move_ca1_deadline(course_file)
        holder.reload()
        await http.get("/calendar/en.ics")
    async with client(make_site(settings, Holder(course_file), db, clock)) as http:
        events = events_by_uid((await http.get("/calendar/en.ics")).content)
    assert int(events["deadline-ca-1@mlsd"]["SEQUENCE"]) == 1


@pytest.mark.process
async def test_calendar_command_writes_what_the_feed_serves(
    site: Site, settings: Settings, tmp_path: Path
) -> None:
    """`course-bot calendar` on the feed's database writes the same bytes as the feed."""
    async with client(site) as http:
        served = (await http.get("/calendar/fa.ics")).content
    config = tmp_path / "settings.yaml"
    config.write_text(
        yaml.safe_dump({"course": str(settings.course), "database_url": settings.database_url}),
        encoding="utf-8",
    )
    target = tmp_path / "out.ics"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot",
            "calendar",
            "--config",
            str(config),
            "--lang",
            "fa",
            "-o",
            str(target),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert target.read_bytes() == served


async def test_page_links_the_feeds_at_the_public_url(
    settings: Settings, holder: Holder, db: Engine, clock: Clock
) -> None:
    """The page links webcal:// and https:// feeds at public_url, and the deep links."""
    configured = settings.model_copy(update={"web": WebSettings(public_url="https://c.example")})
    site = make_site(configured, holder, db, clock)
    site.bot_username = lambda: "mlsd_bot"
    async with client(site) as http:
        page = (await http.get("/en")).text
    assert 'href="webcal://c.example/calendar/en.ics"' in page
    assert 'href="https://c.example/calendar/en.ics?kinds=quiz"' in page
    assert 'href="https://t.me/mlsd_bot?start=sub-deadline"' in page


async def test_root_page_follows_accept_language(site: Site) -> None:
    """GET / is Persian (rtl) for a Persian browser and English otherwise."""
    async with client(site) as http:
        fa = await http.get("/", headers={"Accept-Language": "fa-IR,fa;q=0.9"})
        en = await http.get("/", headers={"Accept-Language": "en-US,en;q=0.9"})
        missing = await http.get("/de")
    assert '<html lang="fa" dir="rtl">' in fa.text
    assert '<html lang="en" dir="ltr">' in en.text
    assert missing.status_code == 404
    # A shared cache must not hand one reader's language to another.
    assert fa.headers["vary"] == en.headers["vary"] == "Accept-Language"


async def test_every_deadline_and_release_ends_on_its_own_day(site: Site, holder: Holder) -> None:
    """No moment in the feed runs past midnight: a 23:59 deadline ends at 23:59:59 the same
    day, so calendar apps show it on one day; each still has a start before its end."""
    async with client(site) as http:
        body = (await http.get("/calendar/en.ics")).content
    events = icalendar.Calendar.from_ical(body).walk("VEVENT")
    tz = holder.course.tz
    for event in events:
        start = event["DTSTART"].dt.astimezone(tz)
        end = event["DTEND"].dt.astimezone(tz)
        assert start < end and start.date() == end.date(), event["SUMMARY"]
    deadline = next(e for e in events if str(e["UID"]) == "deadline-ca-1@mlsd")
    assert deadline["DTSTART"].dt.astimezone(tz).strftime("%H:%M") == "23:59"
    assert deadline["DTEND"].dt.astimezone(tz).strftime("%H:%M:%S") == "23:59:59"


async def test_page_counts_down_from_the_server_clock(site: Site) -> None:
    """The next quiz and deadline count down from the server's now, Persian digits in fa."""
    async with client(site) as http:
        en = (await http.get("/en")).text
        fa = (await http.get("/fa")).text
    # NOW is Wed 17 Esfand 1401 12:00; Quiz 3 is Sat 27 Esfand 16:30 and CA1 due Mon 29 23:59.
    assert 'id="next-quiz" data-at="1679144400000">10 d 04:30:00<' in en
    assert "Sat 27 Esfand 1401" in en and '<span class="greg">18 Mar 2023</span>' in en
    assert 'id="next-deadline" data-at="1679344140000">12 d 11:59:00<' in en
    assert ">۱۰ روز ۰۴:۳۰:۰۰<" in fa
    assert "شنبه ۲۷ اسفند ۱۴۰۱" in fa and '<span class="greg">۲۰۲۳/۰۳/۱۸</span>' in fa
    assert f'data-now="{int(datetime(2023, 3, 8, 12, 0, tzinfo=TEHRAN).timestamp() * 1000)}"' in en
