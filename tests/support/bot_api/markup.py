"""Telegram's HTML parse mode and the entities Telegram attaches to text."""

from __future__ import annotations

import re
from typing import Any

from tests.support.bot_api.state import ApiError, JsonDict, bad_request

TAG_ENTITY_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}

_START_TAG = re.compile(
    r"<([a-zA-Z][a-zA-Z0-9-]*)"
    r"((?:\s+[^\s=>/]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s>\"']*))?)*)\s*>"
)
_END_TAG = re.compile(r"</([a-zA-Z][a-zA-Z0-9-]*)\s*>")
_ATTRIBUTE = re.compile(r"([^\s=>/]+)(?:\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s>\"']*)))?")
_HTML_ENTITY = re.compile(r"&(#[0-9]+|#[xX][0-9a-fA-F]+|[a-zA-Z][a-zA-Z0-9]*);")
# A lone "&" that starts no entity is plain text.
_PLAIN_RUN = re.compile(r"&|[^<&]+")
_MENTION = re.compile(r"(?<![\w@])@[A-Za-z][A-Za-z0-9_]{3,31}")


def utf16_len(text: str) -> int:
    """Count text in UTF-16 code units, as Telegram does."""
    return len(text.encode("utf-16-le")) // 2


def parse_html(text: str) -> tuple[str, list[JsonDict]]:
    """Return the plain text and entities of Telegram HTML, raising ApiError on bad markup."""
    chunks: list[str] = []
    entities: list[JsonDict] = []
    open_tags: list[JsonDict] = []
    length = 0
    i = 0
    while i < len(text):
        if text[i] == "<":
            i = parse_tag(text, i, length, open_tags, entities)
            continue
        entity = _HTML_ENTITY.match(text, i)
        if entity:
            piece = decode_entity(entity.group(1))
            if piece is None:
                raise html_error(text, i, f'Unsupported HTML entity "{entity.group()}"')
            i = entity.end()
        else:
            piece = _PLAIN_RUN.match(text, i).group()
            i += len(piece)
        chunks.append(piece)
        length += utf16_len(piece)
    if open_tags:
        name = open_tags[-1]["name"]
        raise bad_request(
            f"can't parse entities: Can't find end tag corresponding to start tag \"{name}\""
        )
    entities.sort(key=lambda entity: (entity["offset"], -entity["length"]))
    return "".join(chunks), entities


def parse_tag(
    text: str, i: int, length: int, open_tags: list[JsonDict], entities: list[JsonDict]
) -> int:
    """Consume the tag starting at text[i], updating open_tags and entities; return its end."""
    if ">" not in text[i:]:
        raise html_error(text, i, "Can't find end of the tag starting")
    if text.startswith("</", i):
        match = _END_TAG.match(text, i)
        name = match.group(1).lower() if match else ""
        if not open_tags:
            raise html_error(text, i, f'Unexpected end tag "{name}"')
        tag = open_tags.pop()
        if match is None or name != tag["name"]:
            detail = f'Unmatched end tag, expected "</{tag["name"]}>", found "</{name}>"'
            raise html_error(text, i, detail)
        entity = tag_entity(tag, length, open_tags)
        if entity is not None:
            entities.append(entity)
        return match.end()
    match = _START_TAG.match(text, i)
    name = match.group(1).lower() if match else re.match(r"<([^\s>]*)", text[i:])[1]
    if match is None or name not in TAG_ENTITY_TYPES:
        raise html_error(text, i, f'Unsupported start tag "{name}"')
    attributes = {
        key.lower(): _HTML_ENTITY.sub(
            lambda m: decode_entity(m.group(1)) or m.group(), "".join(values)
        )
        for key, *values in _ATTRIBUTE.findall(match.group(2))
    }
    if name == "span" and attributes.get("class") != "tg-spoiler":
        raise html_error(text, i, 'Tag "span" must have class "tg-spoiler"')
    open_tags.append({"name": name, "attributes": attributes, "start": length})
    return match.end()


def html_error(text: str, index: int, detail: str) -> ApiError:
    """Return the "can't parse entities" error for a problem at text[index]."""
    offset = len(text[:index].encode("utf-8"))
    return bad_request(f"can't parse entities: {detail} at byte offset {offset}")


def decode_entity(body: str) -> str | None:
    """Return the character an HTML entity stands for, or None if Telegram rejects it."""
    if not body.startswith("#"):
        return NAMED_ENTITIES.get(body)
    code = int(body[2:], 16) if body[1] in "xX" else int(body[1:])
    if code <= 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return None
    return chr(code)


def tag_entity(tag: JsonDict, end: int, enclosing: list[JsonDict]) -> JsonDict | None:
    """Return the MessageEntity a closed tag produces, or None if it produces none."""
    name, attributes, start = tag["name"], tag["attributes"], tag["start"]
    # Telegram folds <pre><code class="language-x"> into one pre entity with a language.
    if name == "code" and enclosing and enclosing[-1]["name"] == "pre":
        language = attributes.get("class", "")
        if language.startswith("language-"):
            enclosing[-1]["language"] = language.removeprefix("language-")
        return None
    if end == start:
        return None
    entity: JsonDict = {"type": TAG_ENTITY_TYPES[name], "offset": start, "length": end - start}
    if name == "a":
        if not attributes.get("href"):
            return None
        entity["url"] = attributes["href"]
    elif name == "pre" and tag.get("language"):
        entity["language"] = tag["language"]
    elif name == "blockquote" and "expandable" in attributes:
        entity["type"] = "expandable_blockquote"
    elif name == "tg-emoji":
        if "emoji-id" not in attributes:
            return None
        entity["custom_emoji_id"] = attributes["emoji-id"]
    return entity


def parse_text(
    text: str, parse_mode: str | None, entities: Any = None
) -> tuple[str, list[JsonDict]]:
    """Return the text and entities Telegram would show for text sent with parse_mode."""
    if parse_mode and parse_mode.lower() == "html":
        return parse_html(text)
    # Markdown modes are not validated: the bot under test uses HTML.
    return text, list(entities) if isinstance(entities, list) else []


def text_entities(text: str) -> list[JsonDict]:
    """Return the bot_command and mention entities Telegram attaches to a user's text."""
    entities: list[JsonDict] = []
    command_end = 0
    if text.startswith("/"):
        command = text.split(maxsplit=1)[0]
        command_end = len(command)
        entities.append({"type": "bot_command", "offset": 0, "length": utf16_len(command)})
    for match in _MENTION.finditer(text, command_end):
        offset = utf16_len(text[: match.start()])
        entities.append({"type": "mention", "offset": offset, "length": utf16_len(match.group())})
    return entities
