"""Save as FAQ, in process: the staff's answer becomes an entry the engine answers from at
once, /faq lists and removes the entries, and `course-bot faq export` writes them in the
course file's format, which `course-bot check` accepts merged into the course file."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import yaml
from sqlalchemy.engine import Engine

from bot.settings import Settings
from tests.conftest import ADMIN, COURSE_FILE, STUDENT, Bot, Clock, running_bot
from tests.support.bot_api import BotApiDouble
from tests.support.process import run_cli
from tests.test_staff_desk import (
    STAFF_CHAT,
    TA,
    UNKNOWN,
    ask_unknown,
    button_data,
    buttons,
    last_version,
    send_to_staff,
    staff_answers,
)

pytestmark = [pytest.mark.anyio, pytest.mark.process]

ANSWER = "Yes: any framework is fine, as long as it runs with the requirements you hand in."
PARAPHRASE = "is pytorch lightning allowed in the project"


@pytest.fixture
def desk_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"staff_chat": STAFF_CHAT})


async def answered_and_saved(bot: Bot) -> None:
    """Send UNKNOWN to the staff, answer it there and tap Save as FAQ."""
    card = await send_to_staff(bot, STUDENT)
    await staff_answers(bot, card, ANSWER, name="Sara")
    await asyncio.to_thread(bot.api.wait_for_count, 2, "sendMessage", 5.0, chat_id=STUDENT)
    answered = last_version(bot.api, card.message_id or 0)
    bot.api.push_callback(
        TA, button_data(answered, "Save as FAQ"), card.message_id or 0, chat_id=STAFF_CHAT
    )
    await bot.handled()


async def test_a_saved_answer_answers_the_next_student_at_once(
    api: BotApiDouble, desk_settings: Settings, clock: Clock, db: Engine
) -> None:
    """After Save as FAQ, a paraphrase from another student is answered with the staff's words
    and "answered by the course staff on <date>", without the button; the card says so."""
    api.add_chat(STAFF_CHAT, "supergroup")
    async with running_bot(api, desk_settings, clock, db) as bot:
        before = await ask_unknown(bot, STUDENT + 3, PARAPHRASE)
        assert buttons(before) != []
        await answered_and_saved(bot)
        card = next(r for r in api.sent if r.chat_id == STAFF_CHAT and r.method == "sendMessage")
        saved = last_version(api, card.message_id or 0)
        assert "Saved as FAQ entry staff-1 by Sara" in (saved.plain_text or "")
        assert buttons(saved) == []
        reply = await ask_unknown(bot, STUDENT + 3, PARAPHRASE)
        # A second tap on Save as FAQ (an old copy of the card) saves nothing more.
        api.push_callback(TA, "faq:save:1", card.message_id or 0, chat_id=STAFF_CHAT)
        await bot.handled()
        assert "Saved already" in api.callback_answers[-1].get("text", "")
    text = reply.plain_text or ""
    assert ANSWER in text
    assert "answered by the course staff on Wed 17 Esfand 1401 (8 Mar 2023)" in text
    assert buttons(reply) == []


async def test_faq_lists_the_entries_for_admins_and_removes_one(
    api: BotApiDouble, desk_settings: Settings, clock: Clock, db: Engine
) -> None:
    """/faq shows each saved entry with a remove button (admins only); removing one stops the
    bot answering from it."""
    api.add_chat(STAFF_CHAT, "supergroup")
    async with running_bot(api, desk_settings, clock, db) as bot:
        refused = await bot.ask(STUDENT + 5, "/faq")
        assert "for the course staff only" in refused
        assert "No FAQ entries" in await bot.ask(ADMIN, "/faq")
        await answered_and_saved(bot)
        listing = await bot.ask(ADMIN, "/faq")
        assert "staff-1" in listing and UNKNOWN in listing and ANSWER in listing
        message = api.messages_to(ADMIN)[-1]
        assert [b["text"] for b in buttons(message)] == ["Remove staff-1"]
        api.push_callback(STUDENT + 5, "faq:rm:1", message.message_id or 0, chat_id=ADMIN)
        await bot.handled()
        assert "expired" in api.callback_answers[-1].get("text", "")
        api.push_callback(ADMIN, button_data(message, "Remove staff-1"), message.message_id or 0)
        await bot.handled()
        edited = last_version(api, message.message_id or 0)
        assert "Removed staff-1" in (edited.plain_text or "") and buttons(edited) == []
        reply = await ask_unknown(bot, STUDENT + 3, PARAPHRASE)
    assert ANSWER not in (reply.plain_text or "")
    assert buttons(reply) != []


async def test_export_prints_the_entries_in_the_course_files_format(
    api: BotApiDouble, desk_settings: Settings, clock: Clock, db: Engine, tmp_path: Path
) -> None:
    """`course-bot faq export -o FILE` writes the saved entries as the course file's `faq:`;
    merged into a copy of the course file, `course-bot check` accepts it and the bot answers
    from the merged file."""
    api.add_chat(STAFF_CHAT, "supergroup")
    async with running_bot(api, desk_settings, clock, db) as bot:
        await answered_and_saved(bot)
    config = tmp_path / "settings.yaml"
    config.write_text(yaml.safe_dump({"database_url": desk_settings.database_url}), "utf-8")
    printed = run_cli("faq", "export", "--config", str(config))
    assert printed.returncode == 0, printed.stderr
    exported = yaml.safe_load(printed.stdout)
    assert exported["faq"][0]["id"] == "staff-1"
    assert exported["faq"][0]["answered_on"] == "17 Esfand 1401"
    assert exported["faq"][0]["answer"]["en"] == ANSWER
    out = tmp_path / "faq.yaml"
    written = run_cli("faq", "export", "-o", str(out), "--config", str(config))
    assert written.returncode == 0 and written.stdout == ""
    assert out.read_text("utf-8") == printed.stdout
    # Merged the way the README says: the entries appended to the course file's faq list.
    merged = tmp_path / "merged.yaml"
    entries = printed.stdout.split("\n", 1)[1]
    merged.write_text(COURSE_FILE.read_text("utf-8").rstrip("\n") + "\n" + entries, "utf-8")
    checked = run_cli("check", str(merged))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    asked = run_cli("ask", "--course", str(merged), "--now", "1401-12-20", PARAPHRASE)
    assert ANSWER in asked.stdout and "answered by the course staff" in asked.stdout


def test_export_with_no_database_or_no_entries_prints_an_empty_list(tmp_path: Path) -> None:
    """With nothing saved (or no database yet) the export is an empty FAQ list, exit 0."""
    config = tmp_path / "settings.yaml"
    url = f"sqlite:///{tmp_path / 'missing.sqlite3'}"
    config.write_text(yaml.safe_dump({"database_url": url}), "utf-8")
    done = run_cli("faq", "export", "--config", str(config))
    assert done.returncode == 0, done.stderr
    assert yaml.safe_load(done.stdout) == {"faq": []}
    assert "no FAQ entries saved" in done.stderr
    assert not (tmp_path / "missing.sqlite3").exists()
