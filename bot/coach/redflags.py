"""A safety net for free text: does a message mention a red-flag symptom?

Users do not always answer the question we asked. Someone typing "my leg is getting weaker and I
can't pee properly" to a bot that only expected a pain score must not be ignored. ``scan`` looks
for red-flag phrases in English and German and returns the symptoms they may refer to. The
handler then *asks the user to confirm* each one with the screen question, and only a confirmed
"yes" becomes a SymptomAnswer that the safety rules act on.

This is a net, not a classifier:

* It errs toward false positives. Negations are not understood ("no numbness in my groin" still
  flags saddle numbness), nor is who the text is about ("my father can't pee"). A false positive
  costs one extra question; a false negative could cost a nerve.
* Misspellings beyond simple variants, other languages, homoglyphs and irony are out of reach.
  The structured screen (asked at onboarding and weekly) is the primary safeguard.

Matching runs on a normalised copy of the text (see ``normalize``): NFKC, case folded, accents and
invisible characters dropped, apostrophes removed, everything that is not a letter or digit turned
into single spaces. The patterns are written for that form. They contain no nested unbounded
repetition, so a 4096-character message, or any hostile input, is scanned in linear time.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Final

from bot.coach.safety import Symptom

# Up to N words between two parts of a phrase ("numbness *in my* groin").
_GAP2: Final = r"(?: \w+){0,2}"
_GAP3: Final = r"(?: \w+){0,3}"
_GAP5: Final = r"(?: \w+){0,5}"

# English building blocks.
_CANT: Final = (
    r"(?:cant|cannot|can not|couldnt|could not|unable to|not able to|struggl\w*(?: to)?"
    r"|trouble|difficult\w*|problems?|issues?|hard to|can hardly|can barely|havent been able to)"
)
_NO_FEEL: Final = (
    r"(?:numb\w*|tingl\w*|pins and needles|no feeling|no sensation|lost (?:the )?feeling"
    r"|loss of (?:feeling|sensation)|less feeling|reduced (?:feeling|sensation)"
    r"|altered (?:feeling|sensation)|(?:cant|cannot|can not|couldnt|dont|do not) feel"
    r"|feel\w* (?:nothing|dead|strange|weird|funny)|dead)"
)
_SADDLE_AREA: Final = (
    r"(?:groin|genital\w*|crotch|private parts|privates|perine\w*|anus|anal|back passage"
    r"|bottom|bum|butt ?hole|arse|between (?:my |the |both )?legs|inner thighs?|vagina\w*|vulva"
    r"|labia|penis|scrotum|testicles?|balls|rectum|rectal|sit ?bones?|saddle\w*)"
)
_PEE: Final = (
    r"(?:pee|pees|peeing|wee|wees|weeing|urinat\w*|pass(?:ing)? (?:urine|water)|piss|pissing"
    r"|empty(?:ing)? (?:my |the )?(?:bladder|bowels?)|poo|poos|pooing|poop\w*"
    r"|open(?:ing)? (?:my |the )?bowels?|go to the (?:toilet|loo|bathroom|restroom))"
)
_CONTINENCE_AREA: Final = (
    r"(?:bladder|bowels?|urine|pee|wee|poo|stools?|faeces|feces|rectum|back passage)"
)
_LOWER_LIMB: Final = r"(?:legs?|foot|feet|ankles?|knees?|calf|calves|thighs?|toes?|hips?)"

# German building blocks, written for the normalised form: "ä" stands for "a" or "ae" (and so
# on, see _german), "ß" is written "ss" because case folding turns it into that.
_DE_NO_FEEL: Final = (
    r"(?:taub\w*|gefühllos\w*|kein\w* gefühl|gefühlsstörung\w*|kribbel\w*|ameisenlaufen"
    r"|pelzig\w*|eingeschlafen|spür\w*" + _GAP3 + r" nicht|nicht (?:mehr )?(?:\w+ )?spür\w*)"
)
_DE_SADDLE_AREA: Final = (
    r"(?:schritt\w*|intim\w*|genital\w*|damm|dammbereich|after\w*|anus|anal\w*|po|popo|hintern"
    r"|gesäss|gesässbereich|geschlechtsteil\w*|scheide|penis|hoden|zwischen (?:den|meinen) beinen"
    r"|innenschenkel\w*|oberschenkelinnenseite\w*)"
)
_DE_PEE: Final = (
    r"(?:pinkeln|pieseln|urinieren|wasserlassen|wasser lassen|pipi machen|harn lassen"
    r"|auf (?:die|das) (?:toilette|klo)|stuhlgang|kacken|koten)"
)
_DE_CANT: Final = r"(?:nicht|kaum|schlecht|schwer|nur schwer|nimmer)"
_DE_LOWER_LIMB: Final = r"(?:bein\w*|fuss|füsse|fussen|knie|wade\w*|oberschenkel\w*|zehen?)"

_PATTERNS: Final[Mapping[Symptom, tuple[str, ...]]] = {
    Symptom.SADDLE_NUMBNESS: (
        r"saddle\w*",
        _NO_FEEL + _GAP3 + " " + _SADDLE_AREA,
        _SADDLE_AREA + _GAP3 + " " + _NO_FEEL,
        r"(?:cant|cannot|can not|couldnt|dont|do not) feel" + _GAP5 + r" (?:wip\w*|toilet paper)",
        r"reithose\w*",
        _DE_NO_FEEL + _GAP3 + " " + _DE_SADDLE_AREA,
        _DE_SADDLE_AREA + _GAP3 + " " + _DE_NO_FEEL,
        r"(?:spür|merk)\w*" + _GAP3 + r" (?:nicht|kaum)" + _GAP3 + r" (?:abwisch\w*|wisch\w*)",
    ),
    Symptom.BLADDER_BOWEL: (
        _CANT + _GAP3 + " " + _PEE,
        r"(?:wet|wetting|peed|pissed|soiled|pooed|pooped|messed) (?:my ?self|myself"
        r"|the bed|my (?:pants|trousers|bed|underwear|knickers|jeans))",
        r"(?:lost|lose|losing|loss of|no|poor|less|reduced)" + _GAP2 + r" control"
        r"(?: of| over)?(?: my| the)? " + _CONTINENCE_AREA,
        _CONTINENCE_AREA + _GAP2 + r" (?:control|leak\w*|accident\w*|problem\w*|issue\w*"
        r"|trouble|retention|incontinen\w*|weak\w*|changes?|difficult\w*|function)",
        r"(?:bladder|bowel|urinary|faecal|fecal)(?: \w+)? (?:incontinen\w*|retention|urgency)",
        r"incontinen\w*",
        r"urinary retention|retention of urine|retaining urine",
        r"leak\w*" + _GAP2 + r" (?:urine|pee|wee|poo|stools?|faeces|feces)",
        r"(?:cant|cannot|can not|couldnt|could not|dont|do not|didnt|did not|no longer)"
        r" (?:feel|notice|tell|sense)" + _GAP5 + r" (?:bladder|bowels?|rectum|full|pee|wee"
        r"|urinat\w*|poo|toilet|loo)",
        _CANT + _GAP2 + r" hold\w*" + _GAP2 + r" (?:it in|" + _CONTINENCE_AREA + ")",
        r"(?:numb\w*|no feeling|no sensation)" + _GAP3 + r" (?:when|while) (?:i )?(?:pee\w*|wee\w*"
        r"|urinat\w*|wip\w*)",
        r"(?:kann|konnte|könnte|kan)" + _GAP3 + " " + _DE_CANT + _GAP2 + " " + _DE_PEE,
        _DE_PEE + _GAP3 + r" (?:geht|klappt|funktioniert)" + _GAP2 + r" nicht",
        r"(?:probleme?|schwierigkeit\w*|beschwerden|störung\w*) (?:\w+ ){0,3}(?:beim |mit dem )?"
        + _DE_PEE,
        r"(?:blase\w*|darm\w*|harn\w*|urin\w*|stuhl\w*)"
        + _GAP3
        + r" (?:kontroll\w*|schwäche|problem\w*|störung\w*|verhalt\w*|inkontinen\w*|verlust"
        r"|verlier\w*|verloren|nicht (?:mehr )?halten|kaum halten)",
        r"(?:blasen|darm|harn|stuhl|urin)(?:schwäche|störung\w*|entleerungsstörung\w*|verhalt\w*"
        r"|inkontinenz\w*|problem\w*|kontroll\w*|verlust)",
        r"inkontinen\w*",
        r"eingenässt|eingepinkelt|eingekotet|in die hose"
        + _GAP2
        + r" (?:gemacht|gepinkelt|gepieselt|gekackt|gegangen)|hose"
        + _GAP2
        + r" nass",
        r"(?:merk|spür)\w*" + _GAP3 + r" nicht" + _GAP5 + r" (?:blase\w*|darm\w*|pinkeln|toilette"
        r"|klo|stuhl\w*|voll)",
    ),
    Symptom.WORSENING_WEAKNESS: (
        r"(?:foot|feet) ?drop\w*|drop(?:ped)? ?(?:foot|feet)",
        r"(?:foot|feet|toes?)" + _GAP2 + r" (?:dragg\w*|slap\w*|flop\w*|catch\w*|drops?|dropping"
        r"|floppy|scuff\w*)",
        _LOWER_LIMB + _GAP5 + r" weaker",
        r"weaker and weaker|(?:getting|becoming|growing|got|gotten)(?: \w+)? weaker"
        r"|(?:worsening|increasing|progressive) weakness|weakness"
        + _GAP3
        + r" (?:worse|worsening|spreading|increasing)|more and more weak",
        _LOWER_LIMB + _GAP2 + r" (?:gave|give|gives|giving) (?:way|out)",
        _CANT
        + _GAP2
        + r" (?:lift|raise|pull up|bend up|walk on)"
        + _GAP2
        + r" (?:foot|feet|toes?|heels?)",
        r"trip\w*(?: over)?" + _GAP2 + r" (?:foot|feet|toes?)",
        r"paraly\w*",
        r"fuss?heber\w*|fallfuss\w*|steppergang|fuss" + _GAP2 + r" (?:hängt|schleift|klappt|kippt)",
        _DE_LOWER_LIMB + _GAP5 + r" (?:schwächer|gibt nach|geben nach|knickt|knicken|sackt"
        r"|sacken)",
        r"immer schwächer|zunehmend\w* schwäch\w*|schwäche"
        + _GAP3
        + r" (?:schlimmer|zunehm\w*|stärker|mehr)",
        r"(?:kann|konnte)"
        + _GAP3
        + r" (?:fuss\w*|füsse|zehen?|fussspitze)"
        + _GAP3
        + r" nicht"
        + _GAP2
        + r" (?:heben|anheben|hochziehen|hochheben)",
        r"lähmung\w*|gelähmt\w*",
    ),
    Symptom.BOTH_LEGS: (
        r"both (?:of )?(?:my |the |your )?(?:legs?|feet|foots|thighs?|calf|calves|buttocks?"
        r"|butt cheeks|hips|knees|sides|ankles)",
        r"(?:left|right) and (?:left|right)(?: \w+)? (?:legs?|sides?|feet|foot|thighs?|calf"
        r"|calves|buttocks?|hips?)",
        r"(?:legs|feet)" + _GAP2 + r" both",
        r"(?:other|opposite|second) (?:leg|foot|side|thigh|calf|buttock|hip)|good (?:leg|foot)",
        r"bilateral\w*|each leg|each foot|either leg",
        r"beide\w*(?: \w+)? (?:bein\w*|füsse\w*|fuss|oberschenkel\w*|wade\w*|seite\w*"
        r"|pobacke\w*|gesässhälfte\w*|hüfte\w*|knie)",
        r"beidseit\w*|beiderseit\w*",
        r"(?:ander\w*|zweit\w*|gesund\w*) (?:bein\w*|fuss|oberschenkel\w*|wade\w*)",
        r"links und rechts|rechts und links",
    ),
    Symptom.NEW_NUMBNESS_TINGLING: (
        r"numb\w*|tingl\w*|pins and needles|no feeling|lost (?:the )?feeling|dead (?:leg|foot)",
        r"taub\w*|kribbel\w*|ameisenlaufen|gefühllos\w*|pelzig\w*|eingeschlafen\w*",
    ),
    Symptom.NEW_WEAKNESS: (
        r"weak\w*|(?:gave|give|gives|giving) (?:way|out)|buckl\w*",
        r"schwach\w*|schwäche\w*|kraftlos\w*|gibt nach|knickt\w*",
    ),
    Symptom.FEVER_UNWELL: (
        r"fever\w*|feverish|(?:a|high) temperature|temp of|chills|shiver\w*|night sweats?"
        r"|sweating at night|flu|(?:feel|feeling|felt) (?:\w+ )?(?:unwell|ill|sick|rough|awful)",
        r"fieber\w*|schüttelfrost|nachtschweiss|krank|unwohl|grippe\w*|erhöhte temperatur"
        r"|temperatur",
    ),
    Symptom.WEIGHT_LOSS: (
        r"(?:lost|losing|lose|dropped|dropping)" + _GAP3 + r" (?:weight|kilos?|kgs?|pounds|lbs"
        r"|stone)|weight ?loss|getting thinner",
        r"abgenommen|gewichtsverlust|gewicht"
        + _GAP2
        + r" verloren|(?:\w+ )?(?:kilo|kg)\w*"
        + _GAP2
        + r" (?:weniger|verloren|abgenommen)|dünner geworden",
    ),
    Symptom.FALL_INJURY: (
        r"(?:i|had a|bad|took a|a) (?:fall|tumble)(?! asleep\b)|fell(?! asleep\b)|slipped"
        r"|car (?:crash|accident)|accident|crash\w*|injur\w*|hit by|knocked (?:down|over)",
        r"gestürzt|sturz|hingefallen|umgefallen|runtergefallen|heruntergefallen|hinuntergefallen"
        r"|ausgerutscht|unfall\w*|verletz\w*|autounfall",
    ),
    Symptom.NIGHT_PAIN: (
        r"at night|in the night|during the night|night ?time|night pain|overnight"
        r"|(?:wakes?|waking|woke|woken) (?:\w+ ){0,2}up|keeps? me (?:up|awake)"
        r"|(?:cant|cannot|can not|couldnt|could not|unable to) sleep|no sleep|sleepless\w*",
        r"nachts|in der nacht|nachtschmerz\w*|nächtlich\w*|weckt mich|wache" + _GAP3 + r" auf"
        r"|aufgewacht|(?:kann|konnte)" + _GAP2 + r" nicht (?:mehr )?schlafen|schlaflos\w*",
    ),
    Symptom.CANCER_HISTORY: (
        r"cancer\w*|tumou?r\w*|chemo\w*|radiotherapy|radiation therapy|metasta\w*|malignan\w*"
        r"|oncolog\w*|lymphoma|leuka?emia|myeloma|carcinoma|sarcoma",
        r"krebs\w*|tumor\w*|chemo\w*|bestrahlung\w*|metasta\w*|bösartig\w*|onkolog\w*"
        r"|karzinom\w*|lymphom\w*|leukämie",
    ),
}

# Umlauts appear in the text as "a" or "ae" (Müller, Mueller), sometimes "u" for "ue".
_UMLAUTS: Final = {"ä": "ae?", "ö": "oe?", "ü": "ue?"}


def _german(pattern: str) -> str:
    for letter, replacement in _UMLAUTS.items():
        pattern = pattern.replace(letter, replacement)
    return pattern


def _compile(patterns: tuple[str, ...]) -> re.Pattern[str]:
    body = "|".join(f"(?:{_german(p)})" for p in patterns)
    return re.compile(rf"\b(?:{body})\b")


_COMPILED: Final[Mapping[Symptom, re.Pattern[str]]] = {
    symptom: _compile(patterns) for symptom, patterns in _PATTERNS.items()
}

# Typographic apostrophes and look-alikes that people (and phone keyboards) use for "'".
_APOSTROPHES: Final = "'’‘`´ʼʹ′＇"
_NOT_WORD: Final = re.compile(r"[\W_]+")


def normalize(text: str) -> str:
    """The form the patterns are written for: ``"I CAN’T  pee!!"`` -> ``" i cant pee "``.

    NFKC folds compatibility forms (full-width letters, ligatures); case folding also turns
    German "ß" into "ss"; decomposing and dropping combining marks turns "ä" into "a" and strips
    stacked diacritics; format characters (zero-width spaces, direction marks) are dropped so
    they cannot split a word; apostrophes vanish so "can't" and "cant" are the same word.
    """
    folded = unicodedata.normalize("NFKC", text).casefold()
    decomposed = unicodedata.normalize("NFKD", folded)
    kept = "".join(
        ch
        for ch in decomposed
        if ch not in _APOSTROPHES and unicodedata.category(ch) not in ("Mn", "Me", "Cf")
    )
    return f" {_NOT_WORD.sub(' ', kept).strip()} "


def scan(text: str) -> frozenset[Symptom]:
    """The red-flag symptoms ``text`` may mention (to be confirmed by the user, never acted on
    directly). Empty for ordinary messages."""
    if not text:
        return frozenset()
    normal = normalize(text)
    return frozenset(symptom for symptom, pattern in _COMPILED.items() if pattern.search(normal))
