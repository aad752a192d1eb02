"""Portuguese-versus-Spanish tie-break from spelling and function words each language lacks."""

from __future__ import annotations

import re

_WORD_RE = re.compile(r"[^\W\d_]+", re.UNICODE)


def _wordset(words: str) -> frozenset[str]:
    """The whitespace-separated words of a literal, as a set."""
    return frozenset(words.split())


PT_CHARS = frozenset("ãõçâêô")
ES_CHARS = frozenset("ñ¿¡")

PT_WORDS = _wordset(
    """
    não você vocês obrigado obrigada muito muita muitos muitas também então estão são isso
    isto aqui com uma em nós nosso nossa nossos nossas ontem hoje ajuda pela pelo pelos pelas
    seu sua mas já até sem tudo agora ainda mensagens cobrança fatura depois quando erro
    dos das ao às olá
    """
)
ES_WORDS = _wordset(
    """
    gracias muy aquí con una el los las del pero y ayer hoy nuestro nuestra nuestros nuestras
    ya hasta sin ayuda necesito usted ustedes tengo tenemos también ahora todavía
    mensajes cobro factura después cuando la hola
    """
)


def scores(text: str) -> tuple[int, int]:
    """(Portuguese evidence, Spanish evidence) counted over distinct words and letters."""
    lowered = text.lower()
    words = set(_WORD_RE.findall(lowered))
    pt = len(words & PT_WORDS) + len(PT_CHARS & set(lowered))
    es = len(words & ES_WORDS) + len(ES_CHARS & set(lowered))
    return pt, es


def tie_break(text: str) -> str | None:
    """'pt-BR' or 'es' when the spelling clearly favours one of them, else None."""
    pt, es = scores(text)
    if pt > es:
        return "pt-BR"
    if es > pt:
        return "es"
    return None
