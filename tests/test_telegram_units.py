"""Unit tests for the bot's pieces that need no Telegram: replies, guards, menus, storage, logs."""

from __future__ import annotations

import logging
import types
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from telegram import Message, Update

from bot import storage
from bot.core.lang.i18n import t
from bot.telegram import menu, replies
from bot.telegram.app import COMMANDS
from bot.telegram.flood import FloodGuard
from bot.telegram.guards import addressed_to_bot, admit
from bot.telegram.language import resolve_language
from bot.telegram.runner import REDACTED, RedactingFilter
from tests.conftest import NOW, TOKEN, Clock

BOT_ID = 123456
BOT_NAME = "mlsd_test_bot"


# -- replies -------------------------------------------------------------------------------


def test_escape_neutralises_markup() -> None:
    """Escaping turns tags and ampersands into entities Telegram shows literally."""
    assert replies.escape("<b>Tom & Jerry</b>") == "&lt;b&gt;Tom &amp; Jerry&lt;/b&gt;"


def test_ht_escapes_values_but_keeps_template_markup() -> None:
    """Localised templates keep their own tags while filled-in values are escaped."""
    html = replies.ht("en", "bot.announce.failed", channel="@c", error="<bad> & worse")
    assert "&lt;bad&gt; &amp; worse" in html


def test_split_keeps_short_text_whole() -> None:
    """A reply under the limit stays one piece."""
    assert replies.split("one\ntwo") == ["one\ntwo"]


def test_split_breaks_long_text_at_line_boundaries() -> None:
    """A 10k-character reply splits between lines into pieces under 4096 units."""
    lines = [f"line {n}: " + "x" * 90 for n in range(100)]
    pieces = replies.split("\n".join(lines))
    assert len(pieces) == 3
    assert all(replies.utf16_len(piece) < 4096 for piece in pieces)
    assert "\n".join(pieces).split("\n") == lines


def test_split_cuts_an_overlong_line_outside_entities() -> None:
    """One huge escaped line is cut under the limit and never inside an HTML entity."""
    markup = replies.escape("a&b " * 3000)
    pieces = replies.split(markup)
    assert len(pieces) == 3
    assert all(replies.visible_len(piece) < 4096 for piece in pieces)
    for piece in pieces:
        assert replies.as_plain(piece).replace("a&b", "").strip() == ""


def test_split_counts_utf16_units() -> None:
    """Emoji count twice, as Telegram counts them."""
    pieces = replies.split("😀" * 3000)
    assert len(pieces) == 2
    assert all(replies.utf16_len(piece) < 4096 for piece in pieces)


# -- guards --------------------------------------------------------------------------------


def _message(text: str, chat_type: str = "group", **extra: Any) -> Message:
    data = {
        "message_id": 1,
        "date": 0,
        "chat": {"id": -5 if chat_type != "private" else 7, "type": chat_type},
        "from": {"id": 7, "is_bot": False, "first_name": "S"},
        "text": text,
        **extra,
    }
    from tests.support.bot_api import text_entities

    if "entities" not in extra and text_entities(text):
        data["entities"] = text_entities(text)
    return Message.de_json(data, None)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("anyone know when quiz 3 is?", False),
        ("/next", True),
        (f"/next@{BOT_NAME}", True),
        ("/next@some_other_bot", False),
        (f"@{BOT_NAME} when is quiz 3", True),
        ("@MLSD_TEST_BOT when is quiz 3", True),
        ("@someone_else when is quiz 3", False),
    ],
)
def test_group_filter(text: str, expected: bool) -> None:
    """In groups only commands to this bot, mentions of it and replies to it count."""
    assert addressed_to_bot(_message(text), BOT_NAME, BOT_ID) is expected


def test_group_filter_accepts_replies_to_the_bot() -> None:
    """Replying to one of the bot's messages addresses the bot."""
    replied = {
        "message_id": 0,
        "date": 0,
        "chat": {"id": -5, "type": "group"},
        "from": {"id": BOT_ID, "is_bot": True, "first_name": "Bot"},
        "text": "earlier answer",
    }
    assert addressed_to_bot(_message("and quiz 4?", reply_to_message=replied), BOT_NAME, BOT_ID)


def test_private_chats_always_addressed() -> None:
    """Every private message is for the bot."""
    assert addressed_to_bot(_message("hello", chat_type="private"), BOT_NAME, BOT_ID)


def test_flood_guard_limits_per_user_per_minute() -> None:
    """Past the limit a user is refused until a minute has passed; others are unaffected."""
    clock = Clock(NOW)
    guard = FloodGuard(3, clock)
    assert [guard.allow(1) for _ in range(4)] == [True, True, True, False]
    assert guard.allow(2)
    assert guard.first_refusal(1) and not guard.first_refusal(1)
    clock.advance(seconds=61)
    assert guard.allow(1)


def test_admit_turns_away_chatter_and_floods_but_lets_one_warning_through() -> None:
    """Group chatter is dropped uncounted; past the limit one update carries the warning."""
    guard = FloodGuard(2, Clock(NOW))
    bot = types.SimpleNamespace(username=BOT_NAME, id=BOT_ID)

    def arriving(update_id: int, text: str, chat_type: str) -> Update:
        message = _message(text, chat_type=chat_type).to_dict()
        return Update.de_json({"update_id": update_id, "message": message}, None)

    assert not admit(arriving(1, "anyone know when quiz 3 is?", "group"), bot, guard)
    private = [arriving(n, "when is quiz 3", "private") for n in range(2, 7)]
    assert [admit(update, bot, guard) for update in private] == [True, True, True, False, False]
    assert [guard.take_warning(update.update_id) for update in private] == [
        False,
        False,
        True,
        False,
        False,
    ]
    assert not guard.take_warning(private[2].update_id)  # the warning goes out once


@pytest.mark.parametrize(
    ("stored", "code", "question", "expected"),
    [
        ("fa", "en", "when is quiz 3", "fa"),
        (None, "en", "کوییز ۳ کی است", "fa"),
        (None, "fa", "when is quiz 3", "en"),
        (None, "fa-IR", "?", "fa"),
        (None, None, None, "en"),
    ],
)
def test_resolve_language(
    stored: str | None, code: str | None, question: str | None, expected: str
) -> None:
    """The stored choice wins, then the question's script, then Telegram's language_code."""
    assert resolve_language(stored, code, question) == expected


# -- menus ---------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "fa"])
def test_help_and_menus_come_from_one_list(lang: str) -> None:
    """/help names exactly the commands of the menu, staff ones only for staff."""
    student_menu = menu.menu(COMMANDS, lang)
    student_help = menu.help_text(COMMANDS, lang, staff=False)
    staff_help = menu.help_text(COMMANDS, lang, staff=True)
    for entry in student_menu:
        assert f"/{entry.command}" in student_help
        assert replies.escape(entry.description) in student_help
    staff_names = [c.name for c in COMMANDS if c.staff]
    assert staff_names and not any(f"/{name}" in student_help for name in staff_names)
    assert all(f"/{name}" in staff_help for name in staff_names)
    assert {c.command for c in menu.menu(COMMANDS, lang, staff=True)} == {c.name for c in COMMANDS}


def test_every_command_is_described_in_both_languages() -> None:
    """Each command has a description in English and Persian."""
    for command in COMMANDS:
        assert t("en", f"bot.commands.{command.name}") != t("fa", f"bot.commands.{command.name}")


# -- storage -------------------------------------------------------------------------------


def test_make_engine_creates_folder_and_tunes_sqlite(tmp_path: Path) -> None:
    """The SQLite file's folder is created and WAL, busy timeout and foreign keys are on."""
    engine = storage.make_engine(f"sqlite:///{tmp_path / 'deep' / 'state' / 'bot.db'}")
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 5000
    assert (tmp_path / "deep" / "state" / "bot.db").exists()
    engine.dispose()


def test_language_choice_is_stored(db: Any) -> None:
    """A user's language is None until chosen, then remembered."""
    assert storage.remember_user(db, 5, NOW) is None
    storage.set_language(db, 5, "fa", NOW)
    assert storage.get_language(db, 5) == "fa"
    assert storage.remember_user(db, 5, NOW + timedelta(days=1)) == "fa"


def test_stats_and_unanswered_grouping(db: Any) -> None:
    """Stats count users and answers; unanswered questions group by normalised text."""
    log = storage.log_question
    log(db, 1, "when is quiz 3", lang="en", answered=True, used=("quiz-3",), asked_at=NOW)
    log(db, 1, "quiz 3 topic?", lang="en", answered=True, used=("quiz-3", "faq"), asked_at=NOW)
    log(db, 2, "Is there a party?", lang="en", answered=False, used=(), asked_at=NOW)
    log(db, 2, "is there a PARTY", lang="en", answered=False, used=(), asked_at=NOW)
    # Arabic and Persian yeh are the same letter to a reader.
    log(db, 3, "مهماني داريم؟", lang="fa", answered=False, used=(), asked_at=NOW)
    log(db, 3, "مهمانی داریم", lang="fa", answered=False, used=(), asked_at=NOW)
    log(db, 3, "مهمانی داریم", lang="fa", answered=False, used=(), asked_at=NOW)
    storage.remember_user(db, 1, NOW)
    storage.remember_user(db, 2, NOW)
    numbers = storage.stats(db)
    assert (numbers.users, numbers.questions, numbers.answered) == (2, 7, 2)
    assert numbers.topics[0] == ("unanswered", 5)
    assert ("quiz-3", 2) in numbers.topics
    assert storage.top_unanswered(db) == [("مهماني داريم؟", 3), ("Is there a party?", 2)]


# -- logging -------------------------------------------------------------------------------


def test_redacting_filter_hides_token_in_message_args_and_traceback() -> None:
    """The token is replaced in the message, its arguments and an attached traceback."""
    try:
        raise RuntimeError(f"POST https://api.telegram.org/bot{TOKEN}/getMe failed")
    except RuntimeError as error:
        record = logging.LogRecord(
            "x",
            logging.ERROR,
            __file__,
            1,
            "url %s",
            (f"/bot{TOKEN}/x",),
            (type(error), error, None),
        )
    RedactingFilter([TOKEN]).filter(record)
    rendered = logging.Formatter().format(record)
    assert TOKEN not in rendered
    assert REDACTED in rendered
