"""Serve the double from the command line: python -m tests.support.bot_api --help."""

from __future__ import annotations

import argparse
import sys
import threading
from collections.abc import Iterable

from tests.support import bot_api
from tests.support.bot_api.console import HELP, Console, Narrator


def main(argv: Iterable[str] | None = None) -> None:
    """Serve the double until Ctrl-C (or the end of stdin with --exit-at-eof); each stdin line
    is what a user sends, or an instruction to the double (":help")."""
    parser = argparse.ArgumentParser(
        prog="python -m tests.support.bot_api",
        description=bot_api.__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=(
            "Point the bot at it with TELEGRAM_API_URL=http://HOST:PORT and any token of the "
            "right shape (TELEGRAM_BOT_TOKEN=123:ABC). What the bot sends is printed as it "
            "happens.\n\n" + HELP
        ),
    )
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--token", default="123:ABC")
    parser.add_argument("--user", type=int, default=1, help="user id lines come from at first")
    parser.add_argument("--lang", default="en", help="that user's Telegram language at first")
    parser.add_argument("--round-trip", type=float, default=0.0, help="seconds per request")
    parser.add_argument(
        "--raw", action="store_true", help="also print every request the bot makes, in full"
    )
    parser.add_argument(
        "--exit-at-eof", action="store_true", help="stop at the end of stdin (for scripts)"
    )
    args = parser.parse_args(None if argv is None else list(argv))

    def write(line: str) -> None:
        print(line, flush=True)

    raw = write if args.raw else None
    with bot_api.BotApiDouble(
        args.token, port=args.port, host=args.host, round_trip=args.round_trip, log=raw
    ) as api:
        write(f"Bot API double on {api.base_url} (set TELEGRAM_API_URL to it); Ctrl-C stops.")
        write(f"The bot is @{api.bot_user['username']}. Type a message, or :help.")
        console = Console(api, write)
        console.me.user_id, console.me.language = args.user, args.lang or None
        narrator = Narrator(api, write).start()
        try:
            for line in sys.stdin:
                console.handle(line)
            if args.exit_at_eof:
                console.handle(":wait")
            else:
                threading.Event().wait()
        except KeyboardInterrupt:
            pass
        finally:
            narrator.stop()


if __name__ == "__main__":
    main()
