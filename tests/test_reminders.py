"""Reminder delivery: the real Application against the Bot API double, with an injected clock."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot import storage
from bot.core.course.loader import load_course
from bot.core.planning.reminders import Reminder, plan
from bot.settings import ReminderSettings, Settings
from bot.telegram.reminder_jobs import job_id, reminders_of
from bot.telegram.reminders import IN_FLIGHT
from tests.conftest import (
    ADMIN,
    CHANNEL,
    CHANNEL_ID,
    COURSE_FILE,
    TEHRAN,
    TOKEN,
    Bot,
    Clock,
    running_bot,
)
from tests.support.bot_api import BotApiDouble

pytestmark = [pytest.mark.anyio, pytest.mark.integration]

# Quiz 3 is on Sat 27 Esfand 1401 (2023-03-18) at 16:30; its 1-day reminder is due the day before.
QUIZ3_1D = "quiz:quiz-3/1d"
QUIZ3 = datetime(2023, 3, 18, 16, 30, tzinfo=TEHRAN)
LONG_AGO = datetime(2023, 2, 1, tzinfo=TEHRAN)


def reminder(key: str, course_file: Path = COURSE_FILE) -> Reminder:
    """Return the planned reminder with this key (channel configured)."""
    course = load_course(course_file)
    reminders = {r.key: r for r in plan(course, Settings().reminders.plan_settings(channel=True))}
    return reminders[key]


def subscribe(
    api: BotApiDouble,
    db: Engine,
    user_id: int,
    interest: str = "all",
    *,
    lang: str | None = None,
    at: datetime = LONG_AGO,
) -> None:
    """Subscribe a student who has a private chat with the bot."""
    api.add_chat(user_id, "private")
    storage.subscribe(db, user_id, interest, at, lang)


def received(api: BotApiDouble, chat_id: int) -> list[str]:
    """Return the texts a chat received, as read by the user."""
    return [r.plain_text or "" for r in api.messages_to(chat_id)]


def english(settings: Settings) -> Settings:
    """Return the settings with the channel in English, for readable assertions."""
    return settings.model_copy(update={"channel_language": "en"})


def statuses(db: Engine, key: str) -> Counter[str]:
    """Count the delivery rows of a reminder key by status."""
    with Session(db) as session:
        rows = session.exec(select(storage.Delivery).where(storage.Delivery.key == key)).all()
    return Counter(row.status for row in rows)


async def wait_count(api: BotApiDouble, n: int, timeout: float = 8.0) -> None:
    """Wait until n messages were sent in all."""
    await asyncio.to_thread(api.wait_for_count, n, "sendMessage", timeout)


class RunningClock(Clock):
    """A clock that starts at a set moment and then runs with real time."""

    def __init__(self, now: datetime) -> None:
        super().__init__(now)
        self.started = time.monotonic()

    def __call__(self) -> datetime:
        return self.now + timedelta(seconds=time.monotonic() - self.started)


async def test_due_reminder_reaches_channel_and_subscribers_by_interest_and_language(
    api: BotApiDouble, settings: Settings, clock: Clock, db: Engine
) -> None:
    """A reminder due now goes to the channel and to subscribers who want it, in their language."""
    due = reminder(f"{QUIZ3_1D}/channel").due_at
    clock.now = due
    subscribe(api, db, 1, "all", lang="fa")
    subscribe(api, db, 2, "quizzes", lang="en")
    subscribe(api, db, 3, "deadlines", lang="en")
    subscribe(api, db, 4, "all", lang="en", at=due + timedelta(minutes=1))
    subscribe(api, db, 5, "quizzes")
    storage.set_language(db, 5, "fa", LONG_AGO)  # a /language choice beats the stored one
    async with running_bot(api, settings, clock, db) as bot:
        await wait_count(api, 4)
        await bot.idle()
    channel = received(api, CHANNEL_ID)
    assert len(channel) == 1 and "کوییز ۳" in channel[0] and "فردا" in channel[0]
    assert "Quiz 3" in received(api, 2)[0] and "tomorrow" in received(api, 2)[0]
    assert "Quiz" not in received(api, 1)[0] and "فردا" in received(api, 1)[0]
    assert "فردا" in received(api, 5)[0]
    assert received(api, 3) == [] and received(api, 4) == []
    assert statuses(db, f"{QUIZ3_1D}/channel") == {"sent": 1}
    assert statuses(db, f"{QUIZ3_1D}/subscribers") == {"sent": 3}
    assert all(r.parse_mode == "HTML" for r in api.messages_to(2))


async def test_restart_sends_nothing_twice(
    api: BotApiDouble, settings: Settings, clock: Clock, db: Engine
) -> None:
    """Starting again at the same moment, or delivering again, repeats nothing."""
    clock.now = reminder(f"{QUIZ3_1D}/channel").due_at
    subscribe(api, db, 1)
    async with running_bot(api, settings, clock, db) as bot:
        await wait_count(api, 2)
        await bot.idle()
    async with running_bot(api, settings, clock, db) as bot:
        service = reminders_of(bot.app)
        for planned in list(service.planned.values()):
            await service.deliver(planned)
        await bot.idle()
    assert len(received(api, CHANNEL_ID)) == 1 and len(received(api, 1)) == 1


async def test_stopping_mid_broadcast_then_restarting_reaches_everyone_once(
    api: BotApiDouble, settings: Settings, clock: Clock, db: Engine
) -> None:
    """A bot stopped in the middle of a broadcast finishes it after a restart, once per student."""
    clock.now = reminder(f"{QUIZ3_1D}/channel").due_at
    students = range(100, 160)
    for user_id in students:
        subscribe(api, db, user_id)
    async with running_bot(api, settings, clock, db):
        await wait_count(api, 11)  # the channel and ten students
    first = sum(1 for user_id in students if received(api, user_id))
    assert 10 <= first < len(students)
    async with running_bot(api, settings, clock, db) as bot:
        await wait_count(api, 1 + len(students))
        await bot.idle()
    assert [len(received(api, user_id)) for user_id in students] == [1] * len(students)
    assert len(received(api, CHANNEL_ID)) == 1
    assert statuses(db, f"{QUIZ3_1D}/subscribers") == {"sent": len(students)}


async def test_missed_reminder_with_event_ahead_is_sent_late(
    api: BotApiDouble, settings: Settings, clock: Clock, db: Engine
) -> None:
    """After downtime across a reminder whose event is still ahead, it goes out marked late."""
    clock.now = reminder(f"{QUIZ3_1D}/channel").due_at + timedelta(hours=6)
    subscribe(api, db, 1, lang="en")
    async with running_bot(api, english(settings), clock, db) as bot:
        await wait_count(api, 2)
        await bot.idle()
    for chat in (CHANNEL_ID, 1):
        (text,) = received(api, chat)
        assert text.startswith("⚠️ Late reminder") and "Quiz 3 is in 18 hours" in text
    assert statuses(db, f"{QUIZ3_1D}/channel") == {"late": 1}


async def test_missed_reminder_after_its_event_is_skipped(
    api: BotApiDouble, settings: Settings, clock: Clock, db: Engine
) -> None:
    """After downtime past the event, the reminder is recorded as skipped and never sent."""
    quiz2 = reminder("quiz:quiz-2/1d/channel")
    clock.now = quiz2.event_at + timedelta(minutes=30)
    subscribe(api, db, 1)
    async with running_bot(api, settings, clock, db) as bot:
        await bot.idle()
    assert api.messages_to(CHANNEL_ID) == [] and api.messages_to(1) == []
    for key in ("quiz:quiz-2/1d/channel", "quiz:quiz-2/2h/subscribers"):
        assert statuses(db, key) == {"skipped": 1}


async def test_several_missed_reminders_of_one_event_go_out_as_one(
    api: BotApiDouble, settings: Settings, clock: Clock, db: Engine
) -> None:
    """After a long downtime only the latest missed reminder of an event goes out."""
    clock.now = QUIZ3 - timedelta(hours=1)  # both the 1-day and the 2-hour reminders missed
    async with running_bot(api, english(settings), clock, db) as bot:
        await wait_count(api, 1)
        await bot.idle()
    (text,) = [t for t in received(api, CHANNEL_ID) if "Quiz 3 is" in t]
    assert "Late reminder" in text and "Quiz 3 is in 1 hour:" in text
    assert statuses(db, "quiz:quiz-3/2h/channel") == {"late": 1}
    assert statuses(db, f"{QUIZ3_1D}/channel") == {"skipped": 1}


async def test_reminder_job_fires_at_its_due_time(
    api: BotApiDouble, settings: Settings, db: Engine
) -> None:
    """A future reminder is a JobQueue job with a deterministic id and an explicit misfire grace."""
    planned = reminder(f"{QUIZ3_1D}/channel")
    clock = RunningClock(planned.due_at - timedelta(seconds=1.5))
    async with running_bot(api, settings, clock, db) as bot:
        job = bot.app.job_queue.scheduler.get_job(job_id(planned))
        assert job is not None and job.misfire_grace_time == int(
            (planned.event_at - planned.due_at).total_seconds()
        )
        assert api.messages_to(CHANNEL_ID) == []
        await bot.wait(lambda r: r.chat_id == CHANNEL_ID, timeout=5)
    assert statuses(db, f"{QUIZ3_1D}/channel") == {"sent": 1}


async def test_broadcast_stops_when_the_event_begins(
    api: BotApiDouble, settings: Settings, db: Engine
) -> None:
    """Students still waiting when the quiz starts get nothing: no reminder after the event."""
    clock = RunningClock(QUIZ3 - timedelta(seconds=1.2))
    students = range(100, 200)
    for user_id in students:
        subscribe(api, db, user_id)
    quizzes_only = ReminderSettings(quiz=["2h"], deadline=[], release=[], workshop=[], digest=False)
    settings = settings.model_copy(update={"reminders": quizzes_only})
    async with running_bot(api, settings, clock, db) as bot:
        await bot.idle()  # the broadcast has ended by itself
    got = [r for user_id in students for r in api.messages_to(user_id)]
    assert 0 < len(got) < len(students)
    assert statuses(db, "quiz:quiz-3/2h/subscribers") == {"late": len(got)}


async def test_rate_limit_is_waited_out_and_everyone_served(
    api: BotApiDouble, settings: Settings, clock: Clock, db: Engine
) -> None:
    """A 429 with retry_after is retried after the wait and every recipient gets one message."""
    clock.now = reminder(f"{QUIZ3_1D}/channel").due_at
    for user_id in (1, 2, 3):
        subscribe(api, db, user_id)
    api.fail_next("sendMessage", 429, retry_after=1)
    async with running_bot(api, settings, clock, db) as bot:
        await wait_count(api, 4)
        await bot.idle()
    assert [len(received(api, chat)) for chat in (CHANNEL_ID, 1, 2, 3)] == [1, 1, 1, 1]
    codes = [r.status for r in api.requests if r.method == "sendMessage"]
    assert codes[0] == 429 and codes.count(200) == 4


async def test_blocked_student_is_unsubscribed_and_others_served(
    api: BotApiDouble, settings: Settings, clock: Clock, db: Engine
) -> None:
    """A 403 from a student who blocked the bot unsubscribes them; the others still get it."""
    clock.now = reminder(f"{QUIZ3_1D}/channel").due_at
    for user_id in (1, 2, 3):
        subscribe(api, db, user_id)
    api.block(2)
    async with running_bot(api, settings, clock, db) as bot:
        await wait_count(api, 3)
        await bot.idle()
    assert [len(received(api, user_id)) for user_id in (1, 2, 3)] == [1, 0, 1]
    assert storage.subscription(db, 2) is None
    assert storage.subscription(db, 1) == "all"
    assert statuses(db, f"{QUIZ3_1D}/subscribers") == {"sent": 2, "failed": 1}


async def test_channel_problem_is_reported_to_admins_once(
    api: BotApiDouble, settings: Settings, clock: Clock, db: Engine
) -> None:
    """A channel the bot cannot post to is reported to the admins once, and retried later."""
    api.add_chat(CHANNEL_ID, "channel", username=CHANNEL[1:], bot_is_admin=False)
    api.add_chat(ADMIN, "private")
    clock.now = reminder(f"{QUIZ3_1D}/channel").due_at
    async with running_bot(api, settings, clock, db) as bot:
        report = await bot.wait(lambda r: r.chat_id == ADMIN)
        assert "cannot post reminders" in (report[0].plain_text or "")
        assert "not a member of the channel" in (report[0].plain_text or "")
        service = reminders_of(bot.app)
        clock.now = QUIZ3 - timedelta(hours=2)  # the 2-hour reminder falls due, and fails too
        await service.refresh()
        await bot.idle()  # the 2-hour reminder's job has run, and failed
        assert len(api.messages_to(ADMIN)) == 1
        api.add_chat(CHANNEL_ID, "channel", username=CHANNEL[1:])  # the admins fixed it
        await service.refresh()
        await bot.wait(
            lambda r: "Quiz 3" in (r.plain_text or "") or "کوییز ۳" in (r.plain_text or "")
        )
        await bot.idle()
    quiz = [t for t in received(api, CHANNEL_ID) if "کوییز ۳ ۲ ساعت دیگر" in t]
    assert len(quiz) == 1
    assert len(api.messages_to(ADMIN)) == 1
    with Session(db) as session:
        assert session.exec(select(storage.ChannelProblem)).all() == []


async def test_moved_deadline_is_announced_once_and_reminders_follow(
    api: BotApiDouble, settings: Settings, clock: Clock, db: Engine, course_file: Path
) -> None:
    """Moving CA1's deadline posts "moved from … to …" once; reminders then use the new date."""
    old_3d = reminder("deadline:ca-1/3d/channel", course_file)
    clock.now = old_3d.due_at
    async with running_bot(api, english(settings), clock, db) as bot:
        await bot.wait(lambda r: "CA1 is due" in (r.plain_text or ""))
        text = course_file.read_text(encoding="utf-8")
        assert "      - assignment: 1\n" in text
        course_file.write_text(
            text.replace(
                "      - assignment: 1\n", "      - assignment: 1\n        due: 2 Farvardin 1402\n"
            ),
            encoding="utf-8",
        )
        clock.advance(minutes=30)
        assert "Reloaded" in await bot.ask(ADMIN, "/reload")
        assert "Reloaded" in await bot.ask(ADMIN, "/reload")
        moved = [t for t in received(api, CHANNEL_ID) if "moved" in t]
        assert moved == [
            "📌 CA1 due moved from Mon 29 Esfand 1401 (20 Mar 2023), 23:59 "
            "to Wed 2 Farvardin 1402 (22 Mar 2023), 23:59."
        ]
        new_3d = reminder("deadline:ca-1/3d/channel", course_file)
        assert new_3d.due_at == old_3d.due_at + timedelta(days=2)
        jobs = {job.name for job in bot.app.job_queue.jobs()}
        assert job_id(new_3d) in jobs and job_id(old_3d) not in jobs
        clock.now = new_3d.due_at
        await reminders_of(bot.app).refresh()
        await bot.wait(
            lambda r: "Wed 2 Farvardin" in (r.plain_text or "") and "due in" in (r.plain_text or "")
        )
        await bot.idle()
    due_notes = [t for t in received(api, CHANNEL_ID) if "CA1 is due" in t]
    assert len(due_notes) == 2 and "Mon 29 Esfand" in due_notes[0]
    assert statuses(db, "deadline:ca-1/3d/channel") == {"sent": 2}


async def test_reload_drops_jobs_of_removed_events(
    api: BotApiDouble, settings: Settings, clock: Clock, db: Engine, course_file: Path
) -> None:
    """After a reload, reminders of an event that left the course file are no longer scheduled."""
    quiz3 = reminder(f"{QUIZ3_1D}/channel", course_file)
    async with running_bot(api, settings, clock, db) as bot:
        assert job_id(quiz3) in {job.name for job in bot.app.job_queue.jobs()}
        text = course_file.read_text(encoding="utf-8")
        session = "  - date: 27 Esfand\n    section: data\n    items:\n      - quiz: 3\n"
        assert session in text
        course_file.write_text(
            text.replace(session, "  - {date: 27 Esfand, section: data}\n"), encoding="utf-8"
        )
        assert "Reloaded" in await bot.ask(ADMIN, "/reload")
        names = {job.name for job in bot.app.job_queue.jobs()}
        await bot.idle()
    assert not any("quiz-3/" in name for name in names)
    assert any("quiz-4/" in name for name in names)


async def test_subscribe_buttons_store_the_choice(bot: Bot, db: Engine) -> None:
    """/subscribe offers three buttons; pressing one subscribes, answers and edits the message."""
    reply = await bot.ask(1001, "/subscribe")
    assert "Which reminders" in reply
    message = bot.api.messages_to(1001)[-1]
    assert message.reply_markup is not None
    buttons = [row[0] for row in message.reply_markup["inline_keyboard"]]
    assert [b["text"] for b in buttons] == ["Everything", "Quizzes only", "Deadlines only"]
    bot.api.push_callback(1001, buttons[1]["callback_data"], message.message_id)
    edits = await bot.wait(lambda r: r.method == "editMessageText")
    assert "Subscribed: Quizzes only" in (edits[0].plain_text or "")
    assert len(bot.api.callback_answers) == 1
    assert storage.subscription(db, 1001) == "quizzes"
    assert "Now: Quizzes only" in await bot.ask(1001, "/subscribe")
    assert "Unsubscribed" in await bot.ask(1001, "/unsubscribe")
    assert storage.subscription(db, 1001) is None
    assert "not subscribed" in await bot.ask(1001, "/unsubscribe")


async def test_subscribe_in_a_group_points_to_a_private_chat(bot: Bot, db: Engine) -> None:
    """In a group, /subscribe explains that reminders come by private message."""
    bot.api.add_chat(-500, "group")
    reply = await bot.ask(1001, "/subscribe", chat_id=-500)
    assert "private chat" in reply
    assert storage.subscription(db, 1001) is None


async def test_blocking_the_bot_unsubscribes(bot: Bot, db: Engine) -> None:
    """The update Telegram sends when a student blocks the bot ends their subscription."""
    storage.subscribe(db, 1001, "all", LONG_AGO)
    bot.api.push_my_chat_member(1001, "kicked")
    await bot.handled()
    assert storage.subscription(db, 1001) is None


async def test_calendar_sends_the_ics_file(bot: Bot) -> None:
    """/calendar sends the course calendar as an .ics document."""
    bot.api.push_text(1001, "/calendar")
    (document,) = await asyncio.to_thread(bot.api.wait_for_count, 1, "sendDocument", 5.0)
    assert document.document_name == "mlsd.ics"
    assert document.document_bytes is not None
    assert document.document_bytes.startswith(b"BEGIN:VCALENDAR")
    assert b"SUMMARY:Quiz 3 (in class)" in document.document_bytes


def test_resubscribing_starts_afresh_but_changing_interest_does_not(db: Engine) -> None:
    """A student who comes back gets only reminders due from then; a new choice keeps the date."""
    storage.subscribe(db, 1, "all", LONG_AGO, "fa")
    storage.subscribe(db, 1, "quizzes", LONG_AGO + timedelta(days=1))
    assert [s.user_id for s in storage.subscribers(db, ["quizzes"], LONG_AGO)] == [1]
    assert storage.unsubscribe(db, 1) and not storage.unsubscribe(db, 1)
    later = LONG_AGO + timedelta(days=9)
    storage.subscribe(db, 1, "deadlines", later)
    assert storage.subscribers(db, ["deadlines"], later - timedelta(seconds=1)) == []
    assert storage.subscribers(db, ["deadlines"], later) == [storage.Subscriber(1, "fa")]


async def test_broadcast_keeps_several_messages_in_flight_over_a_slow_round_trip(
    settings: Settings, clock: Clock, db: Engine
) -> None:
    """With a round trip of 0.3 s, messages overlap in flight: each goes out once, recorded."""
    clock.now = reminder(f"{QUIZ3_1D}/channel").due_at
    with BotApiDouble(TOKEN, round_trip=0.3) as api:
        api.add_chat(CHANNEL_ID, "channel", username=CHANNEL[1:])
        students = range(100, 130)
        for user_id in students:
            subscribe(api, db, user_id)
        async with running_bot(api, settings, clock, db) as bot:
            await wait_count(api, 1 + len(students), timeout=20)
            await bot.idle()
        arrivals = sorted(r.time for user_id in students for r in api.messages_to(user_id))
    assert [len(received(api, user_id)) for user_id in students] == [1] * len(students)
    assert statuses(db, f"{QUIZ3_1D}/subscribers") == {"sent": len(students)}
    # One at a time, each message would arrive a whole round trip after the one before.
    gaps = [later - earlier for earlier, later in itertools.pairwise(arrivals)]
    assert sum(1 for gap in gaps if gap < 0.15) > len(gaps) // 2


async def test_broadcast_keeps_at_most_its_window_of_messages_in_flight(
    settings: Settings, clock: Clock, db: Engine
) -> None:
    """However slow the round trip, no more than IN_FLIGHT broadcast messages are unanswered."""
    clock.now = reminder(f"{QUIZ3_1D}/channel").due_at
    with BotApiDouble(TOKEN, round_trip=1.5) as api:
        api.add_chat(CHANNEL_ID, "channel", username=CHANNEL[1:])
        students = range(100, 100 + IN_FLIGHT + 14)
        for user_id in students:
            subscribe(api, db, user_id)
        async with running_bot(api, settings, clock, db) as bot:
            await wait_count(api, 1 + len(students), timeout=30)
            await bot.idle()
        peak = api.peak_in_flight("sendMessage")
    assert [len(received(api, user_id)) for user_id in students] == [1] * len(students)
    # At 29 messages a second over 1.5 s, twice the window would be in flight unbounded.
    assert IN_FLIGHT // 2 < peak <= IN_FLIGHT, peak
