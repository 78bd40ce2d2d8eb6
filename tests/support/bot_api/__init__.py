"""Bot API test double: a local HTTP server that speaks Telegram's Bot API.

Point a real PTB ``Application`` (or a ``course-bot run`` subprocess, via
``TELEGRAM_API_URL``) at ``api.base_url``; push updates with ``push_*`` and
inspect what the bot did through ``sent``, ``requests`` and ``wait_for``.

``markup`` parses Telegram HTML, ``state`` holds the errors, records and world the
double serves from, ``world`` sets that world up and pushes updates, ``methods``
implements the Bot API methods, ``wire`` decodes requests, and ``server`` runs it
all over HTTP; ``python -m tests.support.bot_api`` serves it by hand, where ``console`` turns
typed lines into what users send (buttons, other users, groups, languages) and narrates what
the bot does.
"""

from tests.support.bot_api.markup import parse_html, parse_text, text_entities, utf16_len
from tests.support.bot_api.server import BotApiDouble
from tests.support.bot_api.state import (
    ApiError,
    Chat,
    JsonDict,
    RequestRecord,
    SentRecord,
    WebhookDelivery,
)

__all__ = [
    "ApiError",
    "BotApiDouble",
    "Chat",
    "JsonDict",
    "RequestRecord",
    "SentRecord",
    "WebhookDelivery",
    "parse_html",
    "parse_text",
    "text_entities",
    "utf16_len",
]
