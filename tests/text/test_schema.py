"""The dropdown schema: the shipped file is valid, and broken files fail clearly."""
from pathlib import Path

import pytest
import yaml

from composer.errors import ComposerError
from composer.text.attributes import ATTRIBUTES
from composer.text.schema import (SchemaError, UNSPECIFIED, default_schema_path, load_schema,
                                  parse_schema)

REQUIRED_GROUPS = {"sex", "age", "hair_colour", "hair_texture", "bangs", "hairline",
                   "facial_hair", "eyebrows", "eyes", "nose", "lips", "face_shape", "skin",
                   "expression", "glasses", "hat", "earrings", "necklace", "necktie", "makeup"}


def _minimal(**option):
    opt = {"id": "x", "label": "X", "attributes": {"Male": True}} | option
    return {"version": 1, "groups": [{"id": "g", "label": "G", "options": [
        {"id": "unspecified", "label": "Unspecified", "attributes": {}}, opt]}]}


def test_default_path_is_repo_resources():
    path = default_schema_path()
    assert path.name == "attributes.yaml" and path.parent.name == "resources"
    assert path.is_file()


def test_shipped_schema_covers_required_groups_and_attributes():
    schema = load_schema()
    assert schema.version == 1
    assert {g.id for g in schema.groups} == REQUIRED_GROUPS
    covered = set().union(*(g.attributes for g in schema.groups))
    assert covered == set(ATTRIBUTES) - {"Attractive", "Blurry"}


def test_every_option_maps_to_valid_attributes():
    for group in load_schema().groups:
        assert group.option(UNSPECIFIED).attributes == {}
        for option in group.options:
            assert option.label.strip() and option.id.strip()
            for name, value in option.attributes.items():
                assert name in ATTRIBUTES and name not in ("Attractive", "Blurry")
                assert isinstance(value, bool)
            if option.id != UNSPECIFIED:
                assert option.attributes, f"{group.id}/{option.id} sets nothing"


def test_hair_colour_options_set_exactly_one_colour():
    group = load_schema().group("hair_colour")
    for option in group.options:
        if option.id != UNSPECIFIED:
            assert list(option.attributes.values()) == [True]


def test_group_of_and_lookup_errors():
    schema = load_schema()
    assert schema.group_of("Mustache").id == "facial_hair"
    assert schema.group_of("Attractive") is None
    with pytest.raises(KeyError):
        schema.group("nope")
    with pytest.raises(KeyError):
        schema.group("sex").option("nope")


@pytest.mark.parametrize("data, words", [
    (_minimal(attributes={"Blond_Hiar": True}), "unknown attribute 'Blond_Hiar'"),
    (_minimal(attributes={"Attractive": True}), "not a forensic attribute"),
    (_minimal(attributes={"Male": "yes"}), "must be true or false"),
    (_minimal(id="unspecified"), "duplicate option id"),
    ({"version": 2, "groups": []}, "unsupported version 2"),
    ({"version": 1, "groups": []}, "non-empty list"),
    ([1, 2], "top level must be a mapping"),
])
def test_invalid_schemas_raise_clear_errors(data, words):
    with pytest.raises(SchemaError) as err:
        parse_schema(data, "my.yaml")
    assert "my.yaml" in str(err.value) and words in str(err.value)
    assert isinstance(err.value, ComposerError)


def test_missing_unspecified_and_shared_attribute(tmp_path: Path):
    data = _minimal()
    data["groups"][0]["options"] = data["groups"][0]["options"][1:]
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(SchemaError, match=r"bad\.yaml.*no 'unspecified' option"):
        load_schema(path)
    two = _minimal()
    two["groups"].append({"id": "h", "label": "H", "options": two["groups"][0]["options"]})
    with pytest.raises(SchemaError, match="set by both groups 'g' and 'h'"):
        parse_schema(two, "two.yaml")


def test_unreadable_files(tmp_path: Path):
    with pytest.raises(SchemaError, match="Cannot read"):
        load_schema(tmp_path / "missing.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("version: 1\ngroups: [unclosed\n")
    with pytest.raises(SchemaError, match=r"broken\.yaml is not valid YAML"):
        load_schema(broken)


def test_identical_options_rejected():
    data = _minimal()
    data["groups"][0]["options"].append({"id": "y", "label": "Y", "attributes": {"Male": True}})
    with pytest.raises(SchemaError, match="'x' and 'y'.*same attributes"):
        parse_schema(data, "dup.yaml")
