"""Serve the double from the command line: python -m tests.support.bot_api --help."""

from __future__ import annotations

import argparse
import sys
import threading
from collections.abc import Iterable

from tests.support import bot_api


def main(argv: Iterable[str] | None = None) -> None:
    """Serve the double until Ctrl-C; each stdin line is pushed as a text from --user."""
    parser = argparse.ArgumentParser(
        prog="python -m tests.support.bot_api",
        description=bot_api.__doc__.splitlines()[0],
        epilog=(
            "Point the bot at it with TELEGRAM_API_URL=http://HOST:PORT and any token of the "
            "right shape. Each line typed on stdin is pushed as a text message from --user; "
            "every request the bot makes is printed with its parameters."
        ),
    )
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--token", default="123:ABC")
    parser.add_argument("--user", type=int, default=1, help="user id that stdin lines come from")
    parser.add_argument("--round-trip", type=float, default=0.0, help="seconds per request")
    args = parser.parse_args(None if argv is None else list(argv))
    with bot_api.BotApiDouble(
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
