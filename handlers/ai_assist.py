"""AI assistance in the conversation: the triage second opinion and translations for agents.

Every model call runs in a background job after the transaction that stored the message has
committed (desk.ai.Assistant.after_commit), so a slow or failing model never delays the case,
the partner's acknowledgement or the agent's confirmation. Only the message text goes to the
model. Each call leaves an audit entry (action ai.triage / ai.translate, no text) from which
`supportdesk ai status` counts calls, failures, fallbacks and latency across processes.

An agent's translated /reply is queued at once in the outbox, held for HOLD_FACTOR x the model
timeout; the job rewrites it with the translation and releases it (UPDATE ... WHERE pending,
once). If the job cannot (model failed, process stopped), the original goes out when the hold
ends: never lost, never sent twice.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

import locales
from ai import triage
from desk import audit, cases, outbox
from desk.ai import Assistant, Call
from desk.context import DeskContext
from escalation.categories import CATEGORIES, code_of
from handlers.registry import CommandContext
from handlers.text import excerpt
from messages.types import Reply
from store.db import transaction
from store.models import AuditEntry, Case, CaseMessage, Organization, OutboxMessage, User

ACTOR = "ai"
NAMES = tuple(c.name for c in CATEGORIES)
HOLD_FACTOR = 3  # a held reply waits at most 3 model timeouts (retries included) plus 5 s
TRANSLATED = "translated"  # CaseMessage.kind of a partner message's translation for agents


def assistant(desk: DeskContext) -> Assistant | None:
    return desk.ai


def _allowed(session: Session, desk: DeskContext, org_id: int) -> bool:
    org = session.get(Organization, org_id)
    return org is not None and org.ai_enabled


def _record(session: Session, desk: DeskContext, action: str, case_id: int, call: Call,
            **details: object) -> None:
    audit.record(session, actor=ACTOR, action=action, entity="case", entity_id=case_id,
                 details={**call.as_dict(), **details}, now=desk.clock.now())


def after_partner_message(ctx: CommandContext, case: Case, text: str, *, ask_triage: bool) -> None:
    """Queue the second opinion (new case or raised follow-up) and the agents' translation."""
    ai = ctx.desk.ai
    if ai is None or not _allowed(ctx.session, ctx.desk, case.org_id):
        return
    desk, case_id = ctx.desk, case.id
    if ask_triage and ai.triage_on:
        ai.after_commit(ctx.session, lambda: second_opinion(desk, case_id, text))
    if ai.translate_on and ctx.language != desk.agent_language:
        ai.after_commit(ctx.session, lambda: translate_for_agents(desk, case_id, text))


def second_opinion(desk: DeskContext, case_id: int, text: str) -> None:
    """Ask the model (outside any transaction), then apply and announce its opinion."""
    assert desk.ai is not None
    opinion, call = desk.ai.opinion(text, NAMES)
    with transaction(desk.sessions) as session:
        case = session.get(Case, case_id, with_for_update=True)
        if case is None:
            return
        offline = case.severity
        agent_set = case.severity_source == "agent" or case.status != "open"
        raised = triage.raised_severity(offline, opinion, agent_set=agent_set)
        _record(session, desk, "ai.triage", case_id, call,
                opinion=None if opinion is None else {
                    "severity": opinion.severity, "category": opinion.category,
                    "confidence": opinion.confidence, "reason": opinion.reason},
                rules=offline, raised=raised != offline)
        if opinion is None or (opinion.severity == offline and raised == offline):
            return
        if raised != offline:
            now = desk.clock.now()
            case.severity = raised
            case.updated_at = now
            cases.refresh_due(session, case, now, desk.billing_tz)
            session.add(CaseMessage(case_id=case_id, author_id=None, kind="system", created_at=now,
                                    text=f"severity raised from {offline} to {raised} "
                                         "by the AI model's second opinion"))
        key = "ai.opinion_raised" if raised != offline else "ai.opinion"
        outbox.enqueue_for_agent_rooms(session, desk, Reply(key, {
            "number": case_id, "rules": offline, "model": opinion.severity,
            "confidence": f"{opinion.confidence:.2f}", "reason": opinion.reason,
            "category": locales.text(f"escalation.category.{code_of(opinion.category)}",
                                     desk.agent_language),
            "severity": case.severity}), purpose="notice", now=desk.clock.now(),
            case_id=case_id)


def suggested_category(session: Session, case_id: int) -> str | None:
    """The category code the model suggested for the case, if it gave a valid opinion."""
    rows = session.scalars(
        select(AuditEntry.details).where(AuditEntry.action == "ai.triage",
                                         AuditEntry.entity == "case",
                                         AuditEntry.entity_id == str(case_id))
        .order_by(AuditEntry.id.desc()).limit(5)).all()
    for details in rows:
        opinion = (details or {}).get("opinion")
        if isinstance(opinion, dict) and opinion.get("category") in NAMES:
            return code_of(opinion["category"])
    return None


def translate_for_agents(desk: DeskContext, case_id: int, text: str) -> None:
    """Post the translation of a partner's message under it in the agents' rooms."""
    assert desk.ai is not None
    translated, call = desk.ai.translation(text, desk.agent_language)
    now = desk.clock.now()
    with transaction(desk.sessions) as session:
        if session.get(Case, case_id) is None:
            return
        _record(session, desk, "ai.translate", case_id, call, direction="to_agents",
                fallback=translated is None)
        if translated is None:
            return  # the agents have the original in the notice already
        session.add(CaseMessage(case_id=case_id, author_id=None, kind=TRANSLATED,
                                text=translated, created_at=now))
        outbox.enqueue_for_agent_rooms(session, desk, Reply("ai.translation", {
            "number": case_id, "text": excerpt(translated)}), purpose="notice", now=now,
            case_id=case_id)


def latest_translation(session: Session, case_id: int) -> str | None:
    return session.scalars(
        select(CaseMessage.text).where(CaseMessage.case_id == case_id,
                                       CaseMessage.kind == TRANSLATED)
        .order_by(CaseMessage.id.desc()).limit(1)).first()


def partner_language(session: Session, desk: DeskContext, case: Case) -> str:
    partner = session.get(User, case.opened_by_id)
    return (partner.language if partner else None) or case.language or desk.default_language


def wants_reply_translation(ctx: CommandContext, case: Case) -> bool:
    ai = ctx.desk.ai
    return (ai is not None and ai.translate_on
            and partner_language(ctx.session, ctx.desk, case) != ctx.desk.agent_language
            and _allowed(ctx.session, ctx.desk, case.org_id))


def hold_reply(ctx: CommandContext, message_id: int, case: Case, text: str,
               agent_name: str) -> None:
    """Hold the queued reply and translate it after the commit (see the module docstring)."""
    ai = ctx.desk.ai
    assert ai is not None
    hold = timedelta(seconds=HOLD_FACTOR * ai.timeout + 5)
    ctx.session.execute(update(OutboxMessage).where(OutboxMessage.id == message_id)
                        .values(next_attempt_at=ctx.desk.clock.now() + hold))
    desk, case_id, agent_id = ctx.desk, case.id, ctx.user.id
    target = partner_language(ctx.session, ctx.desk, case)
    ai.after_commit(ctx.session, lambda: translate_reply(
        desk, message_id, case_id, agent_id, agent_name, text, target))


def translate_reply(desk: DeskContext, message_id: int, case_id: int, agent_id: int,
                    agent_name: str, text: str, target: str) -> None:
    """Rewrite the held reply with its translation and release it; else release the original
    and tell the agent. The agent sees what was sent."""
    assert desk.ai is not None
    translated, call = desk.ai.translation(text, target)
    now = desk.clock.now()
    with transaction(desk.sessions) as session:
        values: dict[str, object] = {"next_attempt_at": now}
        if translated is not None:
            values["key"] = "ai.agent_reply_translated"
            values["params"] = {"number": case_id, "agent": agent_name, "text": translated,
                                "original": text}
        released = session.execute(
            update(OutboxMessage).where(OutboxMessage.id == message_id,
                                        OutboxMessage.status == "pending")
            .values(**values)).rowcount
        _record(session, desk, "ai.translate", case_id, call, direction="to_partner",
                fallback=translated is None or not released)
        agent = session.get(User, agent_id)
        if agent is None:
            return
        if translated is not None and released:
            note = Reply("ai.reply_translated", {"number": case_id, "text": translated,
                                                 "language": target})
        else:
            note = Reply("ai.reply_untranslated", {"number": case_id})
        outbox.enqueue_for_user(session, desk, agent, note, purpose="notice", now=now,
                                case_id=case_id)
