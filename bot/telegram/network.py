"""HTTP to the Bot API with retries on network failures and Telegram 5xx answers."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

from telegram.error import NetworkError, TimedOut
from telegram.request import HTTPXRequest, RequestData

log = logging.getLogger(__name__)

BACKOFF = (0.5, 1.0, 2.0, 4.0)


class RetryingRequest(HTTPXRequest):
    """An ``HTTPXRequest`` that retries refused connections and 5xx answers with backoff.

    429 is left to ``AIORateLimiter`` (it knows ``retry_after``); 4xx are final. A timeout is
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
