"""The one way a question is answered, typed to the bot or asked inline: language, context of
the chat, the engine's answer, delivery, then the question logged and the context kept."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from sqlalchemy.exc import OperationalError
from telegram import User

from bot import storage
from bot.core.answering import asking
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
    ("and quiz 4?") leans on; it is kept in the database, so every replica (and the next
    start) sees it.
    """
    now = services.now()
    # From memory on SQLite, else read on the store's threads (recall.py): the loop
    # answers other chats meanwhile.
    lang, context = await asyncio.gather(
        services.languages.for_reply(user, question),
        services.recall.context(chat_id, user.id) if chat_id is not None else _nothing(),
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
            # Recalled from memory by the next message; written on the writer thread.
            services.recall.keep(chat_id, user.id, result.context, now)
    return result


async def _nothing() -> None:
    return None


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
