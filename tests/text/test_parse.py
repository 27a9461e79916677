"""Free-text parsing: synonyms, negation, offsets, and odd input."""
import time

import pytest

from composer.text.parse import MAX_GAP, parse, tokenize


def settings(text):
    """(attribute, value) pairs the text sets, in order."""
    return [(m.attribute, m.value) for m in parse(text).matches]


def assert_covers_every_character(text):
    """Every non-space character is in exactly one match, unknown or filler span."""
    result = parse(text)
    spans = {(m.start, m.end) for m in result.matches}
    spans |= {(u.start, u.end) for u in (*result.unknown, *result.filler)}
    seen = {}
    for start, end in spans:
        for i in range(start, end):
            if not text[i].isspace():
                assert i not in seen, f"character {i} in two spans"
                seen[i] = True
    assert set(seen) == {i for i, c in enumerate(text) if not c.isspace()}
    for item in (*result.matches, *result.unknown, *result.filler):
        assert text[item.start:item.end] == item.text


@pytest.mark.parametrize("text, expected", [
    ("fair-haired", ("Blond_Hair", True)), ("Blonde", ("Blond_Hair", True)),
    ("blond", ("Blond_Hair", True)), ("specs", ("Eyeglasses", True)),
    ("spectacles", ("Eyeglasses", True)), ("sunglasses", ("Eyeglasses", True)),
    ("stubble", ("5_o_Clock_Shadow", True)), ("five o'clock shadow", ("5_o_Clock_Shadow", True)),
    ("shaved head", ("Bald", True)), ("cap", ("Wearing_Hat", True)),
    ("middle-aged", ("Young", False)), ("elderly", ("Young", False)),
    ("old", ("Young", False)), ("teenager", ("Young", True)), ("grey", ("Gray_Hair", True)),
    ("white hair", ("Gray_Hair", True)), ("fringe", ("Bangs", True)),
    ("guy", ("Male", True)), ("lady", ("Male", False)), ("beard", ("No_Beard", False)),
    ("moustache", ("Mustache", True)), ("mustache", ("Mustache", True)),
    ("receding hairline", ("Receding_Hairline", True)), ("double chin", ("Double_Chin", True)),
    ("rosy cheeks", ("Rosy_Cheeks", True)), ("pale", ("Pale_Skin", True)),
    ("grinning", ("Smiling", True)), ("mouth slightly open", ("Mouth_Slightly_Open", True)),
    ("necktie", ("Wearing_Necktie", True)), ("make-up", ("Heavy_Makeup", True)),
    ("red lipstick", ("Wearing_Lipstick", True)), ("gold chain", ("Wearing_Necklace", True)),
    ("hoop earrings", ("Wearing_Earrings", True)), ("bushy eyebrows", ("Bushy_Eyebrows", True)),
    ("his nose was big", ("Big_Nose", True)), ("curly", ("Wavy_Hair", True)),
])
def test_synonyms(text, expected):
    assert expected in settings(text)


@pytest.mark.parametrize("text, expected", [
    ("in his fifties", [("Male", True), ("Young", False)]),
    ("in her twenties", [("Male", False), ("Young", True)]),
    ("aged 45", [("Young", False)]), ("25 years old", [("Young", True)]),
    ("a 52-year-old", [("Young", False)]), ("mid-30s", [("Young", True)]),
    ("in his 60's", [("Male", True), ("Young", False)]),
    ("about 30", [("Young", True)]), ("around 50", [("Young", False)]),
    ("aged about 45", [("Young", False)]), ("roughly 45 years old", [("Young", False)]),
    ("30-ish", [("Young", True)]), ("approximately 60 yrs", [("Young", False)]),
])
def test_ages(text, expected):
    assert settings(text) == expected


def test_longest_match_first():
    assert settings("dark brown hair") == [("Brown_Hair", True)]
    assert settings("heavy makeup") == [("Heavy_Makeup", True)]
    assert settings("brown eyes") == []  # not brown hair
    unknown = parse("brown eyes, black hoodie").unknown
    assert [u.text for u in unknown] == ["brown eyes", "black hoodie"]
    assert "eye colour" in unknown[0].reason and "clothing" in unknown[1].reason


@pytest.mark.parametrize("text, expected", [
    ("no glasses", [("Eyeglasses", False)]),
    ("not smiling", [("Smiling", False)]),
    ("without a beard", [("No_Beard", True)]),
    ("isn't wearing a hat", [("Wearing_Hat", False)]),
    ("never wears glasses", [("Eyeglasses", False)]),
    ("doesnt have any facial hair", [("No_Beard", True)]),
    ("without a beard or moustache", [("No_Beard", True), ("Mustache", False)]),
    ("neither glasses nor a hat", [("Eyeglasses", False), ("Wearing_Hat", False)]),
    ("not clean-shaven", [("No_Beard", False)]),
    ("not young", [("Young", False)]), ("not old", [("Young", True)]),
])
def test_negation(text, expected):
    assert settings(text) == expected


def test_clean_shaven_clears_all_facial_hair():
    assert settings("clean-shaven") == [("No_Beard", True), ("Goatee", False), ("Mustache", False),
                                        ("5_o_Clock_Shadow", False), ("Sideburns", False)]


@pytest.mark.parametrize("text, expected", [
    ("no glasses, beard", [("Eyeglasses", False), ("No_Beard", False)]),
    ("no glasses and a hat", [("Eyeglasses", False), ("Wearing_Hat", True)]),
    ("no glasses but smiling", [("Eyeglasses", False), ("Smiling", True)]),
    ("no glasses. Smiling", [("Eyeglasses", False), ("Smiling", True)]),
    ("no glasses with a beard", [("Eyeglasses", False), ("No_Beard", False)]),
    ("doesn't have his glasses", [("Male", True), ("Eyeglasses", False)]),
    ("not " + "zork " * (MAX_GAP + 1) + "glasses", [("Eyeglasses", True)]),
])
def test_negation_scope_ends(text, expected):
    assert settings(text) == expected


def test_negation_cues_are_reported():
    result = parse("no glasses, not, xyz")
    filler = {f.text: f.reason for f in result.filler}
    assert filler["no"] == "negation of 'glasses'"
    assert [(u.text, u.reason) for u in result.unknown] == [
        ("not", "negation with nothing understood after it"), ("xyz", "unknown word")]


def test_offsets_point_into_the_text():
    text = "  A  Fair-haired MAN, no\tglasses!\n5 o'clock shadow"
    result = parse(text)
    found = {(m.text, m.attribute) for m in result.matches}
    assert ("Fair-haired", "Blond_Hair") in found and ("5 o'clock shadow", "No_Beard") in found
    blond = next(m for m in result.matches if m.attribute == "Blond_Hair")
    assert (blond.start, blond.end) == (5, 16)
    assert_covers_every_character(text)


@pytest.mark.parametrize("text", [
    "", "   \n\t ", "😀🙈👨‍👩‍👧 blond 🎩",
    "<b>blond</b><script>alert(1)</script>",
    "Мужчина с бородой, 日本語のテキスト, عربي, blond",
    "12345 0 999 007 3.14 -5 1e9",
    "_-_-_ ''' \u0301\u200d ..!!??", "no", "not not not", "aged", "aged 0", "99999 years old",
    "a" * 5000, "blond\u2019s hair-", "-blond-", "cafe\u0301 grey",
])
def test_absurd_input_never_raises(text):
    result = parse(text)
    assert_covers_every_character(text)
    assert all(u.reason for u in result.unknown)


def test_long_text_keeps_every_word_in_order():
    text = ("blond zorgle 42, " * 600)[:10_000]
    start = time.perf_counter()
    result = parse(text)
    assert time.perf_counter() - start < 2.0
    assert len(result.matches) == text.count("blond")
    assert sum(u.text == "zorgle" for u in result.unknown) == text.count("zorgle")
    assert [m.start for m in result.matches] == sorted(m.start for m in result.matches)
    assert_covers_every_character(text)


def test_tokenize_kinds():
    kinds = [(t.text, t.kind) for t in tokenize("He's 40s, 😀-x")]
    assert kinds == [("He's", "word"), ("40s", "number"), (",", "punct"), ("😀", "symbol"),
                     ("-", "punct"), ("x", "word")]


def test_rejects_non_text():
    with pytest.raises(TypeError):
        parse(None)


@pytest.mark.parametrize("text, colour, expected", [
    ("grey stubble", "grey", [("5_o_Clock_Shadow", True), ("No_Beard", False)]),
    ("a white beard", "white", [("No_Beard", False)]),
    ("salt-and-pepper beard", "salt-and-pepper", [("No_Beard", False)]),
    ("a man with a grey moustache", "grey", [("Male", True), ("Mustache", True), ("No_Beard", False)]),
    ("no ginger goatee", "ginger", [("Goatee", False)]),
])
def test_facial_hair_colour_is_not_head_hair_colour(text, colour, expected):
    """'grey stubble' is stubble (colour not drawable), never gray hair on the head."""
    result = parse(text)
    assert settings(text) == expected
    assert [u.text for u in result.unknown] == [colour]
    assert "colour of a beard" in result.unknown[0].reason
    assert ("Gray_Hair", True) in settings("grey hair and a dark beard")


def test_recognised_but_unsupported_words_say_why():
    unknown = {u.text: u.reason for u in parse("tall, long blonde hair, ginger eyebrows").unknown}
    assert "build" in unknown["tall"] and "length" in unknown["long"]
    assert "colour of a beard" in unknown["ginger"]
    assert "red hair" in {u.text: u.reason for u in parse("ginger, purple eyes").unknown}["ginger"]
    assert "eye colour" in {u.text: u.reason for u in parse("purple eyes").unknown}["purple eyes"]
    assert settings("long blonde hair") == [("Blond_Hair", True)]


@pytest.mark.parametrize("text, expected", [
    ("black wavy hair", [("black", "Black_Hair"), ("wavy hair", "Wavy_Hair")]),
    ("dark brown curly hair", [("dark brown", "Brown_Hair"), ("curly hair", "Wavy_Hair")]),
    ("black curly-haired", [("black", "Black_Hair"), ("curly-haired", "Wavy_Hair")]),
    ("grey straight hair", [("grey", "Gray_Hair"), ("straight hair", "Straight_Hair")]),
])
def test_colour_and_texture_before_hair(text, expected):
    """Issue 15: colour + texture + hair keeps the colour, and 'black' is not an ethnicity here."""
    result = parse(text)
    assert [(m.text, m.attribute) for m in result.matches] == expected
    assert not result.unknown
    assert_covers_every_character(text)


@pytest.mark.parametrize("text, young", [
    ("around seventy", False), ("about fifty", False), ("aged forty-five", False),
    ("twenty five years old", True), ("forty-ish", False), ("thirtyish", True), ("sixty odd", False),
    ("he was 30", True), ("she was fifty", False), ("nearly forty", True), ("over sixty", False),
    ("under 30", True), ("late thirties", True), ("early forties", False), ("mid-forties", False)])
def test_spelled_out_ages_follow_the_numeric_threshold(text, young):
    assert ("Young", young) in settings(text)


@pytest.mark.parametrize("text", ["about six foot", "5 ft 10", "about 6 foot", "twelve stone",
                                  "over 30", "about five eight"])
def test_heights_and_vague_numbers_are_not_ages(text):
    assert ("Young", True) not in settings(text) and ("Young", False) not in settings(text)


def test_doubt_is_reported_not_drawn():
    result = parse("not sure if he had glasses, but a beard")
    assert settings("not sure if he had glasses, but a beard") == [("Male", True), ("No_Beard", False)]
    unknown = {u.text: u.reason for u in result.unknown}
    assert "not sure" in unknown["glasses"]
    assert any(f.text == "not sure" and "unsure of 'glasses'" in f.reason for f in result.filler)


def test_correction_cues_are_kept():
    result = parse("no glasses. Correction: he wore glasses")
    assert [(f.text, f.reason) for f in result.filler if f.reason == "correction cue"] == [
        ("Correction", "correction cue")]
    assert settings("no wait, glasses") == [("Eyeglasses", True)]  # "no wait" is not a negation


@pytest.mark.parametrize("text, words, reason", [
    ("going grey at the sides", "going grey at the sides", "partial greying"),
    ("greying temples", "greying temples", "partial greying"),
    ("auburn hair", "auburn hair", "no red hair attribute"),
    ("ginger", "ginger", "Brown_Hair"),
    ("a round face", "round face", "Oval_Face and Chubby"),
    ("long hair", "long hair", "hair length"),
    ("long wavy hair", "long", "hair length"),
])
def test_specific_not_understood_reasons(text, words, reason):
    """Issue 15: hair length, round faces, partial greying and red hair say why, and set nothing."""
    unknown = {u.text: u.reason for u in parse(text).unknown}
    assert reason in unknown[words]
    assert ("Gray_Hair", True) not in settings(text) and ("Brown_Hair", True) not in settings(text)
    assert ("Oval_Face", False) not in settings(text)


def test_whole_head_greying_is_gray_hair_with_a_note():
    (match,) = parse("salt and pepper hair").matches
    assert (match.attribute, match.value) == ("Gray_Hair", True) and "partial greying" in match.note
