"""Brazilian Portuguese phrase tables for severity classification."""

from severity.rules import RuleSet

DATA = r"(dados|contatos|historico|registros|conversas|mensagens|numeros)"

RULES = RuleSet(
    language="pt-BR",
    critical=(
        r"vazamento\w*( de dados)?|vazou|vazaram|vazad\w*",
        r"violac\w* (de )?(privacidade|dados|seguranca|confidencialidade)",
        r"(incidente|brecha|falha) de seguranca",
        r"expost[oa]s?|comprometid[oa]s?|hackead\w*|invadid\w*",
        r"acesso (nao autorizado|indevido)",
        rf"acess\w*( \w+){{0,3}} {DATA}( \w+){{0,3}} (de )?outr[oa]s?",
        r"sem (nenhuma )?(autenticacao|autorizacao|login|senha)",
        rf"{DATA}( \w+){{0,3}} (expost|acessive|visive)\w*",
        r"(enviad|entregu)\w* (para|a) (o|os|um) (cliente|numero|destinatario)s? errad\w*",
        r"perda de dados",
        rf"perd(emos|i|eu|eram)( \w+){{0,3}} {DATA}",
        rf"{DATA}( \w+){{0,4}} (foram|foi) (apagad|perdid|excluid|delet|removid)\w*",
        r"(aparec|visive|exibid|mostrad)\w*( \w+){0,4} outr[oa] "
        r"(parceiro|cliente|conta|empresa)s?",
        rf"(viu|ve|veem|viram|vendo|ver)( \w+){{0,3}} {DATA} de outr\w*",
    ),
    outage=(
        r"fora do ar|fora de servico",
        r"caiu|cairam|caid[oa]s?|queda\w*",
        r"down|offline|indisponive\w*|inacessive\w*|inoperante",
        r"paralisa\w*|parad[oa]s?",
        r"nao responde\w*",
    ),
    failure=(
        r"falh(a|am|ando|ou|aram|ando)",
        r"nao( \w+){0,2} (entreg\w*|cheg\w*|receb\w*|envi\w*|funcion\w*|carreg\w*|consegu\w*|abr\w*"
        r"|sai\w*)",
        r"nenhum\w*( \w+){0,3} (consegu\w*|envi\w*|cheg\w*|receb\w*|funcion\w*|entreg\w*"
        r"|sai|saem)",
        r"(recebendo|recebem|recebe|recebe|dando|da|dao|retorna\w*) (o |um )?erro",
        r"(esta|estao|foram|foi|sendo) afetad[oa]s?",
        r"(pararam|parou) de \w+|parou",
        r"(ficam|fica|ficaram|estao|esta) (presas?|pres[oa]s|pendentes?)|se perde\w*",
        r"sem (receber|enviar|conseguir|acesso|funcionar|entregar)",
        r"nao (\w+ )?(aparec|exib|mostr|carreg)\w*|recusad\w*|bloquead[oa]s?",
        r"erros? (ao|para) (enviar|chamar|acessar|abrir|entregar)",
        r"duplicad[oa]s?|travad[oa]s?|trava\w*|quebrad[oa]s?|rejeitad\w*",
        r"time ?outs?|timeout\w*",
        r"(erro|codigo|retorn\w*) 5\d\d|5\d\d (erros?|respostas?)",
    ),
    degraded=(
        r"lent[oa]s?|lentidao|demor\w*|atras\w*",
        r"(mas|porem|ainda) (\w+ )?funciona",
        r"erro de digitacao|sugest\w*|sugerir|modo escuro",
    ),
    total=(
        r"tod[oa]s?|tudo|nada|nenhum\w*|ninguem",
        r"completamente|complet[oa]|total\w*|inteir[oa]|geral|sem excec\w*|100 ?%",
    ),
    partial=(
        r"nao tod[oa]s|alguns|algumas|algum|alguma|varios|varias|certos|certas|poucos|poucas",
        r"parte d(e|os|as|o|a)|um grupo|grupo de|(um|uma) d(as|os|e)",
        r"determinad\w*|especific\w*|(apenas|somente|so) (alguns|algumas|um|uma)",
        r"(?!100)\d{1,2}([.,]\d+)? ?%",
        r"(dois|duas|tres|quatro|cinco|\d+)( \w+)? (clientes|usuarios|numeros|contas|parceiros)",
    ),
    workaround=(r"contorn\w*|paliativ\w*|solucao temporaria|(dando|da) um jeito",),
    resolved=(
        r"(agora|ja) (\w+ ){0,2}(normal|normalizado|funcionando|ok)",
        r"voltou a funcionar|normalizou|(foi )?resolvido",
    ),
    negations=(r"nao|nunca|nem|nada|nenhum\w*|sem",),
    contrasts=(r"mas|porem|contudo|entretanto|embora",),
    presupposing=(r"por que|porque|por qual motivo",),
)
