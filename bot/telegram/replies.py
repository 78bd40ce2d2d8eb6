"""Everything the bot writes leaves here: escaped, split under the limit, sent, plain if need be."""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Awaitable, Iterator
from typing import Any, Protocol

from telegram import Bot, InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatType, MessageLimit, ParseMode
from telegram.error import BadRequest, Forbidden

from bot.core.lang.i18n import t
from bot.telegram.limiter import Broadcast

log = logging.getLogger(__name__)


class Speaker(Protocol):
    """What writing back needs of a callback context (``context.BotContext`` has it)."""

    @property
    def bot(self) -> Bot:
        """Return the bot to send with."""

    async def language(self, update: Update) -> str:
        """Return the language to answer the user behind ``update`` in."""


# Telegram counts UTF-16 code units; a piece must stay strictly under this.
LIMIT = MessageLimit.MAX_TEXT_LENGTH
_TAG = re.compile(r"<[^>]*>")
_TOKEN = re.compile(r"<[^>]*>|&#?\w+;|.", re.DOTALL)
_SURROGATE = re.compile("[\ud800-\udfff]")


def clean_input(text: str) -> str:
    """Replace lone UTF-16 surrogates in a user's text with U+FFFD.

    Telegram's JSON may carry an unpaired "\\ud800"; Python keeps it, and it cannot be encoded
    to store, hash or send. Paired surrogates arrive already joined into one character.
    """
    return _SURROGATE.sub("\ufffd", text)


def escape(text: object) -> str:
    """Escape a user or data string for HTML parse mode."""
    return html.escape(str(text), quote=False)


def ht(lang: str, key: str, **values: object) -> str:
    """Return the localised HTML template ``key`` with every string value escaped."""
    return t(
        lang,
        key,
        **{name: escape(v) if isinstance(v, str) else v for name, v in values.items()},
    )


def as_plain(markup: str) -> str:
    """Drop tags and decode entities: what the user would read."""
    return html.unescape(_TAG.sub("", markup))


def utf16_len(text: str) -> int:
    """Count UTF-16 code units, as Telegram measures message length."""
    return len(text.encode("utf-16-le")) // 2


def visible_len(markup: str) -> int:
    """Count what Telegram counts against the limit: the text after parsing the HTML."""
    return utf16_len(as_plain(markup))


def split(markup: str, limit: int = LIMIT) -> list[str]:
    """Split HTML at line boundaries into pieces whose text is under ``limit`` UTF-16 units.

    Tags must open and close on one line (ours do), so every piece stays well-formed. A line
    too long on its own is cut at a space where possible, and never inside an entity or tag.
    Empty pieces are dropped.
    """
    pieces: list[str] = []
    current: list[str] = []
    size = 0
    for line in _short_lines(markup, limit - 1):
        added = visible_len(line) + (1 if current else 0)
        if current and size + added >= limit:
            pieces.append("\n".join(current))
            current, size = [], 0
            added = visible_len(line)
        current.append(line)
        size += added
    if current:
        pieces.append("\n".join(current))
    return [piece for piece in pieces if piece.strip()]


def _short_lines(markup: str, limit: int) -> Iterator[str]:
    for line in markup.split("\n"):
        while visible_len(line) > limit:
            cut = _cut_point(line, limit)
            yield line[:cut].rstrip()
            line = line[cut:].lstrip()
        yield line


def _cut_point(line: str, limit: int) -> int:
    # Walk tags, entities and characters as units, so a cut never falls inside one.
    cut, units = 0, 0
    for token in _TOKEN.finditer(line):
        piece = token.group()
        if piece.startswith("<") and piece.endswith(">"):
            size = 0
        elif piece.startswith("&") and len(piece) > 1:
            size = 1
        else:
            size = utf16_len(piece)
        if units + size > limit:
            break
        units += size
        cut = token.end()
    space = line.rfind(" ", 0, cut)
    return space if space > cut // 2 else max(cut, 1)


async def send(
    bot: Bot,
    chat_id: int | str,
    markup: str,
    *,
    reply_markup: InlineKeyboardMarkup | None = None,
    reply_to: int | None = None,
    broadcast: Broadcast | None = None,
    raise_forbidden: bool = False,
) -> list[Message]:
    """Send HTML in as many messages as it takes: the one way the bot's text leaves.

    The keyboard goes on the last piece, the reply reference on the first. A chat that
    refuses the bot (Forbidden) is logged and given up, or raised with ``raise_forbidden``.
    ``broadcast`` sends in the limiter's broadcast class; its ``wanted`` is asked before the
    first piece only (``Withdrawn`` then), as the rest of a message begun still goes out.
    """
    sent: list[Message] = []
    pieces = split(markup)
    for number, piece in enumerate(pieces):
        last = number == len(pieces) - 1
        limit_args = None
        if broadcast is not None:
            limit_args = broadcast if number == 0 else Broadcast()
        try:
            sent.append(
                await _send_piece(
                    bot,
                    chat_id,
                    piece,
                    reply_markup=reply_markup if last else None,
                    reply_to=reply_to if number == 0 else None,
                    rate_limit_args=limit_args,
                )
            )
        except Forbidden as error:
            if raise_forbidden:
                raise
            # The user blocked the bot or left the chat: nothing to tell them.
            log.info("cannot write to chat %s: %s", chat_id, error.message)
            break
    return sent


async def _send_piece(
    bot: Bot,
    chat_id: int | str,
    piece: str,
    *,
    reply_markup: InlineKeyboardMarkup | None,
    reply_to: int | None,
    rate_limit_args: Broadcast | None,
) -> Message:
    kwargs: dict[str, Any] = {"reply_markup": reply_markup}
    if reply_to is not None:
        # A deleted question must not stop the answer.
        kwargs.update(reply_to_message_id=reply_to, allow_sending_without_reply=True)
    if rate_limit_args is not None:
        # Broadcast class: replies to students go first (see limiter.py).
        kwargs.update(rate_limit_args=rate_limit_args)
    try:
        return await bot.send_message(chat_id, piece, parse_mode=ParseMode.HTML, **kwargs)
    except BadRequest as error:
        if "parse entities" not in error.message:
            raise
        # Should escaping ever miss something, the student still gets the words.
        log.warning("HTML rejected (%s); sending as plain text", error.message)
        return await bot.send_message(chat_id, as_plain(piece), parse_mode=None, **kwargs)


async def reply(
    update: Update, context: Speaker, markup: str, keyboard: InlineKeyboardMarkup | None = None
) -> None:
    """Answer the message behind ``update`` with HTML; in groups as a reply to it."""
    message = update.effective_message
    if message is None:
        return
    in_group = message.chat.type != ChatType.PRIVATE
    await send(
        context.bot,
        message.chat_id,
        markup,
        reply_markup=keyboard,
        reply_to=message.message_id if in_group else None,
    )


async def edit_quietly(edit: Awaitable[object]) -> None:
    """Await a message edit; an edit that changes nothing is not an error."""
    try:
        await edit
    except BadRequest as error:
        # A double tap re-renders the same page; Telegram refuses "no change", which is fine.
        if "not modified" not in error.message:
            raise


async def expired(update: Update, context: Speaker) -> None:
    """Answer a button the bot cannot honour (forged, or from an old message): it expired."""
    query = update.callback_query
    if query is None:
        return
    lang = await context.language(update)
    await query.answer(as_plain(ht(lang, "bot.expired")))
