"""English phrase tables for severity classification."""

from severity.rules import RuleSet

DATA = r"(data|contacts|history|records|conversations|messages|numbers)"

RULES = RuleSet(
    language="en",
    critical=(
        r"data (leak|breach|loss)\w*",
        r"leak(s|ed|ing|age)?",
        r"breach(ed|es)?",
        r"(privacy|confidentiality|gdpr) (breach|violation|incident|issue|problem)",
        r"security (incident|breach|issue|problem|hole)",
        r"exposed|compromised|hacked|stolen",
        r"unauthori[sz]ed access|data exposure",
        r"without (any )?(authentication|authori[sz]ation|login|logging in)",
        r"access\w*( \w+){0,3} (another|other|a different|someone else)\w*( [\w']+){0,3} "
        rf"{DATA}",
        r"(sent|delivered|going) to the wrong (customer|client|recipient|number|person)s?",
        rf"{DATA}( \w+){{0,2}} (visible|accessible) to (other|another|anyone|third)\w*",
        rf"lost (all|our|the|every)( \w+){{0,2}} {DATA}",
        r"lost all",
        rf"{DATA}( \w+){{0,4}} (was|were|has been|have been|got) (deleted|lost|wiped|erased)",
        r"(showed|show|shows|showing) up in (another|other|someone else)\w*",
        r"(appear\w*|visible|shown|displayed)( \w+){0,4} (another|other) "
        r"(partner|client|customer|account|company)\w*",
        rf"(can|could) see( \w+){{0,3}} {DATA} of (another|other)\w*",
    ),
    outage=(
        r"(?<!slow\s)(?<!slowed\s)(?<!slowing\s)(?<!drop\s)down",
        r"outage\w*",
        r"unreachable|offline|unavailable|inaccessible|unresponsive",
        r"not (reachable|available|responding|accessible)",
        r"crash(ed|es|ing)?",
        r"blackout|cut off",
    ),
    failure=(
        r"fail\w*",
        r"not (being )?(deliver\w*|sent|received|arriving|working|loading|going out|coming)",
        r"(isn't|aren't|isnt|arent|wasn't|weren't) (being )?"
        r"(deliver\w*|sent|received|arriving|working|loading)",
        r"(doesn't|don't|didn't|doesnt|dont|didnt) "
        r"(load|work|arrive|deliver|send|receive|go out|get|open|connect)",
        r"not receiving|not getting",
        r"can't|cant|cannot|can not|couldn't|unable to",
        r"undeliver\w*",
        r"stopped \w+ing|stopped",
        r"stuck|broken|frozen|hangs|hanging",
        r"time ?outs?|timed out|timing out",
        r"(error|errors|returns?|returning|http|status|code) 5\d\d|5\d\d (errors?|responses?)",
        r"(are|is|were|was|being) affected|affects|affecting",
        r"missing|(get|gets|are|is|being) lost|stuck (in|as) pending",
        r"nothing (goes|is going|gets|is) (out|sent|delivered|arriving)",
        rf"no {DATA}( \w+){{0,4}} (sent|delivered|arriving|received|going out)",
        r"(nobody|no one|none of)( \w+){0,4} (can|is able|receives?|gets?)",
        r"rejected|declined|bounc\w*|dropp(ed|ing)|duplicat\w*",
        r"(get|gets|getting|got|receive|receives|receiving) (an )?errors?",
        r"(returns?|returning|throws?) (an )?errors?",
        r"(won't|wont|will not) (send|load|work|deliver|open)|not able to|nothing works",
        r"not (showing|shown|displayed|visible|appearing)|(errors?|fails?) (when|while) \w+ing",
    ),
    degraded=(
        r"slow\w*|lag\w*|delay\w*|sluggish|degraded",
        r"(but|still) (it )?works?( fine)?|works fine",
        r"typo|cosmetic|minor|feature request|dark mode",
    ),
    total=(
        r"all|every\w*|none|nobody|no one|nothing",
        r"entire\w*|whole|complete(ly)?|total(ly)?|at all|any of",
        r"globally|everywhere|100 ?%|no (customer|client|user|partner|number|account)s?",
    ),
    partial=(
        r"not all|not every|some|several|a few|few|certain|specific|particular|individual",
        r"part of|(a )?group of|one of|(a )?subset|a number of|a couple|couple of|most",
        r"(?!100)\d{1,2}([.,]\d+)? ?%",
        r"(?<!all\s)(one|two|three|four|five|\d+)( of our)?( \w+)? "
        r"(clients|customers|users|numbers|accounts|partners)",
        r"(a )?handful( of)?|only (some|one|a few)|sometimes|intermittent\w*|random\w*",
    ),
    workaround=(r"work ?around|workaround|as a temporary fix|temporary solution",),
    resolved=(
        r"(everything|all|it) (is|seems|looks) (fine|ok|okay|normal|back)( again| now)?",
        r"works again|working again|back to normal|recovered|(is|was|got) (resolved|fixed)",
    ),
    negations=(
        r"not|n't|never|no|nothing|without|isn't|isnt|aren't|arent|wasn't|weren't"
        r"|doesn't|doesnt|don't|dont|didn't|didnt|hasn't|haven't|won't",
    ),
    contrasts=(r"but|however|although|though|yet",),
    question_openers=(r"is|are|does|do|can|could|how|what(?! a )|where|when|which|who",),
    presupposing=(r"why|how come",),
)
