"""Numbers as answers say them: points and percentages to two decimals at most."""

from __future__ import annotations

from bot.core.calendar import to_persian_digits
from bot.core.i18n import t


def amount(value: float, lang: str) -> str:
    """Write a number of points: "4", "0.5", "≈ 0.29" (rounded to two decimals)."""
    rounded = round(value, 2)
    text = f"{rounded:g}" if rounded == int(rounded) else f"{rounded:.2f}".rstrip("0")
    if abs(rounded - value) > 1e-9:
        text = f"≈ {text}"
    return _local(text, lang)


def percent(value: float, lang: str) -> str:
    """Write a percentage: "19%" when nearly whole, else "9.52% ≈ 10%"."""
    if abs(value - round(value)) < 0.005:
        return _local(f"{round(value)}%", lang)
    exact = f"{value:.2f}".rstrip("0").rstrip(".")
    return _local(f"{exact}% ≈ {round(value)}%", lang)


def _local(text: str, lang: str) -> str:
    if lang != "fa":
        return text
    # Persian digits, the Persian decimal separator and percent sign.
    return to_persian_digits(text).replace(".", "٫").replace("%", "٪")


def points(value: float, lang: str) -> str:
    """Write a number of points with its noun: "1 point", "2 points", "۲ نمره"."""
    key = "grade.point" if abs(value - 1) < 1e-9 else "grade.points"
    return t(lang, key, n=amount(value, lang))
