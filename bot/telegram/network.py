"""HTTP to the Bot API: retries on network failures and Telegram 5xx answers, and updates
screened so that one the library cannot read never stops polling."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

from telegram import Update
from telegram.error import NetworkError, TimedOut
from telegram.request import HTTPXRequest, RequestData

log = logging.getLogger(__name__)

BACKOFF = (0.5, 1.0, 2.0, 4.0)


class RetryingRequest(HTTPXRequest):
    """An ``HTTPXRequest`` that retries refused connections and 5xx answers with backoff.

    429 is left to the rate limiter (it knows ``retry_after``); 4xx are final. A timeout is
    not retried: Telegram may have acted on the request, and a resend could double a message.
    """

    def __init__(self, *args: Any, backoff: Sequence[float] = BACKOFF, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.backoff = tuple(backoff)

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        *args: Any,
        **kwargs: Any,
    ) -> tuple[int, bytes]:
        """Send the request, retrying per ``backoff``; see ``HTTPXRequest.do_request``."""
        endpoint = url.rsplit("/", 1)[-1]  # never log the URL: it holds the token
        for delay in (*self.backoff, None):
            try:
                code, payload = await super().do_request(url, method, request_data, *args, **kwargs)
            except TimedOut:
                raise
            except NetworkError as error:
                if delay is None:
                    raise
                log.warning("%s: %s; retrying in %.1fs", endpoint, error.message, delay)
            else:
                if code < 500 or delay is None:
                    return code, payload
                log.warning("%s: Telegram answered %d; retrying in %.1fs", endpoint, code, delay)
            await asyncio.sleep(delay)
        raise AssertionError("unreachable: the last attempt returns or raises")


class UpdatesRequest(HTTPXRequest):
    """The ``getUpdates`` request, which passes on only updates this library can read.

    PTB parses a whole batch at once: one update it cannot read (a field a newer Bot API made
    required, say) fails the batch, the offset never moves, and the same batch comes back
    forever. Each unreadable update is replaced by a bare ``{"update_id": N}``, which every
    handler ignores, so the offset moves past it and later updates are handled.
    """

    # PTB marks ``post`` final; screening the parsed result here is the one place that sees
    # each update before PTB's batch parsing, and the signature is kept exactly.
    async def post(  # type: ignore[misc]
        self, url: str, request_data: RequestData | None = None, *args: Any, **kwargs: Any
    ) -> Any:
        """Post as usual; for getUpdates, screen each update of the result."""
        result = await super().post(url, request_data, *args, **kwargs)
        if url.endswith("/getUpdates") and isinstance(result, list):
            return [update for update in map(readable_update, result) if update is not None]
        return result


def readable_update(raw: object) -> dict[str, Any] | None:
    """Return ``raw`` if it parses as an Update, a bare one in its place if not, None without id.

    The warning names the update's id and type only: its content may be a student's message.
    """
    update_id = raw.get("update_id") if isinstance(raw, dict) else None
    if not isinstance(update_id, int):
        log.warning("skipped an update without an update_id")
        return None
    assert isinstance(raw, dict)
    try:
        Update.de_json(raw, None)
    except Exception as error:
        kind = ", ".join(sorted(str(key) for key in raw if key != "update_id")) or "empty"
        log.warning(
            "skipped update %d (%s): it cannot be read (%s)", update_id, kind, type(error).__name__
        )
        return {"update_id": update_id}
    return raw
