"""Read a course file's YAML, place each field on its line, and report problems at file:line."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal

import yaml

from bot.core.lang.calendar import MONTHS_EN, CalendarError, parse_day_month, to_jalali
from bot.core.lang.i18n import YAML_LOADER
from bot.core.lang.text import to_ascii_digits

FieldPath = tuple[str | int, ...]
# YAML reads `1402-01-26` as a Gregorian date (and fails on 1402-02-30): the course file's
# dates are Jalali, so such a value is kept as written and read by day_month.
CourseLoader: Any = type("CourseLoader", (YAML_LOADER,), {})
CourseLoader.add_constructor(
    "tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node)
)


@dataclass(frozen=True)
class Problem:
    """Something wrong or suspicious in a course file, located by file, line and field."""

    level: Literal["error", "warning"]
    file: Path
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else f"{self.file}"
        field = f" {self.field}:" if self.field else ""
        return f"{where}: {self.level}:{field} {self.message}"


class CourseError(Exception):
    """A course file that cannot be used; carries every error found."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


def pydantic_problem(path: Path, lines: LineMap, error: Any) -> Problem:
    loc: FieldPath = tuple(error["loc"])
    message = error["msg"]
    if error["type"] == "extra_forbidden":
        message = "unknown field (misspelt?)"
    elif error["type"] == "missing":
        message = "required field is missing"
    return Problem("error", path, lines.line(loc), dotted(loc), message)


def dotted(loc: FieldPath) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


class LineMap:
    """Map a field path such as ("schedule", 3, "date") to its line, composing YAML on demand."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._lines: dict[FieldPath, int] | None = None
        self._duplicates: list[tuple[FieldPath, int]] = []

    def line(self, loc: FieldPath) -> int | None:
        if self._lines is None:
            self._index()
        assert self._lines is not None
        # Fall back to the nearest enclosing node that exists (a missing key has no line).
        for end in range(len(loc), -1, -1):
            if loc[:end] in self._lines:
                return self._lines[loc[:end]]
        return None

    def duplicate_keys(self, path: Path) -> list[Problem]:
        if self._lines is None:
            self._index()
        return [
            Problem("error", path, line, dotted(loc), "key appears twice; YAML keeps only the last")
            for loc, line in self._duplicates
        ]

    def _index(self) -> None:
        self._lines = {}
        root = yaml.compose(self._text, Loader=CourseLoader)
        if root is not None:
            self._walk(root, ())

    def _walk(self, node: yaml.Node, loc: FieldPath) -> None:
        assert self._lines is not None
        self._lines.setdefault(loc, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            for key_node, value_node in node.value:
                key = str(key_node.value)
                child = (*loc, key)
                if key in seen:
                    self._duplicates.append((child, key_node.start_mark.line + 1))
                seen.add(key)
                self._lines[child] = key_node.start_mark.line + 1
                self._walk(value_node, child)
                self._lines[child] = key_node.start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode):
            for index, item_node in enumerate(node.value):
                self._walk(item_node, (*loc, index))


class Report:
    """Collect the problems of one course file, each placed on its line."""

    def __init__(self, path: Path, lines: LineMap) -> None:
        self.path = path
        self.lines = lines
        self.problems: list[Problem] = []

    def error(self, loc: FieldPath, message: str) -> None:
        """Report an error at a field."""
        self.problems.append(
            Problem("error", self.path, self.lines.line(loc), dotted(loc), message)
        )

    def warn(self, loc: FieldPath, message: str) -> None:
        """Report a warning at a field."""
        self.problems.append(
            Problem("warning", self.path, self.lines.line(loc), dotted(loc), message)
        )


_ISO_DATE = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$")


def day_month(text: str) -> tuple[int, int, int | None]:
    """Read "17 Bahman [1401]", or an ISO date: Jalali below the year 1700, else Gregorian."""
    match = _ISO_DATE.match(to_ascii_digits(text))
    if match is None:
        return parse_day_month(text)
    year, month, day = (int(part) for part in match.groups())
    if not (1900 <= year <= 2199 if year >= 1700 else 1278 <= year <= 1578):
        raise CalendarError(
            f"{text.strip()}: the year {year} is outside the years a course can be in "
            "(1900 to 2199, or Jalali 1278 to 1578); a typo in the year?"
        )
    if year >= 1700:
        try:
            jalali = to_jalali(date(year, month, day))
        except ValueError as exc:
            raise CalendarError(f"{text.strip()} is not a Gregorian date: {exc}") from exc
        return jalali.day, jalali.month, jalali.year
    if not 1 <= month <= 12:
        raise CalendarError(f"{text.strip()}: month {month} is not a Jalali month (1 to 12)")
    return parse_day_month(f"{day} {MONTHS_EN[month]} {year}")
