"""The billing core's plan rules as SQL: plan in force, overflow, upgrade, cycle fee, GST.

Each rule lives in billing/ (pure Python, the definition) and here once as SQL, for queries
that apply it to many organizations at a time; tests/billing/test_sql_parity.py checks that
both give the same answers.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Integer, Subquery, bindparam, text

from billing.cycles import CYCLE_MONTHS
from billing.invoicing import AUTO_UPGRADE

# billing.plans.plan_in_force: per organization, its latest assignment effective on or before
# :month (assignments are unique per organization and month). A CTE named in_force.
_IN_FORCE = """
in_force AS (
    SELECT ranked.org_id, ranked.plan_id FROM (
        SELECT pa.org_id, pa.plan_id,
               ROW_NUMBER() OVER (PARTITION BY pa.org_id
                                  ORDER BY pa.effective_month DESC, pa.id DESC) AS rn
        FROM plan_assignments pa WHERE pa.effective_month <= :month{orgs}
    ) ranked WHERE ranked.rn = 1
)"""
IN_FORCE = _IN_FORCE.format(orgs="")


def in_force(month: str, org_ids: Iterable[int] | None = None) -> Subquery:
    """IN_FORCE as a subquery (columns org_id, plan_id) to join in ORM and Core queries;
    with `org_ids`, only those organizations' assignments are read (an index range each)."""
    if org_ids is None:
        statement = text(f"WITH {IN_FORCE} SELECT org_id, plan_id FROM in_force")
        statement = statement.bindparams(month=month)
    else:
        cte = _IN_FORCE.format(orgs=" AND pa.org_id IN :org_ids")
        statement = text(f"WITH {cte} SELECT org_id, plan_id FROM in_force").bindparams(
            bindparam("org_ids", sorted(set(org_ids)), expanding=True), month=month)
    return statement.columns(org_id=Integer, plan_id=Integer).subquery("in_force")


def overflow(counted: str, allowance: str) -> str:
    """billing.allowance.EscalationNumbers.overflow: escalations counted above the allowance."""
    return f"CASE WHEN {counted} > {allowance} THEN {counted} - {allowance} ELSE 0 END"


def upgrade_due(plan: str, fees_cents: str) -> str:
    """billing.plans.upgrade_target is not None: the plan `plan` (an alias of plans) has an
    automatic upgrade and the month's license fees are strictly above its threshold."""
    return (f"{plan}.auto_upgrade_to IS NOT NULL AND {plan}.auto_upgrade_above_cents IS NOT NULL"
            f" AND {fees_cents} > {plan}.auto_upgrade_above_cents")


# billing.invoicing.plan_fee_due: per organization, the assignment in force in :month (as
# in_force), its billing cycle, and the cycle's anchor: the latest assignment on or before
# :month that is not an automatic upgrade (the first assignment if all are). A CTE named
# cycle_in_force (columns org_id, plan_id, billing_cycle, anchor_month).
CYCLE_IN_FORCE = f"""
cycle_in_force AS (
    SELECT ranked.org_id, ranked.plan_id, ranked.billing_cycle, ranked.anchor_month FROM (
        SELECT pa.org_id, pa.plan_id, pa.billing_cycle,
               COALESCE(MAX(CASE WHEN pa.reason <> '{AUTO_UPGRADE}' THEN pa.effective_month END)
                            OVER (PARTITION BY pa.org_id),
                        MIN(pa.effective_month) OVER (PARTITION BY pa.org_id)) AS anchor_month,
               ROW_NUMBER() OVER (PARTITION BY pa.org_id
                                  ORDER BY pa.effective_month DESC, pa.id DESC) AS rn
        FROM plan_assignments pa WHERE pa.effective_month <= :month
    ) ranked WHERE ranked.rn = 1
)"""


def _month_index(month: str) -> str:
    """A 'YYYY-MM' text (column or parameter) as a month count: year * 12 + month."""
    return (f"(CAST(SUBSTR({month}, 1, 4) AS INTEGER) * 12 "
            f"+ CAST(SUBSTR({month}, 6, 2) AS INTEGER))")


def cycle_months(cycle: str) -> str:
    """billing.cycles.CYCLE_MONTHS of a cycle column."""
    cases = " ".join(f"WHEN '{name}' THEN {months}" for name, months in CYCLE_MONTHS.items())
    return f"(CASE {cycle} {cases} END)"


def plan_fee_due(anchor: str, cycle: str, month: str = ":month") -> str:
    """billing.cycles.is_cycle_start: `month` ('YYYY-MM' text) starts a cycle counted from the
    anchor month `anchor` in `cycle` (the anchor is on or before the month)."""
    return (f"(({_month_index(month)} - {_month_index(anchor)}) % {cycle_months(cycle)} = 0)")


def gst_cents(taxable_cents: str, rate_bp: str) -> str:
    """billing.invoicing.gst_cents: the tax half-up to the cent, 0 when the rate is NULL."""
    return (f"(CASE WHEN {rate_bp} IS NULL THEN 0 "
            f"ELSE (({taxable_cents}) * ({rate_bp}) + 5000) / 10000 END)")
