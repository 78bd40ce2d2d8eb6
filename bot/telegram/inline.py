"""Inline mode: ``@bot quiz 3`` in any chat offers the engine's answer as a result."""

from __future__ import annotations

import hashlib

from telegram import InlineQuery, InlineQueryResultArticle, InputTextMessageContent, Update
from telegram.constants import ParseMode

from bot import storage
from bot.core.answering.engine import Answer
from bot.core.lang.i18n import t
from bot.telegram import asking, replies
from bot.telegram.context import BotContext
from bot.telegram.replies import escape

# Answers depend on the user's language and on the date, so caches stay short and personal.
CACHE_SECONDS = 60
_TITLE = 64
_DESCRIPTION = 200


async def inline_query(update: Update, context: BotContext) -> None:
    """Answer an inline query with one article: the answer (logged), or a short help when empty."""
    query = update.inline_query
    if query is None:
        return
    services = context.services
    text = replies.clean_input(query.query).strip()
    if not text:
        lang = await services.languages.of(query.from_user)
        body = t(lang, "bot.inline.help_text", bot=context.bot.username)
        await _offer(query, lang, t(lang, "bot.inline.help_title"), body, escape(body))
        return

    async def deliver(answer: Answer) -> None:
        markup = f"<b>{escape(text)}</b>\n{escape(answer.text)}"
        await _offer(query, answer.lang, text, answer.text, markup)

    await asking.answer(services, query.from_user, text, deliver, via=storage.INLINE)


async def _offer(query: InlineQuery, lang: str, title: str, body: str, markup: str) -> None:
    # One article; its id names what it says, so Telegram may reuse it for the same words.
    result = InlineQueryResultArticle(
        id=hashlib.sha1(f"{lang}:{title}".encode(), usedforsecurity=False).hexdigest(),
        title=_shorten(title, _TITLE),
        description=_shorten(body.replace("\n", " "), _DESCRIPTION),
        input_message_content=InputTextMessageContent(_fit(markup), parse_mode=ParseMode.HTML),
    )
    await query.answer([result], cache_time=CACHE_SECONDS, is_personal=True)


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _fit(markup: str) -> str:
    # An inline result is one message: keep the first piece of a long answer.
    return replies.split(markup)[0] if markup.strip() else "…"
