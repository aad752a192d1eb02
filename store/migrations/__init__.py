"""Alembic migration scripts of the desk."""
