"""Benchmark the course core: loading, answering in-process, and a cold `course-bot ask`.

Run from the repository root: ``python benchmarks/core.py [--rounds N]``. It prints a
Markdown table; the figures recorded in docs/benchmarks.md come from it.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.core.answering import question  # noqa: E402
from bot.core.answering.engine import Engine  # noqa: E402
from bot.core.course.loader import load_course  # noqa: E402
from bot.core.lang import text  # noqa: E402
from tests.questions import DATA, load_cases  # noqa: E402

COURSE = ROOT / "data" / "mlsd-spring-2023.yaml"


def percentile(values: list[float], fraction: float) -> float:
    """Return the value below which ``fraction`` of ``values`` lie (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def bench_load(rounds: int) -> list[float]:
    """Time loading the course file and building the engine's index, in milliseconds."""
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        Engine(load_course(COURSE)).index  # noqa: B018 - the index is built when first used
        times.append((time.perf_counter() - start) * 1000)
    return times


def forget_readings(engine: Engine) -> None:
    """Empty the caches of text readings, where this version of the engine has them."""
    for cached in (
        getattr(text, "normalize", None),
        getattr(question, "_plain_tokens", None),
        getattr(engine.parser, "_understood", None),
    ):
        if hasattr(cached, "cache_clear"):
            cached.cache_clear()


def bench_answers(total: int) -> tuple[float, list[float]]:
    """Answer the question set round-robin; return questions/s and per-answer milliseconds."""
    engine = Engine(load_course(COURSE))
    # Every question set: short, chatty, multi-part, Finglish and out-of-scope questions.
    cases = [case for path in sorted(DATA.glob("questions*.yaml")) for case in load_cases(path)]
    # As the bot process does after start-up: long-lived objects leave the collector's scans.
    gc.freeze()
    latencies = []
    elapsed = 0.0
    for index in range(total):
        case = cases[index % len(cases)]
        # The set is cycled: forget what the last cycle read, so every question is new
        # (a question's own clauses still share their readings, as in the bot).
        forget_readings(engine)
        begin = time.perf_counter()
        engine.answer(case.question, case.now)
        took = time.perf_counter() - begin
        elapsed += took
        latencies.append(took * 1000)
    return total / elapsed, latencies


def bench_process(command: list[str], rounds: int) -> list[float]:
    """Time a whole process from start to exit, in milliseconds."""
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        subprocess.run(command, cwd=ROOT, check=True, capture_output=True)
        times.append((time.perf_counter() - start) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=20, help="repetitions of timed runs")
    parser.add_argument("--answers", type=int, default=20000, help="questions to answer")
    args = parser.parse_args()

    load = bench_load(args.rounds)
    rate, latencies = bench_answers(args.answers)

    cli = shutil.which("course-bot") or str(Path(sys.executable).parent / "course-bot")
    ask = [cli, "ask", "when is quiz 3?"]
    floor = [sys.executable, "-c", "import yaml"]
    # Alternate the two commands so machine noise hits both alike.
    ask_times: list[float] = []
    floor_times: list[float] = []
    for _ in range(args.rounds):
        ask_times += bench_process(ask, 1)
        floor_times += bench_process(floor, 1)

    print(
        f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}"
    )
    print()
    print("| measure | target | result |")
    print("|---|---|---|")
    print(
        f"| load course + build index (median of {args.rounds}) | ≤ 100 ms | "
        f"{statistics.median(load):.1f} ms (first {load[0]:.1f} ms, max {max(load):.1f} ms) |"
    )
    print(f"| answering in-process ({args.answers} questions) | ≥ 2,000 q/s | {rate:,.0f} q/s |")
    print(
        f"| answer latency p50 / p99 | p99 ≤ 2 ms | {percentile(latencies, 0.5):.3f} ms / "
        f"{percentile(latencies, 0.99):.3f} ms |"
    )
    print(
        f'| `course-bot ask "…"` cold process (median of {args.rounds}) | ≤ 300 ms | '
        f"{statistics.median(ask_times):.0f} ms (max {max(ask_times):.0f} ms) |"
    )
    print(
        f'| floor: `python -c "import yaml"` (median of {args.rounds}, same run) | — | '
        f"{statistics.median(floor_times):.0f} ms |"
    )


if __name__ == "__main__":
    main()
