"""Tell an organization's partners and the desk's managers when license fees change a plan."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from billing.months import BillingMonth
from desk import outbox
from desk.context import DeskContext
from desk.derived_plans import PlanChange, upgrade_rules
from locales.formatting import money_param, month_param
from messages.types import Reply
from store.models import Organization, Plan, User

PURPOSE = "notice"


def notify_plan_changes(session: Session, desk: DeskContext, org: Organization,
                        changes: list[PlanChange], fees_month: BillingMonth,
                        now: datetime) -> int:
    """Queue one message per change to the organization's partners and the managers; returns
    how many messages were queued. `fees_month` is the month whose fees were recorded."""
    if not changes:
        return 0
    rules = upgrade_rules(session)
    display = dict(session.execute(select(Plan.name, Plan.display_name)).all())
    people = session.scalars(select(User).where(
        User.removed_at.is_(None),
        or_(User.role == "manager", (User.role == "partner") & (User.org_id == org.id)),
    ).order_by(User.id)).all()
    queued = 0
    for change in changes:
        upgraded = change.before is not None and change.before in rules \
            and rules[change.before].target == change.after
        rule_of = change.before if upgraded else change.after
        if rule_of is None or rule_of not in rules or change.after is None:
            continue
        reply = Reply("plan.upgraded" if upgraded else "plan.upgrade_withdrawn", {
            "org": org.name, "plan": display.get(change.after, change.after),
            "month": month_param(change.month), "fees_month": month_param(fees_month),
            "threshold": money_param(rules[rule_of].above, org.currency),
        })
        for person in people:
            queued += outbox.enqueue_for_user(session, desk, person, reply, purpose=PURPOSE,
                                              now=now) is not None
    return queued
