"""The bot's state in SQL through SQLModel, one module per concern, each with its tables and
queries: users and language (``users``), the question log (``questions``), what each user's
last question was about, for follow-ups (``conversations``), reminder subscriptions
(``subscriptions``), deliveries and channel problems (``deliveries``), event times and feed
versions (``events``), questions sent to the course staff (``desk``), the FAQ entries saved
from their answers (``faq``) and updates set aside at a stop (``spool``); opening the
database in ``database``.

Every table lives in ``SQLModel.metadata``; a change to the tables needs an Alembic migration
in ``bot/migrations/versions`` (``tests/test_schema.py`` fails until models and migrations
agree).
"""

from __future__ import annotations

from bot.storage import desk, faq, spool
from bot.storage.conversations import (
    Conversation,
    forget_contexts,
    load_context,
    recent_contexts,
    save_context,
)
from bot.storage.database import (
    make_engine,
    one_line,
    open_database,
    open_existing,
    postgres_connect_args,
    safe_url,
)
from bot.storage.deliveries import (
    ChannelProblem,
    Delivery,
    channel_problem,
    clear_channel_problem,
    delivered_to,
    delivery_statuses,
    note_channel_problem,
    record_delivery,
    record_skipped,
)
from bot.storage.events import (
    EventTime,
    EventVersion,
    event_times,
    event_versions,
    save_event_time,
    save_event_times,
    sync_event_versions,
)
from bot.storage.questions import (
    ANSWERED,
    CHAT,
    DECLINED,
    INLINE,
    OTHER_TOPIC,
    UNANSWERED_TOPIC,
    UNKNOWN,
    QuestionLog,
    Stats,
    log_question,
    note_question,
    outcome_of,
    recent_unanswered,
    stats,
    top_unanswered,
)
from bot.storage.subscriptions import (
    Subscriber,
    Subscription,
    subscribe,
    subscribers,
    subscription,
    unsubscribe,
)
from bot.storage.users import (
    User,
    chosen_languages,
    get_language,
    remember_user,
    set_blocked,
    set_language,
)

__all__ = [
    "ANSWERED",
    "CHAT",
    "DECLINED",
    "INLINE",
    "OTHER_TOPIC",
    "UNANSWERED_TOPIC",
    "UNKNOWN",
    "ChannelProblem",
    "Conversation",
    "Delivery",
    "EventTime",
    "EventVersion",
    "QuestionLog",
    "Stats",
    "Subscriber",
    "Subscription",
    "User",
    "channel_problem",
    "chosen_languages",
    "clear_channel_problem",
    "delivered_to",
    "delivery_statuses",
    "desk",
    "event_times",
    "event_versions",
    "faq",
    "forget_contexts",
    "get_language",
    "load_context",
    "log_question",
    "make_engine",
    "note_channel_problem",
    "note_question",
    "one_line",
    "open_database",
    "open_existing",
    "outcome_of",
    "postgres_connect_args",
    "recent_contexts",
    "recent_unanswered",
    "record_delivery",
    "record_skipped",
    "remember_user",
    "safe_url",
    "save_context",
    "save_event_time",
    "save_event_times",
    "set_blocked",
    "set_language",
    "spool",
    "stats",
    "subscribe",
    "subscribers",
    "subscription",
    "sync_event_versions",
    "top_unanswered",
    "unsubscribe",
]
