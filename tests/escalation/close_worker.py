"""A month close in a child process; it can stop inside its transaction (to be killed) or pause.

    python -m tests.escalation.close_worker URL MONTH STOP_AT [PAUSE_SECONDS]

At the fault point STOP_AT it prints "inside" and sleeps PAUSE_SECONDS (default: until killed),
then finishes and prints the report's closed count.
"""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from billing.months import BillingMonth
from escalation.month_close import close_month
from store.db import make_engine, make_session_factory


def main(url: str, month: str, stop_at: str, pause: str = "600") -> None:
    factory = make_session_factory(make_engine(url))

    def fault(point: str) -> None:
        if point == stop_at:
            print("inside", flush=True)
            time.sleep(float(pause))

    report = close_month(factory, BillingMonth.parse(month), datetime(2030, 1, 1, tzinfo=UTC),
                         ZoneInfo("UTC"), fault=fault)
    print(f"closed {report.closed}", flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:5])
