"""Spanish phrase tables for severity classification."""

from severity.rules import RuleSet

DATA = r"(datos|contactos|historial|registros|conversaciones|mensajes|numeros|informacion)"

RULES = RuleSet(
    language="es",
    critical=(
        r"fuga\w*( de (datos|informacion))?|filtracion\w*|filtrad\w*|se filtr\w*",
        r"filtr(o|aron)",
        r"(enviad|entregad)\w* a(l)? (otro|otros|un) (cliente|numero|destinatario)s?"
        r"( equivocad\w*| incorrect\w*)?",
        r"(brecha|violacion|incidente) de (seguridad|datos|privacidad|confidencialidad)",
        r"expuest[oa]s?|comprometid[oa]s?|hackead\w*",
        r"acceso no autorizado|perdida de datos",
        rf"acce(so|dimos|dieron|der)( \w+){{0,3}} {DATA}( \w+){{0,3}} (de )?otr[oa]s?",
        r"sin (ninguna )?(autenticacion|autorizacion|login|contrasena)",
        rf"(perdimos|perdieron|hemos perdido|han perdido)( \w+){{0,3}} {DATA}",
        rf"se (borraron|borro|eliminaron|elimino|perdieron|perdio)( \w+){{0,3}} {DATA}",
        rf"{DATA}( \w+){{0,4}} (borrad|eliminad|perdid)\w*",
        r"(son|estan|quedaron) (publicos|visibles|expuestos)",
        r"(aparec|visible|mostrad)\w*( \w+){0,4} otr[oa] (socio|cliente|cuenta|empresa)s?",
    ),
    outage=(
        r"caid[oa]s?|caida\w*|se cayo|se cayeron",
        r"fuera de (servicio|linea)|sin servicio",
        r"down|offline|inaccesible\w*|indisponible\w*|inoperativ\w*",
        r"no (esta|estan) disponible\w*|no disponible\w*|no responde\w*",
    ),
    failure=(
        r"fall(a|an|ando|o|aron)",
        r"no (se |le |les |nos |me |te |lo |la |los |las )?"
        r"(entreg\w*|lleg\w*|recib\w*|envi\w*|funcion\w*|carg\w*|pued\w*|abr\w*)",
        r"ningun\w*( \w+){0,3} (se envia|llega|funciona|pued\w*)",
        r"nadie( \w+){0,2} pued\w*",
        r"(dejo|dejaron) de \w+",
        r"(quedan|quedaron|se quedan) (pendientes|atascad\w*)|se pierde\w*",
        r"(esta|estan|fueron|fue) afectad[oa]s?",
        r"sin (recibir|enviar|poder|acceso)",
        r"no (se )?(muestr|aparec|visualiz)\w*",
        r"errore?s? al (enviar|llamar|acceder|entregar)",
        r"duplicad[oa]s?|bloquead[oa]s?|colgad[oa]s?|atascad[oa]s?|rot[oa]s?|rechazad[oa]s?",
        r"time ?outs?|timeout\w*|tiempo de espera agotado",
        r"(error|errores|devuelve|devuelven|codigo) 5\d\d|5\d\d (errores|error)",
    ),
    degraded=(
        r"lent[oa]s?|lentitud|demor\w*|retras\w*",
        r"(pero|aun|todavia) (\w+ )?funciona",
        r"errata|sugerencia|modo oscuro",
    ),
    total=(
        r"tod[oa]s?|ningun\w*|nadie|nada",
        r"complet[oa]\w*|por completo|total\w*|en absoluto|enter[oa]|general|100 ?%",
    ),
    partial=(
        r"no tod[oa]s|algun[oa]s|algun|alguna|varios|varias|ciert[oa]s|poc[oa]s",
        r"(una )?parte de|un grupo|grupo de|(uno|una) de (nuestr\w*|los|las|sus)",
        r"determinad\w*|especific\w*|solo (algunos|algunas|unos|uno|una)",
        r"(?!100)\d{1,2}([.,]\d+)? ?%",
        r"(dos|tres|cuatro|cinco|\d+)( \w+)? (clientes|usuarios|numeros|cuentas|socios)",
    ),
    workaround=(r"se soluciona|solucion temporal|alternativa|(como )?parche|rodeo",),
    resolved=(
        r"(ya|ahora) (\w+ ){0,2}(funciona\w*|normal|bien)",
        r"volvio a funcionar|(esta |fue )?(resuelto|solucionado)|se normalizo",
    ),
    negations=(r"no|nunca|ni|ningun\w*|nada|sin",),
    contrasts=(r"pero|aunque|sin embargo|sino",),
    presupposing=(r"por que|porque",),
)
