"""Beta enrolment (seed 000): live client WABAs with a launch date within 4 weeks, going live."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from desk import audit, betas, outbox
from desk.betas import BetaRefused
from desk.context import DeskContext
from desk.errors import Invalid, NotFound
from locales.formatting import date_param
from messages.types import Reply
from store.models import Beta, BetaEnrolment, Organization

WABA = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
LAUNCH_WINDOW = timedelta(weeks=4)  # latest launch after the first client was enabled
KINDS = ("client", "own", "test")  # declared by whoever enrols; only client is accepted


class EnrolmentNotFound(BetaRefused, NotFound):
    """The WABA is not enrolled in the beta (or not in one the caller may see)."""


class EnrolmentRefused(BetaRefused, Invalid):
    """The enrolment breaks a rule of seed 000: its sentence says which."""


@dataclass(frozen=True)
class Live:
    """The outcome of marking a client live: the enrolment, whether it changed, the figures."""

    enrolment: BetaEnrolment
    org: Organization
    changed: bool
    figures: betas.Figures


@dataclass(frozen=True)
class Enrolled:
    """A new enrolment, the latest launch date allowed, and how many partners were told."""

    beta: Beta
    row: BetaEnrolment
    latest: date
    told: int


def check_waba(waba: str) -> str:
    cleaned = (waba or "").strip()
    if WABA.fullmatch(cleaned) is None:
        raise Invalid(f"invalid WABA id {cleaned[:40]!r}: up to 64 letters, digits, '-' or '_'")
    return cleaned


def check_kind(kind: str, waba: str) -> None:
    """Only live client WABAs are enrolled (seed 000): own and test WABAs are refused."""
    cleaned = (kind or "client").strip().lower()
    if cleaned not in KINDS:
        raise Invalid(f"unknown WABA kind {kind!r}: expected one of {', '.join(KINDS)}")
    if cleaned == "own":
        raise EnrolmentRefused(
            f"WABA {waba} is the partner's own WABA: only live client WABAs can be enrolled "
            f"in a beta", "betas.refused_own", {"waba": waba})
    if cleaned == "test":
        raise EnrolmentRefused(
            f"WABA {waba} is a test WABA: only live client WABAs can be enrolled in a beta",
            "betas.refused_test", {"waba": waba})


def first_enabled(session: Session, beta: Beta, org: Organization) -> date | None:
    """When the organization's first client was enabled in the beta (None before any)."""
    return session.scalar(select(func.min(BetaEnrolment.enabled_on)).where(
        BetaEnrolment.beta_id == beta.id, BetaEnrolment.org_id == org.id))


def enrol(session: Session, desk: DeskContext, *, beta_name: str, org: Organization, waba: str,
          launch: date, enabled_on: date | None = None, kind: str = "client", now: datetime,
          actor: str) -> Enrolled:
    """Enrol a live client WABA of an organization in an open beta with its launch date.

    The launch date is not in the past and no later than 4 weeks after the organization's
    first client was enabled in that beta (this one's enabled_on, default today, if it is the
    first). Banned organizations, own and test WABAs are refused.
    """
    beta = betas.open_beta(session, beta_name)
    betas.refuse_if_banned(session, org)
    waba = check_waba(waba)
    check_kind(kind, waba)
    day = betas.today(desk, now)
    enabled = enabled_on or day
    if enabled > day:
        raise EnrolmentRefused(
            f"the client cannot have been enabled on {enabled.isoformat()}, after today "
            f"({day.isoformat()})", "betas.enabled_future",
            {"enabled": date_param(enabled), "today": date_param(day)})
    if launch < day:
        raise EnrolmentRefused(
            f"the launch date {launch.isoformat()} is in the past (today is {day.isoformat()})",
            "betas.launch_past", {"launch": date_param(launch), "today": date_param(day)})
    earlier = first_enabled(session, beta, org)
    first = min(earlier, enabled) if earlier is not None else enabled
    latest = first + LAUNCH_WINDOW
    if launch > latest:
        raise EnrolmentRefused(
            f"the launch date {launch.isoformat()} is too late: at the latest "
            f"{latest.isoformat()}, 4 weeks after {org.name}'s first client was enabled in "
            f"{beta.name} ({first.isoformat()})", "betas.launch_too_late",
            {"launch": date_param(launch), "latest": date_param(latest),
             "first": date_param(first), "org": org.name, "beta": beta.name})
    taken = session.scalar(select(BetaEnrolment).where(BetaEnrolment.beta_id == beta.id,
                                                       BetaEnrolment.waba_id == waba))
    if taken is not None:
        raise EnrolmentRefused(f"WABA {waba} is already enrolled in {beta.name}",
                               "betas.waba_taken", {"waba": waba, "beta": beta.name})
    row = BetaEnrolment(beta_id=beta.id, org_id=org.id, waba_id=waba, enabled_on=enabled,
                        launch_date=launch, status="enrolled", enrolled_by=actor[:120],
                        created_at=now)
    session.add(row)
    session.flush()
    notice = Reply("betas.enrolled_notice", {"beta": beta.name, "waba": waba, "org": org.name,
                                             "launch": date_param(launch)})
    told = sum(outbox.enqueue_for_user(session, desk, partner, notice, purpose="notice",
                                       now=now) is not None
               for partner in betas.partners_of(session, org.id))
    audit.record(session, actor=actor, action="beta.enrol", entity="beta", entity_id=beta.id,
                 details={"beta": beta.name, "org": org.name, "waba": waba,
                          "enabled_on": enabled, "launch_date": launch,
                          "latest_launch": latest, "partners_told": told}, now=now)
    return Enrolled(beta, row, latest, told)


def find_enrolment(session: Session, beta: Beta, waba: str,
                   org_id: int | None = None) -> BetaEnrolment:
    """The WABA's enrolment in the beta; with org_id, only that organization's (another's is
    answered exactly like one that does not exist)."""
    shown = (waba or "").strip()[:64]
    query = select(BetaEnrolment).where(BetaEnrolment.beta_id == beta.id,
                                        BetaEnrolment.waba_id == shown)
    if org_id is not None:
        query = query.where(BetaEnrolment.org_id == org_id)
    row = session.scalar(query)
    if row is None:
        raise EnrolmentNotFound(f"WABA {shown!r} is not enrolled in {beta.name}",
                                "betas.unknown_enrolment", {"waba": shown, "beta": beta.name})
    return row


def mark_live(session: Session, desk: DeskContext, *, beta_name: str, waba: str,
              now: datetime, actor: str, org_id: int | None = None) -> Live:
    """An enrolled client uses the beta with a real use case, on or before its launch date."""
    beta = betas.open_beta(session, beta_name)
    row = find_enrolment(session, beta, waba, org_id)
    org = session.get(Organization, row.org_id)
    assert org is not None
    if row.status == "live":
        return Live(row, org, False, betas.figures_of(session, beta))
    day = betas.today(desk, now)
    if row.status == "missed" or day > row.launch_date:
        raise EnrolmentRefused(
            f"WABA {row.waba_id} missed its launch date {row.launch_date.isoformat()} in "
            f"{beta.name}", "betas.live_missed",
            {"waba": row.waba_id, "beta": beta.name, "launch": date_param(row.launch_date)})
    changed = session.execute(
        update(BetaEnrolment.__table__)
        .where(BetaEnrolment.__table__.c.id == row.id,
               BetaEnrolment.__table__.c.status == "enrolled")
        .values(status="live", live_at=now)).rowcount == 1
    session.refresh(row)
    if changed:
        audit.record(session, actor=actor, action="beta.live", entity="beta", entity_id=beta.id,
                     details={"beta": beta.name, "org": org.name, "waba": row.waba_id}, now=now)
    return Live(row, org, changed, betas.figures_of(session, beta))


def enrolment_doc(row: BetaEnrolment, org: Organization) -> dict[str, Any]:
    return {"organization": org.name, "waba": row.waba_id, "enabled_on": row.enabled_on,
            "launch_date": row.launch_date, "status": row.status, "enrolled_by": row.enrolled_by,
            "reminded_at": row.reminded_at, "live_at": row.live_at}
