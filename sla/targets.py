"""First-response targets per plan and severity: show, set (audited) and look up."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from desk import audit
from desk.errors import Invalid
from desk.first_response import fallback_minutes
from desk.plans import get_plan
from store.models import Plan, SlaTarget

SEVERITIES = (1, 2, 3)
MAX_MINUTES = 30 * 24 * 60  # a first-response target longer than 30 days is a typo
_MAX_DIGITS = len(str(MAX_MINUTES))  # longer numbers are over the limit in any unit
_DURATION = re.compile(r"(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m(?:in)?)?")


@dataclass(frozen=True)
class TargetRow:
    """One cell of the target table; `own` is False when the plan falls back to the default."""

    plan: str
    display_name: str
    severity: int
    minutes: int | None
    own: bool


def parse_duration(text: str) -> int:
    """Minutes in a duration like '30m', '1h', '2h30m', '1d' or '1d6h'; Invalid otherwise."""
    cleaned = (text or "").strip().lower().replace(" ", "")
    match = _DURATION.fullmatch(cleaned)
    if not cleaned or match is None or not any(match.groups()):
        raise Invalid(f"bad duration {text!r}: use e.g. 30m, 1h, 2h30m or 1d")
    if any(g and len(g.lstrip("0")) > _MAX_DIGITS for g in match.groups()):
        shown = text if len(text) <= 24 else text[:23] + "…"
        raise Invalid(f"bad duration {shown!r}: a target may be at most 30 days")
    days, hours, minutes = (int(g) if g else 0 for g in match.groups())
    total = days * 1440 + hours * 60 + minutes
    if total <= 0:
        raise Invalid(f"bad duration {text!r}: a target must be at least one minute")
    if total > MAX_MINUTES:
        raise Invalid(f"bad duration {text!r}: a target may be at most 30 days")
    return total


def format_duration(minutes: int) -> str:
    """The compact form parse_duration reads back: 90 -> '1h30m', 1440 -> '1d'."""
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    parts = [f"{days}d" if days else "", f"{hours}h" if hours else "", f"{mins}m" if mins else ""]
    return "".join(parts) or "0m"


def parse_severity(value: object) -> int:
    """A severity 1, 2 or 3 from text or int; Invalid otherwise."""
    try:
        number = int(str(value).strip())
    except ValueError:
        number = 0
    if number not in SEVERITIES:
        raise Invalid(f"bad severity {value!r}: use 1, 2 or 3")
    return number


def show(session: Session) -> list[TargetRow]:
    """Every non-archived plan (and any plan with own targets) by severity, fallbacks marked."""
    plans = session.scalars(select(Plan).order_by(Plan.queue_priority.desc(), Plan.name)).all()
    own = {(t.plan_id, t.severity): t.minutes for t in session.scalars(select(SlaTarget))}
    fallback = {s: fallback_minutes(session, s) for s in SEVERITIES}
    rows = []
    for plan in plans:
        has_own = any((plan.id, s) in own for s in SEVERITIES)
        if plan.archived and not has_own:
            continue
        for s in SEVERITIES:
            minutes = own.get((plan.id, s))
            rows.append(TargetRow(plan.name, plan.display_name, s,
                                  minutes if minutes is not None else fallback[s],
                                  minutes is not None))
    return rows


def set_target(session: Session, plan_name: str, severity: int | str, duration: str,
               actor: str, now: datetime) -> TargetRow:
    """Set a plan's target for one severity (applies to cases opened from now on); audited."""
    number = parse_severity(severity)
    minutes = parse_duration(duration)
    plan = get_plan(session, plan_name or "")
    target = session.scalar(
        select(SlaTarget).where(SlaTarget.plan_id == plan.id, SlaTarget.severity == number)
    )
    old = target.minutes if target is not None else None
    if target is None:
        session.add(SlaTarget(plan_id=plan.id, severity=number, minutes=minutes))
    else:
        target.minutes = minutes
    session.flush()
    audit.record(session, actor=actor, action="sla.target_set", entity="plan",
                 entity_id=plan.name, details={"severity": number, "old_minutes": old,
                                               "minutes": minutes}, now=now)
    return TargetRow(plan.name, plan.display_name, number, minutes, True)
