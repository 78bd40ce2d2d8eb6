"""What the double knows: the errors it answers with, the records it keeps, and its world."""

from __future__ import annotations

import itertools
import math
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

JsonDict = dict[str, Any]

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
class Upload:
    """A file the bot attached to a request."""

    filename: str
    content: bytes


@dataclass(frozen=True)
class WebhookDelivery:
    """One POST of an update to a webhook target, and the HTTP status it got (0: no answer)."""

    update_id: int
    target: str
    status: int
    time: float


class DoubleState:
    """Hold the chats, users, messages and updates the double serves from."""

    def __init__(
        self,
        token: str,
        username: str,
        first_name: str,
        global_rate: float | None,
        group_rate_per_minute: int | None,
    ) -> None:
        self.token = token
        self.global_rate = global_rate
        self.group_rate_per_minute = group_rate_per_minute
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
        self._global_window: deque[float] = deque()
        self._chat_windows: dict[int, deque[float]] = {}
        self._rate_limited = 0
        self._arrival = 0.0
        self._polling = 0
        self._sent: list[SentRecord] = []
        self._inline_answers: list[JsonDict] = []
        self._callback_answers: list[JsonDict] = []
        self._commands: dict[tuple[str, str], list[JsonDict]] = {}
        self._descriptions: dict[tuple[str, str], str] = {}
        self._webhook_url = ""
        self._webhook_secret = ""

    def _bot_sender(self) -> JsonDict:
        # Messages carry the short User object, without getMe's capability flags.
        return {key: self.bot_user[key] for key in ("id", "is_bot", "first_name", "username")}

    def _user(self, user_id: int) -> JsonDict:
        return self._users.get(user_id) or {"id": user_id, "is_bot": False, "first_name": "Student"}

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
