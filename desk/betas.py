"""Beta programmes (seed 000): publish and close, interest, bans and the stage."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from billing.months import BillingMonth
from desk import audit, outbox
from desk.context import DeskContext
from desk.errors import Conflict, DeskError, Invalid, NotFound
from desk.invoices import billing_today
from desk.plans import plans_in_force
from locales.formatting import date_param
from messages import actions
from messages.types import Button, Reply
from store.models import Beta, BetaEnrolment, BetaInterest, Organization, User

NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,23}")  # one word: `/beta NAME`, button data
MAX_DESCRIPTION = 1000
LIVE_FOR_INTEGRATION = 3  # live clients with real use cases before "integration"
INVITED = "invited"  # a plan's beta_access that invites its organizations
VERB = "beta"  # button data "beta:NAME" stands for /beta NAME
MANUAL, INTEGRATION = "manual", "integration"

actions.register(VERB, "beta")


class BetaRefused(DeskError):
    """A refusal with an English sentence (CLI) and a catalog key for the chat."""

    def __init__(self, message: str, key: str, params: dict[str, Any]) -> None:
        super().__init__(message)
        self.key = key
        self.params = params


class BetaNotFound(BetaRefused, NotFound):
    """No beta programme has that name."""


class OrgBanned(BetaRefused, Invalid):
    """The organization missed a launch date and is banned from future betas."""


class BetaClosed(BetaRefused, Conflict):
    """The beta programme is closed."""


@dataclass(frozen=True)
class Figures:
    """A beta's counts: organizations interested, enrolments, live clients; and its stage."""

    interested: int = 0
    enrolments: int = 0
    live: int = 0

    @property
    def stage(self) -> str:
        return INTEGRATION if self.live >= LIVE_FOR_INTEGRATION else MANUAL


@dataclass(frozen=True)
class Interest:
    """The outcome of /beta: the organization's interest, and whether it is new."""

    beta: Beta
    org: Organization
    row: BetaInterest
    created: bool


def today(desk: DeskContext, now: datetime) -> date:
    """The billing-time-zone date launch dates are measured on."""
    return billing_today(now, desk.billing_tz)


def check_name(name: str) -> str:
    cleaned = (name or "").strip()
    if NAME.fullmatch(cleaned) is None:
        raise Invalid(f"invalid beta name {cleaned[:40]!r}: one word of up to 24 letters, digits, "
                      f"'-' or '_' (it is typed as /beta NAME)")
    return cleaned


def find_beta(session: Session, name: str) -> Beta | None:
    """The beta with this name, typed in any case."""
    cleaned = (name or "").strip()
    if NAME.fullmatch(cleaned) is None:
        return None
    exact = session.scalar(select(Beta).where(Beta.name == cleaned))
    if exact is not None:
        return exact
    return session.scalar(select(Beta).where(func.lower(Beta.name) == cleaned.lower())
                          .order_by(Beta.id).limit(1))


def get_beta(session: Session, name: str) -> Beta:
    beta = find_beta(session, name)
    if beta is None:
        shown = (name or "").strip()[:40]
        raise BetaNotFound(f"unknown beta {shown!r} (see: supportdesk beta list --all)",
                           "betas.unknown", {"beta": shown})
    return beta


def open_beta(session: Session, name: str) -> Beta:
    """The named beta if it is open; BetaNotFound or BetaClosed otherwise."""
    beta = get_beta(session, name)
    if beta.status != "open":
        raise BetaClosed(f"beta {beta.name!r} is closed", "betas.closed", {"beta": beta.name})
    return beta


def list_betas(session: Session, *, include_closed: bool = False) -> list[Beta]:
    """Betas, open ones first, newest first."""
    query = select(Beta).order_by(Beta.status.desc(), Beta.created_at.desc(), Beta.id.desc())
    if not include_closed:
        query = query.where(Beta.status == "open")
    return list(session.scalars(query))


def figures(session: Session, beta_ids: list[int]) -> dict[int, Figures]:
    """Each beta's interested organizations, enrolments and live clients."""
    if not beta_ids:
        return {}
    interested = dict(session.execute(
        select(BetaInterest.beta_id, func.count()).where(BetaInterest.beta_id.in_(beta_ids))
        .group_by(BetaInterest.beta_id)).all())
    enrolled: dict[int, int] = {}
    live: dict[int, int] = {}
    for beta_id, status, count in session.execute(
            select(BetaEnrolment.beta_id, BetaEnrolment.status, func.count())
            .where(BetaEnrolment.beta_id.in_(beta_ids))
            .group_by(BetaEnrolment.beta_id, BetaEnrolment.status)).all():
        enrolled[beta_id] = enrolled.get(beta_id, 0) + count
        if status == "live":
            live[beta_id] = count
    return {i: Figures(interested.get(i, 0), enrolled.get(i, 0), live.get(i, 0))
            for i in beta_ids}


def figures_of(session: Session, beta: Beta) -> Figures:
    return figures(session, [beta.id])[beta.id]


def interests(session: Session, beta: Beta) -> list[tuple[BetaInterest, Organization]]:
    return [(i, o) for i, o in session.execute(
        select(BetaInterest, Organization).join(Organization,
                                                Organization.id == BetaInterest.org_id)
        .where(BetaInterest.beta_id == beta.id).order_by(BetaInterest.created_at,
                                                         BetaInterest.id)).all()]


def enrolments(session: Session, beta: Beta) -> list[tuple[BetaEnrolment, Organization]]:
    return [(e, o) for e, o in session.execute(
        select(BetaEnrolment, Organization).join(Organization,
                                                 Organization.id == BetaEnrolment.org_id)
        .where(BetaEnrolment.beta_id == beta.id).order_by(BetaEnrolment.launch_date,
                                                          BetaEnrolment.id)).all()]


def interested_beta_ids(session: Session, org_id: int) -> set[int]:
    return set(session.scalars(select(BetaInterest.beta_id).where(BetaInterest.org_id == org_id)))


# --- Bans ---------------------------------------------------------------------------------

def ban_cause(session: Session, org: Organization) -> tuple[BetaEnrolment, Beta] | None:
    """The missed enrolment that banned the organization (its earliest missed launch)."""
    row = session.execute(
        select(BetaEnrolment, Beta).join(Beta, Beta.id == BetaEnrolment.beta_id)
        .where(BetaEnrolment.org_id == org.id, BetaEnrolment.status == "missed")
        .order_by(BetaEnrolment.launch_date, BetaEnrolment.id).limit(1)).first()
    return (row[0], row[1]) if row is not None else None


def ban_reply_params(session: Session, org: Organization) -> tuple[str, dict[str, Any]]:
    """The chat text that says why the organization is banned: (key, params)."""
    assert org.beta_banned_at is not None
    since = date_param(org.beta_banned_at.date())
    cause = ban_cause(session, org)
    if cause is not None:
        enrolment, beta = cause
        return "betas.banned", {"org": org.name, "since": since, "beta": beta.name,
                                "launch": date_param(enrolment.launch_date),
                                "waba": enrolment.waba_id}
    return "betas.banned_reason", {"org": org.name, "since": since,
                                   "reason": org.beta_ban_reason or "-"}


def refuse_if_banned(session: Session, org: Organization) -> None:
    if org.beta_banned_at is None:
        return
    key, params = ban_reply_params(session, org)
    raise OrgBanned(f"{org.name} is banned from beta programmes since "
                    f"{org.beta_banned_at.date().isoformat()}: "
                    f"{org.beta_ban_reason or 'no reason recorded'}", key, params)


def ban_reason(beta: Beta, enrolment: BetaEnrolment) -> str:
    """What the ban records, in English for admins: the beta, the WABA and the missed date."""
    return (f"missed the launch date {enrolment.launch_date.isoformat()} of beta {beta.name} "
            f"(WABA {enrolment.waba_id})")[:200]


def unban(session: Session, org: Organization, *, now: datetime, actor: str = "cli") -> bool:
    """Lift an organization's ban from beta programmes; False if it was not banned."""
    if org.beta_banned_at is None:
        return False
    before = {"banned_at": org.beta_banned_at, "reason": org.beta_ban_reason}
    org.beta_banned_at = None
    org.beta_ban_reason = None
    session.flush()
    audit.record(session, actor=actor, action="beta.unban", entity="organization",
                 entity_id=org.id, details={"org": org.name, "before": before}, now=now)
    return True


# --- Publishing -------------------------------------------------------------------------

def interest_button(beta: Beta) -> Button:
    return Button("betas.button.interested", actions.encode(VERB, beta.name),
                  {"beta": beta.name}, "primary")


def invited_partners(session: Session, now: datetime, desk: DeskContext
                     ) -> list[tuple[User, Organization]]:
    """Partners of the organizations whose plan in force this month invites them to betas
    (read from the plan's beta_access, not its name), banned organizations left out."""
    orgs = {o.id: o for o in session.scalars(select(Organization).where(
        Organization.beta_banned_at.is_(None)))}
    month = BillingMonth.of(now, desk.billing_tz)
    invited = {org_id for org_id, plan in plans_in_force(session, set(orgs), month).items()
               if plan.beta_access == INVITED}
    if not invited:
        return []
    partners = session.scalars(select(User).where(
        User.role == "partner", User.removed_at.is_(None), User.org_id.in_(invited))
        .order_by(User.org_id, User.id))
    return [(u, orgs[u.org_id]) for u in partners if u.org_id is not None]


def add_beta(session: Session, desk: DeskContext, *, name: str, description: str,
             now: datetime, actor: str = "cli") -> tuple[Beta, int]:
    """Publish a beta; its invited partners (Premium) are told. Returns (beta, people told)."""
    cleaned = check_name(name)
    text = (description or "").strip()
    if not text:
        raise Invalid("a beta needs a description (--description TEXT)")
    if len(text) > MAX_DESCRIPTION:
        raise Invalid(f"the description is {len(text)} characters long; at most "
                      f"{MAX_DESCRIPTION}")
    existing = find_beta(session, cleaned)
    if existing is not None:
        raise Conflict(f"a beta named {existing.name!r} already exists")
    beta = Beta(name=cleaned, description=text, status="open", created_at=now)
    session.add(beta)
    session.flush()
    told = 0
    button = interest_button(beta)
    for partner, org in invited_partners(session, now, desk):
        reply = Reply("betas.announced", {"beta": beta.name, "description": beta.description,
                                          "org": org.name}, (button,))
        told += outbox.enqueue_for_user(session, desk, partner, reply, purpose="notice",
                                        now=now) is not None
    audit.record(session, actor=actor, action="beta.add", entity="beta", entity_id=beta.id,
                 details={"name": beta.name, "description": beta.description,
                          "partners_told": told}, now=now)
    return beta, told


def close_beta(session: Session, name: str, *, now: datetime, actor: str = "cli"
               ) -> tuple[Beta, bool]:
    """Close a beta: no more interest or enrolments, no reminders or bans. (beta, changed)."""
    beta = get_beta(session, name)
    if beta.status == "closed":
        return beta, False
    beta.status = "closed"
    beta.closed_at = now
    session.flush()
    audit.record(session, actor=actor, action="beta.close", entity="beta", entity_id=beta.id,
                 details={"name": beta.name}, now=now)
    return beta, True


# --- Interest -------------------------------------------------------------------------------

def express_interest(session: Session, beta_name: str, user: User, *, now: datetime
                     ) -> Interest:
    """A partner's organization is interested in an open beta (idempotent); banned: refused."""
    if user.org_id is None:
        raise Invalid(f"user {user.id} has no organization")
    org = session.get(Organization, user.org_id)
    assert org is not None
    beta = open_beta(session, beta_name)
    refuse_if_banned(session, org)
    existing = session.scalar(select(BetaInterest).where(BetaInterest.beta_id == beta.id,
                                                         BetaInterest.org_id == org.id))
    if existing is not None:
        return Interest(beta, org, existing, created=False)
    row = BetaInterest(beta_id=beta.id, org_id=org.id, user_id=user.id, created_at=now)
    try:
        with session.begin_nested():  # a concurrent press of the same button: one row
            session.add(row)
            session.flush()
    except IntegrityError:
        won = session.scalar(select(BetaInterest).where(BetaInterest.beta_id == beta.id,
                                                        BetaInterest.org_id == org.id))
        if won is None:
            raise
        return Interest(beta, org, won, created=False)
    audit.record(session, actor=f"user:{user.id}", action="beta.interest", entity="beta",
                 entity_id=beta.id, details={"beta": beta.name, "org": org.name}, now=now)
    return Interest(beta, org, row, created=True)


def partners_of(session: Session, org_id: int) -> list[User]:
    """The organization's partners on the desk (not removed), oldest first."""
    return list(session.scalars(select(User).where(
        User.role == "partner", User.org_id == org_id, User.removed_at.is_(None))
        .order_by(User.id)))


def beta_doc(beta: Beta, counts: Figures) -> dict[str, Any]:
    return {"name": beta.name, "description": beta.description, "status": beta.status,
            "stage": counts.stage, "interested": counts.interested,
            "enrolments": counts.enrolments, "live": counts.live,
            "created_at": beta.created_at, "closed_at": beta.closed_at}
