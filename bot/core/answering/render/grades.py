"""Word answers about the grade: weights, shares, comparisons and what-ifs."""

from __future__ import annotations

from bot.core.answering.render.basic import comma
from bot.core.answering.render.numbers import amount, percent, points
from bot.core.answering.results import (
    Comparison,
    Earned,
    Needed,
    Portion,
    Share,
    Weights,
    WhatIf,
)
from bot.core.course.course import Course
from bot.core.lang.i18n import t

# The kind of item each grading part is made of, for "one quiz", "the 3 phases".
_ITEM_KIND = {"quizzes": "quiz", "assignments": "assignment", "project": "project"}


def weights(course: Course, result: Weights, lang: str) -> str:
    """Give each part's points out of the total."""
    return "\n".join(
        t(
            lang,
            "answer.weight",
            name=part.name.get(lang),
            points=part.points,
            total=result.total,
            percent=percent(100 * part.points / result.total, lang),
        )
        for part in result.parts
    )


def _names(found: Portion, lang: str) -> str:
    return comma(lang).join(part.name.get(lang) for part in found.parts)


def _side(found: Portion, lang: str) -> str:
    """Name one side of a comparison: "Final exam", "one quiz", "Quizzes, Assignments"."""
    if not found.parts:
        return t(lang, "grade.half")
    if found.items > 1:
        kind = _ITEM_KIND.get(found.parts[0].id, "quiz")
        return t(lang, "grade.one_of", kind=t(lang, f"kind.{kind}.one"))
    return _names(found, lang)


def share(course: Course, result: Share, lang: str) -> str:
    """Give what part of the grade some parts make up, together or per item."""
    found, total = result.portion, result.total
    rate = percent(100 * found.points / total, lang)
    if found.items > 1:
        part = found.parts[0]
        kind = _ITEM_KIND.get(part.id, "quiz")
        return t(
            lang,
            "grade.one_item",
            kind=t(lang, f"kind.{kind}.one"),
            kinds=t(lang, f"kind.{kind}.many"),
            points=part.points,
            count=found.items,
            each=amount(found.points, lang),
            total=total,
            percent=rate,
        )
    if len(found.parts) == 1:
        return weights(course, Weights(parts=found.parts, total=total), lang)
    return t(
        lang,
        "grade.together",
        names=_names(found, lang),
        points=amount(found.points, lang),
        total=total,
        percent=rate,
    )


def compare(course: Course, result: Comparison, lang: str) -> str:
    """Weigh two groups of parts: which is worth more, by how many times and points."""
    left, right = result.left, result.right
    if result.asked == "how_many" and left.points > 0:
        return t(
            lang,
            "grade.how_many",
            count=amount(right.points / left.points, lang),
            left=_side(left, lang),
            left_points=amount(left.points, lang),
            right=_side(right, lang),
            right_points=amount(right.points, lang),
        )
    values = {
        "left": _side(left, lang),
        "right": _side(right, lang),
        "left_points": amount(left.points, lang),
        "right_points": amount(right.points, lang),
        "difference": points(abs(left.points - right.points), lang),
    }
    if abs(left.points - right.points) < 1e-9:
        line = t(lang, "grade.same", **values)
        verdict = None
    elif left.points > right.points:
        line = t(lang, "grade.more", ratio=amount(left.points / right.points, lang), **values)
        verdict = result.asked == "more"
    else:
        line = t(lang, "grade.less", ratio=amount(left.points / right.points, lang), **values)
        verdict = result.asked == "less"
    if not right.parts:
        # Against half the grade, the share itself says it best: "57% of the grade".
        total = course.data.grading.total
        share = percent(100 * left.points / total, lang)
        line = f"{line} {t(lang, 'grade.of_grade', name=_side(left, lang), percent=share)}"
    if result.asked is None or verdict is None:
        return line
    return f"{t(lang, 'grade.yes' if verdict else 'grade.no')} {line}"


def needed(course: Course, result: Needed, lang: str) -> str:
    """Say what one part must earn for the total asked, from what the rest adds up to."""
    part = result.part
    values = {
        "target": amount(result.target, lang),
        "total": amount(result.total, lang),
        "name": part.name.get(lang),
        "part_points": amount(part.points, lang),
    }
    if result.points <= 1e-9:
        first = t(lang, "grade.needed_none", **values)
    elif result.points > part.points + 1e-9:
        first = t(lang, "grade.needed_out", best=amount(result.rest + part.points, lang), **values)
    else:
        share = percent(100 * result.points / part.points, lang)
        first = t(lang, "grade.needed", points=amount(result.points, lang), percent=share, **values)
    lines = [first, t(lang, "grade.needed_rest", rest=amount(result.rest, lang))]
    lines += _earned_lines(result.earned, lang)
    if any(e.assumed for e in result.earned):
        lines.append(t(lang, "grade.assumed"))
    return "\n".join(lines)


def _earned_lines(earned_parts: tuple[Earned, ...], lang: str) -> list[str]:
    """Word what each part earns, one line each."""
    lines: list[str] = []
    for earned in earned_parts:
        part = earned.part
        values = {
            "name": part.name.get(lang),
            "earned": amount(earned.points, lang),
            "points": amount(part.points, lang),
        }
        if earned.items > 1:
            kind = _ITEM_KIND.get(part.id, "quiz")
            lines.append(
                t(
                    lang,
                    "grade.earned_items",
                    count=earned.items,
                    kinds=t(lang, f"kind.{kind}.many"),
                    each=amount(part.points / earned.items, lang),
                    **values,
                )
            )
        else:
            lines.append(t(lang, "grade.earned", **values))
    return lines


def what_if(course: Course, result: WhatIf, lang: str) -> str:
    """Add the grade up part by part for the scores the question gave."""
    lines = _earned_lines(result.earned if not result.given_total else (), lang)
    points, total = result.points, result.total
    lines.append(
        t(
            lang,
            "grade.total",
            earned=amount(points, lang),
            total=total,
            percent=percent(100 * points / total, lang),
        )
    )
    lost = total - points
    if lost > 1e-9:
        lines.append(t(lang, "grade.lost", lost=amount(lost, lang)))
    if any(e.assumed for e in result.earned):
        lines.append(t(lang, "grade.assumed"))
    return "\n".join(lines)
