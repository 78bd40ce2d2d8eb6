"""The Telegram-free core: language, the course, its rendering, answering and planning."""
