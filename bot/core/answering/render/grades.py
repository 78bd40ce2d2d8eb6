"""Word answers about the grade."""

from __future__ import annotations

from bot.core.answering.results import (
    Weights,
)
from bot.core.course import Course
from bot.core.i18n import t


def weights(course: Course, result: Weights, lang: str) -> str:
    return "\n".join(
        t(
            lang,
            "answer.weight",
            name=part.name.get(lang),
            points=part.points,
            total=result.total,
            percent=round(100 * part.points / result.total),
        )
        for part in result.parts
    )
