"""Load the engine question sets and judge answers against them.

Run ``python -m tests.questions FILE...`` to print each set's score per category.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import yaml

from bot.core.answering import Answer, Engine
from bot.core.lang.calendar import parse_when
from bot.core.lang.text import normalize

DATA = Path(__file__).parent / "data"
QUESTIONS = DATA / "questions.yaml"
# Questions without `now` are asked before the term starts, so every item lies ahead ...
DEFAULT_NOW = "1401-11-10T12:00"
# ... except in the sets written to be asked at any time, whose default is long after it.
DEFAULT_NOW_BY_SET = {
    name: "2026-11-28T12:00"
    for name in (
        "questions_blind.yaml",
        "questions_blind_b.yaml",
        "questions_blind_c.yaml",
        "questions_blind_d.yaml",
        "questions_blind_e.yaml",
        "questions_blind_f.yaml",
        "questions_blind_g.yaml",
        "questions_blind_h.yaml",
        "questions_blind_i.yaml",
        "conversations_blind_a.yaml",
        "conversations_blind_b.yaml",
        "questions_blind_k.yaml",
        "conversations_blind_d.yaml",
        "questions_blind_l.yaml",
        "questions_blind_m.yaml",
        "conversations_blind_e.yaml",
        "conversations_blind_f.yaml",
    )
}
# Between two messages of a conversation, unless a turn says `after`.
TURN_GAP = timedelta(minutes=1)


@dataclass(frozen=True)
class Case:
    """One question with what a correct answer must (and must not) contain."""

    question: str
    now: datetime
    answered: bool
    lang: str | None
    contains: tuple[str, ...] = ()
    not_contains: tuple[str, ...] = ()
    category: str = ""
    extra: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Conversation:
    """Messages one student sends in a row, each with what its answer must contain."""

    turns: tuple[Case, ...]
    category: str = ""


def _case(raw: dict[str, object], now: datetime, category: str) -> Case:
    return Case(
        question=str(raw["q"]),
        now=now,
        answered=bool(raw.get("answered", True)),
        lang=raw.get("lang"),  # type: ignore[arg-type]
        contains=tuple(str(x) for x in raw.get("contains") or ()),  # type: ignore[attr-defined]
        not_contains=tuple(str(x) for x in raw.get("not_contains") or ()),  # type: ignore[attr-defined]
        category=category,
    )


def load_cases(path: Path = QUESTIONS, default_now: str | None = None) -> list[Case]:
    """Read a question set."""
    default = default_now or DEFAULT_NOW_BY_SET.get(path.name, DEFAULT_NOW)
    return [
        _case(raw, parse_when(str(raw.get("now") or default)), str(raw.get("category", "")))
        for raw in yaml.safe_load(path.read_text(encoding="utf-8"))
    ]


def _gap(text: object) -> timedelta:
    """Read a turn's `after` ("20m", "2h", "1d"); one minute when absent."""
    if text is None:
        return TURN_GAP
    match = re.fullmatch(r"\s*(\d+)\s*([mhd])\s*", str(text))
    if match is None:
        raise ValueError(f"unreadable `after`: {text!r}")
    unit = {"m": "minutes", "h": "hours", "d": "days"}[match.group(2)]
    return timedelta(**{unit: int(match.group(1))})


def load_conversations(path: Path, default_now: str | None = None) -> list[Conversation]:
    """Read a set of conversations: each turn comes `after` the one before (1 minute)."""
    default = default_now or DEFAULT_NOW_BY_SET.get(path.name, DEFAULT_NOW)
    conversations = []
    for raw in yaml.safe_load(path.read_text(encoding="utf-8")):
        category = str(raw.get("category", ""))
        moment = parse_when(str(raw.get("now") or default))
        turns = []
        for index, turn in enumerate(raw["turns"]):
            if index:
                moment += _gap(turn.get("after"))
            turns.append(_case(turn, moment, category))
        conversations.append(Conversation(tuple(turns), category))
    return conversations


def failures(case: Case, answer: Answer, expected_lang: str) -> list[str]:
    """List the ways ``answer`` falls short of ``case``; empty means it passes."""
    problems = []
    if answer.answered != case.answered:
        problems.append(f"answered={answer.answered}, expected {case.answered}")
    if answer.lang != (case.lang or expected_lang):
        problems.append(f"lang={answer.lang}, expected {case.lang or expected_lang}")
    text = normalize(answer.text)
    for wanted in case.contains:
        if normalize(wanted) not in text:
            problems.append(f"missing {wanted!r}")
    for unwanted in case.not_contains:
        if normalize(unwanted) in text:
            problems.append(f"should not contain {unwanted!r}")
    return problems


def script_language(text: str) -> str:
    """Return "fa" for text mostly in Persian script, else "en" (Finglish cases say ``lang``)."""
    persian = sum(1 for ch in text if "\u0600" <= ch <= "\u06ff")
    latin = sum(1 for ch in text if ch.isascii() and ch.isalpha())
    return "fa" if persian and persian >= latin / 2 else "en"


def judge(engine: Engine, cases: list[Case]) -> list[tuple[Case, Answer, list[str]]]:
    """Answer every case and return each with its answer and problems."""
    results = []
    for case in cases:
        answer = engine.answer(case.question, case.now)
        results.append((case, answer, failures(case, answer, script_language(case.question))))
    return results


def judge_conversations(
    engine: Engine, conversations: list[Conversation]
) -> list[tuple[Conversation, list[tuple[Case, Answer, list[str]]]]]:
    """Answer every conversation turn by turn, each turn knowing the ones before it."""
    results = []
    for conversation in conversations:
        context = None
        turns = []
        for case in conversation.turns:
            answer = engine.answer(case.question, case.now, context=context)
            context = answer.context
            turns.append((case, answer, failures(case, answer, script_language(case.question))))
        results.append((conversation, turns))
    return results


def _print_conversations(engine: Engine, path: Path, args: argparse.Namespace) -> None:
    total: Counter[str] = Counter()
    passed: Counter[str] = Counter()
    for conversation, turns in judge_conversations(
        engine, load_conversations(path, args.default_now)
    ):
        right = all(not problems for _, _, problems in turns)
        for key in ("all", conversation.category or "-"):
            total[key] += 1
            passed[key] += right
        if not right and args.failures:
            print(f"  [{conversation.category}]")
            for case, answer, problems in turns:
                mark = "x" if problems else " "
                print(f"   {mark} {case.question!r}: {problems}")
                if problems:
                    print("       > " + answer.text.replace("\n", "\n         ")[:400])
    cells = ", ".join(
        f"{key} {passed[key]}/{total[key]} ({passed[key] / total[key]:.1%})"
        for key in sorted(total, key=lambda k: (k != "all", k))
    )
    print(f"{path.name} (conversations): {cells}")


def main(argv: list[str] | None = None) -> int:
    """Print each set's accuracy per category, and with ``--failures`` what went wrong."""
    from bot.core.course.loader import load_course

    parser = argparse.ArgumentParser(prog="python -m tests.questions")
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--default-now", help="moment for questions without `now`")
    parser.add_argument("--failures", action="store_true", help="list the failed questions")
    args = parser.parse_args(argv)
    engine = Engine(load_course(Path(__file__).parents[1] / "data" / "mlsd-spring-2023.yaml"))
    for path in args.files:
        if path.name.startswith("conversations"):
            _print_conversations(engine, path, args)
            continue
        results = judge(engine, load_cases(path, args.default_now))
        total: Counter[str] = Counter()
        passed: Counter[str] = Counter()
        for case, answer, problems in results:
            for key in ("all", case.category or "-"):
                total[key] += 1
                passed[key] += not problems
            if problems and args.failures:
                print(f"  [{case.category}] {case.question!r}: {problems}")
                print("     > " + answer.text.replace("\n", "\n       ")[:600])
        cells = ", ".join(
            f"{key} {passed[key]}/{total[key]} ({passed[key] / total[key]:.1%})"
            for key in sorted(total, key=lambda k: (k != "all", k))
        )
        print(f"{path.name}: {cells}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
