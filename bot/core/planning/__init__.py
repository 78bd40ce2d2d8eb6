"""Reminder planning and the subscription vocabulary the bot, the web and storage share."""
