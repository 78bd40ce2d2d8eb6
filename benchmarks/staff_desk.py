"""The staff desk's costs and its propagation target, measured in one run.

1. Rebuilding the engine with N saved FAQ entries (``Knowledge.build``: read the entries, add
   them to the course, build the index), as a Save as FAQ or a replica's refresh does.
2. Answering the question sets with and without 200 saved entries, alternating rounds in one
   process, so what saved entries cost every answer shows side by side.
3. Propagation (target: within 5 s): a `course-bot run --webhook` replica on a real
   PostgreSQL server; an entry is saved in the database, as Save as FAQ on another replica
   does, and a student's paraphrase is sent every 100 ms until this replica answers from it.

    python benchmarks/staff_desk.py [--rounds 5] [--saves 5]
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("PTB_TIMEDELTA", "1")

import yaml  # noqa: E402
from sqlalchemy.engine import Engine as DbEngine  # noqa: E402

from bot import storage  # noqa: E402 - needs the path above
from bot.core.answering.engine import Engine  # noqa: E402
from bot.core.course.loader import load_course  # noqa: E402
from bot.storage import faq  # noqa: E402
from bot.telegram.knowledge import Knowledge  # noqa: E402
from tests.questions import DATA, load_cases  # noqa: E402
from tests.support.bot_api import BotApiDouble  # noqa: E402
from tests.support.postgres import PostgresServer, free_port  # noqa: E402
from tests.support.process import bot_environment, start_bot  # noqa: E402

COURSE = ROOT / "data" / "mlsd-spring-2023.yaml"
TOKEN = "424242:BENCHMARK-token"
SECRET = "benchmark-webhook-secret"
NOW = datetime(2023, 3, 8, 8, 30, tzinfo=UTC)
# Tools the course file never mentions: "Can I use <tool> for the project?" is saved with an
# answer, then asked reworded.
TOOLS = (
    "keras jax mxnet paddlepaddle chainer caffe theano xgboost lightgbm catboost onnx ray "
    "dask spark flink airflow prefect dagster kubeflow bentoml seldon triton polars duckdb"
).split()


def saved_question(n: int) -> tuple[str, str, str]:
    """Return the n-th saved question, its paraphrase and the answer's tell-tale words."""
    tool = TOOLS[n % len(TOOLS)]
    suffix = f" (variant {n // len(TOOLS)})" if n >= len(TOOLS) else ""
    return (
        f"Can I use {tool} for the project?{suffix}",
        f"is {tool} allowed in the project",
        f"{tool} is fine",
    )


def save(engine: DbEngine, n: int) -> None:
    """Save the n-th question with an answer, as Save as FAQ does."""
    question, _, told = saved_question(n)
    faq.save_faq(
        engine,
        card_id=n + 1,
        question=question,
        answer=f"Yes, {told}.",
        lang="en",
        answered_on=date(2023, 3, 8),
        by="Bench",
        now=NOW,
    )


def bench_rebuild(rounds: int) -> list[tuple[int, float]]:
    """Return (saved entries, median ms) for rebuilding the engine with them."""
    base = load_course(COURSE)
    figures = []
    with tempfile.TemporaryDirectory() as folder:
        engine = storage.make_engine(f"sqlite:///{folder}/bench.sqlite3")
        saved = 0
        for wanted in (0, 50, 200, 1000):
            while saved < wanted:
                save(engine, saved)
                saved += 1
            times = []
            for _ in range(rounds):
                start = time.perf_counter()
                Knowledge.build(base, engine)
                times.append((time.perf_counter() - start) * 1000)
            figures.append((wanted, statistics.median(times)))
        engine.dispose()
    return figures


def bench_answers(rounds: int, per_round: int) -> dict[str, float]:
    """Answer the question sets on the course alone and with 200 saved entries, alternating."""
    base = load_course(COURSE)
    with tempfile.TemporaryDirectory() as folder:
        engine = storage.make_engine(f"sqlite:///{folder}/bench.sqlite3")
        for n in range(200):
            save(engine, n)
        with_saved = Knowledge.build(base, engine).engine
        engine.dispose()
    engines = {"course file only": Engine(base), "with 200 saved entries": with_saved}
    cases = [case for path in sorted(DATA.glob("questions*.yaml")) for case in load_cases(path)]
    gc.freeze()
    rates: dict[str, list[float]] = {name: [] for name in engines}
    for _ in range(rounds):
        for name, answering in engines.items():
            started = time.perf_counter()
            for index in range(per_round):
                case = cases[index % len(cases)]
                answering.answer(case.question, case.now)
            rates[name].append(per_round / (time.perf_counter() - started))
    return {name: statistics.median(values) for name, values in rates.items()}


def bench_propagation(saves: int) -> list[float]:
    """Return the seconds from an entry saved in the database to a replica answering from it."""
    server = PostgresServer().start()
    waits: list[float] = []
    try:
        url = server.create_database()
        with tempfile.TemporaryDirectory() as folder:
            config = Path(folder) / "settings.yaml"
            port = free_port()
            config.write_text(
                yaml.safe_dump(
                    {
                        "course": str(COURSE),
                        "database_url": url,
                        "webhook_url": "https://bot.example/telegram",
                        "web": {"listen": "127.0.0.1", "port": port},
                    }
                ),
                encoding="utf-8",
            )
            migrated = subprocess.run(
                [sys.executable, "-m", "bot", "migrate", "--config", str(config)],
                capture_output=True,
                text=True,
                check=False,
            )
            assert migrated.returncode == 0, migrated.stderr
            engine = storage.make_engine(url, migrate=False)
            with BotApiDouble(TOKEN, round_trip=0.01) as api:
                env = bot_environment(api, TOKEN, TELEGRAM_WEBHOOK_SECRET=SECRET)
                log = (Path(folder) / "replica.log").open("w", encoding="utf-8")
                process = start_bot(config, env, "--webhook", output=log, errors=subprocess.STDOUT)
                try:
                    api.deliver_by_webhook([f"http://127.0.0.1:{port}/telegram"])
                    api.wait_for_request("setWebhook", timeout=30)
                    user = 20_000
                    for n in range(saves):
                        # At any moment of the replica's 1-second refresh cycle.
                        time.sleep(random.uniform(0, 1))
                        save(engine, n)
                        saved_at = time.monotonic()
                        _, paraphrase, told = saved_question(n)
                        while True:
                            user += 1  # a new student each time: no flood limit in the way
                            api.push_text(user, paraphrase)
                            reply = api.wait_for_count(1, "sendMessage", 10.0, chat_id=user)[0]
                            if told in (reply.plain_text or ""):
                                waits.append(reply.time - saved_at)
                                break
                            if time.monotonic() - saved_at > 30:
                                raise TimeoutError(f"entry {n} not used after 30 s")
                            time.sleep(0.1)
                finally:
                    process.terminate()
                    process.wait(timeout=30)
                    log.close()
            engine.dispose()
    finally:
        server.stop()
    return waits


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5, help="repetitions of timed runs")
    parser.add_argument("--answers", type=int, default=5000, help="questions per round")
    parser.add_argument("--saves", type=int, default=10, help="entries saved for propagation")
    args = parser.parse_args()

    print("| saved entries | rebuild the engine (median) |")
    print("|---:|---:|")
    for count, ms in bench_rebuild(args.rounds):
        print(f"| {count:,} | {ms:.0f} ms |")
    print()
    print("| engine | answering (median of rounds) |")
    print("|---|---:|")
    for name, rate in bench_answers(args.rounds, args.answers).items():
        print(f"| {name} | {rate:,.0f} q/s |")
    print()
    waits = bench_propagation(args.saves)
    print(f"| propagation to a replica (target ≤ 5 s), {len(waits)} saves | seconds |")
    print("|---|---:|")
    print(f"| median | {statistics.median(waits):.2f} |")
    print(f"| max | {max(waits):.2f} |")


if __name__ == "__main__":
    main()
