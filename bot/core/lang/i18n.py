"""User-facing strings per language, kept in ``bot/locales/*.yaml`` rather than in code."""

from __future__ import annotations

import math
from functools import cache
from importlib import resources
from typing import Any, Literal

import yaml

from bot.core.lang.calendar import to_persian_digits

Lang = Literal["en", "fa"]
LANGS: tuple[Lang, ...] = ("en", "fa")

# libyaml is several times faster than the pure-Python parser; fall back where it is missing.
YAML_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# Each feature may keep its strings in its own file: "<prefix>{lang}.yaml".
_FILE_PREFIXES = ("", "bot.", "web.")


@cache
def _file(prefix: str, lang: str) -> dict[str, Any]:
    source = resources.files("bot").joinpath("locales").joinpath(f"{prefix}{lang}.yaml")
    if not source.is_file():
        return {}
    return yaml.load(source.read_text("utf-8"), Loader=YAML_LOADER) or {}


def _strings(lang: str, section: str) -> dict[str, Any]:
    """Return the strings of ``lang`` that hold ``section``: the core file's first, a
    feature's file only when asked for (a command-line answer never reads the bot's)."""
    for prefix in _FILE_PREFIXES:
        strings = _file(prefix, lang)
        if section in strings:
            return strings
    raise KeyError(section)


def _node(lang: str, key: str) -> Any:
    parts = key.split(".")
    node: Any = _strings(lang, parts[0])
    for part in parts:
        node = node[part]
    return node


def t(lang: str, key: str, **values: object) -> str:
    """Return the string ``key`` in ``lang`` with ``values`` filled in."""
    lang = lang if lang in LANGS else "en"
    node = _node(lang, key)
    text = str(node)
    # Numbers print without a needless ".0"; in Persian, only the template's own digits and
    # bare numbers become Persian digits: strings passed in (URLs, "CA1") stay as they are.
    values = {
        name: _number(value, lang) if isinstance(value, int | float) else value
        for name, value in values.items()
    }
    if lang == "fa":
        text = to_persian_digits(text)
    return text.format(**values) if values else text


def _number(value: float, lang: str) -> str:
    if isinstance(value, int) or (math.isfinite(value) and value.is_integer()):
        text = str(int(value))
    else:
        text = f"{value:g}"
        if "e" in text and math.isfinite(value):
            # Never "2.91346e+06": people read plain digits.
            text = f"{value:f}".rstrip("0").rstrip(".")
    return to_persian_digits(text) if lang == "fa" else text


def entries(lang: str, key: str) -> Any:
    """Return a raw structured entry (list or mapping) from the strings of ``lang``."""
    return _node(lang if lang in LANGS else "en", key)
