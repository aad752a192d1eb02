"""The billing core's plan rules as SQL: plan in force, overflow, automatic upgrade.

Each rule lives in billing/ (pure Python, the definition) and here once as SQL, for queries
that apply it to many organizations at a time; tests/billing/test_sql_parity.py checks that
both give the same answers.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Integer, Subquery, bindparam, text

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
