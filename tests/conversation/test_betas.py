"""Beta programmes in chat, through Desk.handle as a channel drives it: the announcement to
Premium partners, /betas, /beta and its button, /enrol and /live with every refusal, the stage,
and the launch-date job across simulated weeks (reminder once, missed, ban, told why)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

import locales
from bot import scheduler
from desk import beta_deadlines, betas
from desk.beta_deadlines import run_beta_deadlines
from desk.context import DeskContext
from messages.types import Outcome
from store.db import is_postgres, transaction
from store.models import AuditEntry, BetaEnrolment, BetaInterest, Organization, OutboxMessage
from tests.conversation.conftest import Delivered, Harness, Person, keys

START = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)  # the harness clock
BETA = "flows-v3"
DESCRIPTION = "WhatsApp Flows v3: multi-screen forms inside the chat"


@dataclass
class Cast:
    h: Harness
    acme: int  # Premium (beta access "invited")
    grow: int  # Growth ("on request")
    pat: Person  # partner of Acme, English
    hans: Person  # partner of Acme, German
    olga: Person  # partner of Growth Co, Russian
    tina: Person  # dedicated TAM of Acme
    tom: Person  # dedicated TAM of Growth Co
    pia: Person  # community TAM (no organization)
    alex: Person  # agent
    root: Person  # admin


@pytest.fixture
def cast(harness: Harness) -> Cast:
    h = harness
    acme = h.add_org("Acme Messaging", plan="premium")
    grow = h.add_org("Growth Co", currency="USD")
    return Cast(
        h, acme, grow,
        pat=h.add_person("Pat", "partner", acme, language="en"),
        hans=h.add_person("Hans", "partner", acme, language="de", channel="slack"),
        olga=h.add_person("Olga", "partner", grow, language="ru"),
        tina=h.add_person("Tina", "tam", acme, language="en"),
        tom=h.add_person("Tom", "tam", grow, language="en"),
        pia=h.add_person("Pia", "tam", language="en"),
        alex=h.add_person("Alex", "agent", language="en"),
        root=h.add_person("Root", "admin", language="en", channel="console"),
    )


def publish(h: Harness, name: str = BETA, description: str = DESCRIPTION) -> int:
    with transaction(h.desk.sessions) as s:
        _, told = betas.add_beta(s, h.desk, name=name, description=description,
                                 now=h.clock.now(), actor="test")
        return told


def text_of(outcome: Outcome, index: int = 0) -> str:
    reply = outcome.replies[index]
    rendered = locales.render(reply.key, reply.params, outcome.language)
    assert rendered != reply.key and "{" not in rendered, rendered
    return rendered


def to(delivered: list[Delivered], person: Person) -> list[Delivered]:
    return [d for d in delivered if d.recipient_user_id == person.id]


def count(h: Harness, model: type, *where: object) -> int:
    with h.desk.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def enrolment(h: Harness, waba: str) -> BetaEnrolment:
    with h.desk.sessions() as s:
        row = s.scalar(select(BetaEnrolment).where(BetaEnrolment.waba_id == waba))
        assert row is not None
        return row


def org(h: Harness, org_id: int) -> Organization:
    with h.desk.sessions() as s:
        found = s.get(Organization, org_id)
        assert found is not None
        return found


# --- publishing and interest ------------------------------------------------------------

def test_a_new_beta_is_announced_to_premium_partners_in_their_language(cast: Cast) -> None:
    h = cast.h
    assert publish(h) == 2
    delivered = h.deliver()
    assert [d.key for d in to(delivered, cast.pat)] == ["betas.announced"]
    assert [d.key for d in to(delivered, cast.hans)] == ["betas.announced"]
    assert to(delivered, cast.olga) == []  # Growth: beta access on request, not invited
    assert to(delivered, cast.tina) == [] and to(delivered, cast.alex) == []
    german = to(delivered, cast.hans)[0]
    assert german.language == "de" and german.channel == "slack"
    assert german.text.startswith("🧪 Neues Beta-Programm: flows-v3\n" + DESCRIPTION)
    assert "Als Premium-Partner ist Acme Messaging eingeladen" in german.text
    assert german.actions == [f"beta:{BETA}"]
    # The partner answers with the announcement's button: the organization is interested.
    pressed = h.send(cast.hans, action=german.actions[0])
    assert keys(pressed) == ["betas.registered"]
    assert text_of(pressed).startswith("Danke! Das Interesse von Acme Messaging an der Beta "
                                       "flows-v3 ist angemeldet.")


def test_partners_see_open_betas_and_register_interest_once(cast: Cast) -> None:
    h = cast.h
    publish(h)
    publish(h, "mm-lite", "Marketing Messages Lite API")
    with transaction(h.desk.sessions) as s:
        betas.close_beta(s, "mm-lite", now=h.clock.now(), actor="test")
    listed = h.send(cast.olga, "/betas")
    assert keys(listed) == ["betas.list"]
    assert listed.replies[0].params["names"] == [BETA]  # closed betas are not offered
    assert [b.action for b in listed.replies[0].buttons] == [f"beta:{BETA}"]
    assert text_of(listed).startswith("🧪 Открытые бета-программы:\n• flows-v3 (этап: ручной "
                                      "режим)\n  " + DESCRIPTION)
    # Any partner may express interest (Growth too); the name in any case.
    first = h.send(cast.olga, "/beta FLOWS-V3")
    assert keys(first) == ["betas.registered"]
    again = h.send(cast.olga, "/beta flows-v3")
    assert keys(again) == ["betas.already_registered"]
    assert text_of(again) == ("Интерес Growth Co к бете flows-v3 уже зарегистрирован "
                              "(с 10 мар. 2026\u202fг.).")
    # The button a second time changes nothing either.
    assert keys(h.send(cast.olga, action=f"beta:{BETA}")) == ["betas.already_registered"]
    assert count(h, BetaInterest) == 1
    assert count(h, AuditEntry, AuditEntry.action == "beta.interest") == 1
    # Listed again: registered, no button left for it.
    listed = h.send(cast.olga, "/betas")
    assert "✓ интерес Growth Co зарегистрирован" in text_of(listed)
    assert listed.replies[0].buttons == ()
    # A colleague of another organization registers their own.
    assert keys(h.send(cast.pat, f"/beta {BETA}")) == ["betas.registered"]
    assert count(h, BetaInterest) == 2


def test_interest_refusals_are_short_and_localized(cast: Cast) -> None:
    h = cast.h
    publish(h)
    with transaction(h.desk.sessions) as s:
        betas.close_beta(s, BETA, now=h.clock.now(), actor="test")
    assert text_of(h.send(cast.pat, "/beta flows-v3")) == "The beta programme flows-v3 is closed."
    unknown = h.send(cast.pat, "/beta nothing-here")
    assert text_of(unknown) == ("There is no beta programme called nothing-here. Send /betas to "
                                "see the open ones.")
    for bad in ("/beta", "/beta two words", "/beta " + "x" * 40, "/beta flows!"):
        outcome = h.send(cast.pat, bad)
        assert keys(outcome) == ["error.bad_arguments"], bad
        assert "/beta NAME" in text_of(outcome)
    assert keys(h.send(cast.tina, "/beta flows-v3")) == ["error.not_allowed"]
    assert keys(h.send(cast.pat, "/betas now")) == ["error.bad_arguments"]
    assert count(h, BetaInterest) == 0
    none = h.send(cast.pat, "/betas")
    assert keys(none) == ["betas.none"]


def test_staff_see_every_beta_with_its_counts(cast: Cast) -> None:
    h = cast.h
    assert keys(h.send(cast.alex, "/betas")) == ["betas.none_staff"]
    publish(h)
    h.send(cast.pat, f"/beta {BETA}")
    h.send(cast.olga, f"/beta {BETA}")
    h.send(cast.tina, f"/enrol {BETA} Acme Messaging 1001 2026-03-20")
    listed = h.send(cast.alex, "/betas")
    assert keys(listed) == ["betas.list_staff"]
    assert text_of(listed) == (
        "🧪 Beta programmes:\n• flows-v3 (open, stage: manual) — interested: 2; enrolled: 1; "
        "live: 0\n  " + DESCRIPTION)


# --- enrolment ---------------------------------------------------------------------------

def test_enrolment_rules_in_chat(cast: Cast) -> None:
    h = cast.h
    publish(h)
    h.deliver()

    def enrol(who: Person, args: str) -> Outcome:
        return h.send(who, f"/enrol {args}")

    done = enrol(cast.tina, f"{BETA} Acme Messaging 1001 2026-03-20")
    assert keys(done) == ["betas.enrolled"]
    assert text_of(done) == (
        "Enrolled WABA 1001 of Acme Messaging in flows-v3: client enabled on Mar 10, 2026, launch "
        "date Mar 20, 2026 (at the latest Apr 7, 2026). The partners are told, and reminded a "
        "week before the launch date.")
    told = h.deliver()
    assert {d.recipient_user_id for d in told} == {cast.pat.id, cast.hans.id}
    assert all(d.key == "betas.enrolled_notice" for d in told)
    # Only live client WABAs: own and test WABAs are refused, with the reason.
    own = enrol(cast.tina, f"{BETA} Acme Messaging 1009 2026-03-20 own")
    assert keys(own) == ["betas.refused_own"]
    assert "partner's own WABA" in text_of(own)
    assert keys(enrol(cast.tina, f"{BETA} Acme Messaging 1009 2026-03-20 TEST")) == \
        ["betas.refused_test"]
    # The launch date: not in the past; at most 4 weeks after the first client was enabled.
    past = enrol(cast.tina, f"{BETA} Acme Messaging 1009 2026-03-09")
    assert text_of(past) == ("The launch date Mar 9, 2026 is in the past. Choose today "
                             "(Mar 10, 2026) or a later date.")
    h.clock.advance(days=3)  # a second client, enabled later: the first one's date counts
    late = enrol(cast.tina, f"{BETA} Acme Messaging 1009 2026-04-08")
    assert keys(late) == ["betas.launch_too_late"]
    assert text_of(late) == (
        "The launch date Apr 8, 2026 is too late: the first client of Acme Messaging was enabled "
        "in flows-v3 on Mar 10, 2026, so the launch must be on Apr 7, 2026 at the latest "
        "(4 weeks later).")
    assert keys(enrol(cast.tina, f"{BETA} acme messaging 1009 2026-04-07")) == ["betas.enrolled"]
    assert keys(enrol(cast.tina, f"{BETA} Acme Messaging 1001 2026-03-25")) == \
        ["betas.waba_taken"]
    # Malformed input: one short localized line.
    assert keys(enrol(cast.tina, f"{BETA} Acme Messaging 1010 2026-02-30")) == ["betas.bad_date"]
    assert keys(enrol(cast.tina, f"{BETA} Acme Messaging 1010 next-week")) == ["betas.bad_date"]
    for bad in (f"{BETA} 1010 2026-03-20", f"{BETA}", "", f"{BETA} Acme 10!0 2026-03-20"):
        assert keys(enrol(cast.tina, bad)) == ["error.bad_arguments"], bad
    assert keys(enrol(cast.tina, "nope Acme Messaging 1010 2026-03-20")) == ["betas.unknown"]
    assert count(h, BetaEnrolment) == 2


def test_a_dedicated_tam_enrols_only_their_own_organization(cast: Cast) -> None:
    h = cast.h
    publish(h)
    other = h.send(cast.tina, f"/enrol {BETA} Growth Co 2001 2026-03-20")
    missing = h.send(cast.tina, f"/enrol {BETA} Growth Inc 2001 2026-03-20")
    assert keys(other) == keys(missing) == ["betas.unknown_org"]
    assert text_of(other) == "I don't know an organization called “Growth Co”."
    # The community TAM pool and the admin enrol any organization; agents and partners none.
    assert keys(h.send(cast.pia, f"/enrol {BETA} Growth Co 2001 2026-03-20")) == \
        ["betas.enrolled"]
    assert keys(h.send(cast.root, f"/enrol {BETA} Growth Co 2002 2026-03-20")) == \
        ["betas.enrolled"]
    assert keys(h.send(cast.alex, f"/enrol {BETA} Growth Co 2003 2026-03-20")) == \
        ["error.not_allowed"]
    assert keys(h.send(cast.olga, f"/enrol {BETA} Growth Co 2003 2026-03-20")) == \
        ["error.not_allowed"]
    # /live likewise: another organization's WABA is answered like one never enrolled.
    assert keys(h.send(cast.tina, f"/live {BETA} 2001")) == \
        keys(h.send(cast.tina, f"/live {BETA} 9999")) == ["betas.unknown_enrolment"]
    assert enrolment(h, "2001").status == "enrolled"
    assert keys(h.send(cast.tom, f"/live {BETA} 2001")) == ["betas.live"]


def test_three_live_clients_move_the_beta_to_integration(cast: Cast) -> None:
    h = cast.h
    publish(h)
    for who, args in ((cast.tina, "Acme Messaging 1001"), (cast.tina, "Acme Messaging 1002"),
                      (cast.tom, "Growth Co 2001")):
        assert keys(h.send(who, f"/enrol {BETA} {args} 2026-03-30")) == ["betas.enrolled"]
    first = h.send(cast.tina, f"/live {BETA} 1001")
    assert text_of(first) == ("✅ WABA 1001 of Acme Messaging is live in flows-v3. Live clients: "
                              "1; stage: manual.")
    assert keys(h.send(cast.tina, f"/live {BETA} 1001")) == ["betas.already_live"]
    assert keys(h.send(cast.root, f"/live {BETA} 1002")) == ["betas.live"]
    listed = h.send(cast.pat, "/betas")
    assert "(stage: manual)" in text_of(listed)
    third = h.send(cast.tom, f"/live {BETA} 2001")
    assert keys(third) == ["betas.live", "betas.integration"]
    assert "stage: integration" in text_of(third)
    assert "(stage: integration)" in text_of(h.send(cast.pat, "/betas"))
    assert count(h, AuditEntry, AuditEntry.action == "beta.live") == 3
    # Closed: no more going live or enrolling.
    with transaction(h.desk.sessions) as s:
        betas.close_beta(s, BETA, now=h.clock.now(), actor="test")
    assert keys(h.send(cast.tina, f"/enrol {BETA} Acme Messaging 1003 2026-03-30")) == \
        ["betas.closed"]


# --- the launch-date job across simulated weeks ------------------------------------------

def run_until(h: Harness, until: datetime, step: timedelta = timedelta(hours=6)
              ) -> list[tuple[datetime, list[Delivered]]]:
    """Run the job every `step` up to `until`; what was delivered after each run."""
    runs = []
    while h.clock.now() < until:
        h.clock.advance(step)
        run_beta_deadlines(h.desk)
        runs.append((h.clock.now(), h.deliver()))
    return runs


def test_reminder_a_week_before_then_missed_launch_bans_the_organization(cast: Cast) -> None:
    h = cast.h
    publish(h)
    assert keys(h.send(cast.tina, f"/enrol {BETA} Acme Messaging 1001 2026-03-31")) == \
        ["betas.enrolled"]
    assert keys(h.send(cast.tom, f"/enrol {BETA} Growth Co 2001 2026-03-31")) == \
        ["betas.enrolled"]
    h.deliver()
    runs = run_until(h, datetime(2026, 4, 14, tzinfo=UTC))
    told = [(at, d) for at, batch in runs for d in batch]
    reminders = [(at, d) for at, d in told if d.key == "betas.reminder"]
    # One reminder per enrolment, to its organization's partners and dedicated TAM, on the
    # first run of 24 March (a week before the launch date).
    assert {at for at, _ in reminders} == {datetime(2026, 3, 24, 3, 0, tzinfo=UTC)}
    assert sorted(d.recipient_user_id for _, d in reminders) == sorted(
        [cast.pat.id, cast.hans.id, cast.tina.id, cast.olga.id, cast.tom.id])
    german = next(d for _, d in reminders if d.recipient_user_id == cast.hans.id)
    assert german.text.startswith("⏰ Erinnerung: Der Starttermin von WABA 1001 (Acme "
                                  "Messaging) in der Beta flows-v3 ist der 31.03.2026, in 7 Tagen.")
    russian = next(d for _, d in reminders if d.recipient_user_id == cast.olga.id)
    assert "через 7 дней" in russian.text
    assert enrolment(h, "1001").reminded_at == datetime(2026, 3, 24, 3, 0, tzinfo=UTC)
    # Neither client went live: both launches are missed the day after, not before.
    assert [d for at, d in told if d.key == "betas.missed" and at < datetime(2026, 4, 1,
                                                                              tzinfo=UTC)] == []
    missed = [(at, d) for at, d in told if d.key == "betas.missed"]
    assert {at for at, _ in missed} == {datetime(2026, 4, 1, 3, 0, tzinfo=UTC)}
    assert sorted(d.recipient_user_id for _, d in missed) == sorted(
        [cast.pat.id, cast.hans.id, cast.tina.id, cast.olga.id, cast.tom.id])
    assert enrolment(h, "1001").status == "missed"
    acme = org(h, cast.acme)
    assert acme.beta_banned_at == datetime(2026, 4, 1, 3, 0, tzinfo=UTC)
    assert acme.beta_ban_reason == "missed the launch date 2026-03-31 of beta flows-v3 (WABA 1001)"
    assert count(h, AuditEntry, AuditEntry.action == "beta.ban") == 2
    assert count(h, AuditEntry, AuditEntry.action == "beta.remind") == 2


def test_the_going_live_client_is_never_missed_and_a_ban_is_explained(cast: Cast) -> None:
    h = cast.h
    publish(h)
    h.send(cast.tina, f"/enrol {BETA} Acme Messaging 1001 2026-03-31")
    h.send(cast.tom, f"/enrol {BETA} Growth Co 2001 2026-03-31")
    run_until(h, datetime(2026, 3, 31, 12, 0, tzinfo=UTC))
    assert keys(h.send(cast.tom, f"/live {BETA} 2001")) == ["betas.live"]  # on the day itself
    runs = run_until(h, datetime(2026, 4, 21, tzinfo=UTC))
    missed = [d for _, batch in runs for d in batch if d.key == "betas.missed"]
    assert {d.recipient_user_id for d in missed} == {cast.pat.id, cast.hans.id, cast.tina.id}
    hans = next(d for d in missed if d.recipient_user_id == cast.hans.id)
    assert hans.text == (
        "Der Starttermin 31.03.2026 von WABA 1001 in der Beta flows-v3 ist verstrichen, ohne dass "
        "der Kunde live gegangen ist. Wie in den Beta-Regeln vorgesehen, ist Acme Messaging von "
        "künftigen Beta-Programmen ausgeschlossen (seit 01.04.2026).")
    assert org(h, cast.grow).beta_banned_at is None
    assert keys(h.send(cast.tina, f"/live {BETA} 1001")) == ["betas.live_missed"]
    # The banned organization's interest in a new beta is refused with the reason and date.
    publish(h, "mm-lite", "Marketing Messages Lite API")
    announced = h.deliver()
    assert {d.recipient_user_id for d in announced} == set()  # banned: no invitation
    refused = h.send(cast.pat, "/beta mm-lite")
    assert keys(refused) == ["betas.banned"]
    assert text_of(refused) == (
        "Sorry, Acme Messaging cannot take part in beta programmes: it was excluded on Apr 1, "
        "2026 because WABA 1001 missed its launch date Mar 31, 2026 in the beta flows-v3.")
    assert keys(h.send(cast.tina, "/enrol mm-lite Acme Messaging 1005 2026-04-30")) == \
        ["betas.banned"]
    listed = h.send(cast.pat, "/betas")
    assert listed.replies[0].buttons == ()
    assert text_of(listed).endswith("missed its launch date Mar 31, 2026 in the beta flows-v3.")
    assert keys(h.send(cast.olga, "/beta mm-lite")) == ["betas.registered"]
    # Nothing happens twice in later runs.
    later = run_until(h, datetime(2026, 5, 10, tzinfo=UTC), step=timedelta(days=1))
    assert [d for _, batch in later for d in batch] == []


def test_a_second_missed_launch_keeps_the_first_ban(cast: Cast) -> None:
    h = cast.h
    publish(h)
    h.send(cast.tina, f"/enrol {BETA} Acme Messaging 1001 2026-03-20")
    h.send(cast.tina, f"/enrol {BETA} Acme Messaging 1002 2026-03-27")
    run_until(h, datetime(2026, 4, 5, tzinfo=UTC))
    acme = org(h, cast.acme)
    assert acme.beta_banned_at == datetime(2026, 3, 21, 3, 0, tzinfo=UTC)
    assert "2026-03-20" in (acme.beta_ban_reason or "")
    assert enrolment(h, "1002").status == "missed"
    assert count(h, AuditEntry, AuditEntry.action == "beta.ban") == 1
    assert count(h, AuditEntry, AuditEntry.action == "beta.missed") == 2


def test_a_launch_within_the_week_is_reminded_at_once_and_closed_betas_are_left_alone(
        cast: Cast) -> None:
    h = cast.h
    publish(h)
    h.send(cast.tina, f"/enrol {BETA} Acme Messaging 1001 2026-03-10")
    h.deliver()
    run_beta_deadlines(h.desk)
    today = h.deliver()
    assert {d.key for d in today} == {"betas.reminder_today"}
    pat = next(d for d in today if d.recipient_user_id == cast.pat.id)
    assert pat.text.startswith("⏰ Reminder: the launch date of WABA 1001 (Acme Messaging) in the "
                               "beta flows-v3 is today, Mar 10, 2026.")
    h.send(cast.tina, f"/enrol {BETA} Acme Messaging 1002 2026-03-12")
    run_beta_deadlines(h.desk)
    assert any("in 2 days" in d.text for d in h.deliver())
    with transaction(h.desk.sessions) as s:
        betas.close_beta(s, BETA, now=h.clock.now(), actor="test")
    assert all(batch == [] for _, batch in run_until(h, datetime(2026, 4, 1, tzinfo=UTC)))
    assert enrolment(h, "1001").status == "enrolled"
    assert org(h, cast.acme).beta_banned_at is None


def test_the_launch_date_passes_in_the_billing_time_zone(cast: Cast) -> None:
    h = cast.h
    h.desk.billing_tz = ZoneInfo("America/Sao_Paulo")  # UTC-3
    publish(h)
    h.send(cast.tina, f"/enrol {BETA} Acme Messaging 1001 2026-03-31")
    h.clock.set(datetime(2026, 4, 1, 2, 30, tzinfo=UTC))  # 31 March, 23:30 in São Paulo
    assert run_beta_deadlines(h.desk).missed == []
    h.clock.set(datetime(2026, 4, 1, 3, 0, tzinfo=UTC))  # 1 April, 00:00 there
    assert len(run_beta_deadlines(h.desk).missed) == 1
    assert org(h, cast.acme).beta_banned_at is not None


def test_concurrent_runs_remind_and_ban_once(cast: Cast) -> None:
    h = cast.h
    with h.desk.sessions() as s:
        if not is_postgres(s):
            pytest.skip("concurrent schedulers: PostgreSQL (SQLite runs one process per file)")
    publish(h)
    h.send(cast.tina, f"/enrol {BETA} Acme Messaging 1001 2026-03-15")
    h.send(cast.tina, f"/enrol {BETA} Acme Messaging 1002 2026-03-16")
    h.deliver()

    def race(desk: DeskContext) -> None:
        barrier = threading.Barrier(4)
        errors: list[BaseException] = []

        def one() -> None:
            barrier.wait()
            try:
                run_beta_deadlines(desk)
            except BaseException as exc:  # reported below
                errors.append(exc)

        threads = [threading.Thread(target=one) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []

    race(h.desk)  # both reminders due on 10 March
    h.clock.set(datetime(2026, 3, 21, 1, 0, tzinfo=UTC))
    race(h.desk)  # both launches missed
    with h.desk.sessions() as s:
        rows = s.execute(select(OutboxMessage.key, func.count()).where(
            OutboxMessage.recipient_user_id == cast.pat.id).group_by(OutboxMessage.key)).all()
    assert dict(rows) == {"betas.announced": 1, "betas.enrolled_notice": 2,
                          "betas.reminder": 2, "betas.missed": 2}
    assert count(h, AuditEntry, AuditEntry.action == "beta.ban") == 1


def test_help_lists_the_beta_commands_by_role(cast: Cast) -> None:
    h = cast.h
    partner = text_of(h.send(cast.pat, "/help"))
    assert "/betas" in partner and "/beta NAME" in partner and "/enrol" not in partner
    tam = text_of(h.send(cast.tina, "/help"))
    assert "/enrol BETA" in tam and "/live BETA WABA" in tam and "/beta NAME" not in tam



def test_the_scheduler_runs_the_launch_date_job_hourly(cast: Cast) -> None:
    h = cast.h
    publish(h)
    h.send(cast.tina, f"/enrol {BETA} Acme Messaging 1001 2026-03-12")
    handle = scheduler.start_scheduler(None, h.desk)
    try:
        job = handle.scheduler.get_job(f"periodic-{beta_deadlines.JOB_NAME}")
        assert job is not None and job.trigger.interval == timedelta(hours=1)
        job.func()  # what the scheduler calls every hour
        job.func()
    finally:
        handle.shutdown()
    assert count(h, OutboxMessage, OutboxMessage.key == "betas.reminder") == 3  # once each
