"""A small desk for hostile-input tests: three organizations, every role, seeded cases, reset."""

from __future__ import annotations

import itertools
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, delete, func, insert, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from desk.clock import FixedClock
from desk.context import DeskContext, Room
from handlers.desk import Desk
from messages.types import Incoming, Outcome
from store.db import is_postgres, make_engine, make_session_factory, transaction
from store.migrate import upgrade
from store.models import (
    Base,
    Beta,
    BetaEnrolment,
    Case,
    CaseMessage,
    Conversation,
    Escalation,
    Identity,
    Organization,
    Plan,
    PlanAssignment,
    User,
)

START = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
CREATED = datetime(2026, 1, 1, tzinfo=UTC)
SHARED_CHAT = "group-1"  # a chat several people of different organizations write in
BETA = "flows-v3"  # an open beta programme, seeded at every reset
SEEDED_WABA = {"A": "100200300401", "B": "100200300402"}  # client WABAs enrolled in BETA

# Tables that hold the fixed cast; everything else is wiped between examples.
STATIC_TABLES = frozenset({
    "plans", "plan_prices", "users", "identities", "organizations", "partner_accounts",
    "plan_assignments", "license_fees", "sla_targets", "alembic_version",
})


@dataclass(frozen=True)
class Actor:
    """Someone writing to the desk; user_id None means no identity on the desk."""

    key: str
    role: str | None
    org: str | None
    channel: str
    external_id: str
    user_id: int | None = None


# key: (role, organization key, channel, stored language)
CAST: dict[str, tuple[str, str | None, str, str | None]] = {
    "partner_a": ("partner", "A", "telegram", None),
    "partner_a2": ("partner", "A", "slack", "pt-BR"),
    "partner_b": ("partner", "B", "telegram", "de"),
    "partner_c": ("partner", "C", "console", None),
    "agent": ("agent", None, "telegram", "en"),
    "agent2": ("agent", None, "slack", None),
    "tam_a": ("tam", "A", "telegram", "en"),
    "tam_b": ("tam", "B", "slack", "es"),
    "tam_pool": ("tam", None, "telegram", "en"),
    "manager": ("manager", None, "telegram", "ru"),
    "admin": ("admin", None, "console", "en"),
}

ORGS = {  # key: (name, plan, currency)
    "A": ("Acme Messaging", "premium", "EUR"),
    "B": ("Borealis Chat", "premium", "USD"),
    "C": ("Cobalt Growth", "growth", "EUR"),
}


@dataclass
class Seeded:
    """Case ids of one organization after a reset."""

    open_free: int
    open_taken: int
    resolved: int
    escalated: int
    counted: int  # resolved, escalation counted this month

    def all(self) -> list[int]:
        return [self.open_free, self.open_taken, self.resolved, self.escalated, self.counted]


@dataclass
class World:
    engine: Engine
    sessions: sessionmaker[Session]
    clock: FixedClock
    ctx: DeskContext
    desk: Desk
    org_ids: dict[str, int]
    actors: dict[str, Actor]
    languages: dict[int, str | None]
    cases: dict[str, Seeded] = field(default_factory=dict)
    _updates: Any = field(default_factory=lambda: itertools.count(1))

    # -- sending -------------------------------------------------------------------------
    def incoming(self, actor: Actor, text: str = "", *, action: str | None = None,
                 chat: str = "own", update_id: str | None = None,
                 hint: str | None = None, thread_id: str | None = None,
                 reply_to: str | None = None) -> Incoming:
        chat_id = actor.external_id if chat == "own" else SHARED_CHAT
        return Incoming(
            channel=actor.channel, user_id=actor.external_id, chat_id=chat_id, text=text,
            thread_id=thread_id, update_id=update_id or f"up-{next(self._updates)}",
            locale_hint=hint, action=action, reply_to_message_id=reply_to, is_private=True,
        )

    def send(self, actor: Actor, text: str = "", **kwargs: Any) -> Outcome:
        return self.desk.handle(self.incoming(actor, text, **kwargs))

    # -- state -----------------------------------------------------------------------------
    def reset(self) -> None:
        """Wipe everything but the cast, restore languages and the clock, seed fresh cases.

        One transaction of multi-row inserts with fixed ids (the same numbers every time);
        on PostgreSQL the sequences are moved past them.
        """
        self.clock.set(START)
        self.desk.limiter = type(self.desk.limiter)(10**9, self.clock)
        with transaction(self.sessions) as s:
            for table in reversed(Base.metadata.sorted_tables):
                if table.name not in STATIC_TABLES:
                    s.execute(delete(table))
            s.execute(delete(PlanAssignment).where(PlanAssignment.reason != "onboarding"))
            for user_id, language in self.languages.items():
                s.execute(update(User).where(User.id == user_id).values(language=language))
            self.cases = self._seed(s)
            self._seed_beta(s)
            if is_postgres(s):
                for table in ("conversations", "cases", "case_messages", "escalations",
                              "betas", "beta_enrolments"):
                    s.execute(text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT MAX(id) FROM {table}))"))

    def _seed(self, s: Session) -> dict[str, Seeded]:
        """Per organization: open free, open taken, resolved, open escalated, counted cases."""
        agent = self.actors["agent"].user_id
        at = START - timedelta(days=2)
        shapes = [("open", None), ("open", agent), ("resolved", agent), ("open", None),
                  ("resolved", agent)]
        conversations, cases, messages, escalations = [], [], [], []
        seeded: dict[str, Seeded] = {}
        next_id = itertools.count(1)
        next_escalation = itertools.count(1)
        for key in ORGS:
            partner = self.actors[f"partner_{key.lower()}"]
            ids = []
            for i, (status, assignee) in enumerate(shapes):
                n = next(next_id)
                ids.append(n)
                conversations.append(dict(id=n, channel=partner.channel,
                                          chat_id=partner.external_id, thread_key=f"seed-{i}"))
                cases.append(dict(
                    id=n, org_id=self.org_ids[key], opened_by_id=partner.user_id,
                    conversation_id=n, status=status, severity=2 + (i % 2),
                    severity_source="auto", severity_reasons=[],
                    subject=f"Seeded case {i} of {key}", language="en", opened_at=at,
                    updated_at=at, assignee_id=assignee,
                    resolved_at=at if status == "resolved" else None, reopened_count=0))
                messages.append(dict(id=n, case_id=n, author_id=partner.user_id,
                                     kind="partner", text=f"seeded message {i}", created_at=at))
            for case_id, resolved in ((ids[3], None), (ids[4], at)):
                escalations.append(dict(
                    id=next(next_escalation), case_id=case_id, org_id=self.org_ids[key],
                    category="other_operations_issue", requested_at=at,
                    requested_month="2026-03", requested_by_id=partner.user_id,
                    on_behalf=False, billable_confirmed=False, resolved_at=resolved,
                    counted_month="2026-03" if resolved else None))
            seeded[key] = Seeded(*ids)
        for model, rows in ((Conversation, conversations), (Case, cases),
                            (CaseMessage, messages), (Escalation, escalations)):
            s.execute(insert(model), rows)
        return seeded

    def _seed_beta(self, s: Session) -> None:
        """One open beta with a client WABA of A and of B enrolled (launch in two weeks)."""
        s.execute(insert(Beta), [dict(id=1, name=BETA, description="WhatsApp Flows v3",
                                      status="open", created_at=CREATED)])
        s.execute(insert(BetaEnrolment), [
            dict(id=i, beta_id=1, org_id=self.org_ids[key], waba_id=waba,
                 enabled_on=START.date(), launch_date=START.date() + timedelta(days=14),
                 status="enrolled", enrolled_by="seed", created_at=START)
            for i, (key, waba) in enumerate(sorted(SEEDED_WABA.items()), start=1)])

    def org_name(self, key: str) -> str:
        return ORGS[key][0]


def build_world(url: str, *, everyone_has_language: bool = False) -> World:
    """Migrate the database at url and add the cast; the caller resets before each example.

    everyone_has_language: give partners a stored language too, so that no message changes a
    user row by remembering a detected language (the authorization test compares snapshots).
    """
    engine = make_engine(url)
    upgrade(engine)
    sessions = make_session_factory(engine)
    clock = FixedClock(START)
    ctx = DeskContext(sessions=sessions, clock=clock,
                      agent_rooms=(Room("telegram", "agents-room"), Room("slack", "C-AGENTS")),
                      rate_limit_per_minute=10**9)
    org_ids: dict[str, int] = {}
    actors: dict[str, Actor] = {}
    languages: dict[int, str | None] = {}
    with transaction(sessions) as s:
        for key, (name, plan, currency) in ORGS.items():
            org = Organization(name=name, currency=currency, billing_model="partner-paid",
                               created_at=CREATED)
            s.add(org)
            s.flush()
            plan_id = s.scalars(select(Plan.id).where(Plan.name == plan)).one()
            s.add(PlanAssignment(org_id=org.id, plan_id=plan_id, effective_month="2026-01",
                                 reason="onboarding", created_at=CREATED))
            org_ids[key] = org.id
        for key, (role, org_key, channel, language) in CAST.items():
            if everyone_has_language and language is None:
                language = "en"
            user = User(name=key.replace("_", " ").title(), role=role,
                        org_id=org_ids[org_key] if org_key else None, language=language,
                        created_at=CREATED)
            s.add(user)
            s.flush()
            external = f"{channel[:2]}-{key}"
            s.add(Identity(user_id=user.id, channel=channel, external_id=external))
            actors[key] = Actor(key, role, org_key, channel, external, user.id)
            languages[user.id] = language
    actors["stranger"] = Actor("stranger", None, None, "telegram", "tg-stranger")
    actors["stranger_slack"] = Actor("stranger_slack", None, None, "slack", "U-STRANGER")
    world = World(engine, sessions, clock, ctx, Desk(ctx), org_ids, actors, languages)
    world.reset()
    return world


# -- database invariants ---------------------------------------------------------------------

def _rows(session: Session, sql: str) -> list[Any]:
    return list(session.execute(text(sql)).all())


def invariant_violations(session: Session) -> list[str]:
    """Every broken database rule, as readable lines (empty when all hold)."""
    problems: list[str] = []

    def check(name: str, sql: str) -> None:
        rows = _rows(session, sql)
        if rows:
            problems.append(f"{name}: {rows[:5]}")

    check("more than one escalation per case",
          "SELECT case_id, COUNT(*) FROM escalations GROUP BY case_id HAVING COUNT(*) > 1")
    check("escalation of another organization than its case",
          "SELECT e.id FROM escalations e JOIN cases c ON c.id = e.case_id "
          "WHERE e.org_id <> c.org_id")
    check("counted_month set without resolved_at",
          "SELECT id FROM escalations WHERE counted_month IS NOT NULL AND resolved_at IS NULL")
    check("counted in another month than requested",
          "SELECT id FROM escalations WHERE counted_month IS NOT NULL "
          "AND counted_month <> requested_month")
    check("more counted than escalations (per organization and month)",
          "SELECT org_id, counted_month, COUNT(*) FROM escalations "
          "WHERE counted_month IS NOT NULL GROUP BY org_id, counted_month "
          "HAVING COUNT(*) > (SELECT COUNT(*) FROM escalations e2 "
          "WHERE e2.org_id = escalations.org_id "
          "AND e2.requested_month = escalations.counted_month)")
    check("escalation resolved while its case was never resolved",
          "SELECT e.id FROM escalations e JOIN cases c ON c.id = e.case_id "
          "WHERE e.resolved_at IS NOT NULL AND c.resolved_at IS NULL")
    check("invoice lines do not sum to plan fee + charge + tax",
          "SELECT mc.org_id, mc.month, mc.plan_fee_cents + mc.charge_cents + mc.tax_cents, "
          "COALESCE((SELECT SUM(il.amount_cents) FROM invoice_lines il "
          "WHERE il.org_id = mc.org_id AND il.month = mc.month), 0) AS lines "
          "FROM month_closes mc WHERE mc.plan_fee_cents + mc.charge_cents + mc.tax_cents <> "
          "COALESCE((SELECT SUM(il.amount_cents) FROM invoice_lines il "
          "WHERE il.org_id = mc.org_id AND il.month = mc.month), 0)")
    check("a month close without its invoice, or an invoice total that is not the close's",
          "SELECT mc.id FROM month_closes mc LEFT JOIN invoices i ON i.org_id = mc.org_id "
          "AND i.month = mc.month WHERE i.id IS NULL OR i.total_cents <> "
          "mc.plan_fee_cents + mc.charge_cents + mc.tax_cents")
    check("charge is not overflow x price, or overflow is not max(0, counted - allowance)",
          "SELECT id FROM month_closes WHERE charge_cents <> overflow * overflow_price_cents "
          "OR overflow <> CASE WHEN counted > allowance THEN counted - allowance ELSE 0 END")
    check("invoice lines without a month close",
          "SELECT il.id FROM invoice_lines il WHERE NOT EXISTS (SELECT 1 FROM month_closes mc "
          "WHERE mc.org_id = il.org_id AND mc.month = il.month)")
    check("partner message on another organization's case",
          "SELECT m.id FROM case_messages m JOIN cases c ON c.id = m.case_id "
          "JOIN users u ON u.id = m.author_id "
          "WHERE u.role = 'partner' AND (u.org_id IS NULL OR u.org_id <> c.org_id)")
    check("agent reply or note written by someone who is not an agent or admin",
          "SELECT m.id FROM case_messages m JOIN users u ON u.id = m.author_id "
          "WHERE m.kind IN ('reply', 'note') AND u.role NOT IN ('agent', 'admin')")
    check("case opened by someone who is not a partner of its organization",
          "SELECT c.id FROM cases c JOIN users u ON u.id = c.opened_by_id "
          "WHERE u.role <> 'partner' OR u.org_id IS NULL OR u.org_id <> c.org_id")
    check("outbox row for a case addressed to a user of another organization",
          "SELECT o.id FROM outbox o JOIN cases c ON c.id = o.case_id "
          "JOIN users u ON u.id = o.recipient_user_id "
          "WHERE u.org_id IS NOT NULL AND u.org_id <> c.org_id")
    check("outbox row for a case sent into a partner's chat of another organization",
          "SELECT o.id FROM outbox o JOIN cases c ON c.id = o.case_id "
          "JOIN identities i ON i.channel = o.channel AND i.external_id = o.chat_id "
          "JOIN users u ON u.id = i.user_id "
          "WHERE u.role = 'partner' AND (u.org_id IS NULL OR u.org_id <> c.org_id)")
    check("internal note confirmation queued to a partner",
          "SELECT o.id FROM outbox o JOIN users u ON u.id = o.recipient_user_id "
          "WHERE u.role = 'partner' AND o.key = 'case.noted'")
    check("resolved case without resolved_at",
          "SELECT id FROM cases WHERE status = 'resolved' AND resolved_at IS NULL")
    check("case severity outside 1..3",
          "SELECT id FROM cases WHERE severity NOT IN (1, 2, 3)")
    problems += unconfirmed_billable(session)
    return problems


def unconfirmed_billable(session: Session) -> list[str]:
    """DOMAIN: when counted + pending >= allowance at the request, it needs the confirmation.

    Recomputed independently from the stored rows: counted = escalations of the month resolved
    (and counted) before the request, pending = earlier requests of the month unresolved then.
    """
    rows = session.execute(text(
        "SELECT id, org_id, requested_month, requested_at, resolved_at, counted_month, "
        "billable_confirmed FROM escalations ORDER BY id")).all()
    allowance = {
        (org_id, month): free for org_id, month, free in session.execute(text(
            "SELECT e.org_id, e.requested_month, p.free_escalations FROM escalations e "
            "JOIN plan_assignments pa ON pa.org_id = e.org_id "
            "AND pa.effective_month = (SELECT MAX(pa2.effective_month) FROM plan_assignments "
            "pa2 WHERE pa2.org_id = e.org_id AND pa2.effective_month <= e.requested_month) "
            "JOIN plans p ON p.id = pa.plan_id")).all()
    }

    def aware(value: Any) -> Any:
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value

    problems = []
    for e in rows:
        if e.billable_confirmed:
            continue
        at = aware(e.requested_at)
        same = [o for o in rows if o.org_id == e.org_id and o.id < e.id]
        counted = sum(1 for o in same if o.counted_month == e.requested_month
                      and o.resolved_at is not None and aware(o.resolved_at) <= at)
        pending = sum(1 for o in same if o.requested_month == e.requested_month
                      and (o.resolved_at is None or aware(o.resolved_at) > at))
        if counted + pending >= allowance.get((e.org_id, e.requested_month), 0):
            problems.append(f"escalation {e.id} registered without the billable confirmation "
                            f"(counted {counted} + pending {pending} at the request)")
    return problems


SNAPSHOT_MODELS = ("cases", "case_messages", "conversations", "escalations", "outbox",
                   "outbox_attachments", "audit_log", "users", "identities", "month_closes",
                   "invoice_lines", "sla_alerts", "summary_deliveries", "plan_assignments",
                   "satisfaction_ratings")


def snapshot(sessions: sessionmaker[Session]) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the tables a command could change (inbound de-duplication keys excluded)."""
    with sessions() as s:
        return {
            name: sorted(tuple(map(repr, row)) for row in s.execute(
                text(f"SELECT * FROM {name}")).all())
            for name in SNAPSHOT_MODELS
        }


def count(sessions: sessionmaker[Session], model: Any) -> int:
    with sessions() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


class LogCapture(logging.Handler):
    """Collects warnings and errors of chosen loggers (locales rendering, the desk)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def take(self) -> list[str]:
        lines = [f"{r.name}: {r.getMessage()}" for r in self.records]
        self.records.clear()
        return lines


