"""The one way a question is answered, typed to the bot or asked inline: language, context of
the chat, the engine's answer, delivery, then the question logged and the context kept."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from sqlalchemy.exc import OperationalError
from telegram import User

from bot import storage
from bot.core.answering import asking
from bot.core.answering.dialogue import Context
from bot.core.answering.engine import Answer
from bot.telegram.services import Services

log = logging.getLogger(__name__)


async def answer(
    services: Services,
    user: User,
    question: str,
    deliver: Callable[[Answer], Awaitable[None]],
    *,
    via: str = storage.CHAT,
    chat_id: int | None = None,
) -> Answer:
    """Answer ``user``'s question with the engine, ``deliver`` the answer, log the question.

    In a chat (``chat_id``), the user's previous question there is the context a follow-up
    ("and quiz 4?") leans on; it is kept in the database, so every replica sees it.
    """
    now = services.now()
    # Read on the store's threads: the loop answers other chats meanwhile.
    lang, context = await asyncio.gather(
        services.languages.for_reply(user, question),
        _context(services, chat_id, user.id) if chat_id is not None else _nothing(),
    )
    engine = services.library.knowledge.engine
    result = asking.answer(engine, question, now, lang, context=context)
    try:
        await deliver(result)
    finally:
        # After delivery, and queued rather than waited for: the store's writer thread
        # does them in order, so a slow database holds up no reply, this one's or others'.
        services.store.write_later(_log_question, services, user, question, result, now, via)
        if chat_id is not None and result.context is not None and result.context != context:
            _remember(services, chat_id, user.id, result.context, now)
    return result


async def _nothing() -> None:
    return None


def _remember(
    services: Services, chat_id: int, user_id: int, context: Context, now: datetime
) -> None:
    """Keep what the user asked about in this chat, for their next message."""
    key = (chat_id, user_id)
    # Until the row is written, this chat's next message finds the context here.
    services.pending_contexts[key] = context
    loop = asyncio.get_running_loop()

    def write() -> None:
        try:
            storage.save_context(services.db, chat_id, user_id, context.to_dict(), now)
        except OperationalError as error:
            # The student has the answer; only a follow-up will have nothing to lean on.
            log.warning("could not keep a conversation's context: %s", storage.one_line(error))
        finally:
            with contextlib.suppress(RuntimeError):  # the loop is closed: nobody reads it
                loop.call_soon_threadsafe(_written, services, key, context)

    services.store.write_later(write)


def _written(services: Services, key: tuple[int, int], context: Context) -> None:
    # A newer context queued meanwhile stays until its own write is in.
    if services.pending_contexts.get(key) is context:
        del services.pending_contexts[key]


def _log_question(
    services: Services, user: User, question: str, answer: Answer, now: datetime, via: str
) -> None:
    try:
        storage.note_question(
            services.db,
            user.id,
            question,
            lang=answer.lang,
            answered=answer.answered,
            used=answer.used,
            asked_at=now,
            # A decline that answers ("the course has 7 quizzes") is not a miss.
            outcome=storage.outcome_of(answer.answered, answer.used, answer.unknown),
            reason=answer.declined,
            via=via,
        )
    except OperationalError as error:
        # The student has the answer; only the statistics miss this question.
        log.warning("could not log a question: %s", storage.one_line(error))


async def _context(services: Services, chat_id: int, user_id: int) -> Context | None:
    """Return what the user last asked about in this chat, if it can still be read."""
    pending = services.pending_contexts.get((chat_id, user_id))
    if pending is not None:
        return pending
    data = await services.store.read(storage.load_context, services.db, chat_id, user_id)
    if data is None:
        return None
    try:
        context = Context.from_dict(data)
    except (AttributeError, KeyError, TypeError, ValueError):
        return None  # written by another version: no context beats a wrong one
    # The engine compares its time with the aware clock: a naive one would fail the
    # answer, and every answer after it until the row is forgotten.
    return context if context.at.tzinfo is not None else None
