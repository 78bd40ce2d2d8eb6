"""The Telegram side of the course bot; the course core in ``bot.core`` knows nothing of it.

Importing it does nothing: ``app.build_application`` builds the bot, ``runner.run_bot`` runs it.
"""
