"""Escalation categories: nine, short button codes, inference in all five languages."""

from __future__ import annotations

import pytest

from escalation.categories import CATEGORIES, CODES, infer_category, parse_category


def test_nine_categories_with_short_unique_codes() -> None:
    assert len(CATEGORIES) == 9
    assert len(set(CODES)) == 9
    assert all(1 <= len(code) <= 4 for code in CODES)
    assert CODES[-1] == "oth"


@pytest.mark.parametrize(("text", "code"), [
    ("Our business verification was rejected, please appeal", "bv"),
    ("A verificação da empresa foi recusada", "bv"),
    ("Die Unternehmensverifizierung wurde abgelehnt", "bv"),
    ("Rechazaron la verificación de empresa", "bv"),
    ("Верификация компании отклонена", "bv"),
    ("Account banned for a policy violation", "pv"),
    ("A conta foi banida por violação de política", "pv"),
    ("Konto wegen Richtlinienverstoß gesperrt", "pv"),
    ("Cuenta bloqueada por infracción de la política", "pv"),
    ("Аккаунт заблокирован за нарушение политики", "pv"),
    ("We need the green tick, OBA request was denied", "oba"),
    ("We are a government agency and need a government account", "gov"),
    ("Necesitamos una cuenta gubernamental para el gobierno", "gov"),
    ("Please open a Meta direct support request", "meta"),
    ("The invoice is wrong and our balance is negative", "inv"),
    ("Die Rechnung stimmt nicht, Guthaben fehlt", "inv"),
    ("Счёт выставлен неверно, баланс отрицательный", "inv"),
    ("Messages are not delivered, webhook error 500", "tech"),
    ("As mensagens não são entregues, erro no webhook", "tech"),
    ("Los mensajes no se entregan, error 500", "tech"),
    ("Сообщения не доставляются, ошибка вебхука", "tech"),
    ("The hub dashboard login fails on the platform", "plat"),
    ("Die Plattform ist nicht erreichbar", "plat"),
    ("Hello, a general question", "oth"),
    ("", "oth"),
])
def test_infer_category(text: str, code: str) -> None:
    assert infer_category(text) == code


def test_parse_category_accepts_codes_and_names_only() -> None:
    assert parse_category("BV") == "bv"
    assert parse_category("invoicing_or_balance_issue") == "inv"
    assert parse_category("billing") is None
