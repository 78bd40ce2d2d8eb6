"""The schedule page: this week and next, the next quiz and deadline counting down, the term."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from html import escape

from bot.core.course.course import Course, Event, EventKind
from bot.core.lang.calendar import format_date, format_time, to_persian_digits
from bot.core.lang.i18n import entries, t
from bot.core.planning.interests import FEED_KINDS
from bot.core.render.views import event_title, week_bounds

_AT = {"en": ", ", "fa": "، ساعت "}
_GREGORIAN = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


@dataclass(frozen=True)
class Links:
    """Where the page links to: the feeds by filter, the other language, Telegram deep links."""

    feeds: Mapping[str, str]
    webcal: Mapping[str, str]
    other_language: str
    telegram: Mapping[str, str] = field(default_factory=dict)


def countdown(remaining: timedelta, lang: str) -> str:
    """Render time left as "3 d 04:05:06" (the page's script writes the same form)."""
    seconds = int(remaining.total_seconds())
    if seconds <= 0:
        return t(lang, "web.countdown.now")
    days, rest = divmod(seconds, 86400)
    text = f"{rest // 3600:02d}:{rest % 3600 // 60:02d}:{rest % 60:02d}"
    if days:
        text = f"{t(lang, 'web.countdown.days', n=days)} {text}"
    return to_persian_digits(text) if lang == "fa" else text


def gregorian(day: date, lang: str) -> str:
    """Return the Gregorian date shown beside the Jalali one."""
    if lang == "fa":
        return to_persian_digits(f"{day.year}/{day.month:02d}/{day.day:02d}")
    return f"{day.day} {_GREGORIAN[day.month - 1]} {day.year}"


def _jalali(day: date, lang: str) -> str:
    # format_date adds the Gregorian date in English; the page shows it in its own span.
    return format_date(day, lang).split(" (")[0]


def _day_heading(day: date, lang: str, today: date) -> str:
    mark = ' class="today"' if day == today else ""
    return (
        f"<h3{mark}>{escape(_jalali(day, lang))} "
        f'<span class="greg">{escape(gregorian(day, lang))}</span></h3>'
    )


def _events(events: Iterable[Event], lang: str, now: datetime) -> str:
    parts: list[str] = []
    current: date | None = None
    today = now.date()
    for event in events:
        day = event.at.date()
        if day != current:
            if current is not None:
                parts.append("</ul>")
            parts.append(_day_heading(day, lang, today))
            parts.append("<ul>")
            current = day
        past = " past" if event.at < now else ""
        parts.append(
            f'<li class="ev {event.kind}{past}"><time datetime="{event.at.isoformat()}">'
            f"{escape(format_time(event.at, lang))}</time> {escape(event_title(event, lang))}</li>"
        )
    if current is not None:
        parts.append("</ul>")
    return "\n".join(parts)


def _empty(lang: str, week: str) -> str:
    return f'<p class="empty">{escape(t(lang, f"web.empty_{week}_week"))}</p>'


def _next_card(course: Course, now: datetime, kind: EventKind, lang: str) -> str:
    heading = t(lang, f"web.next_{kind}")
    event = course.next_event(now, (kind,))
    if event is None:
        body = f"<p>{escape(t(lang, 'web.none'))}</p>"
    else:
        millis = int(event.at.timestamp() * 1000)
        body = (
            f'<p class="what">{escape(event_title(event, lang))}</p>'
            # A middle dot would read as a Persian zero (٠) beside Persian digits.
            f"<p>{escape(_jalali(event.at.date(), lang))}{_AT[lang]}"
            f"{escape(format_time(event.at, lang))} "
            f'<span class="greg">{escape(gregorian(event.at.date(), lang))}</span></p>'
            f'<p class="countdown" id="next-{kind}" data-at="{millis}">'
            f"{escape(countdown(event.at - now, lang))}</p>"
        )
    return f'<section class="card"><h2>{escape(heading)}</h2>{body}</section>'


def _feed_links(links: Links, lang: str) -> str:
    rows = []
    for name in FEED_KINDS:
        label = escape(t(lang, f"web.feed_{name}"))
        webcal = links.webcal.get(name)
        # Without a public address there is no host to put in a webcal:// link.
        subscribe = f'<a href="{escape(webcal)}">webcal</a> · ' if webcal else ""
        rows.append(
            f"<li>{label}: {subscribe}"
            f'<a class="https" href="{escape(links.feeds[name])}">https</a></li>'
        )
    telegram = ""
    if links.telegram:
        telegram_links = " · ".join(
            f'<a href="{escape(url)}">{escape(t(lang, f"web.feed_{name}"))}</a>'
            for name, url in links.telegram.items()
        )
        telegram = f"<p>{escape(t(lang, 'web.telegram'))}: {telegram_links}</p>"
    return (
        f'<section id="subscribe"><h2>{escape(t(lang, "web.subscribe"))}</h2>'
        f'<ul>{"".join(rows)}</ul><p class="howto">{escape(t(lang, "web.howto"))}</p>'
        f"{telegram}</section>"
    )


_STYLE = """
*{box-sizing:border-box}body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Tahoma,
sans-serif;color:var(--tg-theme-text-color,#1b1b1f);background:var(--tg-theme-bg-color,#fafafa)}
main{max-width:44rem;margin:0 auto;padding:1rem}header{display:flex;justify-content:space-between;
align-items:baseline;gap:1rem;flex-wrap:wrap}h1{font-size:1.3rem;margin:.2rem 0}
h2{font-size:1.1rem;margin:.4rem 0}h3{font-size:1rem;margin:.8rem 0 .2rem}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(14rem,1fr));gap:.8rem}
.cards .card{margin:0}
.card{background:#fff;border:1px solid #ddd;border-radius:.6rem;padding:.6rem .9rem}
.card p{margin:.2rem 0}.what{font-weight:600}
.countdown{font-size:1.5rem;font-variant-numeric:tabular-nums;color:#0b57d0}
.greg{color:#666;font-size:.85em;font-weight:normal;white-space:nowrap}
ul{margin:0;padding-inline-start:1.2rem}.quiz{color:#b3261e}.deadline{color:#8a4b00;font-weight:600}
.ev.past{color:#999;font-weight:normal}
.today{color:#0b57d0}a{color:#0b57d0}section{margin:1rem 0}.howto,.tz{font-size:.9rem;color:#555}
"""

_SCRIPT = """
(function(){var b=document.body,o=Number(b.dataset.now)-Date.now(),fa=b.dataset.lang==="fa",
day=b.dataset.days,zero=b.dataset.zero;function d(s){return fa?s.replace(/[0-9]/g,function(c){
return "۰۱۲۳۴۵۶۷۸۹".charAt(c)}):s}function p(n){return(n<10?"0":"")+n}function f(ms){
var s=Math.floor(ms/1000);if(s<=0)return zero;var n=Math.floor(s/86400);s-=n*86400;
var t=p(Math.floor(s/3600))+":"+p(Math.floor(s%3600/60))+":"+p(s%60);
return d((n?day.replace("{n}",n)+" ":"")+t)}function tick(){var now=Date.now()+o,
c=document.querySelectorAll("[data-at]");for(var i=0;i<c.length;i++){
c[i].textContent=f(Number(c[i].dataset.at)-now)}}setInterval(tick,1000);})();
"""


def page_hashes() -> tuple[str, str]:
    """Return the CSP sources ("sha256-…") of the page's inline style and script."""
    return _csp_source(_STYLE), _csp_source(_SCRIPT)


def _csp_source(inline: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(inline.encode()).digest()).decode()


def render_page(course: Course, now: datetime, lang: str, links: Links) -> str:
    """Return the schedule page in ``lang`` as of ``now`` (which the countdown starts from)."""
    now = now.astimezone(course.tz)
    name = course.name.get(lang)
    start, _ = week_bounds(course, now.date())
    this_week = course.events_between(start, start + timedelta(days=7))
    next_week = course.events_between(start + timedelta(days=7), start + timedelta(days=14))
    cards = _next_card(course, now, "quiz", lang) + _next_card(course, now, "deadline", lang)
    direction = "rtl" if lang == "fa" else "ltr"
    other = "en" if lang == "fa" else "fa"
    # The countdown counts from the server's "now", so every viewer (and test) sees the same.
    body_data = (
        f'data-now="{int(now.timestamp() * 1000)}" data-lang="{lang}" '
        f'data-days="{escape(entries(lang, "web.countdown.days"))}" '
        f'data-zero="{escape(t(lang, "web.countdown.now"))}"'
    )
    return f"""<!doctype html>
<html lang="{lang}" dir="{direction}">
<head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(t(lang, "web.title", course=name))}</title>
<link rel="alternate" type="text/calendar" href="{escape(links.feeds["all"])}">
<style>{_STYLE}</style></head>
<body {body_data}><main>
<header><h1>{escape(name)}</h1>
<a href="{escape(links.other_language)}" hreflang="{other}">{escape(t(lang, "web.switch"))}</a>
</header>
<div class="cards">{cards}</div>
<section id="this-week"><h2>{escape(t(lang, "web.this_week"))}</h2>
{_events(this_week, lang, now) or _empty(lang, "this")}</section>
<section id="next-week"><h2>{escape(t(lang, "web.next_week"))}</h2>
{_events(next_week, lang, now) or _empty(lang, "next")}</section>
{_feed_links(links, lang)}
<section id="term"><h2>{escape(t(lang, "web.term"))}</h2>
{_events(course.events, lang, now)}</section>
<p class="tz">{escape(t(lang, "web.time", zone=str(course.tz)))}</p>
</main><script>{_SCRIPT}</script></body></html>
"""
