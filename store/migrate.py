"""Apply Alembic migrations programmatically; safe to call on every start.

A desk whose schema is already at HEAD_REVISION starts without importing Alembic (about 11 MB
of resident memory with Mako and Pygments); tests/test_store.py checks that HEAD_REVISION is
Alembic's head.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, inspect, text

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).with_name("migrations")
# The newest revision in migrations/versions: update it with every new migration.
HEAD_REVISION = "0007"
VERSION_TABLE = "alembic_version"
# PostgreSQL advisory lock key: processes starting together migrate one after the other.
MIGRATION_LOCK_KEY = 0x5D5C_4D01


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def _revision(conn: Connection) -> str | None:
    """The schema's revision as Alembic records it; None for an empty database."""
    if not inspect(conn).has_table(VERSION_TABLE):
        return None
    return conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()


def upgrade(engine: Engine) -> bool:
    """Bring the schema to head; return True when anything was applied."""
    with engine.connect() as conn:
        if _revision(conn) == HEAD_REVISION:
            return False
    from alembic import command

    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # Held until this transaction ends; whoever waited finds the schema at head.
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
            if _revision(conn) == HEAD_REVISION:
                return False
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    return True


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return _revision(conn)


def alembic_head() -> str | None:
    """The head revision as Alembic reads it from migrations/versions."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
