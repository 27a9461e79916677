"""The hand tools as session operations: history with undo and branches, the layer kept across a new
pick, holistic sliders (plain and through a lock), and a case file that verifies and reproduces
every hand step bit for bit with the real engine on the tiny bundle."""
from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest

from composer.casefile.export import export_case
from composer.casefile.record import CaseMeta
from composer.casefile.reproduce import reproduce_case
from composer.casefile.schema import validate_record
from composer.casefile.verify import verify_case
from composer.edit.hand import HandLayer, apply_hand
from composer.edit.holistic_settings import HolisticSettings
from composer.edit.marks import Mark
from composer.edit.warps import WarpSettings
from composer.operations import Describe, Evolve, Generate, Lock, Pick, label, perform
from composer.operations.hand import (add_mark, apply_to_current, current_holistic, current_layer, edit_mark,
                                      final_image, holistic_from_session, needs_reapply, remove_mark, set_warps)
from composer.session import Session
from composer.text.description import Description

SCAR = Mark("scar_line", 0.3, 0.66, rotation=-50)
MOLE = Mark("mole", 0.62, 0.8)


pytestmark = pytest.mark.usefixtures("one_thread")


def picked_session(engine, folder=None):
    s = Session(folder)
    perform(Describe(Description(free_text="an older man with black hair")), engine, s)
    perform(Generate(s.caption, 3, 4), engine, s)
    perform(Pick(1), engine, s)
    return s


def test_marks_and_warps_are_steps_with_undo_and_branches(tiny_engine):
    e = tiny_engine
    s = picked_session(e)
    base = s.current_portrait.image
    with pytest.raises(Exception):
        perform(add_mark(Session(None), SCAR), e, Session(None))    # nothing picked yet
    perform(add_mark(s, SCAR), e, s)
    perform(add_mark(s, MOLE), e, s)
    step = perform(set_warps(s, WarpSettings(eye_spacing=0.5, jaw_width=-0.4)), e, s)
    layer = current_layer(s)
    assert layer.marks == (SCAR, MOLE) and layer.warps.eye_spacing == 0.5 and layer.landmarks is not None
    assert np.array_equal(final_image(s), apply_hand(base, layer))
    assert label(step).startswith("Shape: eye spacing +0.50")
    perform(edit_mark(s, 1, MOLE.moved(scale=2.0)), e, s)
    assert current_layer(s).marks[1].scale == 2.0
    perform(remove_mark(s, 0), e, s)
    assert current_layer(s).marks == (MOLE.moved(scale=2.0),)
    s.undo()
    s.undo()
    assert current_layer(s).marks == (SCAR, MOLE)
    perform(add_mark(s, Mark("freckles", 0.4, 0.64)), e, s)            # a branch
    assert [m.kind for m in current_layer(s).marks] == ["scar_line", "mole", "freckles"]
    assert len(s.children(step.id)) == 2
    with pytest.raises(IndexError):
        remove_mark(s, 7)


def test_layer_survives_a_new_portrait(tiny_engine):
    e = tiny_engine
    s = picked_session(e)
    perform(add_mark(s, SCAR), e, s)
    perform(set_warps(s, WarpSettings(nose_width=0.6)), e, s)
    perform(Evolve(s.caption, s.current_portrait.z, 2, 9, 0.5), e, s)     # More like this
    perform(Pick(0), e, s)
    assert needs_reapply(s) and current_layer(s).marks == (SCAR,)
    step = perform(apply_to_current(s), e, s)
    assert not needs_reapply(s)
    new_base = s.current_portrait.image
    assert step.inputs["base_sha256"] == s.current_portrait.sha256
    assert np.array_equal(final_image(s), apply_hand(new_base, current_layer(s)))
    # the mark's pixels land in the same place on the new face (its coverage does not depend on it)
    from composer.edit.marks import mark_layers
    cover = mark_layers(SCAR, e.image_size)["light"] > 0.5
    assert cover.any()


def test_holistic_slider_step_and_lock(tiny_engine):
    e = tiny_engine
    s = picked_session(e)
    before = s.current_portrait
    step = perform(holistic_from_session(s, HolisticSettings(age=0.6)), e, s)
    assert len(step.outputs) == 1 and current_holistic(s).age == 0.6
    assert "age +0.60" in label(step)
    perform(Pick(0, step.id), e, s)
    assert np.array_equal(s.current_portrait.z, before.z)                 # z fixed
    from composer.edit.lock import LockSettings
    from composer.edit.masks import region_mask
    lock = perform(Lock(region_mask("eyes", e.image_size), ["eyes"]), e, s)
    ref = s.current_portrait
    step = perform(holistic_from_session(s, HolisticSettings(age=-0.5), LockSettings(n_candidates=2, steps=2),
                                         lock), e, s)
    core = s.lock_mask(lock.id) >= 1.0
    for out in step.outputs:
        assert np.array_equal(s.image(out.sha256)[core], ref.image[core])


def _fake_pdf(content) -> bytes:
    return b"%PDF-1.4 fake\n"


def test_case_round_trip(tiny_engine, tiny_bundle, tmp_path):
    from composer.edit.lock import LockSettings
    from composer.edit.masks import region_mask
    e, keys = tiny_engine, tmp_path / "keys"
    s = picked_session(e, tmp_path / "recovery")
    perform(add_mark(s, SCAR), e, s)
    perform(add_mark(s, MOLE), e, s)
    perform(set_warps(s, WarpSettings(eye_spacing=0.4, mouth_width=-0.3)), e, s)
    slid = perform(holistic_from_session(s, HolisticSettings(age=0.5)), e, s)
    perform(Pick(0, slid.id), e, s)
    lock = perform(Lock(region_mask("mouth", e.image_size), ["mouth"]), e, s)
    slid = perform(holistic_from_session(s, HolisticSettings(age=0.7), LockSettings(n_candidates=2, steps=2), lock),
                   e, s)
    perform(Pick(1, slid.id), e, s)
    perform(apply_to_current(s), e, s)
    path = tmp_path / "hand.composer-case"
    export_case(Session.recover(s.folder), e, CaseMeta("H-1"), path, keys_dir=keys, render_pdf=_fake_pdf)
    record = json.loads(zipfile.ZipFile(path).read("record.json"))
    assert record["final"]["step"] == s.current.id and validate_record(record) == []
    assert verify_case(path, keys_dir=keys).ok
    report = reproduce_case(path, tiny_bundle.parent, keys_dir=keys)
    assert report.ok, report.lines()
    assert report.steps_replayed == len(record["steps"])


def test_schema_refuses_bad_hand_inputs():
    from composer.edit.hand_schema import hand_input_problems
    good = {"base_sha256": "0" * 64, "layer": HandLayer((SCAR,), WarpSettings(nose_width=0.2)).to_json()}
    assert hand_input_problems("add_mark", good) == []
    bad = json.loads(json.dumps(good))
    bad["layer"]["marks"][0]["opacity"] = 7
    bad["layer"]["warps"]["nose_width"] = 1e9
    problems = hand_input_problems("add_mark", bad)
    assert any("opacity" in p for p in problems) and any("warps" in p for p in problems)
    assert hand_input_problems("set_holistic", {"caption": "x", "state": {"Male": 2}, "sliders": {"age": 5}})


def test_report_lists_hand_edits_and_draws_the_mask(tiny_engine, tmp_path):
    from composer.casefile.report import ReportContent
    e = tiny_engine
    s = picked_session(e)
    perform(add_mark(s, SCAR), e, s)
    perform(set_warps(s, WarpSettings(eye_spacing=0.4)), e, s)
    seen = {}

    def grab(content: ReportContent) -> bytes:
        seen["c"] = content
        return b"%PDF-1.4 fake\n"
    export_case(s, e, CaseMeta("H-2"), tmp_path / "c.composer-case", keys_dir=tmp_path / "k", render_pdf=grab)
    c = seen["c"]
    assert c.hand_edits == ("step 4: Add scar line", "step 5: Shape: eye spacing +0.40")
    assert c.hand_mask_png.startswith(b"\x89PNG")
    from composer.casefile.report_pdf import render_pdf
    assert render_pdf(c).startswith(b"%PDF")                       # the real renderer draws it


def test_example_hand_case_verifies_and_reproduces():
    from pathlib import Path
    root = Path(__file__).resolve().parents[2]
    case, model = root / "examples" / "hand.composer-case", root / "models" / "default"
    if not case.is_file() or not (model / "model.json").is_file():
        pytest.skip("examples/hand.composer-case or the shipped model is missing")
    from composer.casefile.signing import pinned_trust
    trust = pinned_trust([str(root / "examples" / "hand-signer.pub")])
    assert verify_case(case, trust=trust).ok
    report = reproduce_case(case, model.parent, trust=trust)
    assert report.ok, report.lines()
    kinds = [s["kind"] for s in report.record["steps"]] if hasattr(report, "record") else None
    assert kinds is None or {"add_mark", "set_warps", "set_holistic", "apply_hand"} <= set(kinds)
