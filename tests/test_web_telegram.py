"""What the bot says about the web side: the /schedule page button, /calendar subscription
links, one-tap /start sub-… links and the closing link of channel reminders."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine

from bot import storage
from bot.core.course.loader import load_course
from bot.core.planning.reminders import plan
from bot.settings import Settings, WebSettings
from tests.conftest import CHANNEL_ID, STUDENT, Bot, Clock, running_bot
from tests.support.bot_api import BotApiDouble

pytestmark = pytest.mark.anyio

GROUP = -4242


def with_web(settings: Settings, public_url: str | None) -> Settings:
    web = WebSettings(public_url=public_url) if public_url else None
    return settings.model_copy(update={"web": web, "channel_language": "en"})


@pytest.fixture
async def https_bot(
    api: BotApiDouble, settings: Settings, clock: Clock, db: Engine
) -> AsyncIterator[Bot]:
    async with running_bot(api, with_web(settings, "https://c.example"), clock, db) as bot:
        yield bot


def buttons(bot: Bot, chat_id: int) -> list[dict[str, object]]:
    markup = bot.api.messages_to(chat_id)[-1].reply_markup or {}
    return [button for row in markup.get("inline_keyboard", []) for button in row]


async def test_schedule_opens_the_page_as_a_mini_app_over_https(https_bot: Bot) -> None:
    """In a private chat /schedule gets a web_app button to the page in the user's language."""
    await https_bot.ask(STUDENT, "/schedule")
    web = [b for b in buttons(https_bot, STUDENT) if "web_app" in b]
    assert web == [{"text": "📅 Open the schedule", "web_app": {"url": "https://c.example/en"}}]


async def test_schedule_in_a_group_links_the_page(https_bot: Bot) -> None:
    """In a group (where Mini App buttons are refused) the page is a plain URL button."""
    https_bot.api.add_chat(GROUP, "group")
    await https_bot.ask(
        STUDENT, f"/schedule@{https_bot.username}", chat_id=GROUP, chat_type="group"
    )
    urls = [b["url"] for b in buttons(https_bot, GROUP) if "url" in b]
    assert urls == ["https://c.example/en"]
    assert not any("web_app" in b for b in buttons(https_bot, GROUP))


async def test_schedule_over_plain_http_is_a_link_and_without_web_nothing(
    api: BotApiDouble, settings: Settings, clock: Clock, db: Engine
) -> None:
    """public_url over http gives a URL button; no web settings give only the paging row."""
    async with running_bot(api, with_web(settings, "http://10.0.0.5:8080"), clock, db) as bot:
        await bot.ask(STUDENT, "/schedule")
        assert [b.get("url") for b in buttons(bot, STUDENT) if "url" in b] == [
            "http://10.0.0.5:8080/en"
        ]
    async with running_bot(api, with_web(settings, None), clock, db) as bot:
        await bot.ask(STUDENT, "/schedule")
        assert all("callback_data" in b for b in buttons(bot, STUDENT))


async def test_calendar_sends_the_file_and_the_feed_of_the_subscription(
    https_bot: Bot, db: Engine, clock: Clock
) -> None:
    """/calendar sends the file with https and webcal feed links; a quiz subscriber's links
    show quizzes only."""
    api = https_bot.api
    api.push_text(STUDENT, "/calendar")
    (first,) = await asyncio.to_thread(api.wait_for_count, 1, "sendDocument", 5.0)
    assert first.document_bytes is not None and b"BEGIN:VALARM" in first.document_bytes
    caption = first.plain_text or ""
    assert "https://c.example/calendar/en.ics\n" in caption
    assert "webcal://c.example/calendar/en.ics\n" in caption
    assert "Google Calendar" in caption and "iPhone" in caption
    storage.subscribe(db, STUDENT, "quizzes", clock.now, "en")
    api.push_text(STUDENT, "/calendar")
    second = (await asyncio.to_thread(api.wait_for_count, 2, "sendDocument", 5.0))[-1]
    assert "https://c.example/calendar/en.ics?kinds=quiz" in (second.plain_text or "")


async def test_start_link_subscribes_in_one_tap(https_bot: Bot, db: Engine) -> None:
    """/start sub-deadline (from a t.me link) subscribes to deadlines and says so."""
    reply = await https_bot.ask(STUDENT, "/start sub-deadline")
    assert "Subscribed" in reply and "deadlines" in reply.lower()
    assert storage.subscription(db, STUDENT) == "deadlines"
    await https_bot.ask(STUDENT, "/start sub-all")
    assert storage.subscription(db, STUDENT) == "all"
    plain = await https_bot.ask(STUDENT, "/start")
    assert "Subscribed" not in plain and storage.subscription(db, STUDENT) == "all"


async def test_start_link_in_a_group_only_greets(https_bot: Bot, db: Engine) -> None:
    """A sub-… payload outside a private chat subscribes nobody."""
    https_bot.api.add_chat(GROUP, "group")
    await https_bot.ask(
        STUDENT, f"/start@{https_bot.username} sub-quiz", chat_id=GROUP, chat_type="group"
    )
    assert storage.subscription(db, STUDENT) is None


async def test_channel_reminder_ends_with_a_one_tap_link(
    api: BotApiDouble, settings: Settings, clock: Clock, db: Engine, course_file: object
) -> None:
    """A quiz reminder in the channel ends with "Get these by direct message" → sub-quiz."""
    course = load_course(settings.course_path())
    reminders = plan(course, settings.reminders.plan_settings(channel=True))
    quiz = next(r for r in reminders if r.key == "quiz:quiz-3/1d/channel")
    clock.now = quiz.due_at + timedelta(seconds=1)
    async with running_bot(api, with_web(settings, None), clock, db) as bot:
        records = await bot.wait(lambda r: r.chat_id == CHANNEL_ID and "Quiz 3" in (r.text or ""))
        text = records[0].text or ""
        assert text.endswith(
            f'<a href="https://t.me/{bot.username}?start=sub-quiz">Get these by direct message</a>'
        )
