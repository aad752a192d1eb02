"""A person's dashboard, whatever the channel shows it in (Slack's App Home): per role, built
from the desk's services in the person's language.

- partner: the onboarding block if any, the organization's open cases, its plan and next
  month's, this month's escalations (counted, pending, left) and unpaid invoices;
- agent: the queue with first-response time left and a Take button per free case;
- manager: the current month so far (preliminary); admin: the queue and the month;
- TAM: their organization's cases, plan and escalations, or (community pool) the escalated
  cases they were told of;
- unknown: why there is nothing to see.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import select
from sqlalchemy.orm import Session

import locales
from desk.context import DeskContext
from desk.identity import resolve_user
from handlers.home_org import org_sections
from handlers.home_sections import Dashboard, Section, plain
from handlers.home_staff import month_sections, notified_section, queue_section
from store.db import transaction
from store.models import Case, Organization, User

QUEUE_ROLES = frozenset({"agent", "admin"})
MONTH_ROLES = frozenset({"manager", "admin"})


def language_of(desk: DeskContext, user: User | None, hint: str | None) -> str:
    """The person's language (DOMAIN.md, Languages), without a message to read: the stored
    one, else the chat client's, else the desk's default (the agents' language for staff)."""
    hinted = locales.normalize(hint)
    if user is not None and user.language:
        return user.language
    if hinted:
        return hinted
    if user is not None and user.role != "partner":
        return desk.agent_language
    return desk.default_language


def build(session: Session, desk: DeskContext, user: User | None,
          hint: str | None = None) -> Dashboard:
    """The dashboard of `user` (None: not a person of this desk) at the desk clock's now."""
    lang = language_of(desk, user, hint)
    if user is None:
        return Dashboard(lang, locales.text("home.title.guest", lang), (
            Section(locales.text("home.no_access.title", lang),
                    plain(locales.text("error.no_access", lang))),))
    now = desk.clock.now()
    sections: list[Section] = []
    org = session.get(Organization, user.org_id) if user.org_id is not None else None
    if user.role == "partner":
        if org is None:
            sections.append(Section(locales.text("home.no_org.title", lang),
                                    plain(locales.text("escalation.no_org", lang))))
        else:
            sections.extend(org_sections(session, desk, org, lang, now, partner=True))
    elif user.role == "tam":
        if org is not None:
            sections.extend(org_sections(session, desk, org, lang, now, partner=False))
        else:
            sections.append(notified_section(session, user, lang))
    if user.role in QUEUE_ROLES:
        sections.append(queue_section(session, desk, user, lang, now))
    if user.role in MONTH_ROLES:
        sections.extend(month_sections(session, desk, lang, now))
    title = (locales.render("home.title.org", {"org": org.name, "name": user.name}, lang)
             if org is not None else
             locales.render("home.title.staff", {"name": user.name}, lang))
    return Dashboard(lang, title, tuple(sections), user.role)


def dashboard(desk: DeskContext, channel: str, external_id: str,
              hint: str | None = None) -> Dashboard:
    """The dashboard of the person with this chat identity, read in one transaction."""
    with transaction(desk.sessions) as session:
        return build(session, desk, resolve_user(session, channel, external_id), hint)


def queue_signature(desk: DeskContext) -> str:
    """A fingerprint of the queue (open cases, who has them, severity, answered, last change):
    when it changes, the dashboards showing the queue are out of date."""
    with transaction(desk.sessions) as session:
        rows = session.execute(
            select(Case.id, Case.assignee_id, Case.severity, Case.first_response_at.is_(None),
                   Case.updated_at)
            .where(Case.status == "open").order_by(Case.id)).all()
    digest = hashlib.sha256(repr([tuple(r) for r in rows]).encode("utf-8"))
    return digest.hexdigest()
