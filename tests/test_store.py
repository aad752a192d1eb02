"""The schema: migrations apply once, match the models, and keep times in aware UTC."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError, StatementError

from store.db import transaction
from store.migrate import HEAD_REVISION, alembic_head, current_revision, upgrade
from store.models import Base, Identity, Plan, User


def test_second_upgrade_changes_nothing(engine: Engine) -> None:
    assert upgrade(engine) is False


def test_head_revision_is_alembics_head(engine: Engine) -> None:
    assert alembic_head() == HEAD_REVISION
    assert current_revision(engine) == HEAD_REVISION


def test_a_start_at_head_does_not_load_alembic(tmp_path: Path) -> None:
    """Alembic costs the running desk about 11 MB: only a schema behind head loads it."""
    script = (
        "import sys\n"
        "from store.db import make_engine\n"
        "from store.migrate import upgrade\n"
        f"engine = make_engine('sqlite:///{tmp_path / 'desk.sqlite3'}')\n"
        "first = upgrade(engine)\n"
        "loaded = 'alembic' in sys.modules\n"
        "for name in [m for m in sys.modules if m.split('.')[0] == 'alembic']:\n"
        "    del sys.modules[name]\n"
        "print(first, loaded, upgrade(engine), 'alembic' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=True, cwd=Path(__file__).resolve().parents[1])
    assert out.stdout.split() == ["True", "True", "False", "False"]


def test_migrations_match_models(engine: Engine) -> None:
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_default_plans_are_seeded(sessions) -> None:  # type: ignore[no-untyped-def]
    with transaction(sessions) as s:
        plans = {p.name: p for p in s.scalars(select(Plan))}
    for name, cents, free in (("growth", 50000, 2), ("premium", 100000, 5)):
        prices = {(p.cycle, p.currency): p.amount_cents for p in plans[name].prices}
        assert prices == {("monthly", "EUR"): cents, ("monthly", "USD"): cents}
        assert plans[name].free_escalations == free
        assert (plans[name].plan_type, plans[name].enabled, plans[name].gst_rate_bp) == \
            ("usage-based", True, None)
        assert plans[name].limit_team_members is None


def test_times_round_trip_as_aware_utc(sessions) -> None:  # type: ignore[no-untyped-def]
    berlin_noon = datetime(2026, 7, 1, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    with transaction(sessions) as s:
        s.add(User(name="a", role="agent", created_at=berlin_noon))
    with transaction(sessions) as s:
        stored = s.scalars(select(User)).one().created_at
    assert stored == datetime(2026, 7, 1, 10, 0, tzinfo=UTC)
    assert stored.utcoffset() == timedelta(0)


def test_naive_times_are_refused(sessions) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(StatementError), transaction(sessions) as s:
        s.add(User(name="a", role="agent", created_at=datetime(2026, 1, 1)))
        s.flush()


def test_identity_is_unique_per_channel(sessions) -> None:  # type: ignore[no-untyped-def]
    now = datetime(2026, 1, 1, tzinfo=UTC)
    with transaction(sessions) as s:
        u = User(name="a", role="partner", created_at=now)
        s.add(u)
        s.flush()
        s.add(Identity(user_id=u.id, channel="telegram", external_id="42"))
        s.add(Identity(user_id=u.id, channel="slack", external_id="42"))
    with pytest.raises(IntegrityError), transaction(sessions) as s:
        s.add(Identity(user_id=u.id, channel="telegram", external_id="42"))
