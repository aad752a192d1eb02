"""The message path's reference: the irreducible work of one partner message, no ORM at all.

Language (`locales.reply_language`, what the desk calls) + severity (`severity.classify`) +
ONE raw DB-API transaction on the same SQLite setup that writes the rows the desk writes for a
partner message: the inbound update id, the remembered language (when it changes), the
conversation (upsert), a new case or the touched open case (raised severity with its system
message and audit entry when the text is more urgent), the partner's message, the audit entry
and the agents' notice in the outbox. Reads only what those rows need: the sender, and for a new
or raised case the organization, its plan in force and the first-response target.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine

import locales
import severity

CHANNEL = "telegram"
AGENTS_CHAT = "-100200300"
_STAMP = "%Y-%m-%d %H:%M:%S.%f"  # how the SQLite backend stores UTC datetimes

SENDER = ("SELECT u.id, u.org_id, u.name, u.language FROM users u JOIN identities i"
          " ON i.user_id = u.id WHERE i.channel = ? AND i.external_id = ?"
          " AND u.removed_at IS NULL")
INBOUND = ("INSERT INTO inbound_updates (channel, update_id, payload, received_at, processed_at)"
           " VALUES (?, ?, NULL, ?, ?) ON CONFLICT (channel, update_id) DO NOTHING RETURNING id")
LANGUAGE = "UPDATE users SET language = ? WHERE id = ?"
CONVERSATION = ("INSERT INTO conversations (channel, chat_id, thread_key) VALUES (?, ?, ?)"
                " ON CONFLICT (channel, chat_id, thread_key) DO UPDATE"
                " SET channel = excluded.channel RETURNING id")
TOUCH_OPEN_CASE = ("UPDATE cases SET updated_at = ? WHERE id = (SELECT id FROM cases"
                   " WHERE conversation_id = ? AND org_id = ? AND status = 'open'"
                   " ORDER BY active_since DESC, id DESC LIMIT 1)"
                   " RETURNING id, severity, severity_source")
PLAN_AND_TARGET = ("SELECT o.name, p.display_name, t.minutes FROM organizations o"
                   " JOIN plan_assignments pa ON pa.org_id = o.id AND pa.effective_month <= ?"
                   " JOIN plans p ON p.id = pa.plan_id"
                   " LEFT JOIN sla_targets t ON t.plan_id = p.id AND t.severity = ?"
                   " WHERE o.id = ? ORDER BY pa.effective_month DESC, pa.id DESC LIMIT 1")
NEW_CASE = ("INSERT INTO cases (org_id, opened_by_id, conversation_id, status, severity,"
            " severity_source, severity_reasons, severity_confidence, subject, language,"
            " assignee_id, opened_at, active_since, first_response_at, resolved_at,"
            " resolution_note, reopened_count, sla_due_at, sla_reminder_at, updated_at)"
            " VALUES (?, ?, ?, 'open', ?, 'auto', ?, ?, ?, ?, NULL, ?, ?, NULL, NULL, NULL, 0,"
            " ?, ?, ?) RETURNING id")
RAISE = ("UPDATE cases SET severity = ?, severity_reasons = ?, severity_confidence = ?,"
         " sla_due_at = ?, sla_reminder_at = ? WHERE id = ?")
MESSAGE = ("INSERT INTO case_messages (case_id, author_id, kind, text, created_at)"
           " VALUES (?, ?, ?, ?, ?)")
AUDIT = ("INSERT INTO audit_log (at, actor, action, entity, entity_id, details)"
         " VALUES (?, ?, ?, 'case', ?, ?)")
OUTBOX = ("INSERT INTO outbox (channel, chat_id, thread_id, recipient_user_id, case_id, purpose,"
          " language, \"key\", params, buttons, status, attempts, next_attempt_at, last_error,"
          " external_id, created_at, sent_at)"
          " VALUES (?, ?, NULL, NULL, ?, ?, 'en', ?, ?, ?, 'pending', 0, ?, NULL, NULL, ?, NULL)")


@dataclass(frozen=True)
class Sender:
    id: int
    org_id: int
    name: str
    language: str | None


def _stamp(at: datetime) -> str:
    return at.astimezone(UTC).strftime(_STAMP)


def _preview(text: str, limit: int = 300) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def _buttons(case_id: int, with_severity: bool = False) -> str:
    """The notice's buttons: take and resolve; on a new case also severity 1, 2 and 3."""
    buttons: list[dict[str, Any]] = [
        {"label_key": "button.take", "action": f"take:{case_id}", "params": {},
         "style": "primary"},
        {"label_key": "button.resolve", "action": f"res:{case_id}", "params": {}, "style": None},
    ]
    if with_severity:
        buttons += [{"label_key": "button.severity", "action": f"sev:{case_id}:{level}",
                     "params": {"severity": level}, "style": "danger" if level == 1 else None}
                    for level in (1, 2, 3)]
    return json.dumps(buttons)


class ReferenceWriter:
    """Writes partner messages the shortest way: one raw sqlite3 transaction per message."""

    def __init__(self, engine: Engine) -> None:
        self.connection = engine.raw_connection()  # same pragmas as the desk's connections
        self.cursor = self.connection.cursor()
        self.statements = 0

    def close(self) -> None:
        self.cursor.close()
        self.connection.close()

    def _run(self, sql: str, params: tuple[Any, ...]) -> Any:
        self.statements += 1
        return self.cursor.execute(sql, params)

    def handle(self, external_id: str, update_id: str, text: str, force_new: bool) -> None:
        """Triage the text and store it like a partner message (new case, follow-up, /new)."""
        self._run("BEGIN IMMEDIATE", ())
        try:
            self._write(external_id, update_id, text, force_new, datetime.now(UTC))
            self._run("COMMIT", ())
        except BaseException:
            self.cursor.execute("ROLLBACK")
            raise

    def _write(self, external_id: str, update_id: str, text: str, force_new: bool,
               now: datetime) -> None:
        at = _stamp(now)
        self._run(INBOUND, (CHANNEL, update_id, at, at)).fetchone()
        sender = Sender(*self._run(SENDER, (CHANNEL, external_id)).fetchone())
        decided = locales.reply_language(text, known=sender.language)
        if decided.remember and decided.remember != sender.language:
            self._run(LANGUAGE, (decided.remember, sender.id))
        found = severity.classify(text)
        conversation = self._run(CONVERSATION, (CHANNEL, external_id, "ref")).fetchone()[0]
        touched = None if force_new else self._run(
            TOUCH_OPEN_CASE, (at, conversation, sender.org_id)).fetchone()
        if touched is None:
            self._open_case(sender, conversation, text, decided.language, found, now)
        else:
            self._follow_up(sender, touched, text, found, now)

    def _plan_and_target(self, org_id: int, level: int, now: datetime) -> tuple[str, str, int]:
        row = self._run(PLAN_AND_TARGET, (now.strftime("%Y-%m"), level, org_id)).fetchone()
        return row[0], row[1], int(row[2] or 1440)

    def _open_case(self, sender: Sender, conversation: int, text: str, language: str,
                   found: severity.Classification, now: datetime) -> None:
        at = _stamp(now)
        org, plan, minutes = self._plan_and_target(sender.org_id, found.severity, now)
        due, reminder = now + timedelta(minutes=minutes), now + timedelta(minutes=minutes * 0.75)
        reasons = list(found.reasons)
        case_id = self._run(NEW_CASE, (
            sender.org_id, sender.id, conversation, found.severity, json.dumps(reasons),
            found.confidence, " ".join(text.split())[:200], language, at, at, _stamp(due),
            _stamp(reminder), at)).fetchone()[0]
        self._run(MESSAGE, (case_id, sender.id, "partner", text, at))
        self._run(AUDIT, (at, f"user:{sender.id}", "case.open", str(case_id), json.dumps({
            "severity": found.severity, "reasons": reasons, "confidence": found.confidence,
            "concepts": list(found.concepts), "conversation": conversation})))
        params = {"number": case_id, "org": org, "plan": plan, "severity": found.severity,
                  "reasons": ", ".join(f"“{r}”" for r in reasons), "partner": sender.name,
                  "text": _preview(text)}
        self._run(OUTBOX, (CHANNEL, AGENTS_CHAT, case_id, "new_case", "notice.new_case",
                           json.dumps(params), _buttons(case_id, with_severity=True), at, at))

    def _follow_up(self, sender: Sender, case: tuple[int, int, str], text: str,
                   found: severity.Classification, now: datetime) -> None:
        at = _stamp(now)
        case_id, level, source = case
        self._run(MESSAGE, (case_id, sender.id, "partner", text, at))
        raised = source != "agent" and found.severity < level
        if raised:
            _org, _plan, minutes = self._plan_and_target(sender.org_id, found.severity, now)
            self._run(RAISE, (found.severity, json.dumps(list(found.reasons)), found.confidence,
                              _stamp(now + timedelta(minutes=minutes)),
                              _stamp(now + timedelta(minutes=minutes * 0.75)), case_id))
            self._run(MESSAGE, (case_id, None, "system",
                                f"severity raised from {level} to {found.severity}", at))
            self._run(AUDIT, (at, f"user:{sender.id}", "case.severity_raised", str(case_id),
                              json.dumps({"old": level, "new": found.severity,
                                          "reasons": list(found.reasons),
                                          "confidence": found.confidence})))
        self._run(AUDIT, (at, f"user:{sender.id}", "case.message", str(case_id), "{}"))
        params = {"number": case_id, "partner": sender.name, "text": _preview(text),
                  "severity": min(level, found.severity)}
        key, buttons = ("notice.case_message_raised", _buttons(case_id)) if raised else (
            "notice.case_message", "[]")
        self._run(OUTBOX, (CHANNEL, AGENTS_CHAT, case_id, "notice", key, json.dumps(params),
                           buttons, at, at))
