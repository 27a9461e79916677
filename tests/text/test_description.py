"""Description -> Interpretation: captions, conflicts, empty input, reports."""
import json

import pytest

from composer.errors import DescriptionError
from composer.text.attributes import ATTRIBUTES
from composer.text.captions import render_caption
from composer.text.description import (EMPTY_MESSAGE, Description, interpret, require_nonempty)
from composer.text.schema import UNSPECIFIED, load_schema


@pytest.fixture(scope="module")
def schema():
    return load_schema()


def read(schema, text="", text_last=True, **choices):
    return interpret(Description(choices, text, text_last), schema)


def test_typical_descriptions_give_canonical_captions(schema):
    interp = read(schema, "A fair-haired man in his fifties, no glasses, isn't wearing a hat "
                          "and has a 5 o'clock shadow.")
    assert interp.caption == ("an older man, with blond hair, stubble, a beard, "
                              "no glasses and no hat")
    assert interp.caption == render_caption(interp.state)
    woman = read(schema, "young woman with wavy brown hair, smiling, earrings", age="young")
    assert woman.caption == ("a young woman, with brown wavy hair, wearing earrings, smiling")
    shaven = read(schema, sex="male", facial_hair="clean_shaven")
    assert shaven.caption == "a man, with clean shaven and no mustache"


def test_state_is_complete_and_unspecified_stays_none(schema):
    interp = read(schema, "blond")
    assert set(interp.state) == set(ATTRIBUTES)
    assert interp.state["Blond_Hair"] is True
    assert all(interp.state[a] is None for a in ("Black_Hair", "Brown_Hair", "Gray_Hair", "Male"))


def test_every_option_sets_exactly_its_attributes(schema):
    for group in schema.groups:
        for option in group.options:
            interp = read(schema, **{group.id: option.id})
            set_now = {a: v for a, v in interp.state.items() if v is not None}
            assert set_now == option.attributes
            assert interp.empty == (option.id == UNSPECIFIED)
            if option.id != UNSPECIFIED:
                assert interp.implied_choices == {}
                assert [c.option for c in interp.choices] == [option.id]


def test_text_wins_when_edited_last(schema):
    interp = read(schema, "blonde", hair_colour="black")
    assert interp.state["Blond_Hair"] is True and interp.state["Black_Hair"] is None
    (conflict,) = interp.conflicts
    assert conflict.winner == "free text" and conflict.attribute == "Black_Hair"
    assert "'blonde' (Blond_Hair" in conflict.message and "hair colour dropdown says Black" in \
        conflict.message and "free text wins because it was edited last" in conflict.message


def test_dropdown_wins_when_edited_last(schema):
    interp = read(schema, "blonde, no glasses", text_last=False, hair_colour="black",
                  glasses="glasses")
    assert interp.state["Black_Hair"] is True and interp.state["Blond_Hair"] is None
    assert interp.state["Eyeglasses"] is True
    assert {c.winner for c in interp.conflicts} == {"dropdown"}
    glasses = next(c for c in interp.conflicts if c.attribute == "Eyeglasses")
    assert (glasses.dropdown_value, glasses.text_value) == (True, False)
    assert "the dropdown wins because it was edited last" in glasses.message


def test_agreeing_dropdown_and_text_is_no_conflict(schema):
    interp = read(schema, "blond man", hair_colour="blond", sex="male")
    assert interp.conflicts == () and interp.state["Blond_Hair"] is True


def test_contradictions_inside_text_last_mention_wins(schema):
    interp = read(schema, "blond ... no wait, black hair. Smiling, well, not smiling")
    assert interp.state["Black_Hair"] is True and interp.state["Blond_Hair"] is None
    assert interp.state["Smiling"] is False
    messages = [c.message for c in interp.conflicts]
    assert len(messages) == 2 and all("later mention wins" in m for m in messages)
    assert "'blond'" in messages[0] and "'black hair'" in messages[0]
    assert {c.winner for c in interp.conflicts} == {"later mention"}


def test_clean_shaven_dropdown_against_moustache_text(schema):
    interp = read(schema, "he had a moustache", facial_hair="clean_shaven")
    assert interp.state["Mustache"] is True and interp.state["No_Beard"] is False
    assert {c.attribute for c in interp.conflicts} == {"Mustache", "No_Beard"}


def test_implied_choices_for_the_gui(schema):
    interp = read(schema, "older lady, grey curly hair, not smiling, goatee, no glasses")
    assert interp.implied_choices == {
        "sex": "female", "age": "older", "hair_colour": "grey", "hair_texture": "wavy",
        "expression": "serious", "facial_hair": "goatee", "glasses": "no_glasses"}
    assert read(schema, "moustache and goatee").implied_choices["facial_hair"] == "goatee_moustache"
    assert "hair_colour" not in read(schema, "not blond").implied_choices


@pytest.mark.parametrize("text", ["", "   ", "\n\t  \n"])
def test_empty_description(schema, text):
    interp = read(schema, text, sex=UNSPECIFIED)
    assert interp.empty and interp.caption == "a person"
    with pytest.raises(DescriptionError) as err:
        require_nonempty(interp)
    assert str(err.value) == EMPTY_MESSAGE
    assert "choose at least one attribute" in interp.report()


def test_text_with_nothing_understood_is_empty_but_reported(schema):
    interp = read(schema, "the xyzzy")
    assert interp.empty
    with pytest.raises(DescriptionError, match="not understood: 'xyzzy'"):
        require_nonempty(interp)
    assert require_nonempty(read(schema, "bald")).state["Bald"] is True


def test_absurd_input_never_raises(schema):
    text = ("<div>😀 blond</div> Ωμέγα 12345 " * 400)[:10_000] + "\x00\ufeff"
    interp = read(schema, text, hair_colour="black")
    assert interp.state["Blond_Hair"] is True
    assert sum(u.text == "Ωμέγα" for u in interp.not_understood) == text.count("Ωμέγα")
    report = interp.report()
    assert "more" in report and len(report) < 5_000
    json.dumps(interp.to_json())


def test_report_and_json(schema):
    interp = read(schema, "a man with specs, no beard, scar", hair_colour="brown")
    report = interp.report()
    assert report.splitlines()[0] == f"Caption: {interp.caption}"
    assert "From the dropdowns: Hair colour: Brown" in report
    assert "'specs' -> Eyeglasses = yes" in report
    assert "'beard' -> No_Beard = yes (negated by 'no')" in report
    assert "'scar' (scars, tattoos" in report and "Read as filler: a; with" in report
    data = json.loads(json.dumps(interp.to_json()))
    assert data["caption"] == interp.caption and data["schema_version"] == 1
    assert data["state"]["Brown_Hair"] is True and data["state"]["Young"] is None
    assert {m["text"] for m in data["understood"]} == {"man", "specs", "beard"}
    assert all(m["source"] == "text" for m in data["understood"])
    assert data["choices"][0]["option"] == "brown"


def test_description_validation_and_round_trip(schema):
    d = Description({"sex": "male"}, "blond", False)
    assert Description.from_json(json.loads(json.dumps(d.to_json()))) == d
    for bad in (dict(choices={"sex": 1}), dict(free_text=None), dict(text_last="yes")):
        with pytest.raises(DescriptionError):
            Description(**bad)
    with pytest.raises(DescriptionError):
        Description.from_json(["not", "a", "dict"])
    choices = {"sex": "male"}
    d = Description(choices)
    choices["sex"] = "female"
    assert d.choices == {"sex": "male"}


def test_unknown_group_or_option_is_a_clear_error(schema):
    with pytest.raises(DescriptionError, match="Unknown dropdown group 'colour'.*hair_colour"):
        read(schema, colour="black")
    with pytest.raises(DescriptionError, match="Unknown option 'purple'.*black"):
        read(schema, hair_colour="purple")


@pytest.mark.parametrize("text, attribute, value", [
    ("add glasses", "Eyeglasses", True), ("make him older", "Young", False),
    ("remove the beard", "No_Beard", True), ("remove glasses, add a hat", "Eyeglasses", False),
    ("remove glasses, add a hat", "Wearing_Hat", True)])
def test_edit_instructions_are_read(schema, text, attribute, value):
    """Iterative edits typed while locks are held ("add glasses", "older") are understood."""
    interp = read(schema, text)
    assert interp.state[attribute] is value
    assert not interp.not_understood


@pytest.mark.parametrize("text, kept, dropped", [
    ("a bald man with long blond hair", "Blond_Hair", "Bald"),
    ("blond hair, completely bald", "Bald", "Blond_Hair"),
    ("bald with a fringe", "Bangs", "Bald")])
def test_bald_and_hair_conflict_later_wins(schema, text, kept, dropped):
    interp = read(schema, text)
    assert interp.state[kept] is True and interp.state[dropped] is None
    assert any(c.winner == "later mention" and "only one can be true" in c.message
               for c in interp.conflicts)


def test_bald_with_grey_hair_is_not_a_conflict(schema):
    """CelebA labels grey hair on many bald heads (grey at the sides)."""
    interp = read(schema, "bald, grey hair")
    assert interp.state["Bald"] is True and interp.state["Gray_Hair"] is True and not interp.conflicts


@pytest.mark.parametrize("text, choices", [
    ("a woman with a beard", {}), ("she had a moustache", {}), ("a beard", {"sex": "female"}),
    ("a bald woman", {})])
def test_unlikely_pairs_are_kept_and_reported(schema, text, choices):
    interp = read(schema, text, **choices)
    assert interp.state["Male"] is False
    (conflict, *_) = interp.conflicts
    assert conflict.winner == "both kept" and "check with the witness" in conflict.message
    assert "Conflict: " in interp.report()


def test_bald_dropdown_against_hair_colour_text(schema):
    interp = read(schema, "blond hair", hairline="bald")
    assert interp.state["Blond_Hair"] is True and interp.state["Bald"] is None
    assert interp.conflicts[0].attribute == "Bald" and interp.conflicts[0].winner == "free text"
    interp = read(schema, "blond hair", text_last=False, hairline="bald")
    assert interp.state["Blond_Hair"] is None and interp.state["Bald"] is True


def test_no_beard_beside_a_moustache_is_not_a_conflict(schema):
    for text in ("no beard, just a moustache", "a moustache but no beard"):
        interp = read(schema, text)
        assert interp.state["Mustache"] is True and interp.state["No_Beard"] is False
        assert interp.conflicts == () and interp.corrections == ()


def test_corrections_are_kept_in_order_and_the_later_wins(schema):
    """Issue 15 section 3: 'no glasses' then 'Correction: he wore glasses'."""
    interp = read(schema, "no glasses, smiling. Correction: he wore glasses")
    assert interp.state["Eyeglasses"] is True
    (c,) = interp.corrections
    assert (c.earlier, c.earlier_value, c.later, c.later_value, c.cue) == (
        "no glasses", False, "glasses", True, "Correction")
    assert c.earlier_start < c.later_start
    report = interp.report()
    assert ("Correction: free text says 'no glasses' (Eyeglasses = no) and later, after "
            "'Correction', 'glasses' (Eyeglasses = yes)") in report
    assert "Conflict:" not in report  # shown once, as a correction
    data = json.loads(json.dumps(interp.to_json()))
    assert data["corrections"][0]["earlier"] == "no glasses" and data["corrections"][0]["later"] == "glasses"
    # a contradiction without a cue is still a conflict, and recorded as an (implicit) correction
    plain = read(schema, "glasses ... no glasses")
    assert plain.corrections[0].cue == "" and "Conflict:" in plain.report()


def test_approximate_readings_are_noted_in_the_report(schema):
    report = read(schema, "salt-and-pepper hair").report()
    assert "Gray_Hair = yes (partial greying read as Gray_Hair" in report
