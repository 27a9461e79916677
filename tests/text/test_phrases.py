"""The witness phrase table (tests/text/phrases.yaml): how people talk to police."""
from pathlib import Path

import pytest
import yaml

from composer.text.attributes import ATTRIBUTES
from composer.text.description import Description, interpret
from composer.text.schema import load_schema

PHRASES = yaml.safe_load((Path(__file__).with_name("phrases.yaml")).read_text(encoding="utf-8"))["phrases"]


@pytest.fixture(scope="module")
def schema():
    return load_schema()


def test_table_is_large_and_well_formed():
    assert len(PHRASES) >= 150
    texts = [p["text"] for p in PHRASES]
    assert len(set(texts)) == len(texts), "duplicate phrases"
    for p in PHRASES:
        assert set(p) <= {"text", "set", "not_understood", "reason", "conflict", "correction", "note"}
        assert set(p["set"]) <= set(ATTRIBUTES), p["text"]


@pytest.mark.parametrize("entry", PHRASES, ids=[p["text"][:60] for p in PHRASES])
def test_phrase(schema, entry):
    interp = interpret(Description({}, entry["text"]), schema)
    said = {a: v for a, v in interp.state.items() if v is not None}
    assert said == entry["set"], interp.report()
    unknown = {u.text.lower(): u.reason for u in interp.not_understood}
    for words in entry.get("not_understood", ()):
        assert words in unknown, f"{words!r} not reported: {interp.report()}"
        if "reason" in entry and len(entry["not_understood"]) == 1:
            assert entry["reason"].lower() in unknown[words].lower(), unknown[words]
    if "conflict" in entry:
        assert any(all(w in c.message for w in entry["conflict"]) for c in interp.conflicts), \
            interp.report()
    else:
        assert not interp.conflicts or "correction" in entry, interp.report()
    if "correction" in entry:
        earlier, later = entry["correction"]
        assert [(c.earlier, c.later) for c in interp.corrections if c.cue] == [(earlier, later)], \
            interp.report()
        assert f"Correction: free text says '{earlier}'" in interp.report()
    if "note" in entry:
        assert any(entry["note"] in m.note for m in interp.understood), interp.report()
        assert entry["note"] in interp.report()
