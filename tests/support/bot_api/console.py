"""Talk to a bot through the double by hand: lines typed on stdin become what users send, and
what the bot does comes back as readable lines (``python -m tests.support.bot_api``).

A line is a text message from the current user in the current chat (``/start`` included);
a line starting with ``:`` is an instruction to the double (``:help`` lists them).
"""

from __future__ import annotations

import shlex
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.support.bot_api.server import BotApiDouble
from tests.support.bot_api.state import JsonDict, SentRecord

GROUP_ID = -100_100
HELP = """\
Type a message and press Enter: it is sent as the current user, in the current chat.
Lines starting with ":" steer the double:
  :as USER_ID [NAME]     write as another user (new ones are created)
  :lang CODE             the current user's Telegram language: en, fa, … ("-" for none)
  :group [ID] [TITLE]    write in a group chat (default -100100, "Study group")
  :private               back to the current user's private chat
  :reply TEXT            reply to the bot's last message in this chat (as groups need)
  :press N|LABEL         press button N (from 1) or the one labelled LABEL on the bot's
                         last message with buttons in this chat
  :buttons               list the buttons of that message
  :inline QUERY          type QUERY in inline mode (@bot QUERY) and show the results
  :edit TEXT             change the text of your last message in this chat
  :block / :unblock      block or unblock the bot (as the current user)
  :who                   who is writing, where
  :wait [SECONDS]        wait until the bot has taken everything sent so far and has been
                         quiet for half a second (at most SECONDS, default 10): for scripts
  :help                  this list"""


@dataclass
class Persona:
    """Who is writing, in which language, and where."""

    user_id: int = 1
    name: str = "Student"
    language: str | None = "en"
    chat_id: int | None = None  # None: the user's private chat
    group_title: str = "Study group"
    # Per chat: the user's last message and the bot's last message with buttons.
    mine: dict[int, int] = field(default_factory=dict)

    @property
    def chat(self) -> int:
        """Return the chat the next message goes to."""
        return self.user_id if self.chat_id is None else self.chat_id


class Console:
    """Turn typed lines into the updates users send, and report what the bot does."""

    def __init__(self, api: BotApiDouble, write: Callable[[str], None] = print) -> None:
        self.api = api
        self.write = write
        self.me = Persona()
        self._commands: dict[str, Callable[[str], None]] = {
            "as": self._as,
            "user": self._as,
            "lang": self._lang,
            "group": self._group,
            "private": self._private,
            "reply": self._reply,
            "press": self._press,
            "buttons": self._buttons,
            "inline": self._inline,
            "edit": self._edit,
            "block": lambda _: self._block(True),
            "unblock": lambda _: self._block(False),
            "who": lambda _: self.write(self._who()),
            "wait": self._wait,
            "help": lambda _: self.write(HELP),
        }

    def handle(self, line: str) -> None:
        """Act on one typed line; a mistake is reported in one line, never raised."""
        line = line.rstrip("\r\n")
        if not line.strip():
            return
        try:
            if line.startswith(":"):
                name, _, rest = line[1:].partition(" ")
                command = self._commands.get(name.strip().lower())
                if command is None:
                    self.write(f"! unknown instruction :{name}; :help lists them")
                    return
                command(rest.strip())
            else:
                self._say(line)
        except ValueError as error:
            self.write(f"! {error}")

    # -- what users do --------------------------------------------------------------------

    def _say(self, text: str, reply_to: int | None = None) -> None:
        me = self.me
        kind = "private" if me.chat_id is None else "supergroup"
        if me.chat_id is not None and self.api.chat(me.chat_id) is None:
            self.api.add_chat(me.chat_id, "supergroup", title=me.group_title)
        update = self.api.push_text(
            me.user_id,
            text,
            chat_id=me.chat_id,
            chat_type=kind,
            language_code=me.language,
            first_name=me.name,
            reply_to_message_id=reply_to,
        )
        me.mine[me.chat] = update["message"]["message_id"]

    def _reply(self, text: str) -> None:
        last = self._last_from_bot(lambda record: True)
        if last is None:
            raise ValueError("the bot has not written in this chat yet")
        self._say(text, reply_to=last.message_id)

    def _press(self, which: str) -> None:
        message, buttons = self._keyboard()
        if which.isdigit() and 1 <= int(which) <= len(buttons):
            button = buttons[int(which) - 1]
        else:
            button = next((b for b in buttons if b.get("text") == which), None)
            if button is None:
                raise ValueError(f"no button {which!r}: {self._labels(buttons)}")
        if "callback_data" not in button:
            target = button.get("url") or (button.get("web_app") or {}).get("url")
            self.write(f"(that button opens {target} in the user's browser)")
            return
        self.api.push_callback(
            self.me.user_id, button["callback_data"], message.message_id or 0, self.me.chat_id
        )

    def _buttons(self, _: str) -> None:
        _, buttons = self._keyboard()
        self.write(self._labels(buttons))

    def _inline(self, query: str) -> None:
        chat_type = "sender" if self.me.chat_id is None else "supergroup"
        self.api.push_inline_query(self.me.user_id, query, chat_type=chat_type)

    def _edit(self, text: str) -> None:
        message_id = self.me.mine.get(self.me.chat)
        if message_id is None:
            raise ValueError("you have not written in this chat yet")
        self.api.push_edit(self.me.user_id, message_id, text, chat_id=self.me.chat_id)

    def _block(self, blocked: bool) -> None:
        self.api.push_my_chat_member(self.me.user_id, "kicked" if blocked else "member")

    def _wait(self, seconds: str) -> None:
        try:
            limit = float(seconds) if seconds else 10.0
        except ValueError:
            raise ValueError("usage: :wait [SECONDS]") from None
        self.wait(limit)

    def wait(self, limit: float = 10.0, quiet: float = 0.5) -> None:
        """Wait until the bot took every update pushed and made no call for ``quiet`` s."""
        deadline = time.monotonic() + limit
        try:
            self.api.wait_until_acknowledged(timeout=limit)
        except TimeoutError:
            raise ValueError(f"the bot has not taken every update within {limit:g}s") from None
        answered = len(self.api.requests)
        while time.monotonic() < deadline:
            now = self.api.wait_for_activity(answered, timeout=quiet)
            if now == answered or self._only_polling(answered):
                return
            answered = now

    def _only_polling(self, answered: int) -> bool:
        # A long poll ending empty is the bot waiting, not the bot doing something.
        return all(r.method == "getUpdates" for r in self.api.requests[answered:])

    # -- who and where ----------------------------------------------------------------------

    def _as(self, rest: str) -> None:
        parts = shlex.split(rest)
        if not parts or not parts[0].lstrip("-").isdigit():
            raise ValueError("usage: :as USER_ID [NAME]")
        self.me.user_id = int(parts[0])
        self.me.name = " ".join(parts[1:]) or f"User {parts[0]}"
        self.write(self._who())

    def _lang(self, code: str) -> None:
        if not code:
            raise ValueError("usage: :lang CODE (en, fa, … or - for none)")
        self.me.language = None if code == "-" else code
        self.write(self._who())

    def _group(self, rest: str) -> None:
        parts = shlex.split(rest)
        chat_id = GROUP_ID
        if parts and parts[0].lstrip("-").isdigit():
            chat_id = int(parts.pop(0))
        if chat_id > 0:
            raise ValueError("a group's id is negative, e.g. :group -100100")
        self.me.chat_id = chat_id
        self.me.group_title = " ".join(parts) or self.me.group_title
        self.write(self._who())

    def _private(self, _: str) -> None:
        self.me.chat_id = None
        self.write(self._who())

    def _who(self) -> str:
        me = self.me
        where = "their private chat" if me.chat_id is None else f"group {me.chat_id}"
        language = me.language or "no language"
        return f"= {me.name} (user {me.user_id}, {language}) writing in {where}"

    # -- the bot's messages -------------------------------------------------------------------

    def _last_from_bot(self, wanted: Callable[[SentRecord], bool]) -> SentRecord | None:
        chat = self.me.chat
        found = [r for r in self.api.sent if r.chat_id == chat and r.message_id and wanted(r)]
        return found[-1] if found else None

    def _keyboard(self) -> tuple[SentRecord, list[JsonDict]]:
        message = self._last_from_bot(lambda record: bool(_buttons_of(record)))
        if message is None:
            raise ValueError("no message with buttons from the bot in this chat")
        return message, _buttons_of(message)

    @staticmethod
    def _labels(buttons: list[JsonDict]) -> str:
        return "  ".join(f"[{n}] {b.get('text')}" for n, b in enumerate(buttons, 1))


def _buttons_of(record: SentRecord) -> list[JsonDict]:
    markup: Any = record.reply_markup or {}
    rows = markup.get("inline_keyboard", []) if isinstance(markup, dict) else []
    return [button for row in rows for button in row]


class Narrator:
    """Write what the bot does as readable lines, as it happens, from a thread of its own."""

    def __init__(self, api: BotApiDouble, write: Callable[[str], None] = print) -> None:
        self.api = api
        self.write = write
        self._stop = threading.Event()
        self._seen = {"sent": 0, "taps": 0, "inline": 0, "errors": 0}
        self._thread = threading.Thread(target=self._run, name="narrator", daemon=True)

    def start(self) -> Narrator:
        """Start narrating."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Narrate what is left, then stop."""
        self._stop.set()
        self._thread.join(timeout=5)
        self.tell()

    def _run(self) -> None:
        answered = 0
        while not self._stop.is_set():
            answered = self.api.wait_for_activity(answered, timeout=0.2)
            self.tell()

    def tell(self) -> None:
        """Write every action of the bot not yet written."""
        api = self.api
        for record in self._new("sent", api.sent):
            self.write(self._message(record))
        for answer in self._new("taps", api.callback_answers):
            text = answer.get("text")
            shown = f": {text}" if text else ""
            alert = " (as an alert)" if answer.get("show_alert") else ""
            self.write(f"bot answers the button{alert}{shown}")
        for answer in self._new("inline", api.inline_answers):
            for result in answer.get("results") or []:
                title = result.get("title", "")
                description = result.get("description", "")
                self.write(f"bot offers inline: {title} — {description}")
        failed = [r for r in api.requests if r.status >= 400 and r.method != "getUpdates"]
        for request in self._new("errors", failed):
            self.write(f"bot's {request.method} was refused ({request.status})")

    def _new(self, kind: str, items: list[Any]) -> list[Any]:
        fresh = items[self._seen[kind] :]
        self._seen[kind] = len(items)
        return fresh

    def _message(self, record: SentRecord) -> str:
        verb = {
            "sendMessage": "says",
            "sendDocument": "sends a file",
            "editMessageText": "edits its message",
            "editMessageReplyMarkup": "changes its buttons",
            "deleteMessage": "deletes a message",
        }.get(record.method, record.method)
        chat = self.api.chat(record.chat_id or 0)
        where = f"to {record.chat_id}"
        if chat is not None and chat.type == "private" and chat.first_name:
            where = f"to {chat.first_name} ({record.chat_id})"
        elif chat is not None and chat.type != "private":
            where = f"in {chat.title or chat.username or record.chat_id}"
        lines = [f"bot {verb} {where}:"]
        if record.document_name:
            lines.append(f"  [{record.document_name}, {len(record.document_bytes or b'')} bytes]")
        text = record.plain_text if record.plain_text is not None else record.text
        if text:
            lines += [f"  {line}" for line in text.splitlines()]
        buttons = _buttons_of(record)
        if buttons:
            lines.append("  " + Console._labels(buttons) + "   (:press N)")
        return "\n".join(lines)
