"""Users of the desk: chat identities, roles, organization and language; soft removal."""

from __future__ import annotations

import re
from datetime import UTC, datetime, tzinfo

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, selectinload

from billing.months import BillingMonth
from desk import audit
from desk.errors import Conflict, DeskError, Invalid, NotFound
from desk.plans import plan_in_force
from locales.languages import LANGUAGES, normalize
from store.models import Identity, Organization, User

USER_ROLES = ("partner", "agent", "tam", "manager", "admin")
CHANNELS = ("slack", "telegram", "console")
MAX_TELEGRAM_USER_ID = 2**52 - 1  # Bot API: user ids have at most 52 significant bits
_TELEGRAM_USER_ID = re.compile(r"[1-9][0-9]{0,15}")
_SLACK_USER_ID = re.compile(r"[UW][A-Z0-9]{1,20}", re.IGNORECASE)


def check_channel(channel: str) -> str:
    cleaned = channel.strip().lower()
    if cleaned not in CHANNELS:
        raise Invalid(f"unknown channel {channel!r}: expected one of {', '.join(CHANNELS)}")
    return cleaned


def check_role(role: str) -> str:
    cleaned = role.strip().lower()
    if cleaned not in USER_ROLES:
        raise Invalid(f"unknown role {role!r}: expected one of {', '.join(USER_ROLES)}")
    return cleaned


def check_language(language: str) -> str:
    """One of the five languages; tags such as 'pt_br' or 'DE' are normalized."""
    code = normalize(language)
    if code is None:
        raise Invalid(f"unknown language {language!r}: expected one of {', '.join(LANGUAGES)}")
    return code


def check_external_id(external_id: str) -> str:
    cleaned = str(external_id).strip()
    if not cleaned or len(cleaned) > 64 or any(c.isspace() for c in cleaned):
        raise Invalid(f"invalid chat id {external_id!r}: 1-64 characters without spaces")
    return cleaned


def check_user_id_form(channel: str, external_id: str) -> str:
    """A person's id as the channel writes it: Telegram a positive whole number (at most 52
    bits), Slack U or W and letters or digits (upper-cased); other channels any chat id.

    For ids typed by an admin; ids that arrive in updates are the channel's own.
    """
    channel = check_channel(channel)
    cleaned = check_external_id(external_id)
    if channel == "telegram":
        if not (_TELEGRAM_USER_ID.fullmatch(cleaned) and int(cleaned) <= MAX_TELEGRAM_USER_ID):
            raise Invalid(f"invalid telegram user id {external_id!r}: a Telegram user id is a "
                          f"positive whole number, e.g. 123456789")
        return cleaned
    if channel == "slack":
        if not _SLACK_USER_ID.fullmatch(cleaned):
            raise Invalid(f"invalid slack user id {external_id!r}: a Slack user id is U or W "
                          f"followed by letters and digits, e.g. U0123ABC")
        return cleaned.upper()
    return cleaned


class TeamFull(DeskError):
    """The organization has as many partner users as its plan's team-members limit allows."""

    def __init__(self, message: str, *, limit: int, members: int) -> None:
        super().__init__(message)
        self.limit, self.members = limit, members


def team_members(session: Session, org: Organization) -> int:
    """How many partner users the organization has on the desk (removed ones not counted)."""
    return session.scalar(select(func.count(User.id)).where(
        User.org_id == org.id, User.role == "partner", User.removed_at.is_(None))) or 0


def check_team_limit(session: Session, org: Organization, month: BillingMonth) -> None:
    """Raise TeamFull when one more partner user would exceed the team-members limit of the
    organization's plan in force in `month` (no plan or no limit: always room).

    The organization's row is locked first (PostgreSQL), so two registrations at the same
    time cannot both take the last place.
    """
    session.execute(select(Organization.id).where(Organization.id == org.id).with_for_update())
    plan = plan_in_force(session, org.id, month)
    if plan is None or plan.limit_team_members is None:
        return
    limit, members = plan.limit_team_members, team_members(session, org)
    if members >= limit:
        raise TeamFull(f"{org.name} has reached the team-members limit of its plan "
                       f"{plan.display_name} ({limit} partner "
                       f"{'user' if limit == 1 else 'users'}); remove a partner user or move "
                       f"the organization to a plan with more", limit=limit, members=members)


def identity_owner(session: Session, channel: str, external_id: str) -> User | None:
    """The user holding this chat identity (identities of removed users are deleted)."""
    return session.scalar(select(User).join(Identity, Identity.user_id == User.id).where(
        Identity.channel == channel, Identity.external_id == external_id))


def add_user(session: Session, *, channel: str, external_id: str, role: str,
             org: Organization | None = None, name: str | None = None,
             language: str | None = None, now: datetime, actor: str = "cli",
             tz: tzinfo = UTC) -> User:
    """Register a person with one chat identity.

    A partner belongs to an organization, within the team-members limit of its plan in the
    current billing month (in `tz`); a TAM may have one (it is then that organization's
    dedicated TAM); agents, managers and admins belong to none.
    """
    channel = check_channel(channel)
    external_id = check_external_id(external_id)
    role = check_role(role)
    if role == "partner" and org is None:
        raise Invalid("a partner user needs an organization (--org NAME)")
    if role not in ("partner", "tam") and org is not None:
        raise Invalid(f"a user with role {role!r} does not belong to an organization")
    code = None if language is None else check_language(language)
    display = " ".join((name or "").split()) or f"{channel}:{external_id}"
    if len(display) > 120:
        raise Invalid("user name is longer than 120 characters")
    owner = identity_owner(session, channel, external_id)
    if owner is not None:
        raise Conflict(f"{channel} id {external_id!r} already belongs to user {owner.id} "
                       f"({owner.name})")
    if role == "partner" and org is not None:
        check_team_limit(session, org, BillingMonth.of(now, tz))
    user = User(name=display, role=role, org_id=None if org is None else org.id,
                language=code, created_at=now)
    session.add(user)
    session.flush()
    session.add(Identity(user_id=user.id, channel=channel, external_id=external_id))
    session.flush()
    audit.record(session, actor=actor, action="user.add", entity="user", entity_id=user.id,
                 details={"name": display, "role": role, "channel": channel,
                          "external_id": external_id,
                          "organization": None if org is None else org.name,
                          "language": code}, now=now)
    return user


def list_users(session: Session, *, include_removed: bool = False, role: str | None = None,
               org: Organization | None = None) -> list[User]:
    query = select(User).options(selectinload(User.identities)).order_by(User.id)
    if not include_removed:
        query = query.where(User.removed_at.is_(None))
    if role is not None:
        query = query.where(User.role == check_role(role))
    if org is not None:
        query = query.where(User.org_id == org.id)
    return list(session.scalars(query))


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None or user.removed_at is not None:
        raise NotFound(f"unknown user {user_id}")
    return user


def find_by_identity(session: Session, channel: str, external_id: str) -> User:
    channel = check_channel(channel)
    external_id = check_external_id(external_id)
    user = identity_owner(session, channel, external_id)
    if user is None or user.removed_at is not None:
        raise NotFound(f"no user with {channel} id {external_id!r}")
    return user


def remove_user(session: Session, user: User, *, now: datetime, actor: str = "cli") -> User:
    """Soft-remove: the user stays for history; their chat identities are freed for reuse."""
    if user.removed_at is not None:
        raise NotFound(f"user {user.id} is already removed")
    freed = [f"{i.channel}:{i.external_id}" for i in user.identities]
    session.execute(delete(Identity).where(Identity.user_id == user.id))
    session.expire(user, ["identities"])
    user.removed_at = now
    session.flush()
    audit.record(session, actor=actor, action="user.remove", entity="user", entity_id=user.id,
                 details={"name": user.name, "role": user.role, "identities": freed}, now=now)
    return user


def organization_tams(session: Session, org_id: int) -> list[User]:
    """The organization's own Technical Account Managers (not removed), oldest first."""
    return list(session.scalars(
        select(User).where(User.role == "tam", User.org_id == org_id,
                           User.removed_at.is_(None)).order_by(User.id)))
