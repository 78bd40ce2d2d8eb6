"""The answering engine: a question in, a typed query, facts from the course, words out."""

from bot.core.answering.answer import Answer
from bot.core.answering.engine import Engine

__all__ = ["Answer", "Engine"]
