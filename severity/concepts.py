"""Rubric concepts (who is affected, what, which effect) as multilingual lexicons.

Each concept is one regular expression over normalised text (see normalize.py: lower case,
Latin accents stripped, ё read as е) holding the phrases of all five languages, so a message is
read the same whichever language it is in or was guessed to be in. The lexicons name the
concepts of DOMAIN.md's rubric; they decide nothing by themselves: the trained model weighs
them together with the message's character and word n-grams.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


def _alternation(*phrases: str) -> str:
    return "|".join(phrases)


# The rubric's dimensions. Phrases are regex fragments; a space means one or more spaces.
LEXICON: dict[str, tuple[str, ...]] = {
    # Who is affected.
    "scope_all": (
        r"all|every\w*|nobody|no one|none of|any of (our|my)|whole|entire\w*|complete\w*|total\w*"
        r"|100 ?%|across the board|for anyone|at all",
        r"tod[oa]s?|tudo|ninguem|nenhum\w*|completamente|geral|inteir[oa]|qualquer"
        r"|de jeito nenhum|por completo",
        r"alle\w*|jede\w*|niemand|keine\w*|komplett\w*|gesamt\w*|ganze\w*|uberall|samtliche\w*"
        r"|flachendeckend|vollstandig\w*|uberhaupt|gar nichts|gar nix|bei keinem",
        r"nadie|ningun\w*|entera?|cualquier\w*|por completo|en absoluto|nada de nada",
        r"все|всех|всем|всё|весь|вся|всю|никто|никому|ни один|ни одно\w*|полностью|совсем|целиком"
        r"|любо\w*|ничего|вообще|ни у кого",
    ),
    "scope_part": (
        r"some|only|just|one of|a few|certain|several|part of|half|specific|particular|except"
        r"|the others?|a couple|single|one (number|client|customer|waba|account|template)"
        r"|a subset|a group|\d{1,2} ?%",
        r"alguns|algumas|so|apenas|somente|um dos|uma das|parte|metade|cert[oa]s|especific\w*"
        r"|exceto|os outros|as outras|um numero|um cliente",
        r"einige\w*|manche\w*|nur|blo(ß|ss)|ein paar|teilweise|bestimmte\w*|die anderen|halfte"
        r"|einzelne\w*|eine nummer|ein kunde|einem kunden|mancher",
        r"algun[oa]s|solo|solamente|uno de|una de|parte|mitad|ciert[oa]s|los demas|las demas"
        r"|excepto|un numero|un cliente",
        r"некотор\w*|только|лишь|один из|одн[ао] из|часть|половин\w*|отдельн\w*|остальн\w*"
        r"|кроме|один номер|одного клиента|одному клиенту|конкретн\w*",
    ),
    # What is affected.
    "obj_api": (r"api|endpoint\w*|graph|cloud api|on ?prem\w*|requests?|calls?|chamadas?"
                r"|aufrufe?|anfragen?|llamadas?|peticiones|solicitudes|запрос\w*|вызов\w*",),
    "obj_hub": (r"hub|dashboard|console|portal|panel|painel|ui|interface|frontend|web ?app"
                r"|oberflache|консол\w*|панел\w*|кабинет\w*|дашборд\w*|хаб\w*|интерфейс\w*",),
    "obj_send": (r"send\w*|sent|outbound|deliver\w*|envi\w*|mand\w*|entreg\w*|versand\w*"
                 r"|versend\w*|versch\w*|zugestellt|zustell\w*|senden|gesendet|ausgehend\w*"
                 r"|отправ\w*|рассылк\w*|достав\w*|исходящ\w*",),
    "obj_receive": (r"receiv\w*|incoming|inbound|inbox|replies|receb\w*|cheg\w*|entrada"
                    r"|empfang\w*|eingehend\w*|ankommen\w*|kommen an|recib\w*|llega\w*"
                    r"|entrantes?|получ\w*|входящ\w*|приход\w*",),
    "obj_webhook": (r"webhooks?|callbacks?|вебхук\w*|notifications?|notificac\w*"
                    r"|benachrichtigung\w*|notificaciones?|уведомлен\w*",),
    "obj_template": (r"templates?|hsm|modelos?|vorlage\w*|plantillas?|шаблон\w*|темплейт\w*",),
    "obj_onboarding": (r"onboard\w*|embedded signup|signup|sign up|cadastr\w*|registr\w*|alta"
                       r"|anmeldung\w*|регистрац\w*|подключ\w*|онбординг\w*",),
    "obj_billing": (r"invoices?|billing|bill|payments?|charged?|balance|credit|fatura\w*"
                    r"|cobran\w*|pagamento\w*|saldo|rechnung\w*|zahlung\w*|abbuchung\w*"
                    r"|guthaben|factura\w*|cobro\w*|pagos?|сч(е|ё)т\w*|оплат\w*|баланс\w*"
                    r"|списан\w*|платеж\w*",),
    "obj_number": (r"numbers?|phone|msisdn|numeros?|telefone|nummer\w*|rufnummer\w*"
                   r"|telefono|номер\w*|телефон\w*",),
    "obj_login": (r"log ?in|sign ?in|password|2fa|sso|senha|acess\w*|entrar|anmeld\w*"
                  r"|einlogg\w*|passwort|zugang|iniciar sesion|contrasena|acceder|acceso"
                  r"|войти|вход\w*|парол\w*|логин\w*|доступ\w*",),
    "obj_data": (r"data|contacts?|history|records?|conversations?|chats?|personal|pii|gdpr"
                 r"|lgpd|dsgvo|dados|contatos?|historico|conversas?|daten|kontakte?|verlauf"
                 r"|datos|contactos?|historial|conversaciones|данн\w*|контакт\w*|истори\w*"
                 r"|переписк\w*|персональн\w*|клиентск\w*|customer|clientes?|kunden\w*",),
    "obj_media": (r"media|images?|pdf|documents?|files?|videos?|audio|imagens?|arquivos?"
                  r"|documentos?|bilder?|dateien?|dokumente?|imagenes|archivos?|медиа"
                  r"|картинк\w*|файл\w*|документ\w*|фото\w*",),
    # Which effect.
    "eff_down": (
        r"down|outage|offline|unavailable|unreachable|unresponsive|crash\w*|dead|blank page"
        r"|not (loading|responding|reachable|available|accessible)|doesn ?t load|won ?t load"
        r"|can ?t load|cannot load|502|503|504|bad gateway|service unavailable",
        r"fora do ar|caiu|cairam|caido|parad[oa]s?|indisponivel|nao carrega|travad[oa]"
        r"|morreu|nao responde|nao abre|tela branca|pagina em branco",
        r"ausgefallen|ausfall|nicht erreichbar|nicht verfugbar|ladt nicht|tot|down|weg vom"
        r"|steht|reagiert nicht|antwortet nicht|nicht mehr erreichbar|geht gar nichts",
        r"caid[oa]|cayo|fuera de servicio|fuera de linea|no carga|no responde|no abre"
        r"|indisponible|sin servicio|pagina en blanco",
        r"упал\w*|лежит|лежат|недоступ\w*|не открывается|не грузит\w*|не загружает\w*"
        r"|не отвечает|сдох\w*|отвалил\w*|падени\w*|белый экран",
    ),
    "eff_fail": (
        r"fail\w*|errors?|not working|doesn ?t work|don ?t work|isn ?t working|broken|stuck"
        r"|rejected|not (delivered|arriving|sent|received|going out|coming)|bounce\w*"
        r"|no (messages?|replies|webhooks?|callbacks?)|nothing (arrives|comes|goes)"
        r"|can ?t (send|receive|log|access|create|register|connect)|cannot|unable|timeouts?"
        r"|timing out|stopped( \w+ing)?|quit working|401|403|429|500|131\d{3}|130\d{3}|132\d{3}"
        r"|133\d{3}|470",
        r"falh\w*|erro\w*|nao funciona|parou|nao chega\w*|nao entreg\w*|nao envia\w*"
        r"|nao recebe\w*|nao consigo|nao conseguimos|nao da|rejeitad\w*|bloquead\w*|parou de \w+"
        r"|pararam( de \w+)?|deixou de \w+|deixaram de \w+",
        r"fehler\w*|fehlgeschlagen|schlagt fehl|schlagen fehl|geht nicht"
        r"|funktionier\w*( (uberhaupt|gar|einfach|leider|seit \w+))? nicht"
        r"|kaputt|kommt nicht|kommen nicht|nicht zugestellt|abgelehnt|hangt|hangen"
        r"|klappt nicht|nicht moglich|blockiert|gesperrt",
        r"fall\w*|error\w*|no funciona\w*|no llega\w*|no se entreg\w*|no se envi\w*"
        r"|no podemos|no puedo|rechazad\w*|bloquead\w*|no sirve|dejo de \w+|dejaron de \w+"
        r"|ha dejado de \w+|han dejado de \w+",
        r"ошибк\w*|не работа\w*|не доход\w*|не приход\w*|не достав\w*|не отправл\w*"
        r"|не получа\w*|не может|не можем|не могу|не удает\w*|не удаёт\w*|сломал\w*"
        r"|отклон\w*|заблокир\w*|зависа\w*|завис\w*|перестал\w*|сбо(й|и|ев)",
    ),
    "eff_slow": (
        r"slow\w*|delay\w*|latenc\w*|lag\w*|takes? (long|ages|forever)|sluggish|late"
        r"|intermittent\w*|sometimes|occasional\w*|from time to time",
        r"lent[oa]s?|demor\w*|atras\w*|as vezes|de vez em quando|intermitente\w*",
        r"langsam\w*|verzog\w*|dauert|zeitverzug|manchmal|gelegentlich|sporadisch\w*"
        r"|ab und zu|hakt|ruckel\w*",
        r"lent[oa]s?|tarda\w*|demora\w*|retras\w*|a veces|de vez en cuando|intermitente\w*",
        r"медленн\w*|тормоз\w*|задерж\w*|долго|подвиса\w*|иногда|периодическ\w*|с опозданием",
    ),
    "eff_lost": (
        r"lost|lose|losing|loss|deleted|delete|gone|vanish\w*|disappear\w*|missing|empty"
        r"|wiped|erased|removed|purged|no longer there|all gone",
        r"perd\w*|sumi\w*|apagad\w*|apagou|apagaram|delet\w*|desaparec\w*|vazi[oa]s?|zerad\w*"
        r"|excluid\w*|removid\w*",
        r"verloren|verlust\w*|geloscht|weg|verschwunden|leer|fehlen|fehlt|futsch|entfernt"
        r"|nicht mehr da|gelöscht",
        r"perd\w*|borrad\w*|borr\w*|desaparec\w*|vaci[oa]s?|eliminad\w*|ya no esta\w*"
        r"|se fue|se fueron",
        r"пропал\w*|исчез\w*|удален\w*|удалил\w*|потерял\w*|потер\w*|пуст\w*|стерл\w*|стерт\w*"
        r"|нет больше|обнулил\w*|слетел\w*",
    ),
    "eff_exposed": (
        r"leak\w*|breach\w*|expos\w*|public\w*|visible|wrong (recipient|customer|client|number"
        r"|person|people|contact)s?|someone else\w*|(another|other|different) (partner|client"
        r"|customer|company|account|tenant)s?|not ours|not our|meant for|intended for"
        r"|third part\w*|pasted|github|pastebin|screenshot|shared by mistake",
        r"vaz\w*|expost\w*|public\w*|visive\w*|errad\w*|de outr[oa]s?|outro cliente"
        r"|outra empresa|terceiros|nao e nosso|nao sao nossos|destinad\w*",
        r"leck\w*|datenleck|datenpanne|offentlich\w*|sichtbar|falsche\w* (empfanger|kunden"
        r"|nummer)|fremde\w*|anderer? (kunde|partner|firma)\w*|nicht unsere?|gehort nicht"
        r"|dritte\w*|bestimmt fur",
        r"filtra\w*|expuest\w*|public\w*|visible\w*|equivocad\w*|de otr[oa]s?|otro cliente"
        r"|otra empresa|terceros|no es nuestro|no son nuestros|destinad\w*",
        r"утечк\w*|утек\w*|утёк\w*|слил\w*|слив\w*|публичн\w*|видн\w*|чуж\w*|не тому|не тем"
        r"|не те|не того|не той|не туда|не по адресу"
        r"|другого (клиента|партнера|партнёра|аккаунта)|другим (клиентам|партнерам)"
        r"|посторонн\w*|третьи\w*|не наш\w*|предназнач\w*",
    ),
    "eff_unauthorized": (
        r"unauthori[sz]ed|hack\w*|compromis\w*|intrud\w*|suspicious|unknown (login|device|ip"
        r"|user|session)s?|former (employee|colleague|staff)|ex.?employee|left the company"
        r"|still (has|have) access|still (log|logs|logging) in|someone logged|stolen",
        r"nao autorizad\w*|hacke\w*|invad\w*|comprometid\w*|suspeit\w*|desconhecid\w*"
        r"|ex.?funcionari\w*|ex.?colaborador\w*|saiu da empresa|ainda (tem|consegue) acess\w*",
        r"unbefugt\w*|unberechtigt\w*|gehackt|kompromittiert|verdachtig\w*|unbekannte\w*"
        r"|ehemalige\w*|ex.?mitarbeiter\w*|nicht mehr bei uns|immer noch (zugriff|rein)",
        r"no autorizad\w*|hacke\w*|comprometid\w*|sospechos\w*|desconocid\w*|ex.?emplead\w*"
        r"|ya no trabaja|sigue (teniendo|entrando)",
        r"взлом\w*|несанкционир\w*|скомпрометир\w*|подозрительн\w*|неизвестн\w*|чуж\w* вход"
        r"|бывш\w* сотрудник\w*|уволил\w*|уволен\w*|до сих пор (заходит|имеет доступ)",
    ),
    "workaround": (
        r"workaround|work around|for now|manually|in the meantime|meanwhile|alternative\w*"
        r"|instead|fallback|we can still|still works?",
        r"contorn\w*|manualmente|por enquanto|enquanto isso|alternativ\w*|em vez|ainda funciona",
        r"workaround|umgehung\w*|manuell|vorerst|ubergangsweise|provisorisch\w*|alternativ\w*"
        r"|stattdessen|funktioniert noch|geht noch",
        r"solucion temporal|manualmente|por ahora|mientras tanto|alternativ\w*|en su lugar"
        r"|todavia funciona|aun funciona",
        r"обходн\w*|вручную|пока что|временно|альтернатив\w*|вместо|ещ(е|ё) работает",
    ),
    "question": (
        r"\?|how (do|can|to|does)|can (i|we|you)|is (it|there) (possible|a way)|what (is|are)"
        r"|where (can|do|is)|do you (have|support)|is it normal|any (update|news)",
        r"como (faco|posso|fazer|funciona)|e possivel|tem como|qual (e|o)|onde|voces tem"
        r"|alguma novidade",
        r"wie (kann|konnen|geht|funktioniert)|kann ich|konnen wir|gibt es|ist es moglich"
        r"|was ist|wo (kann|finde)|habt ihr|neuigkeiten",
        r"como (puedo|hago|se)|es posible|hay (forma|manera)|cual es|donde|tienen"
        r"|alguna novedad",
        r"как (можно|сделать|настроить)|можно ли|подскажите|есть ли|где (найти|можно)|что такое"
        r"|какие новости|есть новости",
    ),
    "resolved": (
        r"works? again|working again|fixed|resolved|back to normal|back up|is back|solved"
        r"|all good now|sorted|never ?mind",
        r"voltou|resolvid\w*|funciona de novo|normalizou|funcionando de novo|ta ok|deu certo",
        r"geht wieder|funktioniert wieder|behoben|gelost|wieder da|hat sich erledigt|laeuft wieder"
        r"|lauft wieder",
        r"ya funciona|volvio|solucionad\w*|resuelt\w*|se arreglo|normalizad\w*",
        r"заработал\w*|починил\w*|снова работает|всё ок|все ок|решилось|восстановил\w*",
    ),
    "hedge": (
        r"probably nothing|not urgent|no rush|low priority|maybe|perhaps|might be|just in case"
        r"|not sure|sorry to bother|probably",
        r"nao e urgente|sem pressa|provavelmente|talvez|pode ser|nao sei se",
        r"nicht dringend|keine eile|vielleicht|wahrscheinlich|eventuell|bin nicht sicher"
        r"|vermutlich",
        r"no es urgente|sin prisa|quizas?|probablemente|tal vez|no estoy segur\w*",
        r"не срочно|не горит|возможно|наверное|может быть|не уверен\w*|на всякий случай",
    ),
    "urgent": (
        r"urgent\w*|asap|emergency|critical|immediately|right now|p1|sev ?1|help!",
        r"urgente\w*|emergencia|critico|imediatamente|agora mesmo|socorro",
        r"dringend\w*|notfall|kritisch|sofort|eilig",
        r"urgente\w*|emergencia|critico|inmediat\w*|ya mismo|ayuda!",
        r"срочно|срочн\w*|авари\w*|критич\w*|немедленно|помогите",
    ),
    "negation": (
        r"not|no|never|isn ?t|aren ?t|wasn ?t|weren ?t|nao|nem|nunca|nicht|kein\w*|nie|ni"
        r"|не|нет|ни",
    ),
    "duration": (
        r"since (yesterday|this morning|\d)|for (hours|\d+ ?(h|hours?|minutes?|days?))"
        r"|desde (ontem|hoje|cedo|as|las|ayer|esta manana|\d)|ha \d+ ?(h|horas?)"
        r"|seit (gestern|heute|\d|stunden)|hace \d+|с (утра|вчера|\d)|уже \d+|несколько часов",
    ),
}

# How a concept is named to people (the agents' notice, `supportdesk classify`).
LABELS: dict[str, str] = {
    "scope_all": "everyone affected", "scope_part": "only some affected",
    "obj_api": "API", "obj_hub": "hub", "obj_send": "sending", "obj_receive": "receiving",
    "obj_webhook": "webhooks", "obj_template": "templates", "obj_onboarding": "onboarding",
    "obj_billing": "billing", "obj_number": "phone numbers", "obj_login": "access",
    "obj_data": "customer data", "obj_media": "media", "eff_down": "down",
    "eff_fail": "failing", "eff_slow": "degraded", "eff_lost": "lost or deleted",
    "eff_exposed": "exposed to others", "eff_unauthorized": "unauthorized access",
    "workaround": "workaround", "question": "question", "resolved": "works again",
    "hedge": "hedge", "urgent": "urgency", "duration": "ongoing for a while",
    "no_effect": "no impact stated",
}


def label(name: str) -> str:
    """A concept feature's name for people: "k:not:eff_down" -> "not down"."""
    negated = name.startswith("not:")
    base = name.removeprefix("not:")
    return ("not " if negated else "") + LABELS.get(base, base)


EFFECTS = ("eff_down", "eff_fail", "eff_slow", "eff_lost", "eff_exposed", "eff_unauthorized")
SCOPES = ("scope_all", "scope_part")
OBJECTS = tuple(name for name in LEXICON if name.startswith("obj_"))
# Concepts a preceding negation (up to three words before, same clause) turns around.
NEGATABLE = frozenset(EFFECTS) | {"scope_all", "urgent"}

_COMPILED = {
    name: re.compile(rf"(?<![\w]){'(?:' + _alternation(*phrases) + ')'}(?![\w])")
    for name, phrases in LEXICON.items()
    if name not in ("question",)
}
# "?" is not a word character: the question lexicon is matched without word boundaries there.
_QUESTION = re.compile(r"\?|(?<![\w])(?:" + _alternation(
    *LEXICON["question"][1:], LEXICON["question"][0].removeprefix("\\?|")) + r")(?![\w])")
_NEGATION = _COMPILED.pop("negation")
_CLAUSE_BREAK = re.compile(r"[.!?;\n,:]| (but|mas|aber|pero|но|however|porem|jedoch|sin embargo)"
                           r" ")


@dataclass(frozen=True)
class Hit:
    """A concept found at [start, end) of the (normalised, same-length) text."""

    concept: str
    start: int
    end: int
    negated: bool


def find(normalized: str) -> list[Hit]:
    """Every concept phrase in the normalised text, with negation marked where it applies."""
    hits: list[Hit] = []
    for concept, pattern in _COMPILED.items():
        for match in pattern.finditer(normalized):
            negated = concept in NEGATABLE and _negated(normalized, match.start(), match.group())
            hits.append(Hit(concept, match.start(), match.end(), negated))
    hits.extend(Hit("question", m.start(), m.end(), False) for m in _QUESTION.finditer(normalized))
    return hits


def _negated(text: str, start: int, phrase: str) -> bool:
    """A negation within three words before `start` in the same clause ("not down",
    "nao caiu", "nicht ausgefallen", "no esta caida", "не упал"), unless the phrase itself
    carries its negation ("не работает", "no llegan": those state a failure)."""
    if _NEGATION.match(phrase.split(" ", 1)[0]) and " " in phrase:
        return False
    window_start = max(0, start - 60)
    window = text[window_start:start]
    breaks = list(_CLAUSE_BREAK.finditer(window))
    if breaks:
        window = window[breaks[-1].end():]
    words = window.split()[-3:]
    return any(_NEGATION.fullmatch(word) for word in words)
