"""CLI fixtures: invoke `supportdesk` in-process against the test desk, snapshot the tables."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.cli import cli
from desk.context import DeskContext
from store.models import (
    AuditEntry,
    Identity,
    LicenseFee,
    Organization,
    PartnerAccount,
    Plan,
    PlanAssignment,
    User,
)

ADMIN_TABLES = (Organization, PartnerAccount, Plan, PlanAssignment, LicenseFee, User, Identity,
                AuditEntry)

Run = Callable[..., Result]


@pytest.fixture
def run(desk: DeskContext) -> Run:
    """`run("org", "list")` invokes the CLI with the test desk (fixed clock) as click's obj."""
    runner = CliRunner()

    def invoke(*args: str) -> Result:
        return runner.invoke(cli, list(args), obj=desk, catch_exceptions=False)

    return invoke


@pytest.fixture
def run_json(run: Run) -> Callable[..., Any]:
    """Invoke with --json, require success and exactly one JSON document on stdout."""

    def invoke(*args: str) -> Any:
        result = run(*args, "--json")
        assert result.exit_code == 0, result.stderr
        return json.loads(result.stdout)

    return invoke


def snapshot(sessions: sessionmaker[Session]) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the admin tables, to prove a refused command changed nothing."""
    with sessions() as session:
        out = {}
        for model in ADMIN_TABLES:
            columns = [c for c in model.__table__.columns]
            rows = session.execute(select(*columns).order_by(*model.__table__.primary_key))
            out[model.__tablename__] = [tuple(r) for r in rows]
        return out


@pytest.fixture
def tables(sessions: sessionmaker[Session]) -> Callable[[], dict[str, list[tuple[Any, ...]]]]:
    return lambda: snapshot(sessions)
