"""The command list: one source for the handlers, /help and Telegram's command menus."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from telegram import Bot, BotCommand, BotCommandScopeChat, BotCommandScopeDefault, Update
from telegram.error import TelegramError

from bot.core.lang.i18n import LANGS, t
from bot.telegram.replies import escape

log = logging.getLogger(__name__)

# The callback context the handlers take (``context.BotContext`` in the bot): a parameter, so
# the command list needs nothing of the services that hold it.
C = TypeVar("C")


@dataclass(frozen=True)
class Command(Generic[C]):
    """A slash command: its name, its handler and whether only staff may use it.

    Its description is the string ``bot.commands.<name>`` in each language; ``usage`` adds
    an argument hint (``bot.usage.<name>``) to /help.
    """

    name: str
    callback: Callable[[Update, C], Coroutine[Any, Any, None]]
    staff: bool = False
    usage: bool = False

    def description(self, lang: str) -> str:
        """Return the one-line description shown in menus and /help."""
        return t(lang, f"bot.commands.{self.name}")


def help_text(commands: Sequence[Command[Any]], lang: str, *, staff: bool) -> str:
    """Render /help as HTML: what the bot does, then every command it offers this user."""
    lines = [t(lang, "bot.help.intro"), ""]
    lines += [_line(c, lang) for c in commands if not c.staff]
    if staff:
        lines += ["", t(lang, "bot.help.staff")]
        lines += [_line(c, lang) for c in commands if c.staff]
    return "\n".join(lines)


def _line(command: Command[Any], lang: str) -> str:
    usage = f" {t(lang, f'bot.usage.{command.name}')}" if command.usage else ""
    return f"/{command.name}{escape(usage)} — {escape(command.description(lang))}"


def menu(commands: Sequence[Command[Any]], lang: str, *, staff: bool = False) -> list[BotCommand]:
    """Return the menu entries for one language, staff commands included on request."""
    return [BotCommand(c.name, c.description(lang)) for c in commands if staff or not c.staff]


async def register_menus(bot: Bot, commands: Sequence[Command[Any]], admins: Sequence[int]) -> None:
    """Set the command menus: English by default, Persian for "fa" users, all for staff."""
    # All at once: each is a round trip, and the start (a broadcast due then) waits for them.
    defaults = await asyncio.gather(
        *(
            bot.set_my_commands(
                menu(commands, lang),
                scope=BotCommandScopeDefault(),
                language_code=None if lang == "en" else lang,
            )
            for lang in LANGS
        ),
        *(_staff_menus(bot, commands, admin) for admin in admins),
        return_exceptions=True,
    )
    for outcome in defaults:
        if isinstance(outcome, BaseException):
            raise outcome


async def _staff_menus(bot: Bot, commands: Sequence[Command[Any]], admin: int) -> None:
    outcomes = await asyncio.gather(
        *(
            bot.set_my_commands(
                menu(commands, lang, staff=True),
                scope=BotCommandScopeChat(admin),
                language_code=None if lang == "en" else lang,
            )
            for lang in LANGS
        ),
        return_exceptions=True,
    )
    for outcome in outcomes:
        if isinstance(outcome, TelegramError):
            # An admin who never opened a chat with the bot has no chat to scope a menu to.
            log.info("no staff menu for admin %s: %s", admin, outcome.message)
            return
        if isinstance(outcome, BaseException):
            raise outcome
