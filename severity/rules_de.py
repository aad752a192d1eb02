"""German phrase tables for severity classification."""

from severity.rules import RuleSet

DATA = r"\w*(daten|kontakte|verlauf|historie|telefonnummern)\w*"

RULES = RuleSet(
    language="de",
    critical=(
        r"datenleck\w*|datenpanne\w*|leck|geleakt",
        r"datenschutz(verletzung|verstoss|verstoß|vorfall|problem)\w*",
        r"sicherheits(vorfall|lucke|problem|verletzung)\w*",
        r"datenverlust\w*",
        r"offengelegt|kompromittiert|gehackt|gestohlen",
        r"unbefugte\w* zugriff\w*|fremde\w* (daten|nachrichten|kundendaten)",
        r"an (falsche|fremde)\w* (empfanger|kunden|nummern)",
        rf"{DATA}( \w+){{0,8}} (verloren|geloscht|weg)",
        r"offentlich (einsehbar|sichtbar|zuganglich)",
        rf"zugriff auf( \w+){{0,3}} {DATA}( \w+){{0,2}} (anderer|anderen|fremder|fremden)",
        r"ohne (jede )?(authentifizierung|autorisierung|anmeldung|login|passwort)",
        r"(erschein\w*|sichtbar|angezeigt)( \w+){0,4} (anderen|fremden) (partner|kunden|konto)\w*",
    ),
    outage=(
        r"\w*ausgefallen|\w*ausfall\w*",
        r"down|offline|unerreichbar|abgesturzt|absturz\w*|tot",
        r"nicht (mehr )?(erreichbar|verfugbar)",
        r"geht gar nichts( mehr)?",
    ),
    failure=(
        r"(schlagt|schlagen|schlug\w*)( \w+){0,8} fehl|fehlgeschlagen",
        r"nicht (mehr )?(zugestellt|versendet|gesendet|empfangen|geladen|an|ankommen|ankommt"
        r"|offnen|moglich)",
        r"(kommt|kommen)( \w+){0,5} (nicht|kein\w*)( \w+){0,2} an",
        r"abgelehnt|zuruckgewiesen|verweigert|nicht (mehr )?(angezeigt|sichtbar)",
        r"fehler beim (senden|versand|versenden|abruf|aufruf|zustellen)",
        r"(funktionier\w*|geht|gehen|klappt|klappen|lad\w*|lauft|laufen)( \w+){0,4} nicht",
        r"(kann|konnen|konnte\w*)( \w+){0,5} (nicht|keine\w*)",
        r"(erhalt|erhalten|bekommt|bekommen|empfangt|empfangen)( \w+){0,4} kein\w*",
        r"keine( einzige)? nachricht\w*( \w+){0,3} (versendet|zugestellt|gesendet|an)",
        r"(niemand|keiner|kein\w*( einzige\w*)? \w+)( \w+){0,3} "
        r"(kann|konnen|erhalt|bekommt|empfangt|antwortet|reagiert|funktioniert|geht|lauft)",
        r"(antwortet|antworten|reagiert|reagieren)( \w+){0,3} nicht",
        r"(gehen|geht)( \w+){0,5} (nicht|kein\w*)( \w+){0,3} (raus|hinaus|durch|heraus)",
        r"betroffen",
        r"doppelt\w*|dupliziert\w*|(gehen|geht)( \w+){0,4} verloren",
        r"hang(en|t)|haengen|steck\w* fest|kaputt|storung\w*|zeituberschreitung\w*",
        r"time ?outs?|timeout\w*",
        r"(fehler|liefert|liefern|gibt|geben|status|code) 5\d\d|5\d\d (fehler|antwort\w*)",
    ),
    degraded=(
        r"langsam\w*|verzoger\w*|trage|hakt",
        r"(aber|trotzdem|noch) (\w+ )?(geht|funktioniert|lauft|klappt)",
        r"(geht|funktioniert|lauft|klappt) aber",
        r"tippfehler|vorschlag|wunsch|dunkelmodus",
    ),
    total=(
        r"alle\w*|jede\w*|samtliche\w*|gesamte?\w*|komplett\w*|vollstandig\w*|total\w*",
        r"kein\w* (kunde|kunden|nutzer|partner|empfanger|nummer)",
        r"uberhaupt|niemand|nichts|keine einzige|kein einziger|keiner|global|flachendeckend|100 ?%",
    ),
    partial=(
        r"nicht alle\w*|nicht jede\w*",
        r"einige\w*|einzelne\w*|manche\w*|mehrere\w*|bestimmte\w*|wenige\w*|vereinzelt",
        r"ein teil|teil der|teil des|teilweise|eine gruppe|gruppe von",
        r"(ein|eine|einer|eines|einem) (unserer|der|von)",
        r"(?!100)\d{1,2}([.,]\d+)? ?%",
        r"(zwei|drei|vier|funf|\d+)( \w+)? (kunden|nutzer\w*|nummern|konten|partner\w*)",
        r"nur (bei )?(einige\w*|einem|einer|manche\w*)",
    ),
    workaround=(r"workaround|umgeh\w*|umgangslosung|ubergangslosung|notlosung",),
    resolved=(
        r"(jetzt|wieder) (\w+ ){0,2}(geht|gehen|lauft|laufen|funktioniert|klappt|normal|ok)",
        r"wieder da|behoben|gelost",
    ),
    negations=(r"nicht|kein\w*|nie|niemals|nichts",),
    contrasts=(r"aber|jedoch|sondern|doch|allerdings",),
    negations_after=(r"(gibt|gab) es (nicht|keine\w*)|(ist|war) (es )?nicht",),
    question_openers=(r"ist|sind|gibt es|kann|konnen|habt|wie|wo|was|wann|welche\w*",),
    presupposing=(r"warum|wieso|weshalb",),
)
