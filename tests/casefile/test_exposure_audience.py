"""Issue 16 §4: what the witness view showed (with times) is recorded apart from what only the
artist saw; old recovery files and old case files without the field still load and verify."""
from __future__ import annotations

import json

import numpy as np
import pytest

from composer.casefile import record as rec
from composer.casefile import schema
from composer.casefile.builder import CaseRecipe, build_session
from composer.casefile.export import export_case
from composer.casefile.record import CaseMeta, build_record
from composer.casefile.exposure import exposure_counts, exposure_summary, witness_displays
from composer.casefile.report import build_report_content, report_text
from composer.casefile.verify import verify_case
from composer.operations import Generate, ImportReference, Pick, perform
from composer.record import recovery
from composer.record.steps import Exposure
from composer.session import Session

from . import FakeEngine, FakeLockSettings, fake_mask, fake_pdf, full_session
from .test_export_verify import read, rewrite


def _images(step, session):
    return [session.image(o.sha256) for o in step.outputs]


def witnessed_session(root=None):
    """generate 4 (witness sees them) -> pick (witness sees the portrait) -> reference photo (artist only)."""
    engine = FakeEngine()
    s = Session(root)
    s.witness_view = True
    gen = perform(Generate("a face", 4, 3), engine, s)
    assert s.note_witness_shown(_images(gen, s), "candidates")
    perform(Pick(1), None, s)
    assert s.note_witness_shown([s.current_portrait.image], "portrait")
    perform(ImportReference(np.full((16, 16, 3), 7, np.uint8), "photo.jpg"), engine, s)
    s.goto(s.steps[1].id)
    return s, gen


def test_exposure_json_round_trip_and_old_json_reads_as_artist():
    e = Exposure("ab" * 32, 3, 1, "2024-01-01T00:00:00+00:00", "portrait", "witness")
    assert Exposure.from_json(e.to_json()) == e
    old = {"sha256": "cd" * 32, "step": 2, "index": 0, "shown_at": "t", "what": "candidate"}
    assert Exposure.from_json(old).audience == "artist"
    for bad in ("crowd", 7, ["witness"]):
        with pytest.raises((ValueError, TypeError)):
            Exposure.from_json({**old, "audience": bad})


def test_step_outputs_are_artist_and_witness_displays_are_logged_once():
    s, gen = witnessed_session()
    artist = [e for e in s.exposures if e.audience == "artist"]
    witness = [e for e in s.exposures if e.audience == "witness"]
    assert len(artist) == 4 + 1 and {e.what for e in witness} == {"candidates", "portrait"}
    assert [e.sha256 for e in witness[:4]] == [o.sha256 for o in gen.outputs]
    assert all(e.shown_at for e in witness) and witness[0].step == gen.id
    before = len(s.exposures)
    assert not s.note_witness_shown([s.current_portrait.image], "portrait")   # same display again
    assert len(s.exposures) == before
    assert not s.note_witness_shown([], "portrait")                          # blank: nothing logged
    assert s.note_witness_shown([s.current_portrait.image], "portrait")      # shown again after blank
    assert len(s.exposures) == before + 1


def test_recovery_keeps_audience_and_old_session_json_loads(tmp_path):
    s, _ = witnessed_session(tmp_path / "rec")
    r = Session.recover(s.folder)
    assert r.exposures == s.exposures and r.witness_view is True
    state = json.loads((s.folder / recovery.SESSION_FILE).read_text())
    for e in state["exposures"]:
        e.pop("audience")                      # a session.json written before the field existed
    for key in ("witness_view", "exported_at", "exported_steps"):
        state.pop(key)
    recovery.write_state(s.folder, state)
    old = Session.recover(s.folder)
    assert {e.audience for e in old.exposures} == {"artist"} and old.witness_view is False
    assert old.exported_at is None and old.exported_steps == 0
    state["exposures"][0]["audience"] = {"x": 1}   # hostile: a clear RecoveryError, not a crash
    recovery.write_state(s.folder, state)
    with pytest.raises(recovery.RecoveryError, match="damaged"):
        Session.recover(s.folder)


def test_record_and_report_count_witness_and_artist_apart(tmp_path):
    s, gen = witnessed_session()
    record = build_record(s, FakeEngine(), CaseMeta("A-1"), "2024-01-01T00:00:00+00:00")
    assert record["witness_view"] is True
    assert {e["audience"] for e in record["exposures"]} == {"artist", "witness"}
    assert schema.validate_record(json.loads(json.dumps(record))) == []
    assert rec.validate_record(record) == []
    counts = exposure_counts(record)
    assert counts == {"all": 5, "witness": 4, "artist_only": 1}   # the reference photo: artist only
    lines = witness_displays(record)
    assert len(lines) == 2 and "candidates from step 1, 4 images" in lines[0] and "portrait" in lines[1]
    assert " UTC: " in lines[0]
    c = build_report_content(record, b"", [], "0" * 64, "1" * 64, "f.composer-case")
    assert c.n_images_witness == 4 and c.n_images_artist_only == 1 and c.n_images_shown == 5
    text = report_text(c)
    assert "showed the witness 4 different images in 2 displays" in text
    assert "1 image appeared only on the artist's screen" in text and "1 reference photo" in text
    path = tmp_path / "w.composer-case"
    export_case(s, FakeEngine(), CaseMeta("A-1"), path, keys_dir=tmp_path / "k", render_pdf=fake_pdf)
    assert verify_case(path, keys_dir=tmp_path / "k").ok


def test_gui_session_with_unused_witness_view_and_headless_builder():
    s, _ = witnessed_session()
    record = build_record(s, FakeEngine(), CaseMeta("A"), "t")
    record["exposures"] = [e for e in record["exposures"] if e["audience"] == "artist"]
    assert "witness view was never opened" in exposure_summary(record)[0]
    built = build_session(FakeEngine(), CaseRecipe("a face", n=3, lock=("eyes",), lock_steps=2),
                          region_mask=lambda name, size, image: fake_mask(size), make_settings=FakeLockSettings)
    headless = build_record(built, FakeEngine(), CaseMeta("B"), "t")
    assert headless["witness_view"] is False and exposure_counts(headless)["witness"] == 0
    summary = exposure_summary(headless)
    assert "without a witness view" in summary[0] and "composer case" in summary[0]
    assert witness_displays(headless) == ()


def test_old_records_without_audience_verify_and_report_says_not_told_apart(tmp_path, keys):
    s = full_session(Session(None), FakeEngine())
    path = tmp_path / "c.composer-case"
    export_case(s, FakeEngine(), CaseMeta("OLD"), path, keys_dir=keys, render_pdf=fake_pdf)
    record = json.loads(read(path)["record.json"])
    for e in record["exposures"]:
        e.pop("audience")
    record.pop("witness_view")
    assert schema.validate_record(record) == [] and rec.validate_record(record) == []
    from composer.casefile.export import json_bytes
    from composer.casefile.signing import load_signer
    old = rewrite(path, tmp_path / "old.composer-case", {"record.json": json_bytes(record)}, load_signer(keys))
    report = verify_case(old, keys_dir=keys)
    assert not [p for p in report.problems if p.kind == "schema"], report.problems
    summary = exposure_summary(record)
    assert len(summary) == 1 and "not told apart" in summary[0]


@pytest.mark.parametrize("edit, expect", [
    (lambda r: r["exposures"][0].update(audience="crowd"), "audience"),
    (lambda r: r["exposures"][0].update(audience=["witness"]), "audience"),
    (lambda r: r["exposures"][0].update(audience="w" * 10_000), "audience"),
    (lambda r: r.update(witness_view="yes"), "witness_view"),
    (lambda r: r.update(witness_view=[True]), "witness_view"),
])
def test_hostile_exposure_fields_are_one_clear_problem(edit, expect):
    s, _ = witnessed_session()
    record = json.loads(json.dumps(build_record(s, FakeEngine(), CaseMeta("H"), "t")))
    edit(record)
    problems = schema.validate_record(record)
    assert problems and any(expect in p for p in problems), problems
    # and the report code, handed the same hostile record, never crashes
    build_report_content(record, b"", [], "", "", "f")


def test_witness_exposure_must_name_an_image_the_case_holds():
    s, _ = witnessed_session()
    record = json.loads(json.dumps(build_record(s, FakeEngine(), CaseMeta("H"), "t")))
    witness = next(e for e in record["exposures"] if e["audience"] == "witness")
    witness["sha256"] = "ee" * 32
    assert any("the witness saw an image" in p for p in rec.validate_record(record))


def test_report_survives_hostile_exposure_lists():
    for exposures in (None, "x", [1, None, {"sha256": 5}, {"sha256": "ab", "audience": "witness", "shown_at": 9,
                                                           "step": True, "what": ["x"]}]):
        record = {"exposures": exposures, "steps": "nope", "path": {"a": 1}, "witness_view": "maybe"}
        c = build_report_content(record, b"", [], "", "", "f")
        assert isinstance(report_text(c), str)
