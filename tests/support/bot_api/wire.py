"""The Bot API on the wire: decoding a request's parameters, posting an update to a webhook."""

from __future__ import annotations

import email.parser
import email.policy
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.support.bot_api.state import JsonDict, Upload, bad_request

# Form bodies carry every non-string value JSON-encoded; these params hold structures.
JSON_PARAMS = frozenset(
    {
        "allowed_updates",
        "button",
        "caption_entities",
        "commands",
        "entities",
        "link_preview_options",
        "media",
        "reply_markup",
        "reply_parameters",
        "results",
        "scope",
    }
)
INT_PARAMS = frozenset(
    {
        "cache_time",
        "chat_id",
        "limit",
        "max_connections",
        "message_id",
        "message_thread_id",
        "offset",
        "reply_to_message_id",
        "user_id",
    }
)
BOOL_PARAMS = frozenset(
    {
        "allow_sending_without_reply",
        "disable_notification",
        "disable_web_page_preview",
        "drop_pending_updates",
        "is_personal",
        "protect_content",
        "show_alert",
    }
)


def read_params(handler: BaseHTTPRequestHandler, query: str) -> tuple[JsonDict, dict[str, Upload]]:
    """Return the decoded parameters and file uploads of a request."""
    raw: JsonDict = dict(urllib.parse.parse_qsl(query, keep_blank_values=True))
    uploads: dict[str, Upload] = {}
    body = read_body(handler)
    content_type = handler.headers.get_content_type()
    if body and content_type == "application/json":
        try:
            decoded = json.loads(body)
        except ValueError as error:
            raise bad_request("can't parse JSON request body") from error
        if not isinstance(decoded, dict):
            raise bad_request("can't parse JSON request body")
        raw.update(decoded)
    elif body and content_type == "multipart/form-data":
        header = f"Content-Type: {handler.headers['Content-Type']}\r\n\r\n".encode()
        parsed = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(header + body)
        for part in parsed.iter_parts():
            name = part.get_param("name", header="content-disposition")
            content = part.get_payload(decode=True) or b""
            filename = part.get_filename()
            if filename is not None:
                uploads[name] = Upload(filename, content)
            else:
                raw[name] = content.decode("utf-8")
    elif body:
        raw.update(urllib.parse.parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    params = {key: decode_param(key, value) for key, value in raw.items()}
    for name, upload in uploads.items():
        params.setdefault(name, {"filename": upload.filename, "size": len(upload.content)})
    return params, uploads


def read_body(handler: BaseHTTPRequestHandler) -> bytes:
    """Read the request body, whether sized by Content-Length or chunked."""
    if handler.headers.get("Transfer-Encoding", "").lower() == "chunked":
        chunks = []
        while size := int(handler.rfile.readline().split(b";")[0].strip() or b"0", 16):
            chunks.append(handler.rfile.read(size))
            handler.rfile.readline()
        handler.rfile.readline()
        return b"".join(chunks)
    return handler.rfile.read(int(handler.headers.get("Content-Length") or 0))


def decode_param(key: str, value: Any) -> Any:
    """Turn a form value back into the type Telegram would read it as."""
    if not isinstance(value, str):
        return value
    if key in JSON_PARAMS and value[:1] in ("[", "{"):
        try:
            return json.loads(value)
        except ValueError as error:
            raise bad_request(f"can't parse {key} JSON object") from error
    if key in INT_PARAMS and re.fullmatch(r"-?\d+", value):
        return int(value)
    if key in BOOL_PARAMS and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return value


def post_update(target: str, update: JsonDict, secret: str) -> int:
    """POST one update like Telegram does; return the status, 0 if there was no answer."""
    request = urllib.request.Request(
        target,
        data=json.dumps(update).encode(),
        headers={"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": secret},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)
    except OSError:
        return 0
