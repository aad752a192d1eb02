"""`supportdesk db`: apply migrations and show the schema revision."""

from __future__ import annotations

import click

from bot.commands._admin import AdminGroup
from bot.commands.common import emit_json, handle_errors, json_option, settings
from store.db import make_engine
from store.migrate import current_revision, upgrade


@click.group(cls=AdminGroup)
def db() -> None:
    """Database schema commands."""


@db.command("upgrade")
@json_option
@handle_errors
def upgrade_cmd(as_json: bool) -> None:
    """Apply every pending migration (the desk also does this on start)."""
    engine = make_engine(settings().database_url)
    applied = upgrade(engine)
    revision = current_revision(engine)
    if as_json:
        emit_json({"applied": applied, "revision": revision})
    else:
        note = "" if applied else " (already up to date)"
        click.echo(f"database at revision {revision}{note}")


@db.command("current")
@json_option
@handle_errors
def current_cmd(as_json: bool) -> None:
    """Print the schema revision of the configured database."""
    revision = current_revision(make_engine(settings().database_url))
    if as_json:
        emit_json({"revision": revision})
    else:
        click.echo(revision or "empty database (run: supportdesk db upgrade)")
