"""Bot throughput: `course-bot run` against a minimal PTB echo bot on the same Bot API double.

Each bot runs as its own process, one after the other, against one in-process double. The
benchmark pushes N questions from U users and measures, per bot: messages per second (from
the first push to the last reply), update-to-reply latency (push to the double receiving
sendMessage, p50/p99) and the process's peak RSS (VmHWM). Both bots pass their requests
through PTB's AIORateLimiter with its defaults, as any bot must to honour Telegram's 30
messages/s; ``--rate`` paces the pushes to measure latency below that ceiling.

    python benchmarks/bot_throughput.py [--messages 2000] [--users 200] [--rate 0]
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.bot_api import BotApiDouble  # noqa: E402 - needs the path above

TOKEN = "424242:BENCHMARK-token"
QUESTIONS = (
    "when is quiz 3?",
    "when is CA2 due?",
    "what's next?",
    "how is the course graded?",
    "who are the TAs?",
    "what is the late policy?",
    "کوییز ۴ کی است؟",
    "مهلت تمرین ۱ کی تمام می‌شود؟",
    "when is the DVC workshop?",
    "what are the references?",
)


@dataclass(frozen=True)
class Result:
    """What one bot did with the load."""

    name: str
    replies: int
    seconds: float
    p50_ms: float
    p99_ms: float
    peak_rss_mb: float

    @property
    def rate(self) -> float:
        """Return replies per second."""
        return self.replies / self.seconds


def echo_bot() -> None:
    """Run a minimal PTB echo bot on TELEGRAM_API_URL (the baseline)."""
    from telegram import Update
    from telegram.ext import (
        AIORateLimiter,
        ApplicationBuilder,
        ContextTypes,
        MessageHandler,
        filters,
    )

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None and update.message.text is not None
        await update.message.reply_text(update.message.text)

    url = os.environ["TELEGRAM_API_URL"]
    app = (
        ApplicationBuilder()
        .token(os.environ["TELEGRAM_BOT_TOKEN"])
        .base_url(f"{url}/bot")
        .rate_limiter(AIORateLimiter())
        .build()
    )
    app.add_handler(MessageHandler(filters.TEXT, echo))
    app.run_polling(allowed_updates=["message"])


def measure(
    name: str, command: list[str], api: BotApiDouble, env: dict[str, str], args: argparse.Namespace
) -> Result:
    """Start a bot process, push the load, wait for every reply and stop the process."""
    started = _calls(api, "deleteWebhook")
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    try:
        # A previous bot's long poll may still be parked in the double, so wait_until_polling
        # could return at once; PTB calls deleteWebhook right before its first getUpdates.
        deadline = time.monotonic() + 30
        while _calls(api, "deleteWebhook") == started and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)
        already = len(api.sent)
        pushed: dict[int, list[float]] = {}
        interval = 1.0 / args.rate if args.rate else 0.0
        start = time.monotonic()
        for n in range(args.messages):
            user = 10_000 + n % args.users
            if interval:
                time.sleep(max(0.0, start + n * interval - time.monotonic()))
            api.push_text(user, QUESTIONS[n // args.users % len(QUESTIONS)])
            pushed.setdefault(user, []).append(time.monotonic())
        api.wait_for_count(already + args.messages, timeout=args.messages / 5 + 60)
        replies = api.sent[already:]
        peak_rss_mb = _peak_rss_mb(process.pid)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            _, stderr = process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            _, stderr = process.communicate()
    if process.returncode != 0:
        raise SystemExit(f"{name} exited with {process.returncode}:\n{stderr[-2000:]}")
    # Each bot answers one chat in order, so the k-th reply in a chat answers its k-th push.
    latencies: list[float] = []
    seen: dict[int, int] = {}
    for record in replies:
        assert record.chat_id is not None
        k = seen.get(record.chat_id, 0)
        seen[record.chat_id] = k + 1
        latencies.append(record.time - pushed[record.chat_id][k])
    latencies.sort()
    return Result(
        name=name,
        replies=len(replies),
        seconds=replies[-1].time - start,
        p50_ms=1000 * statistics.median(latencies),
        p99_ms=1000 * latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))],
        peak_rss_mb=peak_rss_mb,
    )


def _calls(api: BotApiDouble, method: str) -> int:
    return sum(1 for r in api.requests if r.method == method)


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    """Run both bots against the double and print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--rate", type=float, default=0.0, help="pushes per second; 0 = burst")
    parser.add_argument("--echo-bot", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.echo_bot:
        echo_bot()
        return
    with tempfile.TemporaryDirectory() as state, BotApiDouble(TOKEN) as api:
        env = {
            k: v for k, v in os.environ.items() if not k.startswith(("COURSE_BOT_", "TELEGRAM_"))
        }
        env.update(
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_API_URL=api.base_url,
            COURSE_BOT_DATABASE_URL=f"sqlite:///{state}/bot.sqlite3",
            COURSE_BOT_COURSE=str(ROOT / "data" / "mlsd-spring-2023.yaml"),
            COURSE_BOT_LOG_LEVEL="WARNING",
        )
        runs = [
            ("PTB echo bot", [sys.executable, __file__, "--echo-bot"]),
            ("course-bot run", [sys.executable, "-m", "bot", "run"]),
        ]
        results = [measure(name, command, api, env, args) for name, command in runs]
    load = "burst" if not args.rate else f"{args.rate:g}/s"
    print(f"{args.messages} questions from {args.users} users, pushed {load}\n")
    print("| bot | replies | msg/s | p50 latency | p99 latency | peak RSS |")
    print("|---|---:|---:|---:|---:|---:|")
    for r in results:
        print(
            f"| {r.name} | {r.replies} | {r.rate:.1f} | {r.p50_ms:.0f} ms | {r.p99_ms:.0f} ms "
            f"| {r.peak_rss_mb:.0f} MB |"
        )
    echo, course = results
    print(f"\ncourse bot / echo bot throughput: {course.rate / echo.rate:.2f}x")


if __name__ == "__main__":
    main()
