"""Reading the audit trail: filters (organization, since, actor, action), pages and a stream.

An entry is about an organization when it names it: its entity is that organization (by id),
one of its cases, invoices or users (partners, its dedicated TAM), or its details carry
"organization" or "org" equal to the organization's name (a user added to it, its fees, plan
changes, beta interest and enrolments). Entries about every organization at once (a month
close, a new beta) belong to none.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, String, and_, cast, func, or_, select
from sqlalchemy.orm import Session

from desk.errors import Invalid
from store.models import AuditEntry, Case, Invoice, Organization, User

DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 1000
STREAM_BATCH = 500
NAME_KEYS = ("organization", "org")  # details keys that name an organization


@dataclass(frozen=True)
class AuditFilter:
    """Which entries to read; None means no restriction."""

    org: Organization | None = None
    since: datetime | None = None  # aware; entries at or after it
    actor: str | None = None  # "cli" matches "cli" and "cli:<login>"; "user:12" exactly
    action: str | None = None  # a prefix: "plan" matches plan.add, plan.assign...


_COLUMNS = tuple(AuditEntry.__table__.columns)


@dataclass(frozen=True)
class AuditPage:
    entries: list[Row[Any]]  # the audit_log columns: id, at, actor, action, entity, ...
    page: int
    pages: int
    per_page: int
    total: int


def _starts_with(column: Any, prefix: str) -> ColumnElement[bool]:
    """Case-sensitive prefix match alike on SQLite and PostgreSQL (LIKE is not)."""
    return func.substr(column, 1, len(prefix)) == prefix


def about_org(org: Organization) -> ColumnElement[bool]:
    """The entries about `org` (the rule in the module docstring)."""
    entity, entity_id = AuditEntry.entity, AuditEntry.entity_id
    return or_(
        and_(entity == "organization", entity_id == str(org.id)),
        and_(entity == "case", entity_id.in_(
            select(cast(Case.id, String)).where(Case.org_id == org.id))),
        and_(entity == "invoice", entity_id.in_(
            select(Invoice.number).where(Invoice.org_id == org.id))),
        and_(entity == "user", entity_id.in_(
            select(cast(User.id, String)).where(User.org_id == org.id))),
        *(AuditEntry.details[key].as_string() == org.name for key in NAME_KEYS),
    )


def conditions(wanted: AuditFilter) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if wanted.org is not None:
        where.append(about_org(wanted.org))
    if wanted.since is not None:
        if wanted.since.tzinfo is None:
            raise ValueError("since needs an aware datetime")
        where.append(AuditEntry.at >= wanted.since)
    if wanted.actor is not None:
        where.append(or_(AuditEntry.actor == wanted.actor,
                         _starts_with(AuditEntry.actor, wanted.actor + ":")))
    if wanted.action is not None:
        where.append(_starts_with(AuditEntry.action, wanted.action))
    return where


_NEWEST_FIRST = (AuditEntry.at.desc(), AuditEntry.id.desc())


def count(session: Session, wanted: AuditFilter) -> int:
    query = select(func.count()).select_from(AuditEntry).where(*conditions(wanted))
    return int(session.scalar(query) or 0)


def page_of(session: Session, wanted: AuditFilter, page: int = 1,
            per_page: int = DEFAULT_PER_PAGE) -> AuditPage:
    """One page of the matching entries, newest first; Invalid past the last page."""
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise Invalid(f"entries per page must be 1..{MAX_PER_PAGE}, got {per_page}")
    total = count(session, wanted)
    pages = max(1, -(-total // per_page))
    if page < 1 or page > pages:
        entries = "entry" if total == 1 else "entries"
        raise Invalid(f"there is no page {page}: {total} {entries} make {pages} "
                      f"page{'s' if pages > 1 else ''} of {per_page}")
    query = (select(*_COLUMNS).where(*conditions(wanted)).order_by(*_NEWEST_FIRST)
             .offset((page - 1) * per_page).limit(per_page))
    return AuditPage(list(session.execute(query)), page, pages, per_page, total)


def stream(session: Session, wanted: AuditFilter) -> Iterator[Row[Any]]:
    """Every matching entry, newest first, fetched in batches (a server-side cursor on
    PostgreSQL): plain rows, so nothing accumulates in the session."""
    query = (select(*_COLUMNS).where(*conditions(wanted)).order_by(*_NEWEST_FIRST)
             .execution_options(yield_per=STREAM_BATCH))
    yield from session.execute(query)


def org_names(session: Session, entries: list[Row[Any]]) -> dict[str, str]:
    """Names of the organizations that entries have as their entity, by id text."""
    ids = {int(e.entity_id) for e in entries
           if e.entity == "organization" and e.entity_id.isdigit()}
    if not ids:
        return {}
    rows = session.execute(select(Organization.id, Organization.name)
                           .where(Organization.id.in_(ids)))
    return {str(i): n for i, n in rows}
