"""Bot API test double: a local HTTP server that speaks Telegram's Bot API.

Point a real PTB ``Application`` (or a ``course-bot run`` subprocess, via
``TELEGRAM_API_URL``) at ``api.base_url``; push updates with ``push_*`` and
inspect what the bot did through ``sent``, ``requests`` and ``wait_for``.
"""

from __future__ import annotations

import argparse
import bisect
import email.parser
import email.policy
import itertools
import json
import math
import mimetypes
import re
import sys
import threading
import time
import traceback
import urllib.parse
from collections import Counter, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

JsonDict = dict[str, Any]

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
CALLBACK_TEXT_LIMIT = 200
INLINE_RESULTS_LIMIT = 50
# Telegram holds a long poll for at most 50 s; the cap also bounds how long a
# request thread can outlive stop() if it missed the wake-up.
MAX_POLL_SECONDS = 50.0

DESCRIPTIONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
}

# Form bodies carry every non-string value JSON-encoded; these params hold structures.
JSON_PARAMS = frozenset(
    {
        "allowed_updates",
        "button",
        "caption_entities",
        "commands",
        "entities",
        "link_preview_options",
        "media",
        "reply_markup",
        "reply_parameters",
        "results",
        "scope",
    }
)
INT_PARAMS = frozenset(
    {
        "cache_time",
        "chat_id",
        "limit",
        "max_connections",
        "message_id",
        "message_thread_id",
        "offset",
        "reply_to_message_id",
        "user_id",
    }
)
BOOL_PARAMS = frozenset(
    {
        "allow_sending_without_reply",
        "disable_notification",
        "disable_web_page_preview",
        "drop_pending_updates",
        "is_personal",
        "protect_content",
        "show_alert",
    }
)
# Methods that put a message into a chat, so flood limits apply to them.
SEND_METHODS = frozenset({"sendMessage", "sendDocument"})
GROUP_TYPES = frozenset({"group", "supergroup", "channel"})
CHAT_TYPES = frozenset({"private", "group", "supergroup", "channel"})

TAG_ENTITY_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}

_START_TAG = re.compile(
    r"<([a-zA-Z][a-zA-Z0-9-]*)"
    r"((?:\s+[^\s=>/]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s>\"']*))?)*)\s*>"
)
_END_TAG = re.compile(r"</([a-zA-Z][a-zA-Z0-9-]*)\s*>")
_ATTRIBUTE = re.compile(r"([^\s=>/]+)(?:\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s>\"']*)))?")
_HTML_ENTITY = re.compile(r"&(#[0-9]+|#[xX][0-9a-fA-F]+|[a-zA-Z][a-zA-Z0-9]*);")
# A lone "&" that starts no entity is plain text.
_PLAIN_RUN = re.compile(r"&|[^<&]+")
_MENTION = re.compile(r"(?<![\w@])@[A-Za-z][A-Za-z0-9_]{3,31}")
_COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")
_PATH = re.compile(r"/bot([^/]+)/([A-Za-z]+)/?")


class ApiError(Exception):
    """An error reply the Bot API would send."""

    def __init__(self, error_code: int, description: str, retry_after: int | None = None):
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.retry_after = retry_after

    def payload(self) -> JsonDict:
        """Return the JSON body Telegram sends for this error."""
        body: JsonDict = {
            "ok": False,
            "error_code": self.error_code,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(detail: str) -> ApiError:
    """Return a 400 error with Telegram's "Bad Request: " prefix."""
    return ApiError(400, f"Bad Request: {detail}")


def too_many_requests(retry_after: int) -> ApiError:
    """Return a 429 error asking the client to wait retry_after seconds."""
    return ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after)


def utf16_len(text: str) -> int:
    """Count text in UTF-16 code units, as Telegram does."""
    return len(text.encode("utf-16-le")) // 2


def parse_html(text: str) -> tuple[str, list[JsonDict]]:
    """Return the plain text and entities of Telegram HTML, raising ApiError on bad markup."""
    chunks: list[str] = []
    entities: list[JsonDict] = []
    open_tags: list[JsonDict] = []
    length = 0
    i = 0
    while i < len(text):
        if text[i] == "<":
            i = parse_tag(text, i, length, open_tags, entities)
            continue
        entity = _HTML_ENTITY.match(text, i)
        if entity:
            piece = decode_entity(entity.group(1))
            if piece is None:
                raise html_error(text, i, f'Unsupported HTML entity "{entity.group()}"')
            i = entity.end()
        else:
            piece = _PLAIN_RUN.match(text, i).group()
            i += len(piece)
        chunks.append(piece)
        length += utf16_len(piece)
    if open_tags:
        name = open_tags[-1]["name"]
        raise bad_request(
            f"can't parse entities: Can't find end tag corresponding to start tag \"{name}\""
        )
    entities.sort(key=lambda entity: (entity["offset"], -entity["length"]))
    return "".join(chunks), entities


def parse_tag(
    text: str, i: int, length: int, open_tags: list[JsonDict], entities: list[JsonDict]
) -> int:
    """Consume the tag starting at text[i], updating open_tags and entities; return its end."""
    if ">" not in text[i:]:
        raise html_error(text, i, "Can't find end of the tag starting")
    if text.startswith("</", i):
        match = _END_TAG.match(text, i)
        name = match.group(1).lower() if match else ""
        if not open_tags:
            raise html_error(text, i, f'Unexpected end tag "{name}"')
        tag = open_tags.pop()
        if match is None or name != tag["name"]:
            detail = f'Unmatched end tag, expected "</{tag["name"]}>", found "</{name}>"'
            raise html_error(text, i, detail)
        entity = tag_entity(tag, length, open_tags)
        if entity is not None:
            entities.append(entity)
        return match.end()
    match = _START_TAG.match(text, i)
    name = match.group(1).lower() if match else re.match(r"<([^\s>]*)", text[i:])[1]
    if match is None or name not in TAG_ENTITY_TYPES:
        raise html_error(text, i, f'Unsupported start tag "{name}"')
    attributes = {
        key.lower(): _HTML_ENTITY.sub(
            lambda m: decode_entity(m.group(1)) or m.group(), "".join(values)
        )
        for key, *values in _ATTRIBUTE.findall(match.group(2))
    }
    if name == "span" and attributes.get("class") != "tg-spoiler":
        raise html_error(text, i, 'Tag "span" must have class "tg-spoiler"')
    open_tags.append({"name": name, "attributes": attributes, "start": length})
    return match.end()


def html_error(text: str, index: int, detail: str) -> ApiError:
    """Return the "can't parse entities" error for a problem at text[index]."""
    offset = len(text[:index].encode("utf-8"))
    return bad_request(f"can't parse entities: {detail} at byte offset {offset}")


def decode_entity(body: str) -> str | None:
    """Return the character an HTML entity stands for, or None if Telegram rejects it."""
    if not body.startswith("#"):
        return NAMED_ENTITIES.get(body)
    code = int(body[2:], 16) if body[1] in "xX" else int(body[1:])
    if code <= 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return None
    return chr(code)


def tag_entity(tag: JsonDict, end: int, enclosing: list[JsonDict]) -> JsonDict | None:
    """Return the MessageEntity a closed tag produces, or None if it produces none."""
    name, attributes, start = tag["name"], tag["attributes"], tag["start"]
    # Telegram folds <pre><code class="language-x"> into one pre entity with a language.
    if name == "code" and enclosing and enclosing[-1]["name"] == "pre":
        language = attributes.get("class", "")
        if language.startswith("language-"):
            enclosing[-1]["language"] = language.removeprefix("language-")
        return None
    if end == start:
        return None
    entity: JsonDict = {"type": TAG_ENTITY_TYPES[name], "offset": start, "length": end - start}
    if name == "a":
        if not attributes.get("href"):
            return None
        entity["url"] = attributes["href"]
    elif name == "pre" and tag.get("language"):
        entity["language"] = tag["language"]
    elif name == "blockquote" and "expandable" in attributes:
        entity["type"] = "expandable_blockquote"
    elif name == "tg-emoji":
        if "emoji-id" not in attributes:
            return None
        entity["custom_emoji_id"] = attributes["emoji-id"]
    return entity


def parse_text(
    text: str, parse_mode: str | None, entities: Any = None
) -> tuple[str, list[JsonDict]]:
    """Return the text and entities Telegram would show for text sent with parse_mode."""
    if parse_mode and parse_mode.lower() == "html":
        return parse_html(text)
    # Markdown modes are not validated: the bot under test uses HTML.
    return text, list(entities) if isinstance(entities, list) else []


@dataclass(frozen=True)
class SentRecord:
    """One successful call that put, changed or removed a message in a chat."""

    method: str
    chat_id: int | None
    message_id: int | None
    # The text (or caption) exactly as the bot sent it, markup included.
    text: str | None
    parse_mode: str | None
    reply_markup: JsonDict | None
    reply_to_message_id: int | None
    time: float
    # The text after entity parsing, as a user would read it.
    plain_text: str | None = None
    document_name: str | None = None
    document_bytes: bytes | None = None
    params: JsonDict = field(default_factory=dict, repr=False)


@dataclass(frozen=True)
class RequestRecord:
    """One HTTP call the double answered."""

    method: str
    params: JsonDict
    status: int
    time: float


@dataclass
class Chat:
    """A chat the double knows about."""

    id: int
    type: str
    username: str | None = None
    title: str | None = None
    first_name: str | None = None
    bot_is_admin: bool = True
    not_admin_error: str = "forbidden"

    def as_dict(self) -> JsonDict:
        """Return the Bot API Chat object."""
        chat: JsonDict = {"id": self.id, "type": self.type}
        if self.type == "private":
            chat["first_name"] = self.first_name or "Student"
        else:
            chat["title"] = self.title or f"{self.type.title()} {self.id}"
        if self.username:
            chat["username"] = self.username
        return chat


@dataclass
class _Upload:
    filename: str
    content: bytes


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # Many requests may be in flight at once (a round trip keeps them open); the default
    # backlog of 5 would make the kernel drop connections and the client retry seconds later.
    request_queue_size = 256
    double: BotApiDouble


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    # Closing after every reply means no pooled connection keeps talking to a stopped double.
    protocol_version = "HTTP/1.0"
    timeout = 30

    def do_POST(self) -> None:
        """Answer a Bot API call."""
        self.server.double._serve(self)

    do_GET = do_POST

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet: the request line carries the bot token."""


class BotApiDouble:
    """A Telegram Bot API server on 127.0.0.1 for end-to-end tests."""

    def __init__(
        self,
        token: str = "123:ABC",
        *,
        port: int = 0,
        host: str = "127.0.0.1",
        username: str = "mlsd_test_bot",
        first_name: str = "MLSD Test Bot",
        global_rate: float | None = None,
        group_rate_per_minute: int | None = None,
        round_trip: float = 0.0,
        log: Callable[[str], None] | None = None,
    ) -> None:
        """``round_trip`` (seconds) delays every request like a network would: half on the
        way in (before the double acts on it, so ``sent`` times are arrival times) and half
        on the way back. Requests are served side by side, so one's delay holds up no other.
        """
        self.token = token
        self.round_trip = round_trip
        self.host = host
        self.port = port
        self.global_rate = global_rate
        self.group_rate_per_minute = group_rate_per_minute
        self._log = log
        bot_id = token.split(":", 1)[0]
        self.bot_user: JsonDict = {
            "id": int(bot_id) if bot_id.isdigit() else 1000,
            "is_bot": True,
            "first_name": first_name,
            "username": username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": True,
        }
        self._cond = threading.Condition(threading.RLock())
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._stopping = False
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1)
        self._query_ids = itertools.count(1)
        self._updates: list[JsonDict] = []
        self._allowed_updates: list[str] = []
        self._chats: dict[int, Chat] = {}
        self._users: dict[int, JsonDict] = {}
        self._blocked: set[int] = set()
        self._members: dict[tuple[int, int], str] = {}
        self._messages: dict[tuple[int, int], JsonDict] = {}
        self._bot_messages: set[tuple[int, int]] = set()
        self._open_callbacks: set[str] = set()
        self._open_inline_queries: set[str] = set()
        self._faults: dict[str, deque[ApiError]] = {}
        self._global_window: deque[float] = deque()
        self._chat_windows: dict[int, deque[float]] = {}
        self._rate_limited = 0
        self._in_flight: Counter[str] = Counter()
        self._peak_in_flight: Counter[str] = Counter()
        self._arrival = 0.0
        self._polling = 0
        self._sent: list[SentRecord] = []
        self._requests: list[RequestRecord] = []
        self._inline_answers: list[JsonDict] = []
        self._callback_answers: list[JsonDict] = []
        self._commands: dict[tuple[str, str], list[JsonDict]] = {}
        self._descriptions: dict[tuple[str, str], str] = {}
        self._webhook_url = ""
        self._webhook_secret = ""
        # Where webhook updates really go (see deliver_by_webhook), and what happened to each.
        self._webhook_targets: list[str] = []
        self._webhook_turn = 0
        self._webhook_thread: threading.Thread | None = None
        self._webhook_log: list[WebhookDelivery] = []
        self._methods: dict[str, Callable[[JsonDict, dict[str, _Upload]], Any]] = {
            name.lower(): handler
            for name, handler in {
                "getMe": self._get_me,
                "logOut": self._accept,
                "close": self._accept,
                "setWebhook": self._set_webhook,
                "deleteWebhook": self._delete_webhook,
                "getWebhookInfo": self._get_webhook_info,
                "getUpdates": self._get_updates,
                "sendMessage": self._send_message,
                "sendDocument": self._send_document,
                "sendChatAction": self._send_chat_action,
                "editMessageText": self._edit_message_text,
                "editMessageReplyMarkup": self._edit_message_reply_markup,
                "deleteMessage": self._delete_message,
                "answerCallbackQuery": self._answer_callback_query,
                "answerInlineQuery": self._answer_inline_query,
                "setMyCommands": self._set_my_commands,
                "getMyCommands": self._get_my_commands,
                "deleteMyCommands": self._delete_my_commands,
                "setMyDescription": self._set_description("description"),
                "setMyShortDescription": self._set_description("short_description"),
                "getMyDescription": self._get_description("description"),
                "getMyShortDescription": self._get_description("short_description"),
                "getChat": self._get_chat,
                "getChatMember": self._get_chat_member,
            }.items()
        }

    # -- lifecycle ---------------------------------------------------------

    def start(self) -> BotApiDouble:
        """Start serving in a background daemon thread."""
        self._stopping = False
        self._server = _Server((self.host, self.port), _Handler)
        self._server.double = self
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"bot-api-double:{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release every waiting long poll."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        if self._webhook_thread is not None:
            self._webhook_thread.join(timeout=5)
            self._webhook_thread = None

    def __enter__(self) -> BotApiDouble:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """Return the server root, e.g. http://127.0.0.1:PORT."""
        return f"http://{self.host}:{self.port}"

    @property
    def bot_base_url(self) -> str:
        """Return the base_url PTB expects (the token gets appended to it)."""
        return f"{self.base_url}/bot"

    # -- configuring the world ----------------------------------------------

    def add_chat(
        self,
        chat_id: int,
        type: str = "private",
        username: str | None = None,
        *,
        bot_is_admin: bool = True,
        title: str | None = None,
        not_admin_error: str = "forbidden",
    ) -> Chat:
        """Make a chat known; not_admin_error is "forbidden" (403) or "need_rights" (400)."""
        if type not in CHAT_TYPES:
            raise ValueError(f"unknown chat type {type!r}")
        if not_admin_error not in ("forbidden", "need_rights"):
            raise ValueError("not_admin_error must be 'forbidden' or 'need_rights'")
        with self._cond:
            chat = Chat(
                chat_id,
                type,
                username=username,
                title=title,
                bot_is_admin=bot_is_admin,
                not_admin_error=not_admin_error,
            )
            if type == "private" and chat_id in self._users:
                chat.first_name = self._users[chat_id]["first_name"]
            self._chats[chat_id] = chat
            return chat

    def block(self, user_id: int) -> None:
        """Make the user block the bot: sends to their chat get 403."""
        with self._cond:
            self._ensure_private_chat(user_id)
            self._blocked.add(user_id)

    def unblock(self, user_id: int) -> None:
        """Make the user unblock the bot."""
        with self._cond:
            self._blocked.discard(user_id)

    def set_member_status(self, chat_id: int, user_id: int, status: str) -> None:
        """Set what getChatMember reports for a user ("creator", "member", "left", ...)."""
        with self._cond:
            self._members[(chat_id, user_id)] = status

    def fail_next(
        self,
        method: str,
        error_code: int,
        description: str | None = None,
        retry_after: int | None = None,
        times: int = 1,
    ) -> None:
        """Make the next `times` calls of method fail with the given error."""
        if error_code == 429 and retry_after is None:
            retry_after = 1
        if description is None:
            description = DESCRIPTIONS.get(error_code, "Error")
            if retry_after is not None:
                description = f"{description}: retry after {retry_after}"
        with self._cond:
            queue = self._faults.setdefault(method.lower(), deque())
            queue.extend(ApiError(error_code, description, retry_after) for _ in range(times))

    # -- webhook delivery ---------------------------------------------------

    def deliver_by_webhook(self, targets: Iterable[str]) -> None:
        """Act as Telegram with a webhook set, and as the reverse proxy in front of replicas:
        while a webhook is set, each pending update is POSTed (JSON, with the secret token
        header from setWebhook) to the next of ``targets`` in turn, and dropped once one
        answers 200. A refused connection or another status moves on to the next target."""
        with self._cond:
            self._webhook_targets = list(targets)
            if self._webhook_thread is None:
                self._webhook_thread = threading.Thread(
                    target=self._deliver_webhooks, name="bot-api-double:webhook", daemon=True
                )
                self._webhook_thread.start()

    @property
    def webhook_deliveries(self) -> list[WebhookDelivery]:
        """Every webhook POST made so far, in order."""
        with self._cond:
            return list(self._webhook_log)

    def _deliver_webhooks(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(
                    lambda: self._stopping or (self._webhook_url and self._pending_for_webhook())
                )
                if self._stopping:
                    return
                update = self._pending_for_webhook()[0]
                target = self._webhook_targets[self._webhook_turn % len(self._webhook_targets)]
                self._webhook_turn += 1
                secret = self._webhook_secret
            status = _post_update(target, update, secret)
            with self._cond:
                self._webhook_log.append(
                    WebhookDelivery(update["update_id"], target, status, time.monotonic())
                )
                if status == 200:
                    self._updates = [u for u in self._updates if u is not update]
                self._cond.notify_all()
            if status != 200:
                time.sleep(0.05)  # like Telegram, do not hammer a failing endpoint

    def _pending_for_webhook(self) -> list[JsonDict]:
        if not self._webhook_targets:
            return []
        allowed = set(self._allowed_updates)
        return [u for u in self._updates if not allowed or set(u) - {"update_id"} <= allowed]

    # -- pushing updates ----------------------------------------------------

    def push_update(self, update: JsonDict) -> JsonDict:
        """Queue a raw update for getUpdates, assigning update_id if missing."""
        with self._cond:
            update = dict(update)
            if "update_id" in update:
                # Keep later ids increasing even after a hand-numbered update.
                start = max(update["update_id"] + 1, next(self._update_ids))
                self._update_ids = itertools.count(start)
            else:
                update = {"update_id": next(self._update_ids), **update}
            self._updates.append(update)
            self._cond.notify_all()
            return update

    def push_text(
        self,
        user_id: int,
        text: str,
        *,
        chat_id: int | None = None,
        chat_type: str = "private",
        language_code: str | None = "en",
        first_name: str = "Student",
        username: str | None = None,
        reply_to_message_id: int | None = None,
    ) -> JsonDict:
        """Queue a text message from a user, with command and mention entities."""
        with self._cond:
            user = self._remember_user(user_id, first_name, username, language_code)
            chat = self._chat_for_push(user_id, chat_id, chat_type)
            message = self._new_message(chat, text, sender=user)
            entities = text_entities(text)
            if entities:
                message["entities"] = entities
            if reply_to_message_id is not None:
                message["reply_to_message"] = self._replied(chat.id, reply_to_message_id)
            self._messages[(chat.id, message["message_id"])] = message
            return self.push_update({"message": message})

    def push_edit(
        self, user_id: int, message_id: int, text: str, *, chat_id: int | None = None
    ) -> JsonDict:
        """Queue the edited_message update of a user changing the text of their message."""
        with self._cond:
            chat_id = user_id if chat_id is None else chat_id
            original = self._messages.get((chat_id, message_id))
            if original is None:
                raise ValueError(f"no message {message_id} in chat {chat_id} to edit")
            message = dict(original, text=text, edit_date=int(time.time()))
            set_or_drop(message, "entities", text_entities(text))
            self._messages[(chat_id, message_id)] = message
            return self.push_update({"edited_message": message})

    def push_callback(
        self, user_id: int, data: str, message_id: int, chat_id: int | None = None
    ) -> JsonDict:
        """Queue a button press on a message the bot sent."""
        with self._cond:
            chat_id = user_id if chat_id is None else chat_id
            message = self._messages.get((chat_id, message_id))
            if message is None:
                raise ValueError(f"no message {message_id} in chat {chat_id} to press a button on")
            query_id = str(next(self._query_ids))
            self._open_callbacks.add(query_id)
            query = {
                "id": query_id,
                "from": self._user(user_id),
                "message": dict(message),
                "chat_instance": str(chat_id),
                "data": data,
            }
            return self.push_update({"callback_query": query})

    def push_inline_query(
        self, user_id: int, query: str, *, offset: str = "", chat_type: str | None = None
    ) -> JsonDict:
        """Queue an inline query typed by a user."""
        with self._cond:
            query_id = str(next(self._query_ids))
            self._open_inline_queries.add(query_id)
            inline: JsonDict = {
                "id": query_id,
                "from": self._user(user_id),
                "query": query,
                "offset": offset,
            }
            if chat_type is not None:
                inline["chat_type"] = chat_type
            return self.push_update({"inline_query": inline})

    def push_my_chat_member(self, user_id: int, status: str = "kicked") -> JsonDict:
        """Queue the update Telegram sends when a user blocks ("kicked") or restarts the bot."""
        with self._cond:
            chat = self._ensure_private_chat(user_id)
            old = "member" if status == "kicked" else "kicked"
            if status == "kicked":
                self._blocked.add(user_id)
            else:
                self._blocked.discard(user_id)
            change = {
                "chat": chat.as_dict(),
                "from": self._user(user_id),
                "date": int(time.time()),
                "old_chat_member": member_dict(self._bot_sender(), old),
                "new_chat_member": member_dict(self._bot_sender(), status),
            }
            return self.push_update({"my_chat_member": change})

    def push_channel_post(
        self, chat_id: int, text: str, *, username: str | None = None
    ) -> JsonDict:
        """Queue a post published in a channel."""
        with self._cond:
            chat = self._chats.get(chat_id) or self.add_chat(chat_id, "channel", username)
            message = self._new_message(chat, text, sender=None)
            self._messages[(chat.id, message["message_id"])] = message
            return self.push_update({"channel_post": message})

    # -- inspecting what the bot did ------------------------------------------

    @property
    def sent(self) -> list[SentRecord]:
        """Return a snapshot of every successful message call, oldest first."""
        with self._cond:
            return list(self._sent)

    @property
    def requests(self) -> list[RequestRecord]:
        """Return a snapshot of every call the double answered."""
        with self._cond:
            return list(self._requests)

    @property
    def inline_answers(self) -> list[JsonDict]:
        """Return a snapshot of every accepted answerInlineQuery."""
        with self._cond:
            return list(self._inline_answers)

    @property
    def callback_answers(self) -> list[JsonDict]:
        """Return a snapshot of every accepted answerCallbackQuery."""
        with self._cond:
            return list(self._callback_answers)

    @property
    def commands(self) -> dict[tuple[str, str], list[JsonDict]]:
        """Return the command lists keyed by (scope key, language code), e.g. ("default", "")."""
        with self._cond:
            return {key: list(value) for key, value in self._commands.items()}

    @property
    def pending_updates(self) -> list[JsonDict]:
        """Return the updates the bot has not acknowledged yet."""
        with self._cond:
            return list(self._updates)

    def peak_in_flight(self, method: str) -> int:
        """Return the most calls of ``method`` the double was serving at once."""
        with self._cond:
            return self._peak_in_flight[method]

    @property
    def rate_limited_count(self) -> int:
        """Return how many calls the flood limits rejected."""
        with self._cond:
            return self._rate_limited

    def messages_to(self, chat_id: int) -> list[SentRecord]:
        """Return the messages and documents sent to a chat, oldest first."""
        return [r for r in self.sent if r.chat_id == chat_id and r.method in SEND_METHODS]

    def wait_for(
        self, predicate: Callable[[SentRecord], bool], timeout: float = 5.0
    ) -> list[SentRecord]:
        """Block until some sent record matches predicate and return all that match."""
        return self._wait(lambda: [r for r in self._sent if predicate(r)], timeout, "a match")

    def wait_for_count(
        self,
        n: int,
        method: str = "sendMessage",
        timeout: float = 5.0,
        *,
        chat_id: int | None = None,
    ) -> list[SentRecord]:
        """Block until at least n successful calls of method were made and return them."""

        def matches() -> list[SentRecord]:
            found = [
                r
                for r in self._sent
                if r.method == method and (chat_id is None or r.chat_id == chat_id)
            ]
            return found if len(found) >= n else []

        where = "" if chat_id is None else f" to chat {chat_id}"
        return self._wait(matches, timeout, f"{n} {method} call(s){where}")

    def wait_for_request(self, method: str, timeout: float = 5.0) -> list[RequestRecord]:
        """Block until the bot called method at all and return those requests."""

        def matches() -> list[RequestRecord]:
            return [r for r in self._requests if r.method.lower() == method.lower()]

        with self._cond:
            if self._cond.wait_for(matches, timeout):
                return matches()
            called = sorted({r.method for r in self._requests})
        raise TimeoutError(f"{method} was not called within {timeout}s; called: {called}")

    def wait_until_polling(self, timeout: float = 5.0) -> None:
        """Block until a getUpdates long poll is waiting for updates."""
        with self._cond:
            if not self._cond.wait_for(lambda: self._polling > 0, timeout):
                raise TimeoutError(f"no getUpdates long poll started within {timeout}s")

    def _wait(self, matches: Callable[[], list[SentRecord]], timeout: float, what: str) -> Any:
        with self._cond:
            if self._cond.wait_for(matches, timeout):
                return matches()
            lines = [
                f"  {r.method} chat={r.chat_id} id={r.message_id} text={r.text!r}"
                for r in self._sent
            ]
        listing = "\n".join(lines) or "  (nothing)"
        raise TimeoutError(f"waited {timeout}s for {what}; sent so far:\n{listing}")

    # -- HTTP plumbing --------------------------------------------------------

    def _serve(self, handler: _Handler) -> None:
        match = _PATH.fullmatch(urllib.parse.unquote(urllib.parse.urlsplit(handler.path).path))
        method = match.group(2) if match else ""
        with self._cond:
            self._in_flight[method] += 1
            self._peak_in_flight[method] = max(
                self._peak_in_flight[method], self._in_flight[method]
            )
        try:
            self._answer(handler)
        finally:
            with self._cond:
                self._in_flight[method] -= 1

    def _answer(self, handler: _Handler) -> None:
        # Each request has its own thread, so sleeping here delays only this one.
        half_trip = self.round_trip / 2
        # When the request reaches "Telegram": flood limits count this moment, not when a
        # busy test process gets round to it, so the double's own delays cause no 429s.
        arrival = time.monotonic() + half_trip
        if half_trip:
            time.sleep(half_trip)
        url = urllib.parse.urlsplit(handler.path)
        match = _PATH.fullmatch(urllib.parse.unquote(url.path))
        method = match.group(2) if match else url.path
        params: JsonDict = {}
        try:
            params, uploads = read_params(handler, url.query)
            if match is None or match.group(1) != self.token:
                # Telegram checks the token before the method name.
                raise ApiError(401 if match else 404, "Unauthorized" if match else "Not Found")
            api_method = self._methods.get(method.lower())
            if api_method is None:
                raise ApiError(404, "Not Found")
            with self._cond:
                faults = self._faults.get(method.lower())
                if faults:
                    raise faults.popleft()
                self._arrival = arrival
                result = api_method(params, uploads)
            status, body = 200, {"ok": True, "result": result}
        except ApiError as error:
            status, body = error.error_code, error.payload()
        except Exception as error:
            # A bug in the double must reach the test as a visible error, not a dropped socket.
            traceback.print_exc()
            status, body = 500, ApiError(500, f"Internal Server Error: {error!r}").payload()
        with self._cond:
            # Serialise under the lock: the result may be a stored message another call edits.
            payload = json.dumps(body).encode()
            self._requests.append(RequestRecord(method, params, status, time.monotonic()))
            self._cond.notify_all()
        if self._log is not None:
            self._log(f"{method} {status} {json.dumps(params, default=str)[:200]}")
        if half_trip:
            time.sleep(half_trip)
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(payload)))
            handler.end_headers()
            handler.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            # The bot stopped while its long poll was open: nobody is left to answer.
            pass

    # -- shared checks ----------------------------------------------------------

    def _chat(self, params: JsonDict, *, posting: bool = True) -> Chat:
        chat_id = params.get("chat_id")
        if chat_id is None or chat_id == "":
            raise bad_request("chat_id is empty")
        chat = self._find_chat(chat_id)
        if chat is None:
            raise bad_request("chat not found")
        if not posting:
            return chat
        if chat.type == "private" and chat.id in self._blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        if chat.type == "channel" and not chat.bot_is_admin:
            if chat.not_admin_error == "need_rights":
                raise bad_request("need administrator rights in the channel chat")
            raise ApiError(403, "Forbidden: bot is not a member of the channel chat")
        return chat

    def _find_chat(self, chat_id: int | str) -> Chat | None:
        if isinstance(chat_id, str) and chat_id.startswith("@"):
            wanted = chat_id[1:].lower()
            found = (c for c in self._chats.values() if (c.username or "").lower() == wanted)
            return next(found, None)
        try:
            return self._chats.get(int(chat_id))
        except ValueError:
            return None

    def _check_flood(self, chat: Chat) -> None:
        now = self._arrival
        if self.global_rate is not None:
            retry = window_retry(self._global_window, now, 1.0, self.global_rate)
            if retry:
                self._rate_limited += 1
                raise too_many_requests(retry)
        if self.group_rate_per_minute is not None and chat.type in GROUP_TYPES:
            window = self._chat_windows.setdefault(chat.id, deque())
            retry = window_retry(window, now, 60.0, self.group_rate_per_minute)
            if retry:
                self._rate_limited += 1
                raise too_many_requests(retry)

    def _note_sent(self, chat: Chat) -> None:
        now = self._arrival
        # Requests are served side by side, so arrivals may be noted slightly out of order.
        bisect.insort(self._global_window, now)
        bisect.insort(self._chat_windows.setdefault(chat.id, deque()), now)

    def _message_text(
        self, params: JsonDict, key: str = "text", *, caption: bool = False
    ) -> tuple[str, list[JsonDict]]:
        entities_key = "caption_entities" if caption else "entities"
        text, entities = parse_text(
            params.get(key) or "", params.get("parse_mode"), params.get(entities_key)
        )
        if caption:
            if utf16_len(text) > CAPTION_LIMIT:
                raise bad_request("message caption is too long")
        elif not text.strip():
            raise bad_request("message text is empty")
        elif utf16_len(text) > TEXT_LIMIT:
            raise bad_request("message is too long")
        return text, entities

    def _reply_to(self, chat: Chat, params: JsonDict) -> JsonDict | None:
        reply = params.get("reply_parameters")
        if isinstance(reply, dict):
            message_id = reply.get("message_id")
            lenient = reply.get("allow_sending_without_reply", False)
        else:
            message_id = params.get("reply_to_message_id")
            lenient = params.get("allow_sending_without_reply", False)
        if message_id is None:
            return None
        replied = self._messages.get((chat.id, int(message_id)))
        if replied is None:
            if lenient:
                return None
            raise bad_request("message to be replied not found")
        return without_reply(replied)

    def _stored_message(self, params: JsonDict, action: str) -> tuple[Chat, JsonDict]:
        chat = self._chat(params)
        message_id = params.get("message_id")
        message = self._messages.get((chat.id, message_id)) if message_id is not None else None
        if message is None:
            raise bad_request(f"message to {action} not found")
        if action == "edit" and (chat.id, message_id) not in self._bot_messages:
            raise bad_request("message can't be edited")
        return chat, message

    def _record(
        self,
        method: str,
        chat: Chat,
        message_id: int | None,
        params: JsonDict,
        *,
        text_key: str = "text",
        plain_text: str | None = None,
        upload: _Upload | None = None,
        reply: JsonDict | None = None,
    ) -> None:
        self._sent.append(
            SentRecord(
                method=method,
                chat_id=chat.id,
                message_id=message_id,
                text=params.get(text_key),
                parse_mode=params.get("parse_mode"),
                reply_markup=params.get("reply_markup"),
                reply_to_message_id=reply["message_id"] if reply else None,
                time=time.monotonic(),
                plain_text=plain_text,
                document_name=upload.filename if upload else None,
                document_bytes=upload.content if upload else None,
                params=params,
            )
        )

    # -- world helpers ----------------------------------------------------------

    def _remember_user(
        self, user_id: int, first_name: str, username: str | None, language_code: str | None
    ) -> JsonDict:
        user: JsonDict = {"id": user_id, "is_bot": False, "first_name": first_name}
        if username:
            user["username"] = username
        if language_code:
            user["language_code"] = language_code
        self._users[user_id] = user
        return user

    def _bot_sender(self) -> JsonDict:
        # Messages carry the short User object, without getMe's capability flags.
        return {key: self.bot_user[key] for key in ("id", "is_bot", "first_name", "username")}

    def _user(self, user_id: int) -> JsonDict:
        return self._users.get(user_id) or {"id": user_id, "is_bot": False, "first_name": "Student"}

    def _ensure_private_chat(self, user_id: int) -> Chat:
        chat = self._chats.get(user_id)
        if chat is None:
            chat = self.add_chat(user_id, "private")
        return chat

    def _chat_for_push(self, user_id: int, chat_id: int | None, chat_type: str) -> Chat:
        chat_id = user_id if chat_id is None else chat_id
        chat = self._chats.get(chat_id)
        if chat is None:
            if chat_type == "private" and chat_id != user_id:
                raise ValueError(f"chat {chat_id} is unknown: pass chat_type or call add_chat")
            chat = self.add_chat(chat_id, chat_type)
        if chat.type == "private":
            chat.first_name = self._users[user_id]["first_name"]
            chat.username = self._users[user_id].get("username")
        return chat

    def _new_message(self, chat: Chat, text: str | None, *, sender: JsonDict | None) -> JsonDict:
        message: JsonDict = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": chat.as_dict(),
        }
        if chat.type == "channel":
            message["sender_chat"] = chat.as_dict()
        elif sender is not None:
            message["from"] = sender
        if text is not None:
            message["text"] = text
        return message

    def _replied(self, chat_id: int, message_id: int) -> JsonDict:
        replied = self._messages.get((chat_id, message_id))
        if replied is None:
            raise ValueError(f"no message {message_id} in chat {chat_id} to reply to")
        return without_reply(replied)

    def _new_bot_message(
        self,
        chat: Chat,
        params: JsonDict,
        text: str | None,
        entities: list[JsonDict],
        reply: JsonDict | None,
        *,
        entities_key: str = "entities",
    ) -> JsonDict:
        message = self._new_message(chat, text, sender=self._bot_sender())
        if entities:
            message[entities_key] = entities
        if reply is not None:
            message["reply_to_message"] = reply
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        key = (chat.id, message["message_id"])
        self._messages[key] = message
        self._bot_messages.add(key)
        self._note_sent(chat)
        return message

    # -- Bot API methods ----------------------------------------------------------

    def _get_me(self, params: JsonDict, uploads: dict[str, _Upload]) -> JsonDict:
        return self.bot_user

    def _accept(self, params: JsonDict, uploads: dict[str, _Upload]) -> bool:
        return True

    def _set_webhook(self, params: JsonDict, uploads: dict[str, _Upload]) -> bool:
        self._webhook_url = params.get("url") or ""
        self._webhook_secret = params.get("secret_token") or ""
        if isinstance(params.get("allowed_updates"), list):
            self._allowed_updates = params["allowed_updates"]
        self._cond.notify_all()
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    def _delete_webhook(self, params: JsonDict, uploads: dict[str, _Upload]) -> bool:
        self._webhook_url = ""
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    def _get_webhook_info(self, params: JsonDict, uploads: dict[str, _Upload]) -> JsonDict:
        return {
            "url": self._webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }

    def _get_updates(self, params: JsonDict, uploads: dict[str, _Upload]) -> list[JsonDict]:
        if self._webhook_url:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = int(params.get("offset") or 0)
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        wait = min(float(params.get("timeout") or 0), MAX_POLL_SECONDS)
        if isinstance(params.get("allowed_updates"), list):
            self._allowed_updates = params["allowed_updates"]
        if offset > 0:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        elif offset < 0:
            self._updates = self._updates[offset:]
        allowed = set(self._allowed_updates)

        def deliverable() -> list[JsonDict]:
            kinds_ok = (
                u for u in self._updates if not allowed or set(u) - {"update_id"} <= allowed
            )
            return list(itertools.islice(kinds_ok, limit))

        self._polling += 1
        self._cond.notify_all()
        try:
            self._cond.wait_for(lambda: deliverable() or self._stopping, wait)
        finally:
            self._polling -= 1
        return deliverable()

    def _send_message(self, params: JsonDict, uploads: dict[str, _Upload]) -> JsonDict:
        chat = self._chat(params)
        text, entities = self._message_text(params)
        reply = self._reply_to(chat, params)
        self._check_flood(chat)
        message = self._new_bot_message(chat, params, text, entities, reply)
        self._record(
            "sendMessage", chat, message["message_id"], params, plain_text=text, reply=reply
        )
        return message

    def _send_document(self, params: JsonDict, uploads: dict[str, _Upload]) -> JsonDict:
        chat = self._chat(params)
        document = params.get("document")
        upload = uploads.get("document")
        if isinstance(document, str) and document.startswith("attach://"):
            upload = uploads.get(document.removeprefix("attach://"))
        if upload is None and not (isinstance(document, str) and document):
            raise bad_request("there is no document in the request")
        if upload is not None and not upload.content:
            raise bad_request("file must be non-empty")
        caption, entities = self._message_text(params, "caption", caption=True)
        reply = self._reply_to(chat, params)
        self._check_flood(chat)
        message = self._new_bot_message(
            chat, params, None, entities, reply, entities_key="caption_entities"
        )
        if caption:
            message["caption"] = caption
        file_id = f"doc-{message['message_id']}"
        message["document"] = {"file_id": file_id, "file_unique_id": file_id}
        if upload is not None:
            mime_type = mimetypes.guess_type(upload.filename)[0] or "application/octet-stream"
            message["document"].update(
                file_name=upload.filename, mime_type=mime_type, file_size=len(upload.content)
            )
        self._record(
            "sendDocument",
            chat,
            message["message_id"],
            params,
            text_key="caption",
            plain_text=caption,
            upload=upload,
            reply=reply,
        )
        return message

    def _send_chat_action(self, params: JsonDict, uploads: dict[str, _Upload]) -> bool:
        self._chat(params)
        if not params.get("action"):
            raise bad_request("action is empty")
        return True

    def _edit_message_text(self, params: JsonDict, uploads: dict[str, _Upload]) -> Any:
        if params.get("inline_message_id"):
            return True
        chat, message = self._stored_message(params, "edit")
        text, entities = self._message_text(params)
        markup = params.get("reply_markup")
        if (text, entities, markup) == (
            message.get("text"),
            message.get("entities", []),
            message.get("reply_markup"),
        ):
            raise bad_request(
                "message is not modified: specified new message content and reply markup "
                "are exactly the same as a current content and reply markup of the message"
            )
        message["text"] = text
        set_or_drop(message, "entities", entities)
        set_or_drop(message, "reply_markup", markup)
        message["edit_date"] = int(time.time())
        self._record("editMessageText", chat, message["message_id"], params, plain_text=text)
        return message

    def _edit_message_reply_markup(self, params: JsonDict, uploads: dict[str, _Upload]) -> Any:
        if params.get("inline_message_id"):
            return True
        chat, message = self._stored_message(params, "edit")
        markup = params.get("reply_markup")
        if markup == message.get("reply_markup"):
            raise bad_request(
                "message is not modified: specified new message content and reply markup "
                "are exactly the same as a current content and reply markup of the message"
            )
        set_or_drop(message, "reply_markup", markup)
        message["edit_date"] = int(time.time())
        self._record("editMessageReplyMarkup", chat, message["message_id"], params)
        return message

    def _delete_message(self, params: JsonDict, uploads: dict[str, _Upload]) -> bool:
        chat, message = self._stored_message(params, "delete")
        key = (chat.id, message["message_id"])
        del self._messages[key]
        self._bot_messages.discard(key)
        self._record("deleteMessage", chat, message["message_id"], params)
        return True

    def _answer_callback_query(self, params: JsonDict, uploads: dict[str, _Upload]) -> bool:
        query_id = str(params.get("callback_query_id", ""))
        if query_id not in self._open_callbacks:
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        if utf16_len(params.get("text") or "") > CALLBACK_TEXT_LIMIT:
            raise bad_request("MESSAGE_TOO_LONG")
        self._open_callbacks.discard(query_id)
        self._callback_answers.append(params)
        return True

    def _answer_inline_query(self, params: JsonDict, uploads: dict[str, _Upload]) -> bool:
        query_id = str(params.get("inline_query_id", ""))
        if query_id not in self._open_inline_queries:
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        results = params.get("results")
        if not isinstance(results, list):
            raise bad_request("can't parse inline query results JSON object")
        if len(results) > INLINE_RESULTS_LIMIT:
            raise bad_request("RESULTS_TOO_MUCH")
        ids = [str(result.get("id")) for result in results]
        if len(set(ids)) != len(ids):
            raise bad_request("RESULT_ID_DUPLICATE")
        for result in results:
            content = result.get("input_message_content") or {}
            if "message_text" in content:
                self._message_text(content, "message_text")
        self._open_inline_queries.discard(query_id)
        self._inline_answers.append(params)
        return True

    def _set_my_commands(self, params: JsonDict, uploads: dict[str, _Upload]) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise bad_request("can't parse commands JSON object")
        for command in commands:
            if not _COMMAND_NAME.fullmatch(str(command.get("command", ""))):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(command.get("description", "")) <= 256:
                raise bad_request("command description is empty")
        self._commands[commands_key(params)] = commands
        return True

    def _get_my_commands(self, params: JsonDict, uploads: dict[str, _Upload]) -> list[JsonDict]:
        return self._commands.get(commands_key(params), [])

    def _delete_my_commands(self, params: JsonDict, uploads: dict[str, _Upload]) -> bool:
        self._commands.pop(commands_key(params), None)
        return True

    def _set_description(self, kind: str) -> Callable[[JsonDict, dict[str, _Upload]], bool]:
        def handler(params: JsonDict, uploads: dict[str, _Upload]) -> bool:
            self._descriptions[(kind, params.get("language_code") or "")] = params.get(kind) or ""
            return True

        return handler

    def _get_description(self, kind: str) -> Callable[[JsonDict, dict[str, _Upload]], JsonDict]:
        def handler(params: JsonDict, uploads: dict[str, _Upload]) -> JsonDict:
            return {kind: self._descriptions.get((kind, params.get("language_code") or ""), "")}

        return handler

    def _get_chat(self, params: JsonDict, uploads: dict[str, _Upload]) -> JsonDict:
        chat = self._chat(params, posting=False)
        gift_types = dict.fromkeys(
            (
                "unlimited_gifts",
                "limited_gifts",
                "unique_gifts",
                "premium_subscription",
                "gifts_from_channels",
            ),
            False,
        )
        return {
            **chat.as_dict(),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": gift_types,
        }

    def _get_chat_member(self, params: JsonDict, uploads: dict[str, _Upload]) -> JsonDict:
        chat = self._chat(params, posting=False)
        user_id = params.get("user_id")
        if user_id is None:
            raise bad_request("user_id is empty")
        if user_id == self.bot_user["id"]:
            admin = chat.bot_is_admin and chat.type != "private"
            return member_dict(self._bot_sender(), "administrator" if admin else "member")
        return member_dict(self._user(user_id), self._members.get((chat.id, user_id), "member"))


@dataclass(frozen=True)
class WebhookDelivery:
    """One POST of an update to a webhook target, and the HTTP status it got (0: no answer)."""

    update_id: int
    target: str
    status: int
    time: float


def _post_update(target: str, update: JsonDict, secret: str) -> int:
    """POST one update like Telegram does; return the status, 0 if there was no answer."""
    import urllib.error
    import urllib.request

    request = urllib.request.Request(
        target,
        data=json.dumps(update).encode(),
        headers={"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": secret},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)
    except OSError:
        return 0


def read_params(handler: BaseHTTPRequestHandler, query: str) -> tuple[JsonDict, dict[str, _Upload]]:
    """Return the decoded parameters and file uploads of a request."""
    raw: JsonDict = dict(urllib.parse.parse_qsl(query, keep_blank_values=True))
    uploads: dict[str, _Upload] = {}
    body = read_body(handler)
    content_type = handler.headers.get_content_type()
    if body and content_type == "application/json":
        try:
            decoded = json.loads(body)
        except ValueError as error:
            raise bad_request("can't parse JSON request body") from error
        if not isinstance(decoded, dict):
            raise bad_request("can't parse JSON request body")
        raw.update(decoded)
    elif body and content_type == "multipart/form-data":
        header = f"Content-Type: {handler.headers['Content-Type']}\r\n\r\n".encode()
        parsed = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(header + body)
        for part in parsed.iter_parts():
            name = part.get_param("name", header="content-disposition")
            content = part.get_payload(decode=True) or b""
            filename = part.get_filename()
            if filename is not None:
                uploads[name] = _Upload(filename, content)
            else:
                raw[name] = content.decode("utf-8")
    elif body:
        raw.update(urllib.parse.parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    params = {key: decode_param(key, value) for key, value in raw.items()}
    for name, upload in uploads.items():
        params.setdefault(name, {"filename": upload.filename, "size": len(upload.content)})
    return params, uploads


def read_body(handler: BaseHTTPRequestHandler) -> bytes:
    """Read the request body, whether sized by Content-Length or chunked."""
    if handler.headers.get("Transfer-Encoding", "").lower() == "chunked":
        chunks = []
        while size := int(handler.rfile.readline().split(b";")[0].strip() or b"0", 16):
            chunks.append(handler.rfile.read(size))
            handler.rfile.readline()
        handler.rfile.readline()
        return b"".join(chunks)
    return handler.rfile.read(int(handler.headers.get("Content-Length") or 0))


def decode_param(key: str, value: Any) -> Any:
    """Turn a form value back into the type Telegram would read it as."""
    if not isinstance(value, str):
        return value
    if key in JSON_PARAMS and value[:1] in ("[", "{"):
        try:
            return json.loads(value)
        except ValueError as error:
            raise bad_request(f"can't parse {key} JSON object") from error
    if key in INT_PARAMS and re.fullmatch(r"-?\d+", value):
        return int(value)
    if key in BOOL_PARAMS and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return value


def text_entities(text: str) -> list[JsonDict]:
    """Return the bot_command and mention entities Telegram attaches to a user's text."""
    entities: list[JsonDict] = []
    command_end = 0
    if text.startswith("/"):
        command = text.split(maxsplit=1)[0]
        command_end = len(command)
        entities.append({"type": "bot_command", "offset": 0, "length": utf16_len(command)})
    for match in _MENTION.finditer(text, command_end):
        offset = utf16_len(text[: match.start()])
        entities.append({"type": "mention", "offset": offset, "length": utf16_len(match.group())})
    return entities


def without_reply(message: JsonDict) -> JsonDict:
    """Return a copy of a message fit to nest as reply_to_message."""
    return {key: value for key, value in message.items() if key != "reply_to_message"}


def set_or_drop(target: JsonDict, key: str, value: Any) -> None:
    """Set key to value, or remove it when value is empty."""
    if value:
        target[key] = value
    else:
        target.pop(key, None)


def window_retry(window: deque[float], now: float, span: float, allowed: float) -> int:
    """Return seconds to wait before one more event fits the sliding window, or 0."""
    while window and window[0] <= now - span:
        window.popleft()
    if len(window) < allowed:
        return 0
    return max(1, math.ceil(window[0] + span - now))


def commands_key(params: JsonDict) -> tuple[str, str]:
    """Return the storage key of a command list: ("default" | "chat:ID" | ..., language)."""
    scope = params.get("scope") or {"type": "default"}
    parts = [scope.get("type", "default")]
    parts += [str(scope[k]) for k in ("chat_id", "user_id") if k in scope]
    return ":".join(parts), params.get("language_code") or ""


def member_dict(user: JsonDict, status: str) -> JsonDict:
    """Return a ChatMember object of the given status that PTB can parse."""
    member: JsonDict = {"user": user, "status": status}
    if status == "creator":
        member["is_anonymous"] = False
    elif status == "administrator":
        rights = (
            "can_manage_chat",
            "can_delete_messages",
            "can_manage_video_chats",
            "can_restrict_members",
            "can_promote_members",
            "can_change_info",
            "can_invite_users",
            "can_post_stories",
            "can_edit_stories",
            "can_delete_stories",
            "can_post_messages",
            "can_edit_messages",
            "can_pin_messages",
        )
        member.update(dict.fromkeys(rights, True), can_be_edited=False, is_anonymous=False)
    elif status == "kicked":
        member["until_date"] = 0
    return member


def main(argv: Iterable[str] | None = None) -> None:
    """Serve the double until Ctrl-C; each stdin line is pushed as a text from --user."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--token", default="123:ABC")
    parser.add_argument("--user", type=int, default=1, help="user id that stdin lines come from")
    parser.add_argument("--round-trip", type=float, default=0.0, help="seconds per request")
    args = parser.parse_args(None if argv is None else list(argv))
    with BotApiDouble(
        args.token, port=args.port, host=args.host, round_trip=args.round_trip, log=print
    ) as api:
        print(f"Bot API double on {api.base_url} (set TELEGRAM_API_URL to it); Ctrl-C stops.")
        try:
            for line in sys.stdin:
                if line.strip():
                    api.push_text(args.user, line.rstrip("\n"))
            threading.Event().wait()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
