"""The real Application against the Bot API double when things go wrong: the database file
vanishing, edited messages, forged buttons, broken text and oversized reports."""

from __future__ import annotations

import asyncio
import logging
import re
import shutil
import sqlite3
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import Engine

from bot.core.course.loader import CourseError, load_course
from bot.core.planning.reminders import reminder_text
from bot.settings import Settings
from bot.telegram.app import build_application
from bot.telegram.reminder_jobs import reminders_of
from bot.telegram.web import site_of, telegram_webhook
from bot.web import create_app
from tests.conftest import (
    ADMIN,
    CHANNEL,
    CHANNEL_ID,
    COURSE_FILE,
    STUDENT,
    TOKEN,
    Bot,
    Clock,
    running_bot,
)
from tests.support.bot_api import BotApiDouble
from tests.test_hardening_process import SECRET_TEXT, unreadable_update
from tests.test_reminders import QUIZ3_1D, reminder
from tests.test_web_bot import command_update

pytestmark = pytest.mark.anyio


def _database_file(settings: Settings) -> Path:
    return Path(settings.database_url.removeprefix("sqlite:///"))


def _rows(path: Path, sql: str) -> list[tuple[object, ...]]:
    """Read the file on disk with a fresh connection, not the bot's pooled ones."""
    with sqlite3.connect(path) as connection:
        return connection.execute(sql).fetchall()


async def test_deleted_state_folder_is_recreated_reported_once_and_kept(
    api: BotApiDouble,
    settings: Settings,
    clock: Clock,
    db: Engine,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Deleting the state folder: ERROR in the log, one message to the admins, a new file
    that keeps what is written afterwards, and students still answered."""
    path = _database_file(settings)
    api.add_chat(ADMIN)
    async with running_bot(api, settings, clock, db) as bot:
        assert "27 Esfand" in await bot.ask(STUDENT, "when is quiz 3")
        shutil.rmtree(path.parent)
        with caplog.at_level(logging.ERROR, logger="bot.storage.watch"):
            assert "27 Esfand" in await bot.ask(STUDENT, "when is quiz 3?")
            assert "quiz" in (await bot.ask(STUDENT, "when is the next quiz")).lower()
        await bot.handled()
    # The admins are told from a task of the application's, and stopping awaits those.
    to_admin = api.messages_to(ADMIN)
    assert len(to_admin) == 1
    assert "deleted or replaced" in (to_admin[0].plain_text or "")
    assert any("deleted or replaced" in r.getMessage() for r in caplog.records)
    assert path.exists()
    logged = _rows(path, "select question from questionlog order by id")
    assert logged == [("when is quiz 3?",), ("when is the next quiz",)]


async def test_a_reminder_delivered_after_the_file_vanished_is_recorded_in_the_new_one(
    api: BotApiDouble, settings: Settings, clock: Clock, db: Engine
) -> None:
    """A delivery recorded just after the database file was deleted lands in the new file,
    and reminders already due before are marked handled there, not sent again."""
    quiz = reminder(f"{QUIZ3_1D}/channel")
    clock.now = quiz.due_at - timedelta(minutes=1)
    path = _database_file(settings)
    async with running_bot(api, settings, clock, db) as bot:
        path.unlink()
        clock.now = quiz.due_at
        await reminders_of(bot.app).deliver(quiz)
        await bot.idle()
    assert len(api.messages_to(CHANNEL_ID)) == 1
    assert path.exists()
    rows = dict(_rows(path, "select key, status from delivery where key like 'quiz:quiz-3/%'"))
    assert rows == {f"{QUIZ3_1D}/channel": "sent"}
    earlier = dict(_rows(path, "select key, status from delivery where key like 'quiz:quiz-2/%'"))
    assert earlier and set(earlier.values()) == {"skipped"}
    # Another start at the same moment finds the record and sends nothing more.
    async with running_bot(api, settings, clock, db) as bot:
        await bot.idle()  # the start-up catch-up has run
    assert len(api.messages_to(CHANNEL_ID)) == 1


GROUP = -600


async def test_edited_chatter_in_a_group_is_ignored_and_an_edited_mention_answered(
    bot: Bot,
) -> None:
    """Group etiquette holds for edits: chatter edited stays unanswered, an edit naming the
    bot is answered as a reply, like a new message."""
    bot.api.add_chat(GROUP, "supergroup")
    chatter = bot.api.push_text(STUDENT, "chatter", chat_id=GROUP)["message"]["message_id"]
    bot.api.push_edit(STUDENT, chatter, "chatter: when is quiz 3 lol", chat_id=GROUP)
    other = bot.api.push_text(STUDENT, "hello all", chat_id=GROUP)["message"]["message_id"]
    bot.api.push_edit(STUDENT, other, f"@{bot.username} when is quiz 3", chat_id=GROUP)
    replies = await asyncio.to_thread(bot.api.wait_for_count, 1, "sendMessage", 5.0, chat_id=GROUP)
    await bot.handled()
    assert len(bot.api.messages_to(GROUP)) == 1
    assert "27 Esfand" in (replies[0].plain_text or "")
    assert replies[0].reply_to_message_id == other


async def test_edits_count_against_the_flood_limit(
    api: BotApiDouble, settings: Settings, clock: Clock, db: Engine
) -> None:
    """Editing a message over and over counts like sending new ones: past the limit, a warning."""
    limited = settings.model_copy(update={"flood_limit": 3})
    async with running_bot(api, limited, clock, db) as bot:
        first = api.push_text(STUDENT, "when is quiz 3")["message"]["message_id"]
        for n in range(5):
            api.push_edit(STUDENT, first, f"when is quiz {n + 1}")
        await asyncio.to_thread(api.wait_for_count, 4, "sendMessage", 5.0, chat_id=STUDENT)
        await bot.handled()
    texts = [r.plain_text or "" for r in api.messages_to(STUDENT)]
    assert len(texts) == 4
    assert sum("too fast" in text for text in texts) == 1


async def test_a_private_edit_gets_a_fresh_answer_but_an_edited_command_does_not_rerun(
    bot: Bot,
) -> None:
    """In a private chat an edited question is answered again; an edited /announce is not
    posted a second time."""
    first = bot.api.push_text(STUDENT, "when is quz 3")["message"]["message_id"]
    await asyncio.to_thread(bot.api.wait_for_count, 1, "sendMessage", 5.0, chat_id=STUDENT)
    bot.api.push_edit(STUDENT, first, "when is quiz 3")
    answers = await asyncio.to_thread(
        bot.api.wait_for_count, 2, "sendMessage", 5.0, chat_id=STUDENT
    )
    assert "27 Esfand" in (answers[1].plain_text or "")
    announce = bot.api.push_text(ADMIN, "/announce Quiz 3 moved")["message"]["message_id"]
    await asyncio.to_thread(bot.api.wait_for_count, 1, "sendMessage", 5.0, chat_id=CHANNEL_ID)
    bot.api.push_edit(ADMIN, announce, "/announce Quiz 3 moved to room 5")
    # Updates of one chat are handled in order: once this is answered, so was the edit.
    assert "The next quiz" in await bot.ask(ADMIN, "/next")
    assert len(bot.api.messages_to(CHANNEL_ID)) == 1


async def _press(bot: Bot, data: str, message_id: int, user: int = STUDENT) -> dict[str, object]:
    """Press a button and return the bot's answer to the callback query."""
    before = len(bot.api.callback_answers)
    bot.api.push_callback(user, data, message_id)
    await bot.handled()
    answers = bot.api.callback_answers[before:]
    assert len(answers) == 1, f"{len(answers)} answers to the button {data!r}"
    return answers[0]


def _buttons(markup: object) -> dict[str, str]:
    """Return a keyboard's buttons as {label: callback data}."""
    rows = markup.get("inline_keyboard", []) if isinstance(markup, dict) else []
    return {button["text"]: button["callback_data"] for row in rows for button in row}


@pytest.mark.parametrize(
    "data", ["sched:9999-12-31", "sched:0001-01-01", "sched:not-a-date", "lang:xx", "zzz:1"]
)
async def test_forged_buttons_get_a_short_expired_answer(bot: Bot, data: str) -> None:
    """Forged or extreme button data is answered "this button has expired", nothing else."""
    await bot.ask(STUDENT, "/schedule")
    message_id = bot.api.messages_to(STUDENT)[-1].message_id
    assert message_id is not None
    answer = await _press(bot, data, message_id)
    assert "expired" in str(answer.get("text"))
    await bot.handled()
    assert len(bot.api.messages_to(STUDENT)) == 1  # no apology
    assert not [r for r in bot.api.sent if r.method == "editMessageText"]


async def test_expired_answer_is_in_the_users_language(bot: Bot) -> None:
    """A Persian user's expired button is answered in Persian."""
    await bot.ask(STUDENT, "/language")
    language_message = bot.api.messages_to(STUDENT)[-1].message_id
    assert language_message is not None
    await _press(bot, "lang:fa", language_message)
    answer = await _press(bot, "sched:9999-12-31", language_message)
    assert "منقضی" in str(answer.get("text"))


async def test_paging_later_stops_a_few_weeks_after_the_term(bot: Bot, clock: Clock) -> None:
    """Tapping Later again and again ends at the term's last weeks plus a margin."""
    await bot.ask(STUDENT, "/schedule")
    sent = bot.api.messages_to(STUDENT)[-1]
    message_id, markup = sent.message_id, sent.reply_markup
    assert message_id is not None
    presses = 0
    while "Later ▶" in _buttons(markup):
        clock.advance(seconds=5)  # a patient student, under the flood limit
        await _press(bot, _buttons(markup)["Later ▶"], message_id)
        presses += 1
        assert presses < 40, "paging never ends"
        # The bot answers the button first and edits the message after: wait for the edit.
        edits = await asyncio.to_thread(bot.api.wait_for_count, presses, "editMessageText", 5.0)
        markup = edits[-1].reply_markup
    last_page = [r for r in bot.api.sent if r.method == "editMessageText"][-1].plain_text or ""
    assert presses >= 10  # from early Esfand to the end of the term and a few weeks
    assert "Earlier" in str(_buttons(markup))
    assert "1402" in last_page


async def test_a_lone_surrogate_is_replaced_and_the_question_still_answered(
    bot: Bot, settings: Settings
) -> None:
    """A question with an unpaired surrogate is answered and logged with U+FFFD in its place."""
    reply = await bot.ask(STUDENT, "when is \ud800 quiz 3")
    assert "27 Esfand" in reply
    logged = _rows(_database_file(settings), "select question from questionlog")
    assert logged == [("when is \ufffd quiz 3",)]


async def test_a_lone_surrogate_in_an_inline_query_gets_an_answer(bot: Bot) -> None:
    """An inline query with an unpaired surrogate still gets the engine's answer."""
    bot.api.push_inline_query(STUDENT, "quiz 3 \udfff")
    await bot.handled()
    (answer,) = bot.api.inline_answers
    results = answer["results"]
    assert "27 Esfand" in results[0]["input_message_content"]["message_text"]
    assert "\ufffd" in results[0]["title"]


async def test_a_reload_report_too_long_for_a_message_comes_as_a_file(
    api: BotApiDouble, settings: Settings, clock: Clock, db: Engine, tmp_path: Path
) -> None:
    """A /reload error report over 4096 characters arrives whole, as a text file; the old
    course stays in use."""
    folder = tmp_path / ("a-folder-with-a-rather-long-name-" * 3)
    folder.mkdir()
    course = folder / "course.yaml"
    course.write_text(COURSE_FILE.read_text(encoding="utf-8"), encoding="utf-8")
    with_long_path = settings.model_copy(update={"course": course})
    async with running_bot(api, with_long_path, clock, db) as bot:
        broken = re.sub(
            r"(date|due|release): \d+ (Bahman|Esfand|Farvardin|Ordibehesht|Khordad|Tir)",
            r"\1: 32 Foo",
            COURSE_FILE.read_text(encoding="utf-8"),
        )
        course.write_text(broken, encoding="utf-8")
        with pytest.raises(CourseError) as problems:
            load_course(course)
        assert len(str(problems.value)) > 4096
        api.push_text(ADMIN, "/reload")
        sent = await asyncio.to_thread(api.wait_for_count, 1, "sendDocument", 5.0, chat_id=ADMIN)
        assert "27 Esfand" in await bot.ask(STUDENT, "when is quiz 3")
    assert sent[0].document_name == "course-problems.txt"
    assert "invalid" in (sent[0].plain_text or "")
    assert (sent[0].document_bytes or b"").decode() == str(problems.value)
    assert [r for r in api.messages_to(ADMIN) if r.method == "sendMessage"] == []


@pytest.mark.parametrize(
    ("before", "lang", "expected"),
    [
        (timedelta(seconds=60), "en", "Quiz 3 is in 1 minute:"),
        (timedelta(seconds=22), "en", "Quiz 3 is in 1 minute:"),
        (timedelta(seconds=5), "en", "Quiz 3 is now:"),
        (timedelta(minutes=30), "en", "Quiz 3 is in 30 minutes:"),
        (timedelta(hours=1), "en", "Quiz 3 is in 1 hour:"),
        (timedelta(minutes=75), "en", "Quiz 3 is in 75 minutes:"),
        (timedelta(hours=2), "en", "Quiz 3 is in 2 hours:"),
        (timedelta(hours=17, minutes=30), "en", "Quiz 3 is in 18 hours:"),
        (timedelta(days=1), "en", "Quiz 3 is tomorrow:"),
        (timedelta(hours=1), "fa", "یک ساعت دیگر"),
        (timedelta(seconds=22), "fa", "یک دقیقه‌ی دیگر"),
    ],
)
def test_reminder_countdown_reads_naturally(before: timedelta, lang: str, expected: str) -> None:
    """Countdowns read as a person would say them: singular units, whole hours as hours, a
    few seconds ahead as "in 1 minute", and "now" only when it is."""
    quiz = reminder(f"{QUIZ3_1D}/channel")
    text = reminder_text(quiz, load_course(COURSE_FILE), lang, quiz.event_at - before)
    assert expected in text


async def test_a_reminder_late_because_the_channel_refused_says_so_and_admins_read_their_language(
    api: BotApiDouble, settings: Settings, clock: Clock, db: Engine
) -> None:
    """The channel refusing posts: the admin is told in the language they use with the bot,
    and once fixed, /reload's late post blames the channel, not downtime."""
    quiz = reminder(f"{QUIZ3_1D}/channel")
    clock.now = quiz.due_at - timedelta(minutes=5)
    api.add_chat(CHANNEL_ID, "channel", username=CHANNEL[1:], bot_is_admin=False)
    async with running_bot(
        api, settings.model_copy(update={"channel_language": "en"}), clock, db
    ) as bot:
        assert "۲۷ اسفند" in await bot.ask(ADMIN, "کوییز ۳ کی است؟", language_code="fa")
        clock.now = quiz.due_at
        await reminders_of(bot.app).deliver(quiz)
        notice = bot.api.messages_to(ADMIN)[-1].plain_text or ""
        assert "نمی‌توانم یادآوری‌ها را در کانال" in notice
        api.add_chat(CHANNEL_ID, "channel", username=CHANNEL[1:], bot_is_admin=True)
        clock.advance(hours=1)
        api.push_text(ADMIN, "/reload")
        posts = await asyncio.to_thread(
            api.wait_for_count, 1, "sendMessage", 5.0, chat_id=CHANNEL_ID
        )
    assert "the channel refused the bot's posts" in (posts[0].plain_text or "")
    assert "offline" not in (posts[0].plain_text or "")


async def test_a_reminder_late_after_downtime_blames_the_downtime(
    api: BotApiDouble, settings: Settings, clock: Clock, db: Engine
) -> None:
    """A reminder missed while the bot was not running says the bot was offline."""
    clock.now = reminder(f"{QUIZ3_1D}/channel").due_at + timedelta(hours=1)
    async with running_bot(api, settings.model_copy(update={"channel_language": "en"}), clock, db):
        posts = await asyncio.to_thread(
            api.wait_for_count, 1, "sendMessage", 5.0, chat_id=CHANNEL_ID
        )
    assert "the bot was offline" in (posts[0].plain_text or "")


async def test_the_web_servers_webhook_skips_anunreadable_update(
    api: BotApiDouble,
    settings: Settings,
    clock: Clock,
    db: Engine,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Through the web server's webhook, an unreadable update is acknowledged and skipped (id
    and type logged, no text) and the next one is answered."""
    app = build_application(settings, token=TOKEN, api_url=api.base_url, clock=clock, db_engine=db)
    api.add_chat(STUDENT)
    unreadable = unreadable_update(41)
    async with app:
        await app.post_init(app)  # type: ignore[misc]
        await app.start()
        try:
            hook = telegram_webhook(app, "https://bot.example/hook", "s3cret")
            transport = httpx.ASGITransport(app=create_app(site_of(app, hook)))
            async with httpx.AsyncClient(transport=transport, base_url="http://bot") as http:
                headers = {"X-Telegram-Bot-Api-Secret-Token": "s3cret"}
                with caplog.at_level(logging.INFO):
                    bad = await http.post("/hook", json=unreadable, headers=headers)
                    good = await http.post(
                        "/hook", json=command_update(42, "/next"), headers=headers
                    )
                    await asyncio.to_thread(
                        api.wait_for_count, 1, "sendMessage", 5.0, chat_id=STUDENT
                    )
        finally:
            await app.stop()
    assert (bad.status_code, good.status_code) == (200, 200)
    assert len(api.messages_to(STUDENT)) == 1
    skipped = [r.getMessage() for r in caplog.records if "skipped update" in r.getMessage()]
    assert skipped == ["skipped update 41 (message): it cannot be read (TypeError)"]
    assert SECRET_TEXT not in caplog.text


async def test_a_lone_surrogate_in_a_name_does_not_stop_the_greeting(bot: Bot) -> None:
    """/start greets a user whose name holds an unpaired surrogate, with U+FFFD in its place."""
    reply = await bot.ask(STUDENT, "/start", first_name="Sa\ud800ra")
    assert "Hello Sa\ufffdra" in reply


async def test_the_periodic_database_check_runs_without_an_error(
    bot: Bot, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    """The 30-second database check, run as the job queue runs it, notices a deleted file."""
    path = _database_file(settings)
    bot.api.add_chat(ADMIN)
    (job,) = bot.app.job_queue.get_jobs_by_name("database-watch")
    shutil.rmtree(path.parent)
    with caplog.at_level(logging.ERROR):
        await job.run(bot.app)
    assert not any("unhandled error" in r.getMessage() for r in caplog.records)
    assert any("deleted or replaced" in r.getMessage() for r in caplog.records)
    assert path.exists()
