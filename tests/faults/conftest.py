"""Fixtures of the fault tests: a migrated database engine per backend."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from store.db import make_engine
from store.migrate import upgrade


@pytest.fixture
def desk_db(db_url: str) -> Iterator[Engine]:
    """The migrated database the desk process will use (SQLite file, or PostgreSQL)."""
    engine = make_engine(db_url)
    upgrade(engine)
    yield engine
    engine.dispose()
