"""One SQLite desk per test module, reset before every generated example."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.robustness.world import World, build_world


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    path: Path = tmp_path_factory.mktemp("robustness") / "desk.db"
    built = build_world(f"sqlite:///{path}")
    yield built
    built.engine.dispose()
