"""The database invariant checker finds each kind of corruption it is meant to find."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import text, update
from sqlalchemy.orm import Session

from store.db import transaction
from store.models import Case, CaseMessage, Escalation, InvoiceLine, MonthClose, OutboxMessage
from tests.robustness.world import START, World, invariant_violations


def _escalation_of_other_org(w: World, s: Session) -> None:
    s.execute(update(Escalation).where(Escalation.case_id == w.cases["A"].escalated)
              .values(org_id=w.org_ids["B"]))


def _counted_unresolved(w: World, s: Session) -> None:
    s.execute(update(Escalation).where(Escalation.case_id == w.cases["A"].escalated)
              .values(counted_month="2026-03"))


def _counted_other_month(w: World, s: Session) -> None:
    s.execute(update(Escalation).where(Escalation.case_id == w.cases["A"].counted)
              .values(counted_month="2026-04"))


def _foreign_partner_message(w: World, s: Session) -> None:
    s.add(CaseMessage(case_id=w.cases["A"].open_free, author_id=w.actors["partner_b"].user_id,
                      kind="partner", text="hi", created_at=START))


def _note_by_partner(w: World, s: Session) -> None:
    s.add(CaseMessage(case_id=w.cases["A"].open_free, author_id=w.actors["partner_a"].user_id,
                      kind="note", text="hi", created_at=START))


def _outbox(w: World, s: Session, actor: str, chat: str | None = None) -> None:
    who = w.actors[actor]
    s.add(OutboxMessage(channel=who.channel, chat_id=chat or "somewhere",
                        recipient_user_id=who.user_id if chat is None else None,
                        case_id=w.cases["A"].open_free, purpose="notice", language="en",
                        key="case.added", params={"number": 1}, buttons=[], status="pending",
                        attempts=0, next_attempt_at=START, created_at=START))


def _bad_invoice(w: World, s: Session) -> None:
    org, plan = w.org_ids["C"], s.execute(text("SELECT id FROM plans LIMIT 1")).scalar_one()
    s.add(MonthClose(org_id=org, month="2026-02", plan_id=plan, currency="EUR", allowance=2,
                     counted=3, pending_expired=0, overflow=1, overflow_price_cents=2500,
                     charge_cents=2500, plan_fee_cents=50000, escalations_processed=3,
                     closed_at=START))
    s.add(InvoiceLine(org_id=org, month="2026-02", kind="plan_fee", description="fee",
                      quantity=1, unit_cents=50000, amount_cents=50000, currency="EUR"))


def _bad_charge(w: World, s: Session) -> None:
    _bad_invoice(w, s)
    s.add(InvoiceLine(org_id=w.org_ids["C"], month="2026-02", kind="escalation_overflow",
                      description="x", quantity=1, unit_cents=2500, amount_cents=2500,
                      currency="EUR"))
    s.flush()
    s.execute(update(MonthClose).values(overflow=2, charge_cents=5000))


def _resolved_without_time(w: World, s: Session) -> None:
    s.execute(update(Case).where(Case.id == w.cases["A"].resolved).values(resolved_at=None))


CORRUPTIONS: dict[str, tuple[Callable[[World, Session], None], str]] = {
    "escalation org": (_escalation_of_other_org, "escalation of another organization"),
    "counted unresolved": (_counted_unresolved, "counted_month set without resolved_at"),
    "counted other month": (_counted_other_month, "counted in another month"),
    "foreign partner": (_foreign_partner_message, "partner message on another organization"),
    "note by partner": (_note_by_partner, "reply or note written by someone"),
    "outbox recipient": (lambda w, s: _outbox(w, s, "partner_b"),
                         "addressed to a user of another organization"),
    "outbox chat": (lambda w, s: _outbox(w, s, "partner_b", "te-partner_b"),
                    "sent into a partner's chat of another organization"),
    "invoice sum": (_bad_invoice, "invoice lines do not sum"),
    "charge": (_bad_charge, "charge is not overflow x price"),
    "resolved time": (_resolved_without_time, "resolved case without resolved_at"),
}


@pytest.mark.parametrize("name", list(CORRUPTIONS))
def test_checker_reports_each_corruption(world: World, name: str) -> None:
    world.reset()
    with world.sessions() as s:
        assert invariant_violations(s) == []
    corrupt, expected = CORRUPTIONS[name]
    with transaction(world.sessions) as s:
        corrupt(world, s)
    with world.sessions() as s:
        found = invariant_violations(s)
    assert any(expected in line for line in found), found


def test_checker_reports_a_billable_escalation_registered_without_confirmation(
        world: World) -> None:
    world.reset()
    c = world.cases["C"]  # growth, allowance 2: one counted and one pending already
    with transaction(world.sessions) as s:
        s.add(Escalation(case_id=c.open_free, org_id=world.org_ids["C"], category="platform_issue",
                         requested_at=START, requested_month="2026-03",
                         requested_by_id=world.actors["partner_c"].user_id, on_behalf=False,
                         billable_confirmed=False))
    with world.sessions() as s:
        found = invariant_violations(s)
    assert any("without the billable confirmation" in line for line in found), found
