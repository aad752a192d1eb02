"""Fixtures: a seeded desk database, the fake Slack Web API and a running `supportdesk run`."""

from __future__ import annotations

import signal
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, select

from desk import orgs, users
from store.db import make_engine, make_session_factory, transaction
from store.migrate import upgrade
from store.models import Identity
from tests.fakes.slack_api import FakeSlackApi
from tests.slack.harness import SlackDesk, desk_env, free_port, start_desk


@dataclass(frozen=True)
class People:
    hans: str = "U0HANS"  # partner, German, Growth org in EUR
    lucia: str = "U0LUCIA"  # partner, Spanish, Growth org in USD
    alex: str = "U0ALEX"  # agent
    morgan: str = "U0MORGAN"  # manager
    stranger: str = "U0NOBODY"  # no identity on the desk


PEOPLE = People()


def seed(engine: Engine) -> None:
    """Two organizations with a partner each and one agent, as an admin would set them up."""
    now = datetime.now(UTC)
    tz = ZoneInfo("UTC")
    with transaction(make_session_factory(engine)) as session:
        muller = orgs.create_org(session, name="Müller Messaging GmbH", plan_name="growth",
                                 currency="EUR", billing_model="partner-paid", now=now, tz=tz)
        mensajes = orgs.create_org(session, name="Mensajes Rápidos SA", plan_name="growth",
                                   currency="USD", billing_model="direct-paid", now=now, tz=tz)
        users.add_user(session, channel="slack", external_id=PEOPLE.hans, role="partner",
                       org=muller, name="Hans Müller", now=now)
        users.add_user(session, channel="slack", external_id=PEOPLE.lucia, role="partner",
                       org=mensajes, name="Lucía Gómez", now=now)
        users.add_user(session, channel="slack", external_id=PEOPLE.alex, role="agent",
                       name="Alex Agent", now=now)
        users.add_user(session, channel="slack", external_id=PEOPLE.morgan, role="manager",
                       name="Morgan Manager", language="en", now=now)
    with make_session_factory(engine)() as session:
        landed = set(session.scalars(select(Identity.external_id)
                                     .where(Identity.channel == "slack")))
    assert landed == {PEOPLE.hans, PEOPLE.lucia, PEOPLE.alex, PEOPLE.morgan}


@pytest.fixture
def fake_slack() -> Iterator[FakeSlackApi]:
    fake = FakeSlackApi().start()
    fake.set_locale(PEOPLE.hans, "de-DE")
    fake.set_locale(PEOPLE.lucia, "es-ES")
    yield fake
    fake.stop()


@pytest.fixture
def desk_engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    upgrade(engine)
    seed(engine)
    yield engine
    engine.dispose()


def stop_process(process: subprocess.Popen[bytes]) -> int:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
    return int(process.returncode)


@pytest.fixture
def slack(db_url: str, desk_engine: Engine, fake_slack: FakeSlackApi,
          tmp_path: Path) -> Iterator[SlackDesk]:
    """The real desk process in HTTP mode, listening on a free port, seeded and ready."""
    port = free_port()
    process = start_desk(desk_env(db_url, fake_slack.api_url, port), tmp_path)
    desk = SlackDesk(process, port, fake_slack, desk_engine, tmp_path / "desk.log")
    try:
        desk.wait_ready()
        yield desk
    finally:
        code = stop_process(process)
        assert code == 0, f"desk exited with {code}:\n{desk.log()}"
