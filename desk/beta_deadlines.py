"""The beta launch-date job: a reminder a week before, and a ban after a missed launch date."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from desk import audit, outbox
from desk.betas import ban_reason, partners_of, today
from desk.context import DeskContext
from desk.users import organization_tams
from locales.formatting import date_param
from messages.types import Reply
from store.db import transaction
from store.models import Beta, BetaEnrolment, Organization, User

REMIND_BEFORE = timedelta(days=7)
JOB_NAME = "beta-deadlines"
CHECK_SECONDS = 3600  # hourly: a reminder or a ban is never more than an hour late
_ENROLMENTS = BetaEnrolment.__table__
_ORGS = Organization.__table__


@dataclass
class DeadlineReport:
    """What one run did: enrolment ids reminded, enrolment ids missed, organizations banned."""

    reminded: list[int] = field(default_factory=list)
    missed: list[int] = field(default_factory=list)
    banned: list[int] = field(default_factory=list)


def _people(session: Session, org_id: int) -> list[User]:
    """Who hears about the organization's launch dates: its partners and dedicated TAMs."""
    return [*partners_of(session, org_id), *organization_tams(session, org_id)]


def _tell(session: Session, desk: DeskContext, people: Iterable[User], reply: Reply,
          now: datetime) -> int:
    return sum(outbox.enqueue_for_user(session, desk, person, reply, purpose="notice",
                                       now=now) is not None for person in people)


def _due(session: Session, *conditions: object) -> list[int]:
    """Ids of enrolments of open betas that are still 'enrolled' and meet the conditions."""
    return list(session.scalars(
        select(BetaEnrolment.id).join(Beta, Beta.id == BetaEnrolment.beta_id)
        .where(Beta.status == "open", BetaEnrolment.status == "enrolled", *conditions)
        .order_by(BetaEnrolment.launch_date, BetaEnrolment.id)))


def _remind(session: Session, desk: DeskContext, enrolment_id: int, now: datetime) -> bool:
    """Send the one reminder of an enrolment; False if another run already sent it."""
    claimed = session.execute(
        update(_ENROLMENTS).where(_ENROLMENTS.c.id == enrolment_id,
                                  _ENROLMENTS.c.status == "enrolled",
                                  _ENROLMENTS.c.reminded_at.is_(None))
        .values(reminded_at=now)).rowcount == 1
    if not claimed:
        return False
    row = session.get(BetaEnrolment, enrolment_id)
    assert row is not None
    session.refresh(row)
    beta = session.get(Beta, row.beta_id)
    org = session.get(Organization, row.org_id)
    assert beta is not None and org is not None
    days = (row.launch_date - today(desk, now)).days
    params = {"beta": beta.name, "waba": row.waba_id, "org": org.name,
              "launch": date_param(row.launch_date), "days": days}
    key = "betas.reminder" if days > 0 else "betas.reminder_today"
    told = _tell(session, desk, _people(session, org.id), Reply(key, params), now)
    audit.record(session, actor="scheduler", action="beta.remind", entity="beta",
                 entity_id=beta.id, details={"beta": beta.name, "org": org.name,
                                             "waba": row.waba_id, "launch_date": row.launch_date,
                                             "people_told": told}, now=now)
    return True


def _miss(session: Session, desk: DeskContext, enrolment_id: int, now: datetime,
          report: DeadlineReport) -> bool:
    """Mark a missed launch, ban the organization (once) and tell its people why."""
    claimed = session.execute(
        update(_ENROLMENTS).where(_ENROLMENTS.c.id == enrolment_id,
                                  _ENROLMENTS.c.status == "enrolled")
        .values(status="missed")).rowcount == 1
    if not claimed:
        return False
    row = session.get(BetaEnrolment, enrolment_id)
    assert row is not None
    session.refresh(row)
    beta = session.get(Beta, row.beta_id)
    org = session.get(Organization, row.org_id)
    assert beta is not None and org is not None
    reason = ban_reason(beta, row)
    banned = session.execute(
        update(_ORGS).where(_ORGS.c.id == org.id, _ORGS.c.beta_banned_at.is_(None))
        .values(beta_banned_at=now, beta_ban_reason=reason)).rowcount == 1
    session.refresh(org)
    if banned:
        report.banned.append(org.id)
        audit.record(session, actor="scheduler", action="beta.ban", entity="organization",
                     entity_id=org.id, details={"org": org.name, "reason": reason}, now=now)
    assert org.beta_banned_at is not None
    reply = Reply("betas.missed", {
        "beta": beta.name, "waba": row.waba_id, "org": org.name,
        "launch": date_param(row.launch_date), "since": date_param(org.beta_banned_at.date())})
    told = _tell(session, desk, _people(session, org.id), reply, now)
    audit.record(session, actor="scheduler", action="beta.missed", entity="beta",
                 entity_id=beta.id, details={"beta": beta.name, "org": org.name,
                                             "waba": row.waba_id, "launch_date": row.launch_date,
                                             "banned_now": banned, "people_told": told}, now=now)
    return True


def run_beta_deadlines(desk: DeskContext) -> DeadlineReport:
    """Remind a week before each launch date (once), then mark launches that passed without
    the client going live as missed and ban the organization. One transaction per enrolment;
    safe to run in several processes at once (each step is claimed by a guarded UPDATE)."""
    now = desk.clock.now()
    day = today(desk, now)
    report = DeadlineReport()
    with transaction(desk.sessions) as session:
        missed = _due(session, BetaEnrolment.launch_date < day)
        remind = _due(session, BetaEnrolment.launch_date >= day,
                      BetaEnrolment.launch_date <= day + REMIND_BEFORE,
                      BetaEnrolment.reminded_at.is_(None))
    for enrolment_id in missed:
        with transaction(desk.sessions) as session:
            if _miss(session, desk, enrolment_id, now, report):
                report.missed.append(enrolment_id)
    for enrolment_id in remind:
        with transaction(desk.sessions) as session:
            if _remind(session, desk, enrolment_id, now):
                report.reminded.append(enrolment_id)
    return report
