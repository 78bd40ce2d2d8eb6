"""Numbers as answers say them: points and percentages to two decimals at most."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from bot.core.lang.calendar import to_persian_digits
from bot.core.lang.i18n import t


def _half_up(value: float, places: int = 0) -> float:
    # Half away from zero, as people round ("2.5% ≈ 3%"), not Python's half to even.
    step = Decimal(1).scaleb(-places)
    return float(Decimal(repr(value)).quantize(step, rounding=ROUND_HALF_UP))


def amount(value: float, lang: str) -> str:
    """Write a number of points: "4", "0.5", "≈ 0.29" (rounded to two decimals)."""
    rounded = _half_up(value, 2)
    text = f"{rounded:g}" if rounded == int(rounded) else f"{rounded:.2f}".rstrip("0")
    if abs(rounded - value) > 1e-9:
        text = f"≈ {text}"
    return _local(text, lang)


def percent(value: float, lang: str) -> str:
    """Write a percentage: "19%" when nearly whole, "2.5%", else "9.52% ≈ 10%"."""
    if abs(value - round(value)) < 0.005:
        return _local(f"{round(value)}%", lang)
    exact = f"{_half_up(value, 2):.2f}".rstrip("0").rstrip(".")
    if abs(value * 10 - round(value * 10)) < 1e-9:
        return _local(f"{exact}%", lang)  # "2.5%" needs no rounding
    return _local(f"{exact}% ≈ {_half_up(value):g}%", lang)


def _local(text: str, lang: str) -> str:
    if lang != "fa":
        return text
    # Persian digits, the Persian decimal separator and percent sign.
    return to_persian_digits(text).replace(".", "٫").replace("%", "٪")


def points(value: float, lang: str) -> str:
    """Write a number of points with its noun: "1 point", "2 points", "۲ نمره"."""
    key = "grade.point" if abs(value - 1) < 1e-9 else "grade.points"
    return t(lang, key, n=amount(value, lang))
