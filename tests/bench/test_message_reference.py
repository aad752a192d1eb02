"""The message path's reference writes exactly the rows the desk writes (counts, no timing)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

import locales
from bench.message_path import plan_messages, twin
from bench.message_reference import ReferenceWriter
from bench.seed import seed_partners
from desk.context import DeskContext, Room
from handlers.desk import Desk
from messages.types import Incoming
from store.db import make_engine, make_session_factory
from store.migrate import upgrade
from store.models import AuditEntry, Case, CaseMessage, Conversation, OutboxMessage, User


def _rows(session: Session, thread_key: str) -> dict[str, object]:
    """What was written for the conversations with this thread key (desk: '', reference)."""
    cases = select(Case.id).join(Conversation, Conversation.id == Case.conversation_id).where(
        Conversation.thread_key == thread_key)
    ids = [str(i) for i in session.scalars(cases)]
    return {
        "cases": sorted(session.execute(
            select(Case.severity, Case.subject, Case.language, Case.status)
            .where(Case.id.in_(cases))).all()),
        "messages": sorted(session.execute(
            select(CaseMessage.kind, CaseMessage.text, func.count())
            .where(CaseMessage.case_id.in_(cases))
            .group_by(CaseMessage.kind, CaseMessage.text)).all()),
        "audit": sorted(session.execute(
            select(AuditEntry.action, func.count()).where(AuditEntry.entity == "case",
                                                          AuditEntry.entity_id.in_(ids))
            .group_by(AuditEntry.action)).all()),
        "outbox": sorted(session.execute(
            select(OutboxMessage.key, OutboxMessage.purpose, func.count())
            .where(OutboxMessage.case_id.in_(cases))
            .group_by(OutboxMessage.key, OutboxMessage.purpose)).all()),
    }


def test_the_reference_writes_the_rows_the_desk_writes(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'paths.sqlite3'}")
    upgrade(engine)
    plan = plan_messages(30)  # new cases, follow-ups (some raise the severity) and /new
    partners = sorted({p for p, _, _ in plan})
    seed_partners(engine, "telegram", [*partners, *map(twin, partners)])
    desk = Desk(DeskContext(sessions=make_session_factory(engine),
                            agent_rooms=(Room("telegram", "-100200300"),),
                            rate_limit_per_minute=10_000))
    reference = ReferenceWriter(engine)
    locales.warm_up()
    for n, (partner, _lang, text) in enumerate(plan):
        outcome = desk.handle(Incoming(channel="telegram", user_id=partner, chat_id=partner,
                                       text=text, update_id=f"u{n}"))
        assert outcome.failure is None and len(outcome.replies) == 1
        body = text.removeprefix("/new ")
        reference.handle(twin(partner), f"r{n}", body, force_new=body != text)
    reference.close()
    with Session(engine) as session:
        desk_rows, reference_rows = _rows(session, ""), _rows(session, "ref")
        languages = dict(session.execute(select(User.name, User.language)).all())
    engine.dispose()
    assert desk_rows["cases"] and desk_rows["outbox"]
    assert any(kind == "system" for kind, _, _ in desk_rows["messages"])  # a raised severity
    assert reference_rows == desk_rows
    assert None not in languages.values()  # both remembered every partner's language
    assert reference.statements > 0
