"""Word answers about the late policy: what is allowed, what a delay costs, the latest
moment, and the forgiven days."""

from __future__ import annotations

from collections.abc import Callable

from bot.core.answering.query import Late
from bot.core.answering.render.numbers import amount, percent, points
from bot.core.answering.results import LateFacts
from bot.core.course.course import Course
from bot.core.lang.calendar import format_date, format_datetime
from bot.core.lang.i18n import t
from bot.core.render.views import assumed_times, deadline_basis

_KIND_OF = {"assignment": "assignment", "project": "project"}


def late(course: Course, facts: LateFacts, lang: str) -> str:
    """Word the late policy's answer to the question asked."""
    return _WORDING[facts.question](course, facts, lang)


def _numbers(facts: LateFacts, lang: str) -> dict[str, str]:
    """Return the policy's own numbers, worded once for every template."""
    return {
        "max": amount(facts.max_days, lang),
        "max_hours": amount(facts.max_days * 24, lang),
        "free": amount(facts.free_days, lang),
        "free_hours": amount(facts.free_days * 24, lang),
        "rate": amount(facts.rate, lang),
    }


def _span(hours: float, lang: str) -> str:
    """Write a delay in days when it is whole days, else in hours."""
    if hours % 24 == 0 and hours >= 24:
        key = "late.day" if hours == 24 else "late.days"
        return t(lang, key, n=amount(hours / 24, lang))
    return t(lang, "late.hour" if hours == 1 else "late.hours", n=amount(hours, lang))


def _title(facts: LateFacts, lang: str) -> str:
    return facts.item.title.get(lang) if facts.item is not None else t(lang, "late.the_task")


def _until(facts: LateFacts, lang: str) -> list[str]:
    """Say until when the item may go in, with how its deadline was found."""
    if facts.item is None or facts.latest is None or facts.due is None:
        return []
    due = format_datetime(facts.due, lang) + deadline_basis(facts.item, lang)
    line = t(
        lang,
        "late.until",
        title=_title(facts, lang),
        latest=format_datetime(facts.latest, lang),
        due=due,
        **{"max": amount(facts.max_days, lang)},
    )
    return [line, *assumed_times([facts.item], lang)]


def _cost(facts: LateFacts, lang: str) -> list[str]:
    """Say what the delay costs, after the forgiven days, and in the item's points."""
    if facts.delay_hours is None or facts.percent is None or facts.charged_hours is None:
        return []
    numbers = _numbers(facts, lang)
    delay = _span(facts.delay_hours, lang)
    if facts.free_left is None:
        worst = facts.delay_hours * facts.rate
        line = t(
            lang,
            "late.cost_unknown",
            delay=delay,
            percent=percent(worst, lang),
            hours=amount(facts.delay_hours, lang),
            **numbers,
        )
        return [line, *_points(facts, worst, lang)]
    left = amount(facts.free_left, lang)
    if facts.charged_hours <= 0:
        return [t(lang, "late.cost_free", delay=delay, left=left)]
    line = t(
        lang,
        "late.cost",
        delay=delay,
        left=left,
        hours=amount(facts.charged_hours, lang),
        percent=percent(facts.percent, lang),
        title=_title(facts, lang),
        **numbers,
    )
    return [line, *_points(facts, facts.percent, lang)]


def _points(facts: LateFacts, lost: float, lang: str) -> list[str]:
    if facts.item is None or facts.item_points is None:
        return []
    kind = _KIND_OF.get(facts.item.kind, "assignment")
    return [
        t(
            lang,
            "late.points",
            points=amount(facts.item_points * lost / 100, lang),
            item_points=points(facts.item_points, lang),
            kinds=t(lang, f"kind.{kind}.many"),
        )
    ]


def _allowed(course: Course, facts: LateFacts, lang: str) -> str:
    numbers = _numbers(facts, lang)
    if facts.on_day is not None and facts.latest is not None and facts.due is not None:
        key = "late.on_day_yes" if facts.on_day <= facts.latest.date() else "late.on_day_no"
        late_by = (facts.on_day - facts.due.date()).days
        return t(
            lang,
            key,
            day=format_date(facts.on_day, lang),
            late=t(lang, "late.days", n=amount(late_by, lang)),
            title=_title(facts, lang),
            due=format_datetime(facts.due, lang),
            latest=format_datetime(facts.latest, lang),
            **numbers,
        )
    delay = facts.delay_hours
    if delay is not None and delay > facts.max_days * 24:
        head = t(lang, "late.allowed_no", delay=_span(delay, lang), **numbers)
        return "\n".join([head, *_until(facts, lang)])
    lines = [t(lang, "late.allowed_yes", **numbers), *_until(facts, lang), *_cost(facts, lang)]
    if delay is None:
        lines.append(t(lang, "late.rule", **numbers))
    return "\n".join(lines)


def _penalty(course: Course, facts: LateFacts, lang: str) -> str:
    lines = _cost(facts, lang)
    delay = facts.delay_hours or 0.0
    if delay > facts.max_days * 24:
        lines.append(t(lang, "late.allowed_no", delay=_span(delay, lang), **_numbers(facts, lang)))
    return "\n".join(lines)


def _latest(course: Course, facts: LateFacts, lang: str) -> str:
    if facts.item is None or facts.latest is None or facts.due is None:
        return t(lang, "late.max_delay", **_numbers(facts, lang))
    due = format_datetime(facts.due, lang) + deadline_basis(facts.item, lang)
    delay = facts.delay_hours
    shorter = delay is not None and delay < facts.max_days * 24
    lines = [
        t(
            lang,
            "late.latest_with" if shorter else "late.latest",
            delay=_span(delay or 0.0, lang),
            title=_title(facts, lang),
            latest=format_datetime(facts.latest, lang),
            due=due,
            **_numbers(facts, lang),
        ),
        *assumed_times([facts.item], lang),
    ]
    now = facts.now
    if now is not None and facts.due < now < facts.latest:
        hours = (facts.latest - now).total_seconds() // 3600
        lines.append(t(lang, "late.latest_left", hours=amount(hours, lang)))
    elif now is not None and now >= facts.latest:
        lines.append(t(lang, "late.latest_passed"))
    return "\n".join(lines)


def _max_delay(course: Course, facts: LateFacts, lang: str) -> str:
    return t(lang, "late.max_delay", **_numbers(facts, lang))


def _free(course: Course, facts: LateFacts, lang: str) -> str:
    return t(lang, "late.free", **_numbers(facts, lang))


def _free_left(course: Course, facts: LateFacts, lang: str) -> str:
    used = sum(facts.delays) / 24
    left = facts.free_left if facts.free_left is not None else facts.free_days - used
    numbers = _numbers(facts, lang)
    if left >= 0:
        return t(
            lang, "late.free_left", used=amount(used, lang), left=amount(left, lang), **numbers
        )
    return t(
        lang,
        "late.free_over",
        used=amount(used, lang),
        over=amount(-left, lang),
        over_hours=amount(-left * 24, lang),
        **numbers,
    )


def _covered(course: Course, facts: LateFacts, lang: str) -> str:
    numbers = _numbers(facts, lang)
    total = (facts.delay_hours or 0.0) / 24
    values = {
        "times": amount(facts.times, lang),
        "delay": amount(total / max(1, facts.times), lang),
        "total": amount(total, lang),
    }
    charged = facts.charged_hours or 0.0
    if charged <= 0:
        return t(lang, "late.covered_yes", **values, **numbers)
    return t(
        lang,
        "late.covered_no",
        charged=amount(charged / 24, lang),
        charged_hours=amount(charged, lang),
        **values,
        **numbers,
    )


def _rate(course: Course, facts: LateFacts, lang: str) -> str:
    numbers = _numbers(facts, lang)
    if facts.wanted_percent is not None and facts.delay_hours is not None:
        line = t(
            lang,
            "late.hours_for",
            percent=percent(facts.wanted_percent, lang),
            hours=amount(facts.delay_hours, lang),
            **numbers,
        )
        if facts.delay_hours > facts.max_days * 24:
            most = percent(facts.max_days * 24 * facts.rate, lang)
            line += " " + t(lang, "late.hours_for_capped", most=most, **numbers)
        return line
    lines = [t(lang, "late.rate", day_rate=amount(facts.rate * 24, lang), **numbers)]
    hours = facts.delay_hours
    if hours is not None and hours not in (1.0, 24.0) and facts.percent is not None:
        lines.append(
            t(
                lang,
                "late.rate_for",
                hours=amount(hours, lang),
                percent=percent(facts.percent, lang),
            )
        )
    return "\n".join(lines)


_WORDING: dict[Late, Callable[[Course, LateFacts, str], str]] = {
    Late.ALLOWED: _allowed,
    Late.PENALTY: _penalty,
    Late.LATEST: _latest,
    Late.MAX_DELAY: _max_delay,
    Late.FREE: _free,
    Late.FREE_LEFT: _free_left,
    Late.COVERED: _covered,
    Late.RATE: _rate,
}
