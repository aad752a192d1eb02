"""The nine escalation categories, their short codes for buttons, and inference from text."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class Category:
    code: str  # <= 4 characters: fits in 64 bytes of button data
    name: str  # stored in escalations.category
    keywords: tuple[str, ...]  # lower-case, accent-free stems in en, pt-BR, de, es, ru


CATEGORIES: tuple[Category, ...] = (
    Category("bv", "business_verification_appeal", (
        "business verification", "verification appeal", "verify business", "verificacao",
        "verificacao do negocio", "verificacao de empresa", "unternehmensverifizierung",
        "verifizierung", "verificacion", "verificacion de empresa", "verificacion del negocio",
        "верификац", "подтверждение компании", "проверка компании",
    )),
    Category("pv", "policy_violation_appeal", (
        "policy violation", "policy", "violation", "banned", "ban ", "blocked account",
        "violacao", "politica", "banido", "richtlinie", "verstoss", "gesperrt",
        "violacion", "infraccion", "bloqueada", "нарушение", "политик", "заблокир", "бан",
    )),
    Category("oba", "oba_appeal", (
        "oba", "official business account", "green tick", "green check", "verified badge",
        "conta comercial oficial", "selo verde", "offizielles unternehmenskonto", "grunen haken",
        "cuenta de empresa oficial", "insignia verde", "официальн", "зелен",
    )),
    Category("gov", "government_account_request", (
        "government", "gov account", "public authority", "governo", "governamental",
        "regierung", "behorde", "gobierno", "gubernamental", "правительств", "государств",
    )),
    Category("meta", "meta_direct_support_request", (
        "meta support", "meta direct", "direct support", "facebook support", "suporte da meta",
        "suporte direto", "meta-support", "direkten support", "soporte de meta",
        "soporte directo", "поддержк meta", "поддержка meta", "напрямую",
    )),
    Category("inv", "invoicing_or_balance_issue", (
        "invoice", "invoicing", "billing", "balance", "credit", "refund", "charged",
        "fatura", "cobranca", "saldo", "reembolso", "rechnung", "guthaben", "abrechnung",
        "erstattung", "factura", "facturacion", "cobro", "счет", "счёт", "баланс",
        "оплат", "возврат",
    )),
    Category("tech", "technical_messaging_issue", (
        "message", "messages", "delivery", "delivered", "webhook", "api", "error", "outage",
        "latency", "template", "mensagem", "mensagens", "entrega", "erro", "nachricht",
        "zustellung", "fehler", "ausfall", "mensaje", "mensajes", "entrega", "sms",
        "сообщени", "доставк", "ошибк", "вебхук",
    )),
    Category("plat", "platform_issue", (
        "platform", "hub", "dashboard", "console", "login", "portal", "plataforma", "painel",
        "plattform", "anmeldung", "panel", "платформ", "панел", "вход", "личный кабинет",
    )),
    Category("oth", "other_operations_issue", ()),
)

BY_CODE: dict[str, Category] = {c.code: c for c in CATEGORIES}
BY_NAME: dict[str, Category] = {c.name: c for c in CATEGORIES}
FALLBACK = "oth"
CODES: tuple[str, ...] = tuple(c.code for c in CATEGORIES)


def _fold(text: str) -> str:
    """Lower-case and strip accents (Cyrillic letters survive: only combining marks go)."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    # NFKD splits 'й' into 'и' + breve; recompose Cyrillic so stems keep matching.
    return unicodedata.normalize("NFC", stripped).replace("ё", "е")


def _score(text: str, category: Category) -> int:
    score = 0
    for keyword in category.keywords:
        key = _fold(keyword)
        if " " in key.strip() or not key.isascii():
            hits = text.count(key)
            weight = 3 if " " in key.strip() else 1
        else:
            hits = len(re.findall(rf"\b{re.escape(key)}\b", text))
            weight = 1
        score += hits * weight
    return score


def infer_category(text: str) -> str:
    """The code of the category the text speaks of most, 'oth' when nothing matches."""
    folded = _fold(text or "")
    best, best_score = FALLBACK, 0
    for category in CATEGORIES:
        score = _score(folded, category)
        if score > best_score:
            best, best_score = category.code, score
    return best


def parse_category(token: str) -> str | None:
    """A code from a typed token: the short code or the stored name, any case; None if neither."""
    cleaned = token.strip().lower()
    if cleaned in BY_CODE:
        return cleaned
    category = BY_NAME.get(cleaned)
    return category.code if category else None


def name_of(code: str) -> str:
    return BY_CODE[code].name


def code_of(name: str) -> str:
    category = BY_NAME.get(name)
    return category.code if category else FALLBACK
