"""End-to-end tests: the real Application polling the Bot API test double."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlmodel import Session

from bot import storage
from bot.core.course.loader import check_course
from bot.telegram import replies
from bot.telegram.app import ALLOWED_UPDATES, COMMANDS
from tests.conftest import ADMIN, CHANNEL_ID, STUDENT, Bot

pytestmark = pytest.mark.anyio

GROUP = -500


async def test_start_welcomes_and_lists_commands(bot: Bot) -> None:
    """/start greets the student by name and lists the student commands, not the staff ones."""
    reply = await bot.ask(STUDENT, "/start", first_name="Sara")
    assert "Hello Sara" in reply
    assert "Machine Learning Systems Design" in reply
    assert "/schedule" in reply and "/announce" not in reply


async def test_help_shows_staff_commands_to_admins(bot: Bot) -> None:
    """/help lists staff commands for an admin only."""
    assert "/reload" in await bot.ask(ADMIN, "/help")
    assert "/reload" not in await bot.ask(STUDENT, "/help")


async def test_command_menus_registered_per_language(bot: Bot) -> None:
    """The menus are set in English by default and in Persian for "fa", from the same list."""
    students = [c.name for c in COMMANDS if not c.staff]
    english = bot.api.commands[("default", "")]
    persian = bot.api.commands[("default", "fa")]
    assert [c["command"] for c in english] == students
    assert [c["command"] for c in persian] == students
    assert english[0]["description"] != persian[0]["description"]


async def test_polling_asks_only_for_used_update_kinds(bot: Bot) -> None:
    """getUpdates requests only the update kinds the bot handles."""
    polls = await asyncio.to_thread(bot.api.wait_for_request, "getUpdates")
    assert polls[-1].params["allowed_updates"] == ALLOWED_UPDATES


async def test_free_text_question_answered_and_logged(bot: Bot, db: object) -> None:
    """A question in a private chat gets the engine's answer and lands in the question log."""
    reply = await bot.ask(STUDENT, "when is quiz 3")
    assert "27 Esfand 1401" in reply
    numbers = storage.stats(db)  # type: ignore[arg-type]
    assert (numbers.questions, numbers.answered) == (1, 1)
    assert numbers.topics[0][0] == "quiz-3"


async def test_persian_question_gets_persian_reply(bot: Bot) -> None:
    """A question in Persian is answered in Persian."""
    reply = await bot.ask(STUDENT, "کوییز ۳ کی است؟")
    assert "اسفند" in reply and "Esfand" not in reply


async def test_markup_characters_are_escaped(bot: Bot) -> None:
    """Tags and ampersands from students reach Telegram escaped and are shown literally."""
    reply = await bot.ask(STUDENT, "/start", first_name="<b>Tom & Jerry")
    assert "Hello <b>Tom & Jerry" in reply
    reply = await bot.ask(STUDENT, "<b>when</b> is quiz 3 & <i>where")
    assert reply  # the double rejects bad HTML with 400, so any reply proves it was escaped
    assert not [r for r in bot.api.requests if r.status == 400]


async def test_long_reply_is_split_under_the_limit(bot: Bot) -> None:
    """A 10k-character reply arrives as several messages, each under 4096 characters."""
    bot.api.add_chat(STUDENT, "private")
    text = "\n".join(f"{n}: " + "a&b <c> " * 12 for n in range(100))
    assert len(text) > 10_000
    sent = await replies.send(bot.app.bot, STUDENT, replies.escape(text))
    assert len(sent) == 3
    received = bot.api.messages_to(STUDENT)
    assert all(len(r.plain_text or "") < 4096 for r in received)
    assert "\n".join(r.plain_text or "" for r in received) == text


async def test_schedule_pages_by_week(bot: Bot) -> None:
    """/schedule shows two weeks with buttons; ▶ answers the callback and edits the message."""
    reply = await bot.ask(STUDENT, "/schedule")
    assert "13 Esfand 1401" in reply and "20 Esfand 1401" in reply
    message = bot.api.messages_to(STUDENT)[-1]
    assert message.reply_markup is not None
    forward = message.reply_markup["inline_keyboard"][0][1]["callback_data"]
    bot.api.push_callback(STUDENT, forward, message.message_id)
    edits = await bot.wait(lambda r: r.method == "editMessageText")
    assert "27 Esfand 1401" in (edits[0].plain_text or "")
    assert "13 Esfand 1401" not in (edits[0].plain_text or "")
    assert len(bot.api.callback_answers) == 1


async def test_group_answers_only_when_addressed(bot: Bot) -> None:
    """In a group, chatter is ignored; a mention, /next@bot and a reply to the bot get answers."""
    bot.api.add_chat(GROUP, "group")
    bot.api.push_text(STUDENT, "when is quiz 3 guys?", chat_id=GROUP)
    bot.api.push_text(STUDENT, "/next@some_other_bot", chat_id=GROUP)
    reply = await bot.ask(STUDENT, f"@{bot.username} when is quiz 3", chat_id=GROUP)
    assert "27 Esfand 1401" in reply
    assert len(bot.api.messages_to(GROUP)) == 1
    assert "The next quiz" in await bot.ask(STUDENT, f"/next@{bot.username}", chat_id=GROUP)
    answer_id = bot.api.messages_to(GROUP)[-1].message_id
    reply = await bot.ask(
        STUDENT, "and when is CA1 due?", chat_id=GROUP, reply_to_message_id=answer_id
    )
    assert "CA1" in reply
    bot.api.push_text(STUDENT, "thanks all", chat_id=GROUP)
    await bot.handled()
    assert len(bot.api.messages_to(GROUP)) == 3


async def test_inline_query_offers_the_answer(bot: Bot) -> None:
    """`@bot quiz 3` is answered with one article carrying the answer; empty gets a help result."""
    bot.api.push_inline_query(STUDENT, "when is quiz 3")
    bot.api.push_inline_query(STUDENT, "")
    await asyncio.to_thread(lambda: bot.api._wait(lambda: bot.api.inline_answers[1:], 5, "2"))
    answer, help_ = bot.api.inline_answers
    assert len(answer["results"]) == 1
    assert "27 Esfand 1401" in answer["results"][0]["input_message_content"]["message_text"]
    assert f"@{bot.username}" in help_["results"][0]["input_message_content"]["message_text"]


async def test_inline_questions_are_logged_for_unanswered(bot: Bot) -> None:
    """A question asked inline lands in the question log: /unanswered lists the missed one."""
    bot.api.push_inline_query(STUDENT, "is there a party?")
    await asyncio.to_thread(lambda: bot.api._wait(lambda: bot.api.inline_answers, 5, "inline"))
    await bot.handled()  # the question is logged after the answer went out
    unanswered = await bot.ask(ADMIN, "/unanswered")
    assert "is there a party? — 1×" in unanswered
    assert "Questions: 1" in await bot.ask(ADMIN, "/stats")


async def test_language_button_switches_language(bot: Bot) -> None:
    """Pressing فارسی under /language stores Persian; later English questions get Persian."""
    await bot.ask(STUDENT, "/language")
    message = bot.api.messages_to(STUDENT)[-1]
    bot.api.push_callback(STUDENT, "lang:fa", message.message_id)
    edits = await bot.wait(lambda r: r.method == "editMessageText")
    assert "فارسی" in (edits[0].plain_text or "")
    reply = await bot.ask(STUDENT, "when is quiz 3")
    assert "اسفند" in reply


async def test_announce_by_admin_reaches_the_channel(bot: Bot) -> None:
    """An admin's /announce is posted to the channel verbatim, markup characters included."""
    reply = await bot.ask(ADMIN, "/announce Quiz 3 moves to <Room 5> & starts at 16:30")
    assert "Posted" in reply
    posts = bot.api.messages_to(CHANNEL_ID)
    assert [p.plain_text for p in posts] == ["Quiz 3 moves to <Room 5> & starts at 16:30"]


async def test_long_announcement_is_split_under_the_limit(bot: Bot) -> None:
    """An /announce longer than one message reaches the channel whole, in pieces under 4096."""
    text = "\n".join(" ".join([f"{n}: room <5> & lab"] * 6) for n in range(60))
    assert len(text) > 4096
    reply = await bot.ask(ADMIN, f"/announce {text}")
    assert "Posted" in reply
    posts = bot.api.messages_to(CHANNEL_ID)
    assert len(posts) == 2
    assert all(replies.utf16_len(p.plain_text or "") < 4096 for p in posts)
    assert "\n".join(p.plain_text or "" for p in posts) == text


async def test_announce_by_student_is_refused(bot: Bot) -> None:
    """A non-admin gets a polite refusal and nothing reaches the channel."""
    reply = await bot.ask(STUDENT, "/announce free pizza")
    assert "staff only" in reply
    assert bot.api.messages_to(CHANNEL_ID) == []


async def test_announce_failure_is_reported_to_the_admin(bot: Bot) -> None:
    """When Telegram refuses the post, the admin gets Telegram's reason."""
    bot.api.add_chat(CHANNEL_ID, "channel", username="mlsd_channel", bot_is_admin=False)
    reply = await bot.ask(ADMIN, "/announce hello")
    assert "refused" in reply and "not a member of the channel" in reply


async def test_reload_with_broken_course_keeps_the_old_one(bot: Bot, course_file: object) -> None:
    """A broken course file is reported with file:line and the old course keeps answering."""
    path = course_file
    original = path.read_text(encoding="utf-8")  # type: ignore[attr-defined]
    path.write_text(original.replace("quiz_count: 7", "quiz_count: [oops"), encoding="utf-8")  # type: ignore[attr-defined]
    reply = await bot.ask(ADMIN, "/reload")
    assert "invalid" in reply
    assert "course.yaml:" in reply
    assert "27 Esfand 1401" in await bot.ask(STUDENT, "when is quiz 3")
    path.write_text(original, encoding="utf-8")  # type: ignore[attr-defined]
    assert "Reloaded" in await bot.ask(ADMIN, "/reload")


async def test_reload_refused_to_students(bot: Bot) -> None:
    """A student's /reload is refused."""
    assert "staff only" in await bot.ask(STUDENT, "/reload")


async def test_rate_limit_is_honoured_and_retried(bot: Bot) -> None:
    """A 429 with retry_after=1 is waited out and the reply still arrives."""
    bot.api.fail_next("sendMessage", 429, retry_after=1)
    bot.api.push_text(STUDENT, "/next")
    sent = await asyncio.to_thread(bot.api.wait_for_count, 1, "sendMessage", 8.0, chat_id=STUDENT)
    assert "The next quiz" in (sent[0].plain_text or "")
    statuses = [r.status for r in bot.api.requests if r.method == "sendMessage"]
    assert statuses[:2] == [429, 200]


async def test_server_errors_are_retried(bot: Bot) -> None:
    """A 502 from Telegram is retried with backoff and the reply arrives."""
    bot.api.fail_next("sendMessage", 502)
    assert "The next quiz" in await bot.ask(STUDENT, "/next")


async def test_blocked_user_is_quiet_and_others_are_served(
    bot: Bot, db: object, caplog: pytest.LogCaptureFixture
) -> None:
    """A 403 from a user who blocked the bot is logged quietly; the next user is served."""
    blocker = 2001
    bot.api.push_text(blocker, "/start")
    bot.api.block(blocker)
    bot.api.push_my_chat_member(blocker, "kicked")
    assert "The next quiz" in await bot.ask(STUDENT, "/next")
    await bot.handled()
    assert not [r for r in caplog.records if r.levelno >= 40]
    with Session(db) as session:  # type: ignore[arg-type]
        assert session.get(storage.User, blocker).blocked  # type: ignore[union-attr]


async def test_flood_control_limits_one_user(
    api: object, settings: object, clock: object, db: object
) -> None:
    """Past flood_limit messages a minute the user is warned once and ignored, others are not."""
    from tests.conftest import running_bot

    limited = settings.model_copy(update={"flood_limit": 3})  # type: ignore[attr-defined]
    async with running_bot(api, limited, clock, db) as bot:  # type: ignore[arg-type]
        for _ in range(6):
            bot.api.push_text(STUDENT, "/next")
        await asyncio.to_thread(bot.api.wait_for_count, 4, "sendMessage", 5.0, chat_id=STUDENT)
        assert "The next quiz" in await bot.ask(ADMIN, "/next")
        texts = [r.plain_text or "" for r in bot.api.messages_to(STUDENT)]
        assert len(texts) == 4
        assert sum("too fast" in text for text in texts) == 1
        clock.advance(seconds=61)  # type: ignore[attr-defined]
        assert "The next quiz" in await bot.ask(STUDENT, "/next")


async def test_stats_and_unanswered(bot: Bot) -> None:
    """/stats counts users, questions by outcome and topics; /unanswered lists what the bot
    did not know, not what it declined with an answer."""
    await bot.ask(STUDENT, "when is quiz 3")
    await bot.ask(STUDENT, "is there a party?")
    await bot.ask(STUDENT + 1, "Is there a party")
    await bot.ask(STUDENT + 1, "when is quiz 9")
    stats = await bot.ask(ADMIN, "/stats")
    assert "Users: 3" in stats
    assert "Questions: 4" in stats
    assert "Answered: 1 (25%)" in stats
    assert "Declined with an answer: 1 (25%)" in stats and "Did not know: 2 (50%)" in stats
    assert "quiz-3: 1" in stats and "unanswered: 2" in stats and "no-such-item: 1" in stats
    unanswered = await bot.ask(ADMIN, "/unanswered")
    assert "is there a party? — 2×" in unanswered
    assert "quiz 9" not in unanswered


async def test_a_reload_shows_the_course_files_warnings(bot: Bot, course_file: Path) -> None:
    """A valid file with a likely mistake reloads, and /reload lists its warnings."""
    original = course_file.read_text(encoding="utf-8")
    standing = sum(p.level == "warning" for p in check_course(course_file))
    moved = original.replace(
        "{date: 26 Farvardin, section: modeling}", "{date: 27 Farvardin, section: modeling}"
    )
    assert moved != original
    course_file.write_text(moved, encoding="utf-8")
    reply = await bot.ask(ADMIN, "/reload")
    assert "Reloaded" in reply and f"{standing + 1} warning" in reply
    assert "not a class day" in reply
    course_file.write_text(original, encoding="utf-8")
    reply = await bot.ask(ADMIN, "/reload")
    assert "Reloaded" in reply and "not a class day" not in reply
