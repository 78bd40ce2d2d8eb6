"""The Bot API double for people: typed lines become what users send (buttons, other users,
groups, languages, inline mode, edits), and what the bot does comes back readable."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT, Bot
from tests.support.bot_api.console import Console, Narrator
from tests.support.process import free_port, killed_on_failure, start_bot

pytestmark = pytest.mark.process


class Session:
    """A console on the running bot, with what it and the narrator wrote."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot
        self.lines: list[str] = []
        self.console = Console(bot.api, self.lines.append)
        self.narrator = Narrator(bot.api, self.lines.append)

    async def type(self, *lines: str) -> str:
        """Type the lines, let the bot handle them, and return what was written meanwhile."""
        start = len(self.lines)
        for line in lines:
            self.console.handle(line)
            await self.bot.handled()
        self.narrator.tell()
        return "\n".join(self.lines[start:])


@pytest.mark.anyio
async def test_pressing_buttons_by_number_and_label(bot: Bot) -> None:
    """:press N and :press LABEL tap the bot's last keyboard; the edit and the answer show."""
    session = Session(bot)
    shown = await session.type("/schedule")
    assert "[1] ◀ Earlier  [2] Later ▶" in shown
    paged = await session.type(":press 2")
    assert "bot answers the button" in paged and "bot edits its message to Student" in paged
    assert "bot edits its message" in await session.type(":press ◀ Earlier")
    assert await session.type(":buttons") == "[1] ◀ Earlier  [2] Later ▶"


@pytest.mark.anyio
async def test_another_user_in_another_language(bot: Bot) -> None:
    """:as and :lang make the next messages another user's, with their Telegram language."""
    session = Session(bot)
    assert "Sara (user 7, fa)" in await session.type(":as 7 Sara", ":lang fa")
    reply = await session.type("/next")
    assert "bot says to Sara (7):" in reply and "کوییز" in reply
    assert bot.api.messages_to(7) and not bot.api.messages_to(1)


@pytest.mark.anyio
async def test_a_group_answers_mentions_and_replies_only(bot: Bot) -> None:
    """In a :group the bot ignores chatter, answers a mention, and answers a :reply to it."""
    session = Session(bot)
    await session.type(':group -100200 "MLSD group"')
    assert "bot" not in await session.type("when is quiz 3")
    mention = await session.type(f"@{bot.username} when is quiz 3")
    assert "bot says in MLSD group:" in mention and "27 Esfand" in mention
    follow_up = await session.type(":reply and quiz 4?")
    assert "Quiz 4" in follow_up
    assert len(bot.api.messages_to(-100200)) == 2


@pytest.mark.anyio
async def test_inline_mode_and_edits(bot: Bot) -> None:
    """:inline shows the results offered; :edit changes the last message and gets a new answer."""
    session = Session(bot)
    assert "bot offers inline: quiz 3 —" in await session.type(":inline quiz 3")
    await session.type("when is quz 3")
    edited = await session.type(":edit when is CA2 due")
    assert "CA2" in edited


@pytest.mark.anyio
async def test_mistakes_are_one_line_and_change_nothing(bot: Bot) -> None:
    """An unknown instruction, a missing button or a bad argument is one line starting "!"."""
    session = Session(bot)
    lines = await session.type(":bogus", ":press 1", ":as nobody", ":group 5", ":edit x")
    assert [line[:2] for line in lines.splitlines()] == ["! "] * 5
    assert not bot.api.sent


def test_two_terminals_the_double_and_the_bot(tmp_path: Path) -> None:
    """As the README shows: the double's command line with a script on stdin, and
    `course-bot run` pointed at it; buttons, another user in Persian and a group all work."""
    port = free_port()
    script = "\n".join(
        [
            "/start",
            ":wait",
            "/schedule",
            ":wait",
            ":press 2",
            ":as 7 Sara",
            ":lang fa",
            "/next",
            ':group -100200 "MLSD group"',
            "@mlsd_test_bot when is quiz 3",
            ":wait",
        ]
    )
    double = subprocess.Popen(
        [sys.executable, "-m", "tests.support.bot_api", "--port", str(port), "--exit-at-eof"],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    config = tmp_path / "settings.yaml"
    database = f"sqlite:///{tmp_path / 'state' / 'bot.sqlite3'}"
    config.write_text(
        yaml.safe_dump(
            {"course": str(ROOT / "data" / "mlsd-spring-2023.yaml"), "database_url": database}
        ),
        encoding="utf-8",
    )
    with killed_on_failure(double):
        time.sleep(0.5)  # the double listens before the bot starts
        env = {
            k: v for k, v in os.environ.items() if not k.startswith(("COURSE_BOT_", "TELEGRAM_"))
        }
        env.update(TELEGRAM_BOT_TOKEN="123:ABC", TELEGRAM_API_URL=f"http://127.0.0.1:{port}")
        bot = start_bot(config, env, cwd=tmp_path)
        with killed_on_failure(bot):
            output, _ = double.communicate(script + "\n", timeout=60)
            bot.terminate()
            bot.communicate(timeout=20)
    assert double.returncode == 0, output
    assert "bot says to Student (1):" in output and "/schedule" in output
    assert "bot answers the button" in output and "bot edits its message" in output
    assert "bot says to Sara (7):" in output
    assert "bot says in MLSD group:" in output
    assert "!" not in "".join(line[:1] for line in output.splitlines())
