"""The double's HTTP server: BotApiDouble's lifecycle, webhook delivery and what tests inspect."""

from __future__ import annotations

import json
import re
import threading
import time
import traceback
import urllib.parse
from collections import Counter, deque
from collections.abc import Callable, Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.support.bot_api.methods import Methods
from tests.support.bot_api.state import (
    DESCRIPTIONS,
    ApiError,
    JsonDict,
    RequestRecord,
    SentRecord,
    WebhookDelivery,
)
from tests.support.bot_api.wire import post_update, read_params
from tests.support.bot_api.world import World

# Methods that put a message into a chat, so flood limits apply to them.
SEND_METHODS = frozenset({"sendMessage", "sendDocument"})
_PATH = re.compile(r"/bot([^/]+)/([A-Za-z]+)/?")


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


class BotApiDouble(World, Methods):
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
        super().__init__(token, username, first_name, global_rate, group_rate_per_minute)
        self.round_trip = round_trip
        self.host = host
        self.port = port
        self._log = log
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._faults: dict[str, deque[ApiError]] = {}
        self._in_flight: Counter[str] = Counter()
        self._peak_in_flight: Counter[str] = Counter()
        self._requests: list[RequestRecord] = []
        # Where webhook updates really go (see deliver_by_webhook), and what happened to each.
        self._webhook_targets: list[str] = []
        self._webhook_turn = 0
        self._webhook_thread: threading.Thread | None = None
        self._webhook_log: list[WebhookDelivery] = []
        self._methods = self._bot_api_methods()

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

    def fail_next(
        self,
        method: str,
        error_code: int,
        description: str | None = None,
        retry_after: int | None = None,
        times: int = 1,
        chat_id: int | None = None,
    ) -> None:
        """Make the next `times` calls of method fail with the given error (with ``chat_id``,
        only calls to that chat)."""
        if error_code == 429 and retry_after is None:
            retry_after = 1
        if description is None:
            description = DESCRIPTIONS.get(error_code, "Error")
            if retry_after is not None:
                description = f"{description}: retry after {retry_after}"
        with self._cond:
            where = method.lower() if chat_id is None else f"{method.lower()}@{chat_id}"
            queue = self._faults.setdefault(where, deque())
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
            status = post_update(target, update, secret)
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

    def wait_for_activity(self, answered: int, timeout: float = 1.0) -> int:
        """Block until the double has answered more than ``answered`` calls, or ``timeout``
        passed; return how many calls it has answered."""
        with self._cond:
            self._cond.wait_for(lambda: len(self._requests) > answered, timeout)
            return len(self._requests)

    def wait_until_polling(self, timeout: float = 5.0) -> None:
        """Block until a getUpdates long poll is waiting for updates."""
        with self._cond:
            if not self._cond.wait_for(lambda: self._polling > 0, timeout):
                raise TimeoutError(f"no getUpdates long poll started within {timeout}s")

    def wait_until_acknowledged(self, timeout: float = 5.0) -> None:
        """Block until the bot has fetched every pushed update and acknowledged it (offset)."""
        with self._cond:
            if not self._cond.wait_for(lambda: not self._updates, timeout):
                ids = [u["update_id"] for u in self._updates]
                raise TimeoutError(f"updates {ids} not acknowledged within {timeout}s")

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
                chat = params.get("chat_id")
                faults = self._faults.get(f"{method.lower()}@{chat}") or self._faults.get(
                    method.lower()
                )
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
            # Readable in a terminal: Persian as written, a whole reply rather than its start.
            shown = json.dumps(params, default=str, ensure_ascii=False)
            self._log(f"{method} {status} {shown[:4500]}")
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
