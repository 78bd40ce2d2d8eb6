"""How handlers see the application: the callback context with the services as its bot_data,
and the types PTB is parameterised with."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any, TypeAlias, cast

from telegram import Update
from telegram.ext import Application, CallbackContext, ContextTypes, ExtBot, JobQueue

from bot.telegram.limiter import Broadcast
from bot.telegram.services import Services

# PTB's user and chat data stay plain dicts (unused); bot_data is the services.
Data: TypeAlias = dict[Any, Any]
# The bot's sends may carry a Broadcast mark for the limiter (limiter.py).
CourseBot: TypeAlias = ExtBot[Broadcast | None]


class BotContext(CallbackContext[CourseBot, Data, Data, Services]):
    """The callback context, with typed access to the services."""

    @property
    def services(self) -> Services:
        """Return the application's services."""
        return self.bot_data

    async def language(self, update: Update) -> str:
        """Return the language to answer the user behind ``update`` in, recording them."""
        return await self.services.languages.of(update.effective_user)


# A handler as PTB calls it with our context.
Handler: TypeAlias = Callable[[Update, BotContext], Coroutine[Any, Any, None]]
# The application as build_application makes it. PTB's builder types its job queue with the
# default context, though jobs do receive a BotContext.
CourseApplication: TypeAlias = Application[
    CourseBot, BotContext, Data, Data, Services, JobQueue[Any]
]
# What a context's ``application`` is typed as: PTB cannot name the context class there.
AnyApplication: TypeAlias = Application[Any, Any, Any, Any, Any, Any]


def context_types(services: Services) -> ContextTypes[BotContext, Data, Data, Services]:
    """Return the context types that make ``services`` the application's bot_data."""
    # PTB creates bot_data by calling the given class with no arguments (Application's
    # __init__); a function returning the services built beforehand stands in for the class,
    # so they are there from the first update on, under no string key.
    factory = cast("type[Services]", lambda: services)
    return ContextTypes(context=BotContext, bot_data=factory)


def services_of(application: AnyApplication) -> Services:
    """Return the services of an application built by ``build_application``."""
    services = application.bot_data
    assert isinstance(services, Services), "an application from build_application"
    return services
