"""The test's side of the double: chats, blocked users and the updates users send."""

from __future__ import annotations

import itertools
import time

from tests.support.bot_api.markup import text_entities
from tests.support.bot_api.state import (
    Chat,
    DoubleState,
    JsonDict,
    member_dict,
    set_or_drop,
    without_reply,
)

CHAT_TYPES = frozenset({"private", "group", "supergroup", "channel"})


class World(DoubleState):
    """Set up the world the bot lives in and push the updates its users send."""

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

    def chat(self, chat_id: int) -> Chat | None:
        """Return a known chat, or None."""
        with self._cond:
            return self._chats.get(chat_id)

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
        """Set what getChatMember reports for a user ("creator", "member", "left", ...); for
        the bot itself in a group, "left" or "kicked" also makes posts there fail with 403."""
        with self._cond:
            self._members[(chat_id, user_id)] = status

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

    def _replied(self, chat_id: int, message_id: int) -> JsonDict:
        replied = self._messages.get((chat_id, message_id))
        if replied is None:
            raise ValueError(f"no message {message_id} in chat {chat_id} to reply to")
        return without_reply(replied)
