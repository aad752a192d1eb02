"""Fees recorded late upgrade the running month: its open cases get Premium targets at once."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from billing.months import BillingMonth
from desk import orgs
from store.db import transaction
from store.models import Organization
from tests.sla.helpers import add_org, get_case, open_case


def test_late_fees_shorten_the_targets_of_the_running_month(desk, clock):
    org = add_org(desk, "Acme", "growth")
    earlier = open_case(desk, org, 1)  # opened in the fees month itself: keeps Growth's hour
    clock.advance(days=25)
    assert BillingMonth.of(clock.now(), desk.billing_tz) == \
        BillingMonth.of(get_case(desk, earlier).opened_at, desk.billing_tz).next()
    waiting = open_case(desk, org, 1)
    answered_later = open_case(desk, org, 2)
    assert get_case(desk, waiting).sla_due_at == clock.now() + timedelta(hours=1)
    fees_month = BillingMonth.of(get_case(desk, earlier).opened_at, desk.billing_tz)
    with transaction(desk.sessions) as s:
        changes = orgs.set_license_fees(s, s.get(Organization, org.id), fees_month,
                                        Decimal("575"), now=clock.now(), tz=desk.billing_tz)
    assert [(c.before, c.after) for c in changes] == [("growth", "premium")]
    opened = get_case(desk, waiting).opened_at
    assert get_case(desk, waiting).sla_due_at == opened + timedelta(minutes=30)
    assert get_case(desk, answered_later).sla_due_at == opened + timedelta(hours=2)
    assert get_case(desk, earlier).sla_due_at == \
        get_case(desk, earlier).opened_at + timedelta(hours=1)
    with transaction(desk.sessions) as s:  # a correction below the threshold takes it back
        orgs.set_license_fees(s, s.get(Organization, org.id), fees_month, Decimal("400"),
                              now=clock.now(), tz=desk.billing_tz)
    assert get_case(desk, waiting).sla_due_at == opened + timedelta(hours=1)
