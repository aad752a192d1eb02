"""Bounded polling for tests: wait for a condition with a generous limit, never timing it."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_until(predicate: Callable[[], T], what: str = "condition", timeout: float = 30.0,
               describe: Callable[[], str] | None = None) -> T:
    """Poll `predicate` until it returns something truthy and return that.

    Raises AssertionError after `timeout` seconds, with `describe()` (e.g. the calls a fake
    server saw) in the message. The bound only stops a hung test; no test asserts on speed.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            detail = f"; {describe()}" if describe is not None else ""
            raise AssertionError(f"timed out waiting for {what}{detail}")
        time.sleep(0.05)
