"""Tests for the Bot API test double, over real HTTP."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from telegram import Bot, InlineQueryResultArticle, InputTextMessageContent, Update
from telegram.error import BadRequest, Forbidden, RetryAfter
from telegram.ext import Application, CommandHandler, ContextTypes

from tests.support.bot_api import BotApiDouble

pytestmark = pytest.mark.integration

TOKEN = "123:ABC"
USER = 42


@pytest.fixture
def api() -> Iterator[BotApiDouble]:
    with BotApiDouble(token=TOKEN) as double:
        double.add_chat(USER)
        yield double


def call(api: BotApiDouble, method: str, token: str = TOKEN, **params: Any) -> httpx.Response:
    """POST a form-encoded Bot API call the way PTB does (non-strings JSON-encoded)."""
    form = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
    return httpx.post(f"{api.base_url}/bot{token}/{method}", data=form, timeout=10)


def send(api: BotApiDouble, text: str, chat_id: int | str = USER, **params: Any) -> httpx.Response:
    """Send a message through the double."""
    return call(api, "sendMessage", chat_id=chat_id, text=text, **params)


def assert_error(response: httpx.Response, code: int, description: str) -> dict[str, Any]:
    """Assert a Telegram error reply and return its body."""
    body = response.json()
    assert response.status_code == code, body
    assert body["ok"] is False
    assert body["error_code"] == code
    assert body["description"].startswith(description), body["description"]
    return body


def test_get_me_returns_the_bot_user(api: BotApiDouble) -> None:
    """getMe answers with the bot user derived from the token."""
    response = call(api, "getMe")
    assert response.status_code == 200
    me = response.json()["result"]
    assert me["id"] == 123
    assert me["is_bot"] is True
    assert me["username"] == "mlsd_test_bot"
    assert me["supports_inline_queries"] is True
    assert me["can_read_all_group_messages"] is False


def test_wrong_token_is_unauthorized_and_unknown_method_not_found(api: BotApiDouble) -> None:
    """A wrong token gets 401 Unauthorized and an unknown method 404 Not Found."""
    assert_error(call(api, "getMe", token="999:XYZ"), 401, "Unauthorized")
    assert_error(call(api, "sendTelepathy"), 404, "Not Found")
    assert [r.status for r in api.requests] == [401, 404]


def test_long_poll_returns_pushed_update_and_respects_offset(api: BotApiDouble) -> None:
    """A long-polling getUpdates wakes on a pushed update, and offset acknowledges it."""
    results: list[httpx.Response] = []
    poller = threading.Thread(target=lambda: results.append(call(api, "getUpdates", timeout=5)))
    started = time.monotonic()
    poller.start()
    api.wait_until_polling()
    update = api.push_text(USER, "/start hello")
    poller.join(timeout=5)
    assert time.monotonic() - started < 2
    [received] = results[0].json()["result"]
    assert received == update
    assert received["message"]["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]

    again = call(api, "getUpdates", offset=update["update_id"], timeout=0).json()["result"]
    assert [u["update_id"] for u in again] == [update["update_id"]]
    acked = call(api, "getUpdates", offset=update["update_id"] + 1, timeout=0).json()["result"]
    assert acked == []
    assert api.pending_updates == []


def test_long_poll_times_out_empty(api: BotApiDouble) -> None:
    """A getUpdates with nothing to deliver returns an empty list after its timeout."""
    started = time.monotonic()
    assert call(api, "getUpdates", timeout=0.2).json()["result"] == []
    assert 0.15 < time.monotonic() - started < 2


def test_stop_releases_a_waiting_long_poll() -> None:
    """stop() answers a pending long poll at once instead of waiting out its timeout."""
    api = BotApiDouble(token=TOKEN).start()
    results: list[httpx.Response] = []
    poller = threading.Thread(target=lambda: results.append(call(api, "getUpdates", timeout=30)))
    poller.start()
    api.wait_until_polling()
    started = time.monotonic()
    api.stop()
    poller.join(timeout=5)
    assert time.monotonic() - started < 1
    assert results[0].json() == {"ok": True, "result": []}


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        ("<foo>x</foo>", 'Unsupported start tag "foo" at byte offset 0'),
        ("<b>bold", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b><i>x</b></i>", 'Unmatched end tag, expected "</i>", found "</b>"'),
        ("x</b>", "Unexpected end tag"),
        ("Tom &bogus; Jerry", 'Unsupported HTML entity "&bogus;" at byte offset 4'),
        ("1 < 2", "Can't find end of the tag starting at byte offset 2"),
        ('<span class="x">s</span>', 'Tag "span" must have class "tg-spoiler"'),
    ],
)
def test_invalid_html_is_rejected(api: BotApiDouble, text: str, detail: str) -> None:
    """Markup Telegram cannot parse gets 400 "can't parse entities" with a detail."""
    assert_error(
        send(api, text, parse_mode="HTML"), 400, f"Bad Request: can't parse entities: {detail}"
    )
    assert api.sent == []


def test_valid_html_is_accepted_and_parsed(api: BotApiDouble) -> None:
    """Valid HTML is sent, and the returned message carries the plain text and entities."""
    text = (
        '<b>Quiz</b> &lt;3&gt; &amp; <a href="https://sharif.edu">site</a> '
        '<span class="tg-spoiler">x</span> <blockquote expandable>q</blockquote> '
        "Q&A & more &#1587;&#x627;"
    )
    reply_markup = {"inline_keyboard": [[{"text": "OK", "callback_data": "ok"}]]}
    response = send(api, text, parse_mode="HTML", reply_markup=reply_markup)
    assert response.status_code == 200, response.json()
    message = response.json()["result"]
    assert message["text"] == "Quiz <3> & site x q Q&A & more سا"
    assert message["from"]["id"] == 123
    assert message["chat"] == {"id": USER, "type": "private", "first_name": "Student"}
    assert message["reply_markup"] == reply_markup
    assert [e["type"] for e in message["entities"]] == [
        "bold",
        "text_link",
        "spoiler",
        "expandable_blockquote",
    ]
    [record] = api.sent
    assert record.text == text
    assert record.parse_mode == "HTML"
    assert record.reply_markup == reply_markup
    assert record.message_id == message["message_id"]
    assert api.messages_to(USER) == [record]


def test_length_is_counted_on_parsed_text_in_utf16(api: BotApiDouble) -> None:
    """The 4096 limit applies to the text after parsing, counted in UTF-16 code units."""
    assert send(api, "x" * 4096).status_code == 200
    assert_error(send(api, "x" * 4097), 400, "Bad Request: message is too long")
    assert send(api, "<b>" + "x" * 4000 + "</b><i>tail</i>", parse_mode="HTML").status_code == 200
    assert send(api, "&lt;" * 4096, parse_mode="HTML").status_code == 200
    assert_error(send(api, "😀" * 2049), 400, "Bad Request: message is too long")
    assert_error(
        send(api, "<b> </b>", parse_mode="HTML"), 400, "Bad Request: message text is empty"
    )


def test_unknown_chat_is_not_found(api: BotApiDouble) -> None:
    """Sending to a chat the double has never seen gets 400 chat not found."""
    assert_error(send(api, "hi", chat_id=777), 400, "Bad Request: chat not found")
    assert_error(send(api, "hi", chat_id="@nobody"), 400, "Bad Request: chat not found")


def test_channels_by_username_and_admin_rights(api: BotApiDouble) -> None:
    """A channel is addressable by @username and needs the bot to be an admin."""
    api.add_chat(-100, "channel", username="mlsd_news")
    api.add_chat(-200, "channel", bot_is_admin=False)
    api.add_chat(-300, "channel", bot_is_admin=False, not_admin_error="need_rights")
    assert send(api, "news", chat_id="@mlsd_news").json()["result"]["chat"]["id"] == -100
    assert_error(
        send(api, "x", chat_id=-200), 403, "Forbidden: bot is not a member of the channel chat"
    )
    assert_error(
        send(api, "x", chat_id=-300), 400, "Bad Request: need administrator rights in the channel"
    )


def test_blocked_user_is_forbidden(api: BotApiDouble) -> None:
    """After a user blocks the bot, sends to them get 403 and the my_chat_member update exists."""
    update = api.push_my_chat_member(USER, status="kicked")
    assert update["my_chat_member"]["new_chat_member"]["status"] == "kicked"
    assert_error(send(api, "hi"), 403, "Forbidden: bot was blocked by the user")
    api.unblock(USER)
    assert send(api, "hi").status_code == 200


def test_rate_limits_answer_429_with_retry_after() -> None:
    """Exceeding the global or per-group rate gets 429 with an integer retry_after."""
    with BotApiDouble(token=TOKEN, global_rate=2, group_rate_per_minute=1) as api:
        api.add_chat(USER)
        api.add_chat(-5, "group")
        assert send(api, "1").status_code == 200
        assert send(api, "2").status_code == 200
        body = assert_error(send(api, "3"), 429, "Too Many Requests: retry after 1")
        assert body["parameters"] == {"retry_after": 1}
        api.global_rate = None
        assert send(api, "g1", chat_id=-5).status_code == 200
        body = assert_error(send(api, "g2", chat_id=-5), 429, "Too Many Requests: retry after")
        assert 59 <= body["parameters"]["retry_after"] <= 60
        assert api.rate_limited_count == 2
        assert [r.text for r in api.sent] == ["1", "2", "g1"]


def test_round_trip_delays_each_request_without_holding_up_others() -> None:
    """With a round trip, every answer takes at least that long, and requests overlap."""
    with BotApiDouble(token=TOKEN, round_trip=0.4) as api:
        api.add_chat(USER)
        took: list[float] = []

        def timed_send(n: int) -> None:
            started = time.monotonic()
            assert send(api, f"m{n}").status_code == 200
            took.append(time.monotonic() - started)

        started = time.monotonic()
        threads = [threading.Thread(target=timed_send, args=(n,)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
    assert len(took) == 8 and min(took) >= 0.4
    # One after another they would take 3.2 s; side by side, about one round trip.
    assert elapsed < 8 * 0.4 / 2
    assert sorted(r.text for r in api.sent) == sorted(f"m{n}" for n in range(8))


def test_fail_next_injects_errors_in_order(api: BotApiDouble) -> None:
    """fail_next makes the next calls of a method fail, then the method works again."""
    api.fail_next("sendMessage", 429, retry_after=3)
    api.fail_next("sendMessage", 502, times=2)
    body = assert_error(send(api, "a"), 429, "Too Many Requests: retry after 3")
    assert body["parameters"]["retry_after"] == 3
    assert_error(send(api, "b"), 502, "Bad Gateway")
    assert_error(send(api, "c"), 502, "Bad Gateway")
    assert send(api, "d").status_code == 200
    assert [r.status for r in api.requests] == [429, 502, 502, 200]


def test_send_document_multipart_records_file(api: BotApiDouble) -> None:
    """A multipart sendDocument records the file name and bytes and checks the caption."""
    url = f"{api.base_url}/bot{TOKEN}/sendDocument"
    files = {"document": ("grades.csv", b"id,grade\n1,20\n", "text/csv")}
    data = {"chat_id": str(USER), "caption": "<b>Grades</b>", "parse_mode": "HTML"}
    response = httpx.post(url, data=data, files=files)
    assert response.status_code == 200, response.json()
    document = response.json()["result"]["document"]
    assert document["file_name"] == "grades.csv"
    assert document["file_size"] == 14
    [record] = api.sent
    assert (record.document_name, record.document_bytes) == ("grades.csv", b"id,grade\n1,20\n")
    assert (record.text, record.plain_text) == ("<b>Grades</b>", "Grades")

    data["caption"] = "x" * 1025
    response = httpx.post(url, data=data, files=files)
    assert_error(response, 400, "Bad Request: message caption is too long")


def test_json_body_and_edit_not_modified(api: BotApiDouble) -> None:
    """JSON bodies work, and an edit that changes nothing gets "message is not modified"."""
    url = f"{api.base_url}/bot{TOKEN}"
    message = httpx.post(f"{url}/sendMessage", json={"chat_id": USER, "text": "v1"}).json()
    edit = {"chat_id": USER, "message_id": message["result"]["message_id"], "text": "v2"}
    assert httpx.post(f"{url}/editMessageText", json=edit).json()["result"]["text"] == "v2"
    response = httpx.post(f"{url}/editMessageText", json=edit)
    assert_error(response, 400, "Bad Request: message is not modified")
    assert [r.method for r in api.sent] == ["sendMessage", "editMessageText"]


def test_pushed_updates_carry_entities_replies_and_callbacks(api: BotApiDouble) -> None:
    """Pushed texts get command and mention entities, replies embed the bot's message."""
    sent = send(api, "Pick one").json()["result"]
    update = api.push_text(USER, "thanks @mlsd_test_bot", reply_to_message_id=sent["message_id"])
    message = update["message"]
    assert message["entities"] == [{"type": "mention", "offset": 7, "length": 14}]
    assert message["reply_to_message"]["from"]["is_bot"] is True
    assert message["reply_to_message"]["text"] == "Pick one"

    press = api.push_callback(USER, "choice:1", sent["message_id"])["callback_query"]
    answer = {"callback_query_id": press["id"], "text": "Saved"}
    assert call(api, "answerCallbackQuery", **answer).json()["result"] is True
    assert_error(call(api, "answerCallbackQuery", **answer), 400, "Bad Request: query is too old")
    assert api.callback_answers[0]["text"] == "Saved"


def test_wait_for_count_times_out_with_listing(api: BotApiDouble) -> None:
    """wait_for_count raises TimeoutError that lists what was sent so far."""
    send(api, "only one")
    with pytest.raises(TimeoutError, match="only one"):
        api.wait_for_count(2, timeout=0.1)
    assert [r.text for r in api.wait_for(lambda r: "only" in (r.text or ""))] == ["only one"]


# PTB's own RetryAfter.__str__ reads the deprecated int retry_after.
@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
def test_ptb_bot_against_the_double(api: BotApiDouble) -> None:
    """A real telegram.Bot works against the double and raises PTB's error types."""

    async def scenario() -> None:
        async with Bot(TOKEN, base_url=api.base_url + "/bot") as bot:
            me = await bot.get_me()
            assert me.username == "mlsd_test_bot"
            sent = await bot.send_message(USER, "<b>Hi</b> &amp; welcome", parse_mode="HTML")
            assert sent.text == "Hi & welcome"
            assert sent.from_user is not None and sent.from_user.id == me.id
            await bot.set_my_commands([("start", "Start the bot")])
            assert [c.command for c in await bot.get_my_commands()] == ["start"]
            api.add_chat(-100, "channel", username="mlsd_news")
            assert (await bot.get_chat("@mlsd_news")).id == -100
            assert (await bot.get_chat_member(-100, me.id)).status == "administrator"
            query_id = api.push_inline_query(USER, "hw")["inline_query"]["id"]
            article = InlineQueryResultArticle("1", "HW1", InputTextMessageContent("<b>HW1</b>"))
            assert await bot.answer_inline_query(query_id, [article])
            with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
                await bot.send_message(USER, "<blink>x</blink>", parse_mode="HTML")
            api.block(USER)
            with pytest.raises(Forbidden, match="blocked by the user"):
                await bot.send_message(USER, "hi")
            api.unblock(USER)
            api.fail_next("sendMessage", 429, retry_after=7)
            with pytest.raises(RetryAfter) as limited:
                await bot.send_message(USER, "hi")
            # PTB gives a timedelta with PTB_TIMEDELTA set (as the bot does), else seconds.
            assert limited.value.retry_after in (7, timedelta(seconds=7))

    asyncio.run(scenario())
    assert api.commands[("default", "")] == [{"command": "start", "description": "Start the bot"}]
    assert [r.text for r in api.sent] == ["<b>Hi</b> &amp; welcome"]
    assert api.inline_answers[0]["results"][0]["title"] == "HW1"


def test_ptb_application_polls_and_replies(api: BotApiDouble) -> None:
    """A real PTB Application long-polls the double and answers a /start command."""

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text("Welcome!")

    async def scenario() -> None:
        app = Application.builder().token(TOKEN).base_url(api.base_url + "/bot").build()
        app.add_handler(CommandHandler("start", start))
        async with app:
            await app.start()
            assert app.updater is not None
            await app.updater.start_polling(poll_interval=0, timeout=1)
            api.push_text(USER, "/start")
            await asyncio.to_thread(api.wait_for_count, 1)
            await app.updater.stop()
            await app.stop()

    asyncio.run(scenario())
    [reply] = api.messages_to(USER)
    assert reply.text == "Welcome!"
    assert reply.reply_to_message_id is None
    assert api.pending_updates == []
