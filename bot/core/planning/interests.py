"""The subscription vocabulary, in one place: what a student can subscribe to, which events
each choice wants, the calendar feed filter that shows the same events, and the /start payload
of the link that subscribes in one tap (``t.me/<bot>?start=sub-quiz``)."""

from __future__ import annotations

from typing import Literal, get_args
from urllib.parse import urlencode

from bot.core.lang.i18n import LANGS

# What a subscriber picked with /subscribe (stored as is, see storage.subscriptions).
Interest = Literal["all", "quizzes", "deadlines"]
INTERESTS: tuple[Interest, ...] = get_args(Interest)
# The calendar feed's filters, by the name the page and the links use.
FeedFilter = Literal["all", "quiz", "deadline"]
# The feed's ``kinds`` query of each filter (None: every event).
FEED_KINDS: dict[FeedFilter, str | None] = {"all": None, "quiz": "quiz", "deadline": "deadline"}
# The feed filter that shows the events of each interest.
FEED_FILTER: dict[Interest, FeedFilter] = {"all": "all", "quizzes": "quiz", "deadlines": "deadline"}
# The /start payload that subscribes to each interest in one tap.
START_PAYLOAD: dict[Interest, str] = {
    "all": "sub-all",
    "quizzes": "sub-quiz",
    "deadlines": "sub-deadline",
}
_BY_PAYLOAD: dict[str, Interest] = {payload: name for name, payload in START_PAYLOAD.items()}


def interests_for(kind: str) -> frozenset[Interest]:
    """Return the subscriptions that want news of this kind of event (or reminder)."""
    if kind == "quiz":
        return frozenset({"all", "quizzes"})
    if kind in ("deadline", "release"):
        return frozenset({"all", "deadlines"})
    return frozenset({"all"})


def narrowest_interest(kind: str) -> Interest:
    """Return the interest that wants this kind and least else (to offer beside its news)."""
    narrower = interests_for(kind) - {"all"}
    return next(iter(narrower), "all")


def interest_of_payload(payload: str) -> Interest | None:
    """Return the interest a /start payload subscribes to, or None for another payload."""
    return _BY_PAYLOAD.get(payload)


def as_interest(text: str | None) -> Interest | None:
    """Return ``text`` as an interest (a button's data, a stored row), or None if it is none."""
    return next((interest for interest in INTERESTS if interest == text), None)


def subscribe_link(username: str, interest: Interest) -> str:
    """Return the t.me link that subscribes to ``interest`` in one tap."""
    return f"https://t.me/{username}?start={START_PAYLOAD[interest]}"


def feed_links(base: str) -> tuple[dict[str, dict[str, str]], dict[str, dict[str, str]]]:
    """Return the https and webcal feed URLs by language and filter; with no ``base`` the
    https ones are relative to the site and there are no webcal ones (they need a host)."""
    https: dict[str, dict[str, str]] = {}
    webcal: dict[str, dict[str, str]] = {}
    for lang in LANGS:
        https[lang], webcal[lang] = {}, {}
        for name, kinds in FEED_KINDS.items():
            query = f"?{urlencode({'kinds': kinds})}" if kinds else ""
            url = f"{base}/calendar/{lang}.ics{query}"
            https[lang][name] = url
            if "://" in url:
                webcal[lang][name] = "webcal://" + url.split("://", 1)[1]
    return https, webcal
