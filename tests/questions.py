"""Load the engine question set and judge answers against it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import yaml

from bot.core.calendar import parse_when
from bot.core.engine import Answer
from bot.core.text import normalize

QUESTIONS = Path(__file__).parent / "data" / "questions.yaml"
# Questions without `now` are asked before the term starts, so every item lies ahead.
DEFAULT_NOW = "1401-11-10T12:00"


@dataclass(frozen=True)
class Case:
    """One question with what a correct answer must (and must not) contain."""

    question: str
    now: datetime
    answered: bool
    lang: str | None
    contains: tuple[str, ...] = ()
    not_contains: tuple[str, ...] = ()
    extra: dict[str, object] = field(default_factory=dict)


def load_cases(path: Path = QUESTIONS) -> list[Case]:
    """Read the question set."""
    cases = []
    for raw in yaml.safe_load(path.read_text(encoding="utf-8")):
        cases.append(
            Case(
                question=str(raw["q"]),
                now=parse_when(str(raw.get("now", DEFAULT_NOW))),
                answered=bool(raw.get("answered", True)),
                lang=raw.get("lang"),
                contains=tuple(str(x) for x in raw.get("contains", ())),
                not_contains=tuple(str(x) for x in raw.get("not_contains", ())),
            )
        )
    return cases


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
