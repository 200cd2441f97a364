"""The free-text red-flag net: what people actually type, in English and German.

A hit only makes the bot ask the user to confirm; so the tests insist on catching the phrases,
and accept (and document) false positives such as negations.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.coach.redflags import normalize, scan
from bot.coach.safety import Symptom

SADDLE = Symptom.SADDLE_NUMBNESS
BLADDER = Symptom.BLADDER_BOWEL
WEAKER = Symptom.WORSENING_WEAKNESS
BOTH = Symptom.BOTH_LEGS

HEARD = [
    # bladder and bowel
    ("I can't pee", BLADDER),
    ("i cant pee since this morning", BLADDER),
    ("I cannot urinate properly", BLADDER),
    ("having trouble peeing today", BLADDER),
    ("I wet myself last night", BLADDER),
    ("I peed myself on the way home", BLADDER),
    ("lost control of my bladder", BLADDER),
    ("I've lost bowel control", BLADDER),
    ("some bladder problems since yesterday", BLADDER),
    ("I can't feel when my bladder is full", BLADDER),
    ("I can't hold my urine", BLADDER),
    ("I've become incontinent", BLADDER),
    ("Ich kann nicht pinkeln", BLADDER),
    ("ich kann seit gestern nicht mehr richtig pinkeln", BLADDER),
    ("Probleme beim Wasserlassen", BLADDER),
    ("Ich habe die Kontrolle über meine Blase verloren", BLADDER),
    ("Blasenschwäche seit zwei Tagen", BLADDER),
    ("ich habe mich eingenässt", BLADDER),
    ("Ich kann den Stuhl nicht mehr halten", BLADDER),
    # saddle numbness
    ("my groin is numb", SADDLE),
    ("numb groin", SADDLE),
    ("numbness between my legs", SADDLE),
    ("Numbness around my bottom and genitals", SADDLE),
    ("tingling in my private parts", SADDLE),
    ("saddle numbness", SADDLE),
    ("it feels numb in the saddle area", SADDLE),
    ("I can't feel the toilet paper when I wipe", SADDLE),
    ("Taubheit im Schritt", SADDLE),
    ("mein Intimbereich ist taub", SADDLE),
    ("Taubheitsgefühl am Po und im Genitalbereich", SADDLE),
    ("Reithosenanästhesie", SADDLE),
    # worsening weakness
    ("I think I have foot drop", WEAKER),
    ("my foot is dragging when I walk", WEAKER),
    ("my leg is getting weaker", WEAKER),
    ("legs getting weaker and weaker", WEAKER),
    ("my knee gave way twice today", WEAKER),
    ("I can't lift my foot", WEAKER),
    ("I keep tripping over my toes", WEAKER),
    ("Fußheberschwäche", WEAKER),
    ("Mein Bein wird immer schwächer", WEAKER),
    ("Ich kann den Fuß nicht mehr heben", WEAKER),
    ("mein Knie knickt ständig weg", WEAKER),
    # both legs
    ("pain in both legs", BOTH),
    ("now it's in both of my legs", BOTH),
    ("left and right leg hurt", BOTH),
    ("it started in the other leg too", BOTH),
    ("bilateral sciatica", BOTH),
    ("beide Beine tun weh", BOTH),
    ("Schmerzen in beiden Beinen", BOTH),
    ("jetzt auch im anderen Bein", BOTH),
    ("beidseitig", BOTH),
    # the physician-level symptoms
    ("new numbness in my foot", Symptom.NEW_NUMBNESS_TINGLING),
    ("pins and needles down the leg", Symptom.NEW_NUMBNESS_TINGLING),
    ("Kribbeln im Fuß", Symptom.NEW_NUMBNESS_TINGLING),
    ("my leg feels weak", Symptom.NEW_WEAKNESS),
    ("I have a fever", Symptom.FEVER_UNWELL),
    ("Fieber und Schüttelfrost", Symptom.FEVER_UNWELL),
    ("I've lost 6 kg without trying", Symptom.WEIGHT_LOSS),
    ("ungewollt 5 Kilo abgenommen", Symptom.WEIGHT_LOSS),
    ("I fell down the stairs yesterday", Symptom.FALL_INJURY),
    ("bin gestern gestürzt", Symptom.FALL_INJURY),
    ("the pain wakes me up at night", Symptom.NIGHT_PAIN),
    ("nachts sind die Schmerzen am schlimmsten", Symptom.NIGHT_PAIN),
    ("I had breast cancer five years ago", Symptom.CANCER_HISTORY),
    ("früher hatte ich Krebs", Symptom.CANCER_HISTORY),
]


@pytest.mark.parametrize(("message", "symptom"), HEARD, ids=[m for m, _ in HEARD])
def test_a_red_flag_phrase_is_heard(message: str, symptom: Symptom) -> None:
    assert symptom in scan(message)


ORDINARY = [
    "4",
    "Pain is about 4 today, did all the exercises",
    "Feeling better than yesterday!",
    "My back hurts when I sit for long",
    "The cat-cow was fine but the bridge was hard",
    "What's the next exercise?",
    "I peeled an apple and went for a walk this weekend",
    "I fell asleep on the sofa",
    "Heute geht es mir besser, danke",
    "Die Übungen waren anstrengend, aber okay",
    "Auf der anderen Seite war es ein guter Tag",
    "ok",
    "",
    "   ",
    "👍",
]


@pytest.mark.parametrize("message", ORDINARY)
def test_an_ordinary_message_raises_nothing(message: str) -> None:
    assert scan(message) == frozenset()


@pytest.mark.parametrize(
    "message",
    [
        "I CAN'T PEE",
        "i can’t pee",  # typographic apostrophe
        "i can‘t pee",
        "i can`t pee",
        "I   can't \n\t pee!!!",
        "Ｉ ｃａｎ＇ｔ ｐｅｅ",  # full-width
        "I can\u200b't p\u200bee",  # zero-width spaces
        "I c̶a̶n̶'t pee",  # combining strike-through
        "I cannot pee",
        "I can not pee",
        "...can't...pee...",
    ],
)
def test_spelling_noise_does_not_hide_a_red_flag(message: str) -> None:
    assert BLADDER in scan(message)


@pytest.mark.parametrize(
    ("message", "symptom"),
    [
        ("Taubheit im SCHRITT", SADDLE),
        ("Fussheberschwaeche", WEAKER),  # umlauts written out
        ("Fusheberschwache", WEAKER),  # ... or dropped, with a typo on ß
        ("beiden beinen", BOTH),
        ("BEIDE BEINE", BOTH),
    ],
)
def test_german_spellings(message: str, symptom: Symptom) -> None:
    assert symptom in scan(message)


def test_a_negation_still_raises_the_flag_on_purpose() -> None:
    # Documented trade-off: the bot asks "do you have this now?", so a false alarm costs one
    # question, while missing a real one could cost far more.
    assert SADDLE in scan("no numbness in my groin")
    assert BLADDER in scan("I don't have any bladder problems")


def test_several_flags_in_one_message() -> None:
    found = scan("Both legs are numb between my legs and I can't pee")

    assert {BOTH, SADDLE, BLADDER} <= found


def test_normalize_makes_one_spacing_and_no_apostrophes() -> None:
    assert normalize("  I CAN’T  pee!! ") == " i cant pee "
    assert normalize("Fußheberschwäche") == " fussheberschwache "


def test_a_full_length_message_is_scanned_to_the_end() -> None:
    filler = "today the exercises went fine and my back felt ok. " * 90
    message = (filler + "but I can't pee")[-4096:]

    assert len(message) == 4096
    assert scan(message) == {BLADDER}


@pytest.mark.parametrize(
    "hostile",
    [
        "numb " * 819,
        "can't " * 682,
        "both " * 819,
        "kann nicht " * 372,
        "a" * 4096,
        "\u0301" * 4096,
        "\u200b" * 4096,
        "🙂" * 4096,
        "\x00\ud800\uffff" * 1365,
        "ﷺ" * 4096,  # expands a lot under NFKC
    ],
    ids=[
        "numb",
        "cant",
        "both",
        "kann-nicht",
        "aaaa",
        "combining",
        "zero-width",
        "emoji",
        "garbage",
        "nfkc-expansion",
    ],
)
def test_hostile_input_finds_only_what_it_says(hostile: str) -> None:
    # Only the repeated "numb" names a symptom; fragments, marks and noise name none.
    expected = {Symptom.NEW_NUMBNESS_TINGLING} if hostile.startswith("numb") else set()
    assert scan(hostile) == expected


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300), st.sampled_from(HEARD), st.text(max_size=300))
def test_a_red_flag_is_heard_whatever_surrounds_it(
    before: str, heard: tuple[str, Symptom], after: str
) -> None:
    phrase, symptom = heard

    assert symptom in scan(f"{before} {phrase}. {after}")


ascii_text = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=200)


@settings(max_examples=300, deadline=None)
@given(ascii_text)
def test_case_and_apostrophe_style_do_not_matter(message: str) -> None:
    expected = scan(message)

    assert scan(message.upper()) == expected
    assert scan(message.replace("'", "’")) == expected
