"""Alembic migrations of the state database; applied by ``course-bot migrate``."""
