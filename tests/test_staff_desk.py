"""The staff desk end to end against the Bot API double, in process: the button under an
unknown question, the card in the staff chat, the staff's reply, Dismiss, and the limits."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.settings import Settings
from bot.storage import desk as desk_storage
from bot.telegram import desk
from tests.conftest import ADMIN, STUDENT, Bot, Clock, running_bot
from tests.support.bot_api import BotApiDouble, SentRecord

pytestmark = pytest.mark.anyio

STAFF_CHAT = -100200300
TA = 4242
UNKNOWN = "Can I use pytorch lightning in the project?"
# Other questions the bot does not know (the first five are sent in one day).
OTHERS = (
    "Can I use keras instead of pytorch?",
    "Is docker required for the project?",
    "Can I use google colab for assignments?",
    "Can I use ChatGPT to write the report?",
    "Does the department provide cloud credits?",
)
ASK_EN = "Ask the course staff"
ASK_FA = "از دستیاران بپرس"
SENT = "Sent to the course staff; their answer will come here"


def buttons(record: SentRecord) -> list[dict[str, Any]]:
    """Return the inline buttons of a sent or edited message."""
    markup = record.reply_markup or {}
    return [button for row in markup.get("inline_keyboard", []) for button in row]


def button_data(record: SentRecord, text: str) -> str:
    """Return the callback data of the button labelled ``text``."""
    found = [b["callback_data"] for b in buttons(record) if b["text"] == text]
    assert found, f"no button {text!r} in {buttons(record)}"
    return str(found[0])


def in_staff_chat(api: BotApiDouble) -> list[SentRecord]:
    """Return everything the bot sent or edited in the staff chat."""
    return [r for r in api.sent if r.chat_id == STAFF_CHAT]


def cards(api: BotApiDouble) -> list[SentRecord]:
    """Return the cards posted to the staff chat (not their edits)."""
    return [r for r in api.messages_to(STAFF_CHAT) if "question" in (r.plain_text or "")]


def last_version(api: BotApiDouble, message_id: int) -> SentRecord:
    """Return the latest text of a message of the bot's (the send, or its last edit)."""
    versions = [r for r in api.sent if r.message_id == message_id and r.text is not None]
    return versions[-1]


@pytest.fixture
def desk_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"staff_chat": STAFF_CHAT, "admins": [ADMIN]})


@pytest.fixture
def staff_api(api: BotApiDouble) -> BotApiDouble:
    api.add_chat(STAFF_CHAT, "supergroup", title="MLSD staff")
    return api


@pytest.fixture
async def desk_bot(
    staff_api: BotApiDouble, desk_settings: Settings, clock: Clock, db: Engine
) -> AsyncIterator[Bot]:
    async with running_bot(staff_api, desk_settings, clock, db) as running:
        yield running


async def ask_unknown(bot: Bot, user: int, text: str = UNKNOWN, **kw: Any) -> SentRecord:
    """Ask a question the bot does not know; return its reply, which carries the button."""
    chat = kw.get("chat_id", user)
    before = len(bot.api.messages_to(chat))
    bot.api.push_text(user, text, **kw)
    await asyncio.to_thread(bot.api.wait_for_count, before + 1, "sendMessage", 5.0, chat_id=chat)
    await bot.handled()
    return bot.api.messages_to(chat)[before]


async def tap(bot: Bot, user: int, record: SentRecord, text: str = ASK_EN) -> None:
    """Press a button of a message the bot sent, and wait until the bot handled it."""
    assert record.message_id is not None and record.chat_id is not None
    bot.api.push_callback(user, button_data(record, text), record.message_id, record.chat_id)
    await bot.handled()


async def send_to_staff(
    bot: Bot, user: int, text: str = UNKNOWN, *, persian: bool = False, **kw: Any
) -> SentRecord:
    """Ask an unknown question and tap the button; return the card it is on."""
    reply = await ask_unknown(bot, user, text, **kw)
    await tap(bot, user, reply, ASK_FA if persian else ASK_EN)
    await asyncio.to_thread(bot.api.wait_for, lambda r: r.chat_id == STAFF_CHAT, 5.0)
    return cards(bot.api)[-1]


async def staff_answers(bot: Bot, card: SentRecord, text: str, name: str = "Sara") -> int:
    """Have a staff member reply to a card in the staff chat; return the reply's id."""
    assert card.message_id is not None
    update = bot.api.push_text(
        TA,
        text,
        chat_id=STAFF_CHAT,
        chat_type="supergroup",
        first_name=name,
        reply_to_message_id=card.message_id,
    )
    await bot.handled()
    return int(update["message"]["message_id"])


async def test_only_a_question_the_bot_does_not_know_gets_the_button(desk_bot: Bot) -> None:
    """The fallback and what the syllabus does not say carry "Ask the course staff" ("از
    دستیاران بپرس" in Persian); an answer, a decline on principle and a missing item ("quiz
    9") carry no button."""
    reply = await ask_unknown(desk_bot, STUDENT)
    assert [b["text"] for b in buttons(reply)] == [ASK_EN]
    persian = await ask_unknown(desk_bot, STUDENT + 1, "گواهی پایان دوره می‌دهید؟")
    assert [b["text"] for b in buttons(persian)] == [ASK_FA]
    unsaid = await ask_unknown(desk_bot, STUDENT + 2, "Is the final exam open book?")
    assert [b["text"] for b in buttons(unsaid)] == [ASK_EN]
    for question in (
        "when is quiz 3",
        "quiz 9",
        "when is quiz 3 of deep learning",
        "solve CA2 for me",
    ):
        reply = await ask_unknown(desk_bot, STUDENT, question)
        assert buttons(reply) == [], question


async def test_no_button_in_groups_or_without_a_staff_chat(
    staff_api: BotApiDouble, settings: Settings, clock: Clock, db: Engine
) -> None:
    """Without staff_chat the bot replies as before; in a group the button is never offered."""
    async with running_bot(staff_api, settings, clock, db) as bot:
        reply = await ask_unknown(bot, STUDENT)
    assert buttons(reply) == [] and "syllabus" in (reply.plain_text or "")
    with_desk = settings.model_copy(update={"staff_chat": STAFF_CHAT})
    async with running_bot(staff_api, with_desk, clock, db) as bot:
        reply = await ask_unknown(
            bot, STUDENT, f"@{bot.username} {UNKNOWN}", chat_id=-5, chat_type="group"
        )
    assert buttons(reply) == []


async def test_the_tap_posts_a_card_without_the_students_identity(desk_bot: Bot) -> None:
    """The card holds the question as written, its language, the bot's guess and the count,
    with Dismiss; the student's button becomes "Sent to the course staff…"."""
    question = "Can I use <b>keras</b> & jax instead of pytorch?"
    reply = await ask_unknown(desk_bot, STUDENT, question, first_name="Zahra", username="zahra_k")
    await tap(desk_bot, STUDENT, reply)
    card = (await asyncio.to_thread(desk_bot.api.wait_for, lambda r: r.chat_id == STAFF_CHAT))[0]
    text = card.plain_text or ""
    assert question in text  # escaped as HTML on the way, shown as written
    assert "English" in text and "asked by 1" in text
    assert "closest guess" in text
    assert [b["text"] for b in buttons(card)] == ["Dismiss"]
    everything = " ".join(f"{r.text} {r.reply_markup}" for r in in_staff_chat(desk_bot.api))
    for private in (str(STUDENT), "Zahra", "zahra_k"):
        assert private not in everything
    edited = last_version(desk_bot.api, reply.message_id or 0)
    assert edited.method == "editMessageText"
    assert SENT in (edited.plain_text or "") and buttons(edited) == []
    answers = desk_bot.api.callback_answers
    assert SENT in answers[-1].get("text", "")


async def test_a_double_tap_sends_one_question(desk_bot: Bot) -> None:
    """Tapping twice (or asking the same again and tapping that) sends the question once."""
    reply = await ask_unknown(desk_bot, STUDENT)
    # The second tap arrives before the first edit removed the button.
    desk_bot.api.push_callback(STUDENT, button_data(reply, ASK_EN), reply.message_id or 0)
    desk_bot.api.push_callback(STUDENT, button_data(reply, ASK_EN), reply.message_id or 0)
    await desk_bot.handled()
    again = await ask_unknown(desk_bot, STUDENT, UNKNOWN.upper())
    await tap(desk_bot, STUDENT, again)
    await asyncio.sleep(0.2)
    assert len(cards(desk_bot.api)) == 1
    assert "asked by 1" in (cards(desk_bot.api)[0].plain_text or "")
    assert "already with the course staff" in desk_bot.api.callback_answers[-1].get("text", "")


async def test_three_students_asking_the_same_share_one_card(desk_bot: Bot) -> None:
    """The same question, however typed, joins the pending card; its count goes up."""
    card = await send_to_staff(desk_bot, STUDENT)
    await send_to_staff(desk_bot, STUDENT + 1, "can i use PyTorch Lightning in the project")
    await send_to_staff(desk_bot, STUDENT + 2, "Can I use pytorch  lightning in the project?!")
    assert len(cards(desk_bot.api)) == 1
    assert "asked by 3" in (last_version(desk_bot.api, card.message_id or 0).plain_text or "")


async def choose_language(bot: Bot, user: int, lang: str) -> None:
    """Pick ``lang`` under /language, as the student does (the bot keeps its choices)."""
    await bot.ask(user, "/language")
    bot.api.push_callback(user, f"lang:{lang}", bot.api.messages_to(user)[-1].message_id or 0)
    await bot.handled()


async def test_a_reply_to_the_card_reaches_every_student_and_closes_it(
    desk_bot: Bot, clock: Clock, db: Engine
) -> None:
    """The staff's reply goes to each student on the card, in their words and escaped; the
    card says who answered and when, and offers Save as FAQ."""
    card = await send_to_staff(desk_bot, STUDENT)
    await choose_language(desk_bot, STUDENT + 1, "fa")
    await send_to_staff(desk_bot, STUDENT + 1, UNKNOWN, persian=True)
    answer = "Yes. Any framework <i>is</i> fine, as long as it runs on Quera's checker."
    await staff_answers(desk_bot, card, answer, name="Sara")
    for user in (STUDENT, STUDENT + 1):
        got = await asyncio.to_thread(
            desk_bot.api.wait_for,
            lambda r, u=user: r.chat_id == u and answer in (r.plain_text or ""),
        )
        assert got
    english = desk_bot.api.messages_to(STUDENT)[-1].plain_text or ""
    persian = desk_bot.api.messages_to(STUDENT + 1)[-1].plain_text or ""
    assert "The course staff answered your question" in english
    assert "دستیاران درس به سؤالتان پاسخ دادند" in persian
    closed = last_version(desk_bot.api, card.message_id or 0)
    text = closed.plain_text or ""
    assert "Answered by Sara, Wed 17 Esfand 1401 (8 Mar 2023), 12:00" in text and answer in text
    assert "Sent to 2 of 2 students" in text
    assert [b["text"] for b in buttons(closed)] == ["Save as FAQ"]


async def test_a_long_answer_is_split_and_a_second_reply_is_refused(desk_bot: Bot) -> None:
    """An answer over 4,096 characters reaches the student in pieces; a reply to a closed card
    is not sent, and an edited reply is not passed on."""
    card = await send_to_staff(desk_bot, STUDENT)
    answer = " ".join(f"word{n}" for n in range(1200))
    reply_id = await staff_answers(desk_bot, card, answer)
    await asyncio.to_thread(desk_bot.api.wait_for_count, 3, "sendMessage", 5.0, chat_id=STUDENT)
    await asyncio.sleep(0.2)
    pieces = [r.plain_text or "" for r in desk_bot.api.messages_to(STUDENT)[1:]]
    assert len(pieces) >= 2 and all(len(piece) <= 4096 for piece in pieces)
    assert pieces[0].startswith("The course staff answered") and "word1199" in pieces[-1]
    assert " ".join(" ".join(pieces).split()).count("word") == 1200
    before = len(desk_bot.api.messages_to(STUDENT))
    await staff_answers(desk_bot, card, "Another answer")
    await asyncio.sleep(0.2)
    assert len(desk_bot.api.messages_to(STUDENT)) == before
    assert "closed already" in (desk_bot.api.messages_to(STAFF_CHAT)[-1].plain_text or "")
    desk_bot.api.push_edit(TA, reply_id, "A corrected answer", chat_id=STAFF_CHAT)
    await desk_bot.handled()
    assert len(desk_bot.api.messages_to(STUDENT)) == before
    assert "Edits are not passed on" in (desk_bot.api.messages_to(STAFF_CHAT)[-1].plain_text or "")


async def test_dismiss_points_the_students_to_quera(desk_bot: Bot) -> None:
    """Dismiss closes the card; each student gets one line saying the staff saw it."""
    card = await send_to_staff(desk_bot, STUDENT)
    await send_to_staff(desk_bot, STUDENT + 1)
    desk_bot.api.push_callback(
        TA, button_data(card, "Dismiss"), card.message_id or 0, chat_id=STAFF_CHAT
    )
    await desk_bot.handled()
    for user in (STUDENT, STUDENT + 1):
        line = desk_bot.api.messages_to(user)[-1].plain_text or ""
        assert "have seen your question" in line and "quera.org" in line
    closed = last_version(desk_bot.api, card.message_id or 0)
    assert "Dismissed by" in (closed.plain_text or "") and buttons(closed) == []
    # A student who asks it again starts a new card.
    await send_to_staff(desk_bot, STUDENT + 2)
    assert len(cards(desk_bot.api)) == 2


async def test_five_questions_a_day_and_a_long_one_is_cut(desk_bot: Bot, clock: Clock) -> None:
    """A student sends at most 5 questions a day to the staff; the next day they may again. A
    question over 1,000 characters is cut, with a note on the card and to the student."""
    for question in OTHERS:
        await send_to_staff(desk_bot, STUDENT, question)
    reply = await ask_unknown(desk_bot, STUDENT, UNKNOWN)
    await tap(desk_bot, STUDENT, reply)
    assert "5 questions" in desk_bot.api.callback_answers[-1].get("text", "")
    assert len(cards(desk_bot.api)) == 5
    clock.advance(days=1)
    long_question = (
        "Can I use keras instead of pytorch? " + "I really like keras a lot. " * 45
    ).strip()
    reply = await ask_unknown(desk_bot, STUDENT, long_question)
    await tap(desk_bot, STUDENT, reply)
    await asyncio.to_thread(desk_bot.api.wait_for_count, 6, "sendMessage", 5.0, chat_id=STAFF_CHAT)
    card = cards(desk_bot.api)[-1].plain_text or ""
    assert f"the student wrote {len(long_question)} characters" in card
    assert long_question[:1000] in card and long_question not in card
    assert "first 1000 characters" in desk_bot.api.callback_answers[-1].get("text", "")


async def test_a_student_who_blocked_the_bot_is_recorded_not_retried(
    desk_bot: Bot, clock: Clock, db: Engine
) -> None:
    """A student who blocked the bot is marked as such and never retried; the card says so."""
    card = await send_to_staff(desk_bot, STUDENT)
    await send_to_staff(desk_bot, STUDENT + 1)
    desk_bot.api.block(STUDENT + 1)
    await staff_answers(desk_bot, card, "Yes, it is allowed.")
    await asyncio.to_thread(desk_bot.api.wait_for_count, 2, "sendMessage", 5.0, chat_id=STUDENT)
    closed = last_version(desk_bot.api, card.message_id or 0).plain_text or ""
    assert "Sent to 1 of 2 students" in closed and "1 blocked the bot" in closed
    with Session(db) as session:
        statuses = sorted(a.status for a in session.exec(select(desk_storage.CardAsk)).all())
    assert statuses == ["blocked", "delivered"]
    calls = len(desk_bot.api.requests)
    clock.advance(minutes=5)
    await desk.catch_up(desk_bot.app)
    assert [r for r in desk_bot.api.requests[calls:] if r.method == "sendMessage"] == []


async def test_a_card_the_staff_chat_refused_is_posted_later(
    desk_bot: Bot, clock: Clock, staff_api: BotApiDouble
) -> None:
    """If the staff chat refuses the card, the question waits in the database and the retry
    posts it once the chat takes posts again."""
    staff_api.set_member_status(STAFF_CHAT, int(staff_api.bot_user["id"]), "left")
    reply = await ask_unknown(desk_bot, STUDENT)
    await tap(desk_bot, STUDENT, reply)
    assert cards(staff_api) == []
    assert SENT in (last_version(staff_api, reply.message_id or 0).plain_text or "")
    staff_api.set_member_status(STAFF_CHAT, int(staff_api.bot_user["id"]), "member")
    clock.advance(minutes=2)
    await desk.catch_up(desk_bot.app)
    assert len(cards(staff_api)) == 1


async def test_a_staff_chat_the_bot_cannot_post_to_is_reported_to_the_admins(
    staff_api: BotApiDouble, desk_settings: Settings, clock: Clock, db: Engine
) -> None:
    """At start and on /reload the bot checks the staff chat and tells each admin in one line
    when it cannot post there."""
    staff_api.add_chat(ADMIN)
    staff_api.set_member_status(STAFF_CHAT, int(staff_api.bot_user["id"]), "left")
    async with running_bot(staff_api, desk_settings, clock, db) as bot:
        warning = await asyncio.to_thread(
            staff_api.wait_for,
            lambda r: r.chat_id == ADMIN and "staff chat" in (r.plain_text or ""),
        )
        assert str(STAFF_CHAT) in (warning[0].plain_text or "")
        assert "\n" not in (warning[0].plain_text or "").strip()
        await bot.ask(ADMIN, "/reload")
        warnings = [r for r in staff_api.messages_to(ADMIN) if "staff chat" in (r.plain_text or "")]
        assert len(warnings) == 2
    unknown = settings_with_chat(desk_settings, -999)
    async with running_bot(staff_api, unknown, clock, db):
        await asyncio.to_thread(
            staff_api.wait_for,
            lambda r: r.chat_id == ADMIN and "chat not found" in (r.plain_text or "").lower(),
        )


def settings_with_chat(settings: Settings, chat: int) -> Settings:
    """Return the settings with another staff chat."""
    return settings.model_copy(update={"staff_chat": chat})


async def test_the_students_are_forgotten_a_month_after_the_card_closed(
    desk_bot: Bot, clock: Clock, db: Engine
) -> None:
    """30 days after a card is closed its card → students mapping is deleted; /stats still
    counts the questions, the answers and the median time to answer."""
    card = await send_to_staff(desk_bot, STUDENT)
    await send_to_staff(desk_bot, STUDENT + 1)
    clock.advance(minutes=90)
    await staff_answers(desk_bot, card, "Yes.")
    await asyncio.to_thread(desk_bot.api.wait_for_count, 2, "sendMessage", 5.0, chat_id=STUDENT)
    clock.advance(days=29)
    await desk.catch_up(desk_bot.app)
    with Session(db) as session:
        assert len(session.exec(select(desk_storage.CardAsk)).all()) == 2
    clock.advance(days=2)
    await desk.catch_up(desk_bot.app)
    with Session(db) as session:
        assert session.exec(select(desk_storage.CardAsk)).all() == []
        assert len(session.exec(select(desk_storage.StaffCard)).all()) == 1
    stats = await desk_bot.ask(ADMIN, "/stats")
    assert "Sent to the course staff: 2" in stats
    assert "Answered by them: 2 (median time to answer: 1 h 30 min)" in stats
    assert "FAQ entries saved: 0" in stats


async def test_a_forged_or_foreign_card_button_has_expired(desk_bot: Bot) -> None:
    """Dismiss pressed outside the staff chat, or for a card that does not exist, does nothing."""
    card = await send_to_staff(desk_bot, STUDENT)
    reply = desk_bot.api.messages_to(STUDENT)[-1]
    desk_bot.api.push_callback(STUDENT, button_data(card, "Dismiss"), reply.message_id or 0)
    desk_bot.api.push_callback(STUDENT, "ask:not-a-token", reply.message_id or 0)
    await desk_bot.handled()
    answers = desk_bot.api.callback_answers[-2:]
    assert all("expired" in a.get("text", "") for a in answers)
    assert "Dismiss" in [
        b["text"] for b in buttons(last_version(desk_bot.api, card.message_id or 0))
    ]


async def test_the_card_names_the_language_the_question_is_written_in(
    desk_bot: Bot, clock: Clock, db: Engine
) -> None:
    """A question written in Persian is marked Persian on the card, even for a student who
    reads the bot in English."""
    await choose_language(desk_bot, STUDENT, "en")
    await send_to_staff(desk_bot, STUDENT, "گواهی پایان دوره می‌دهید؟")
    card = cards(desk_bot.api)[-1].plain_text or ""
    assert "(Persian)" in card and "گواهی پایان دوره می‌دهید؟" in card


async def test_sending_to_the_staff_counts_against_the_flood_limit(
    staff_api: BotApiDouble, desk_settings: Settings, clock: Clock, db: Engine
) -> None:
    """The tap that sends a question on spends the message allowance: at the limit it is held
    back with the flood notice, and goes through once the allowance refills."""
    limited = desk_settings.model_copy(update={"flood_limit": 3})
    async with running_bot(staff_api, limited, clock, db) as bot:
        first = await ask_unknown(bot, STUDENT, OTHERS[0])
        await tap(bot, STUDENT, first)
        second = await ask_unknown(bot, STUDENT, OTHERS[1])
        await tap(bot, STUDENT, second)
        assert "too fast" in staff_api.callback_answers[-1].get("text", "")
        assert len(cards(staff_api)) == 1
        clock.advance(seconds=21)  # one more of 3 a minute
        await tap(bot, STUDENT, second)
        await asyncio.to_thread(staff_api.wait_for_count, 2, "sendMessage", 5.0, chat_id=STAFF_CHAT)
    assert len(cards(staff_api)) == 2
