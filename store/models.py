"""SQLAlchemy models for everything the domain names; money in integer cents, times in UTC."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from store.types import UTCDateTime

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Largest value of an Integer key on every backend (PostgreSQL INTEGER is 32-bit).
MAX_ID = 2**31 - 1

# A month is stored as 'YYYY-MM' text: portable, sortable, and what the CLI speaks.
Month = String(7)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON, list[Any]: JSON}


class Plan(Base):
    """A billing plan as data (seed 002): type, status, prices per cycle, GST, benefits, limits."""

    __tablename__ = "plans"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)
    display_name: Mapped[str] = mapped_column(String(80))
    # usage-based | revenue-sharing (the share is stored and shown; it bills nothing by itself)
    plan_type: Mapped[str] = mapped_column(String(20), default="usage-based",
                                           server_default="usage-based")
    revenue_share_bp: Mapped[int | None] = mapped_column(Integer, nullable=True)  # 1/100 %
    enabled: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    free_escalations: Mapped[int] = mapped_column(Integer)
    overflow_price_cents: Mapped[int] = mapped_column(BigInteger)
    tam_kind: Mapped[str] = mapped_column(String(20))  # community | dedicated
    queue_priority: Mapped[int] = mapped_column(Integer, default=0)  # higher is served first
    beta_access: Mapped[str] = mapped_column(String(20), default="on_request")
    auto_upgrade_above_cents: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    auto_upgrade_to: Mapped[str | None] = mapped_column(String(40), nullable=True)
    gst_rate_bp: Mapped[int | None] = mapped_column(Integer, nullable=True)  # None: GST off
    # benefits with a limit; None means no limit
    limit_messages: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    limit_conversations: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    limit_team_members: Mapped[int | None] = mapped_column(Integer, nullable=True)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]
    prices: Mapped[list[PlanPrice]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="PlanPrice.id",
        lazy="selectin")


class PlanPrice(Base):
    """The plan fee of one billing cycle in one currency; a cycle with prices is enabled."""

    __tablename__ = "plan_prices"
    __table_args__ = (UniqueConstraint("plan_id", "cycle", "currency"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    cycle: Mapped[str] = mapped_column(String(10))  # monthly | quarterly | yearly
    currency: Mapped[str] = mapped_column(String(3))  # EUR | USD
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    plan: Mapped[Plan] = relationship(back_populates="prices")


class User(Base):
    """A person known to the desk, with a role and (for partners) an organization."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(20))  # partner|agent|tam|manager|admin
    # partners: their organization; a tam with an org_id is that organization's dedicated TAM
    org_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id"), nullable=True, index=True
    )
    language: Mapped[str | None] = mapped_column(String(8), nullable=True)
    # True once the user picked the language with /language: their messages no longer change it
    language_chosen: Mapped[bool] = mapped_column(Boolean, default=False,
                                                  server_default=false())
    created_at: Mapped[datetime]
    removed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    identities: Mapped[list[Identity]] = relationship(back_populates="user")


class Identity(Base):
    """A chat identity of a user: channel plus the channel's own user id."""

    __tablename__ = "identities"
    __table_args__ = (UniqueConstraint("channel", "external_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(20))  # slack|telegram|console
    external_id: Mapped[str] = mapped_column(String(64))
    user: Mapped[User] = relationship(back_populates="identities")


class Organization(Base):
    """The billed party: one plan at a time, one currency, one billing model."""

    __tablename__ = "organizations"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    currency: Mapped[str] = mapped_column(String(3))  # EUR|USD
    billing_model: Mapped[str] = mapped_column(String(20))  # partner-paid|direct-paid
    created_at: Mapped[datetime]
    # banned from future beta programmes (a missed launch date), with the reason told
    beta_banned_at: Mapped[datetime | None] = mapped_column(nullable=True)
    beta_ban_reason: Mapped[str | None] = mapped_column(String(200), nullable=True)
    # False: the organization's messages are never sent to an AI model
    ai_enabled: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())


class LinkedChannel(Base):
    """A shared channel of an organization: a Slack Connect channel or a Telegram group."""

    __tablename__ = "linked_channels"
    __table_args__ = (UniqueConstraint("channel", "chat_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    channel: Mapped[str] = mapped_column(String(20))  # slack|telegram
    chat_id: Mapped[str] = mapped_column(String(64))
    mode: Mapped[str] = mapped_column(String(20), default="every-message")  # or mention
    created_at: Mapped[datetime]


class GroupAnswer(Base):
    """An answer the desk posted in a shared group without threads (a plain Telegram group),
    with the conversation it belongs to: a reply to it joins that conversation."""

    __tablename__ = "group_answers"
    __table_args__ = (UniqueConstraint("channel", "chat_id", "external_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    chat_id: Mapped[str] = mapped_column(String(64))
    external_id: Mapped[str] = mapped_column(String(64))
    thread_key: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]


class PartnerAccount(Base):
    __tablename__ = "partner_accounts"
    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    partner_id: Mapped[str] = mapped_column(String(64), unique=True)


class PlanAssignment(Base):
    """The plan an organization is on from its effective month on."""

    __tablename__ = "plan_assignments"
    __table_args__ = (UniqueConstraint("org_id", "effective_month"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"))
    effective_month: Mapped[str] = mapped_column(Month)
    reason: Mapped[str] = mapped_column(String(20))  # onboarding|admin|partner|auto-upgrade
    # the billing cycle from this month on; an auto-upgrade keeps the cycle it interrupts
    billing_cycle: Mapped[str] = mapped_column(String(10), default="monthly",
                                               server_default="monthly")
    created_at: Mapped[datetime]


class LicenseFee(Base):
    __tablename__ = "license_fees"
    __table_args__ = (UniqueConstraint("org_id", "month"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    month: Mapped[str] = mapped_column(Month)
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    recorded_at: Mapped[datetime | None] = mapped_column(nullable=True)


class Conversation(Base):
    """One chat, Slack thread or DM; its row is locked while a message is placed in a case."""

    __tablename__ = "conversations"
    __table_args__ = (UniqueConstraint("channel", "chat_id", "thread_key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    chat_id: Mapped[str] = mapped_column(String(64))
    thread_key: Mapped[str] = mapped_column(String(64), default="")  # '' when not threaded
    # the conversation's current case is its newest open case


class Case(Base):
    """A support case; its id is the short number partners see (#42)."""

    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_queue", "status", "severity", "opened_at"),
        Index("ix_cases_org_status", "org_id", "status"),
        Index("ix_cases_sla", "status", "first_response_at", "sla_due_at"),
        Index("ix_cases_sla_reminder", "status", "first_response_at", "sla_reminder_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    opened_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"), index=True)
    status: Mapped[str] = mapped_column(String(10), default="open")  # open|resolved
    severity: Mapped[int] = mapped_column(Integer)
    severity_source: Mapped[str] = mapped_column(String(10), default="auto")  # auto|agent
    severity_reasons: Mapped[list[Any]] = mapped_column(default=list)
    # how sure the automatic triage was (0..1); None once an agent set the severity
    severity_confidence: Mapped[float | None] = mapped_column(Float, nullable=True)
    subject: Mapped[str] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(8))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    opened_at: Mapped[datetime]
    # when the case last became open (opened, or reopened by an agent): the conversation's
    # current case is its open case most recently made active
    active_since: Mapped[datetime] = mapped_column(
        default=lambda context: context.get_current_parameters()["opened_at"])
    first_response_at: Mapped[datetime | None] = mapped_column(nullable=True)
    resolved_at: Mapped[datetime | None] = mapped_column(nullable=True)
    resolution_note: Mapped[str | None] = mapped_column(Text, nullable=True)
    reopened_count: Mapped[int] = mapped_column(Integer, default=0)
    sla_due_at: Mapped[datetime | None] = mapped_column(nullable=True)
    sla_reminder_at: Mapped[datetime | None] = mapped_column(nullable=True)  # 75% of the target
    updated_at: Mapped[datetime]


class CaseMessage(Base):
    __tablename__ = "case_messages"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    kind: Mapped[str] = mapped_column(String(10))  # partner|reply|note|system
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


class Escalation(Base):
    """At most one per case (unique case_id); counted_month is set when it qualifies."""

    __tablename__ = "escalations"
    __table_args__ = (
        Index("ix_escalations_org_requested", "org_id", "requested_month"),
        Index("ix_escalations_org_counted", "org_id", "counted_month"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), unique=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    category: Mapped[str] = mapped_column(String(40))
    requested_at: Mapped[datetime]
    requested_month: Mapped[str] = mapped_column(Month)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    on_behalf: Mapped[bool] = mapped_column(Boolean, default=False)
    billable_confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    resolved_at: Mapped[datetime | None] = mapped_column(nullable=True)
    counted_month: Mapped[str | None] = mapped_column(Month, nullable=True)


class MonthClose(Base):
    """The exactly-once guard of billing: one row per organization and month."""

    __tablename__ = "month_closes"
    __table_args__ = (UniqueConstraint("org_id", "month"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    month: Mapped[str] = mapped_column(Month, index=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"))
    currency: Mapped[str] = mapped_column(String(3))
    allowance: Mapped[int] = mapped_column(Integer)
    counted: Mapped[int] = mapped_column(Integer)
    pending_expired: Mapped[int] = mapped_column(Integer)
    overflow: Mapped[int] = mapped_column(Integer)
    overflow_price_cents: Mapped[int] = mapped_column(BigInteger)
    charge_cents: Mapped[int] = mapped_column(BigInteger)
    plan_fee_cents: Mapped[int] = mapped_column(BigInteger)  # 0 outside a cycle's first month
    billing_cycle: Mapped[str] = mapped_column(String(10), default="monthly",
                                               server_default="monthly")
    tax_cents: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")  # GST
    escalations_processed: Mapped[int] = mapped_column(Integer)
    closed_at: Mapped[datetime]


class Invoice(Base):
    """One per organization and closed month; open until paid in full, overdue past due_on."""

    __tablename__ = "invoices"
    __table_args__ = (UniqueConstraint("org_id", "month"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    month: Mapped[str] = mapped_column(Month, index=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    issued_on: Mapped[date] = mapped_column(Date)  # the 1st of the next month
    due_on: Mapped[date] = mapped_column(Date)  # issued_on + INVOICE_GRACE_DAYS
    currency: Mapped[str] = mapped_column(String(3))
    total_cents: Mapped[int] = mapped_column(BigInteger)
    paid_cents: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    has_plan_fee: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    escalations_processed: Mapped[int] = mapped_column(Integer)
    paid_at: Mapped[datetime | None] = mapped_column(nullable=True)  # when paid in full
    created_at: Mapped[datetime]


class Payment(Base):
    """A payment recorded by an admin against one invoice, in the invoice's currency."""

    __tablename__ = "payments"
    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), index=True)
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    method: Mapped[str] = mapped_column(String(10))  # card | transfer
    paid_on: Mapped[date] = mapped_column(Date)
    recorded_at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(120))


class InvoiceLine(Base):
    __tablename__ = "invoice_lines"
    __table_args__ = (UniqueConstraint("org_id", "month", "kind"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    month: Mapped[str] = mapped_column(Month, index=True)
    kind: Mapped[str] = mapped_column(String(30))  # plan_fee|escalation_overflow|escalations|gst
    description: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_cents: Mapped[int] = mapped_column(BigInteger)
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))


class AuditEntry(Base):
    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(String(120))  # "user:12", "cli", "scheduler"
    action: Mapped[str] = mapped_column(String(60))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str] = mapped_column(String(64))
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)


class OutboxMessage(Base):
    """A message to someone other than the sender, delivered by its channel's worker."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_due", "channel", "status", "next_attempt_at"),
        Index("ix_outbox_external", "channel", "chat_id", "external_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    chat_id: Mapped[str] = mapped_column(String(64))
    thread_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    recipient_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), nullable=True, index=True)
    purpose: Mapped[str] = mapped_column(String(20))  # new_case|reply|notice|summary|alert
    language: Mapped[str] = mapped_column(String(8))
    key: Mapped[str] = mapped_column(String(80))
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    buttons: Mapped[list[Any]] = mapped_column(default=list)
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending|sent|failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    external_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None] = mapped_column(nullable=True)


class OutboxAttachment(Base):
    __tablename__ = "outbox_attachments"
    id: Mapped[int] = mapped_column(primary_key=True)
    outbox_id: Mapped[int] = mapped_column(ForeignKey("outbox.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(120))
    content_type: Mapped[str] = mapped_column(String(60))
    data: Mapped[bytes] = mapped_column(LargeBinary)


class InboundUpdate(Base):
    """Every inbound update id seen per channel; the unique key de-duplicates redeliveries."""

    __tablename__ = "inbound_updates"
    __table_args__ = (UniqueConstraint("channel", "update_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    update_id: Mapped[str] = mapped_column(String(128))
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    received_at: Mapped[datetime]
    processed_at: Mapped[datetime | None] = mapped_column(nullable=True)


class SlaTarget(Base):
    __tablename__ = "sla_targets"
    __table_args__ = (UniqueConstraint("plan_id", "severity"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"))
    severity: Mapped[int] = mapped_column(Integer)
    minutes: Mapped[int] = mapped_column(Integer)


class SlaAlert(Base):
    __tablename__ = "sla_alerts"
    __table_args__ = (UniqueConstraint("case_id", "level"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    level: Mapped[str] = mapped_column(String(10))  # reminder|breach
    sent_at: Mapped[datetime]


class SatisfactionRating(Base):
    """The partner's rating of one resolution of a case (round = times reopened before it)."""

    __tablename__ = "satisfaction_ratings"
    __table_args__ = (UniqueConstraint("case_id", "round"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    round: Mapped[int] = mapped_column(Integer)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    asked_at: Mapped[datetime]
    rating: Mapped[int | None] = mapped_column(Integer, nullable=True)  # 1..5 once rated
    comment: Mapped[str | None] = mapped_column(Text, nullable=True)
    rated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    rated_at: Mapped[datetime | None] = mapped_column(nullable=True)


class Beta(Base):
    """A beta programme (seed 000): open for interest and enrolments until closed."""

    __tablename__ = "betas"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    description: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="open")  # open|closed
    created_at: Mapped[datetime]
    closed_at: Mapped[datetime | None] = mapped_column(nullable=True)


class BetaInterest(Base):
    """A partner expressed interest in a beta for their organization."""

    __tablename__ = "beta_interests"
    __table_args__ = (UniqueConstraint("beta_id", "org_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    beta_id: Mapped[int] = mapped_column(ForeignKey("betas.id"), index=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime]


class BetaEnrolment(Base):
    """A live client WABA of an organization enrolled in a beta, with its launch date."""

    __tablename__ = "beta_enrolments"
    __table_args__ = (UniqueConstraint("beta_id", "waba_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    beta_id: Mapped[int] = mapped_column(ForeignKey("betas.id"), index=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    waba_id: Mapped[str] = mapped_column(String(64))
    enabled_on: Mapped[date] = mapped_column(Date)  # the client was enabled for the beta
    launch_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default="enrolled")  # enrolled|live|missed
    enrolled_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime]
    reminded_at: Mapped[datetime | None] = mapped_column(nullable=True)
    live_at: Mapped[datetime | None] = mapped_column(nullable=True)


class SummaryDelivery(Base):
    """The monthly summary was queued for this manager: sent exactly once per month."""

    __tablename__ = "summary_deliveries"
    __table_args__ = (UniqueConstraint("month", "user_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(Month)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    delivered_at: Mapped[datetime]
