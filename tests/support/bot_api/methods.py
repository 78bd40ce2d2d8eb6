"""The Bot API methods the double implements, with Telegram's checks and limits."""

from __future__ import annotations

import bisect
import itertools
import mimetypes
import re
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from tests.support.bot_api.markup import parse_text, utf16_len
from tests.support.bot_api.state import (
    ApiError,
    Chat,
    DoubleState,
    JsonDict,
    SentRecord,
    Upload,
    bad_request,
    member_dict,
    set_or_drop,
    too_many_requests,
    window_retry,
    without_reply,
)

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
CALLBACK_TEXT_LIMIT = 200
INLINE_RESULTS_LIMIT = 50
# Telegram holds a long poll for at most 50 s; the cap also bounds how long a
# request thread can outlive stop() if it missed the wake-up.
MAX_POLL_SECONDS = 50.0

GROUP_TYPES = frozenset({"group", "supergroup", "channel"})
_COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")


class Methods(DoubleState):
    """Answer Bot API calls from the double's state, as Telegram would."""

    def _bot_api_methods(self) -> dict[str, Callable[[JsonDict, dict[str, Upload]], Any]]:
        """Return the method implementations keyed by lower-case Bot API name."""
        return {
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
        bot_status = self._members.get((chat.id, self.bot_user["id"]))
        if chat.type in ("group", "supergroup") and bot_status in ("left", "kicked"):
            kind = "supergroup" if chat.type == "supergroup" else "group"
            if bot_status == "kicked":
                raise ApiError(403, f"Forbidden: bot was kicked from the {kind} chat")
            raise ApiError(403, f"Forbidden: bot is not a member of the {kind} chat")
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
        upload: Upload | None = None,
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

    def _get_me(self, params: JsonDict, uploads: dict[str, Upload]) -> JsonDict:
        return self.bot_user

    def _accept(self, params: JsonDict, uploads: dict[str, Upload]) -> bool:
        return True

    def _set_webhook(self, params: JsonDict, uploads: dict[str, Upload]) -> bool:
        self._webhook_url = params.get("url") or ""
        self._webhook_secret = params.get("secret_token") or ""
        if isinstance(params.get("allowed_updates"), list):
            self._allowed_updates = params["allowed_updates"]
        self._cond.notify_all()
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    def _delete_webhook(self, params: JsonDict, uploads: dict[str, Upload]) -> bool:
        self._webhook_url = ""
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    def _get_webhook_info(self, params: JsonDict, uploads: dict[str, Upload]) -> JsonDict:
        return {
            "url": self._webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }

    def _get_updates(self, params: JsonDict, uploads: dict[str, Upload]) -> list[JsonDict]:
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

    def _send_message(self, params: JsonDict, uploads: dict[str, Upload]) -> JsonDict:
        chat = self._chat(params)
        text, entities = self._message_text(params)
        reply = self._reply_to(chat, params)
        self._check_flood(chat)
        message = self._new_bot_message(chat, params, text, entities, reply)
        self._record(
            "sendMessage", chat, message["message_id"], params, plain_text=text, reply=reply
        )
        return message

    def _send_document(self, params: JsonDict, uploads: dict[str, Upload]) -> JsonDict:
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

    def _send_chat_action(self, params: JsonDict, uploads: dict[str, Upload]) -> bool:
        self._chat(params)
        if not params.get("action"):
            raise bad_request("action is empty")
        return True

    def _edit_message_text(self, params: JsonDict, uploads: dict[str, Upload]) -> Any:
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

    def _edit_message_reply_markup(self, params: JsonDict, uploads: dict[str, Upload]) -> Any:
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

    def _delete_message(self, params: JsonDict, uploads: dict[str, Upload]) -> bool:
        chat, message = self._stored_message(params, "delete")
        key = (chat.id, message["message_id"])
        del self._messages[key]
        self._bot_messages.discard(key)
        self._record("deleteMessage", chat, message["message_id"], params)
        return True

    def _answer_callback_query(self, params: JsonDict, uploads: dict[str, Upload]) -> bool:
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

    def _answer_inline_query(self, params: JsonDict, uploads: dict[str, Upload]) -> bool:
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

    def _set_my_commands(self, params: JsonDict, uploads: dict[str, Upload]) -> bool:
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

    def _get_my_commands(self, params: JsonDict, uploads: dict[str, Upload]) -> list[JsonDict]:
        return self._commands.get(commands_key(params), [])

    def _delete_my_commands(self, params: JsonDict, uploads: dict[str, Upload]) -> bool:
        self._commands.pop(commands_key(params), None)
        return True

    def _set_description(self, kind: str) -> Callable[[JsonDict, dict[str, Upload]], bool]:
        def handler(params: JsonDict, uploads: dict[str, Upload]) -> bool:
            self._descriptions[(kind, params.get("language_code") or "")] = params.get(kind) or ""
            return True

        return handler

    def _get_description(self, kind: str) -> Callable[[JsonDict, dict[str, Upload]], JsonDict]:
        def handler(params: JsonDict, uploads: dict[str, Upload]) -> JsonDict:
            return {kind: self._descriptions.get((kind, params.get("language_code") or ""), "")}

        return handler

    def _get_chat(self, params: JsonDict, uploads: dict[str, Upload]) -> JsonDict:
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

    def _get_chat_member(self, params: JsonDict, uploads: dict[str, Upload]) -> JsonDict:
        chat = self._chat(params, posting=False)
        user_id = params.get("user_id")
        if user_id is None:
            raise bad_request("user_id is empty")
        if user_id == self.bot_user["id"] and (chat.id, user_id) not in self._members:
            admin = chat.bot_is_admin and chat.type != "private"
            return member_dict(self._bot_sender(), "administrator" if admin else "member")
        who = self._bot_sender() if user_id == self.bot_user["id"] else self._user(user_id)
        return member_dict(who, self._members.get((chat.id, user_id), "member"))


def commands_key(params: JsonDict) -> tuple[str, str]:
    """Return the storage key of a command list: ("default" | "chat:ID" | ..., language)."""
    scope = params.get("scope") or {"type": "default"}
    parts = [scope.get("type", "default")]
    parts += [str(scope[k]) for k in ("chat_id", "user_id") if k in scope]
    return ":".join(parts), params.get("language_code") or ""
