"""Bot latency and memory: `course-bot run` against PTB's own echo bot on one Bot API double.

Each bot runs as its own process against its own Bot API double in this process (the same
double, configured alike: every request answered after a round trip, 100 ms by default, and
Telegram's 30 messages/s overall enforced with 429s). In one run:

1. ``PTB echo bot`` (``AIORateLimiter`` with PTB's defaults, ``concurrent_updates(True)``):
   N questions at 20/s, each from its own user (below Telegram's limit, so the figures are
   the cost of answering).
2. ``course-bot run``, the same load at the same moments (both bots side by side, so both
   see the same machine load): the engine, the user and question log in SQLite, the reply.
3. Both bots during a flood, side by side again: one user sends 1,000 messages (pushed at
   ``--flood-rate``, 100/s by default) while the same N questions come from other users.
   The echo bot has no flood guard: it shows what the flood costs the others without one.

A third bot runs beside them through the warm-up and the paced load: ``course-bot run``
with its database made slow, every SQL statement delayed by ``--slow-db-ms`` (50 ms by
default; with ``--slow-writes-only``, every statement but a SELECT) by a SQLAlchemy hook
this script installs in that process only (``--slow-db-ms 0`` leaves it out). It writes
more slowly than questions come, so its queue of writes (the question log) grows; at the
stop it writes them all, which is given as its drain time.

Latency is from pushing an update into the double to the double receiving the matching
``sendMessage`` (so it includes the round trip). Peak RSS is the bot process's ``VmHWM``.

    python benchmarks/bot_throughput.py [--messages 600] [--rate 20] [--round-trip 0.1]
                                        [--flood 1000] [--flood-rate 100] [--slow-db-ms 50]
                                        [--slow-writes-only]
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
FLOODER = 7
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
    """What one bot did with one load."""

    name: str
    load: str
    replies: int
    p50_ms: float
    p99_ms: float
    cpu_ms: float
    peak_rss_mb: float


def slow_course_bot(delay_ms: float, writes_only: bool) -> None:
    """Run ``course-bot run`` with every SQL statement (or every write) delayed by
    ``delay_ms``."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    def slow(conn: object, cursor: object, statement: str, *_: object) -> None:
        if not writes_only or not statement.lstrip().upper().startswith("SELECT"):
            time.sleep(delay_ms / 1000)

    # On the Engine class: every engine the bot creates, and only in this process.
    event.listen(Engine, "before_cursor_execute", slow)
    from bot.cli import main as course_bot

    sys.exit(course_bot(["run"]))


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
        # PTB handles updates one at a time by default; at a 100 ms round trip that caps an
        # echo bot at 10 replies/s, so the baseline runs them side by side as the course bot does.
        .concurrent_updates(True)
        .build()
    )
    app.add_handler(MessageHandler(filters.TEXT, echo))
    app.run_polling(allowed_updates=["message"])


class BotProcess:
    """A bot process polling its double, started and stopped around the loads."""

    def __init__(self, name: str, command: list[str], api: BotApiDouble, env: dict[str, str]):
        self.name = name
        self.api = api
        env = {**env, "TELEGRAM_API_URL": api.base_url}
        # A file, not a pipe nobody reads while the loads run: a bot logging an error per
        # refused send (the echo bot under a flood) would fill the pipe and stall on it.
        self.log = tempfile.TemporaryFile("w+")  # noqa: SIM115 - kept open until stop()
        self.process = subprocess.Popen(
            command, env=env, stdout=subprocess.DEVNULL, stderr=self.log, text=True
        )

    def ready(self) -> None:
        """Wait until the bot polls for updates (PTB calls deleteWebhook right before)."""
        deadline = time.monotonic() + 60
        while not _calls(self.api, "deleteWebhook") and time.monotonic() < deadline:
            time.sleep(0.05)
        self.api.wait_until_polling(timeout=60)

    def cpu_seconds(self) -> float:
        """Return the CPU time the process has used so far."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def result(self, load: Load, cpu_before: float) -> Result:
        """Wait for every reply to the load's questions and return the latencies."""
        latencies = load.latencies(self.api)
        time.sleep(0.5)  # the last replies' bookkeeping
        cpu = self.cpu_seconds() - cpu_before
        return Result(
            name=self.name,
            load=load.label,
            replies=len(latencies),
            p50_ms=1000 * statistics.median(latencies),
            p99_ms=1000 * latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))],
            cpu_ms=1000 * cpu / len(load.events),
            peak_rss_mb=_peak_rss_mb(self.process.pid),
        )

    def stop(self, timeout: float = 30, *, strict: bool = True) -> float:
        """Stop the process with SIGTERM and return how long it took; fail loudly if it did
        not exit cleanly (only say so, unless ``strict``)."""
        started = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.seek(0)
        stderr = self.log.read()
        self.log.close()
        if self.process.returncode != 0 and not strict:
            print(f"{self.name} exited with {self.process.returncode}", file=sys.stderr)
        elif self.process.returncode != 0:
            raise SystemExit(
                f"{self.name} exited with {self.process.returncode}:\n{stderr[-2000:]}"
            )
        return time.monotonic() - started


class Load:
    """Questions from distinct users at a steady rate, and perhaps one user's flood."""

    def __init__(self, args: argparse.Namespace, first_user: int, flood: int) -> None:
        interval = 1.0 / args.rate
        self.events = [
            (n * interval, first_user + n, QUESTIONS[n % len(QUESTIONS)])
            for n in range(args.messages)
        ]
        if flood:
            spacing = 1.0 / args.flood_rate if args.flood_rate else 0.0
            self.events += [(n * spacing, FLOODER, f"flood {n}") for n in range(flood)]
        self.events.sort(key=lambda event: event[0])
        self.label = f"{args.messages} questions at {args.rate:g}/s"
        if flood:
            pace = f"{args.flood_rate:g}/s" if args.flood_rate else "once"
            self.label += f", {flood} from one user at {pace}"
        self.pushed: dict[tuple[int, int], float] = {}
        self.already: dict[tuple[int, int], int] = {}

    def push(self, apis: list[BotApiDouble]) -> None:
        """Push the events into every double at the same moments (the bots run side by side)."""
        for api in apis:
            for _, user, _ in self.events:
                self.already[(api.port, user)] = len(api.messages_to(user))
        start = time.monotonic()
        for at, user, text in self.events:
            time.sleep(max(0.0, start + at - time.monotonic()))
            for api in apis:
                api.push_text(user, text)
                if user != FLOODER:
                    self.pushed[(api.port, user)] = time.monotonic()

    def latencies(self, api: BotApiDouble) -> list[float]:
        """Return the sorted push-to-reply times of the questions (not the flood) in one double.

        A reply that has not come 90 s after the last push is counted as lost (a bot without
        a flood guard may drop some on Telegram's 429s): it is left out.
        """
        found: list[float] = []
        deadline = time.monotonic() + 90
        for (port, user), at in self.pushed.items():
            if port != api.port:
                continue
            k = self.already[(port, user)]
            try:
                replies = api.wait_for_count(
                    k + 1, "sendMessage", max(0.0, deadline - time.monotonic()), chat_id=user
                )
            except TimeoutError:
                continue
            found.append(replies[k].time - at)
        return sorted(found)


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
    parser.add_argument("--messages", type=int, default=600, help="questions per load")
    parser.add_argument("--rate", type=float, default=20.0, help="questions per second")
    parser.add_argument("--round-trip", type=float, default=0.1, help="seconds per request")
    parser.add_argument("--flood", type=int, default=1000, help="messages from the flooder")
    parser.add_argument("--flood-rate", type=float, default=100.0, help="0 = all at once")
    parser.add_argument("--slow-db-ms", type=float, default=50.0, help="0 = no slow bot")
    parser.add_argument(
        "--slow-writes-only", action="store_true", help="slow only statements that write"
    )
    parser.add_argument("--echo-bot", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--slow-bot", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.echo_bot:
        echo_bot()
        return
    if args.slow_bot:
        slow_course_bot(args.slow_db_ms, args.slow_writes_only)
        return
    results: list[Result] = []
    with (
        tempfile.TemporaryDirectory() as state,
        BotApiDouble(TOKEN, global_rate=30, round_trip=args.round_trip) as echo_api,
        BotApiDouble(TOKEN, global_rate=30, round_trip=args.round_trip) as course_api,
        BotApiDouble(TOKEN, global_rate=30, round_trip=args.round_trip) as slow_api,
    ):
        env = {
            k: v for k, v in os.environ.items() if not k.startswith(("COURSE_BOT_", "TELEGRAM_"))
        }
        env.update(
            TELEGRAM_BOT_TOKEN=TOKEN,
            COURSE_BOT_DATABASE_URL=f"sqlite:///{state}/bot.sqlite3",
            COURSE_BOT_COURSE=str(ROOT / "data" / "mlsd-spring-2023.yaml"),
            COURSE_BOT_LOG_LEVEL="WARNING",
        )
        echo = BotProcess("PTB echo bot", [sys.executable, __file__, "--echo-bot"], echo_api, env)
        course = BotProcess(
            "`course-bot run`", [sys.executable, "-m", "bot", "run"], course_api, env
        )
        bots = [echo, course]
        if args.slow_db_ms:
            # Its own database: one process owns a SQLite file.
            slow_env = {**env, "COURSE_BOT_DATABASE_URL": f"sqlite:///{state}/slow.sqlite3"}
            what = "write" if args.slow_writes_only else "SQL statement"
            name = f"`course-bot run`, every {what} +{args.slow_db_ms:g} ms"
            command = [sys.executable, __file__, "--slow-bot", f"--slow-db-ms={args.slow_db_ms}"]
            if args.slow_writes_only:
                command.append("--slow-writes-only")
            bots.append(BotProcess(name, command, slow_api, slow_env))
        slow: BotProcess | None = bots[2] if len(bots) == 3 else None
        drained: float | None = None
        try:
            for bot in bots:
                bot.ready()
            # The bots at once, each on its own double, so all see the same machine load.
            # A few questions first, unmeasured, so none pays for first calls in the figures.
            warm_up = Load(argparse.Namespace(**{**vars(args), "messages": 40}), 50_000, 0)
            warm_up.push([bot.api for bot in bots])
            for bot in bots:
                warm_up.latencies(bot.api)
            for load in (Load(args, 100_000, 0), Load(args, 200_000, args.flood)):
                cpu = [bot.cpu_seconds() for bot in bots]
                load.push([bot.api for bot in bots])
                results += [bot.result(load, before) for bot, before in zip(bots, cpu, strict=True)]
                if slow in bots:
                    # The slow bot sits the flood out: its queue of writes is long enough.
                    bots.remove(slow)
                    drained = slow.stop(timeout=600, strict=False)
        finally:
            for bot in bots:
                bot.stop()
        limited = {bot.name: bot.api.rate_limited_count for bot in (echo, course)}
    print(f"round trip {1000 * args.round_trip:g} ms; 429s from the doubles: {limited}\n")
    print("| load | bot | replies | p50 | p99 | CPU per update | peak RSS |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for r in results:
        print(
            f"| {r.load} | {r.name} | {r.replies} | {r.p50_ms:.0f} ms | {r.p99_ms:.0f} ms "
            f"| {r.cpu_ms:.1f} ms | {r.peak_rss_mb:.0f} MB |"
        )
    paced = 3 if slow is not None else 2
    echo_r, course_r = results[:2]
    echo_flood, flood_r = results[paced : paced + 2]
    print(
        f"\ncourse bot - echo bot: p50 {course_r.p50_ms - echo_r.p50_ms:+.1f} ms, "
        f"p99 {course_r.p99_ms - echo_r.p99_ms:+.1f} ms"
    )
    print(
        f"others' p99 during the flood (course bot) - echo bot without a flood: "
        f"{flood_r.p99_ms - echo_r.p99_ms:+.1f} ms; - course bot without a flood: "
        f"{flood_r.p99_ms - course_r.p99_ms:+.1f} ms; echo bot during the flood: "
        f"{echo_flood.p99_ms:.0f} ms"
    )
    if slow is not None:
        slow_r = results[2]
        print(
            f"slow database - fast database (course bot, paced): "
            f"p50 {slow_r.p50_ms - course_r.p50_ms:+.1f} ms, "
            f"p99 {slow_r.p99_ms - course_r.p99_ms:+.1f} ms; the slow bot's stop, writing "
            f"its queue: {drained or 0:.0f} s"
        )


if __name__ == "__main__":
    main()
