"""Session: history tree, undo/redo/branching, exact inputs, exposure log, autosave and recovery."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from casefile import FakeEngine, FakeLockSettings, fake_mask, full_session
from composer.operations import Evolve, Generate, Pick, perform
from composer.record.codec import quantise_mask, z_from_b64
from composer.session import Session, Step, find_recovery

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def engine():
    return FakeEngine()


def test_undo_redo_branch_and_goto_never_delete(engine):
    s = Session(None)
    assert not s.can_undo and not s.can_redo
    g1 = perform(Generate("a man", 3, 1), engine, s)
    p1 = perform(Pick(0), None, s)
    assert s.undo().id == g1.id and s.can_redo
    p2 = perform(Pick(2), None, s)                 # new action from a non-leaf step: a branch
    assert p2.parent == g1.id and [c.id for c in s.children(g1.id)] == [p1.id, p2.id]
    s.undo()
    assert s.redo().id == p2.id           # redo goes to the most recent child
    assert s.undo().id == g1.id and s.undo() is None and s.undo() is None
    g2 = perform(Generate("a woman", 2, 5), engine, s)
    assert g2.parent is None              # a second root after undoing everything
    s.goto(p1.id)
    assert s.current_portrait.sha256 == s.step(g1.id).outputs[0].sha256
    assert [st.id for st in s.lineage()] == [g1.id, p1.id]
    assert len(s.steps) == 4 and [st.id for st in s.steps] == [1, 2, 3, 4]
    with pytest.raises(KeyError):
        s.goto(99)


def test_steps_are_frozen_json_safe_and_z_exact(engine):
    s = Session(None)
    parent_z = np.array([0.1, -1e-8, 3.4028235e38, 1.17549435e-38, -0.0, 7.0], np.float32)
    ps = engine.evolve("cap", parent_z, 2, 3, 0.25)
    step = Evolve("cap", parent_z, 2, 3, 0.25).record(s, ps)
    with pytest.raises(Exception):
        step.inputs["seed"] = 4  # read-only view
    with pytest.raises(Exception):
        step.kind = "pick"
    assert z_from_b64(step.inputs["parent_z"]).tobytes() == parent_z.tobytes()
    assert all(z_from_b64(o.z).tobytes() == p.z.tobytes() for o, p in zip(step.outputs, ps))
    again = Step.from_json(json.loads(json.dumps(step.to_json())))
    assert again == step
    with pytest.raises(ValueError):
        Step(1, None, "teleport", {})
    with pytest.raises(TypeError):
        Step(1, None, "generate", {"seed": np.int64(3)})  # not JSON-safe: refused at once


def test_inputs_replay_the_engine_call(engine):
    s = full_session(Session(None), engine)
    gen = next(st for st in s.steps if st.kind == "generate")
    again = engine.candidates(gen.inputs["caption"], gen.inputs["n"], gen.inputs["seed"])
    assert [p.sha256 for p in again] == [o.sha256 for o in gen.outputs]
    res = next(st for st in s.steps if st.kind == "resynthesise")
    assert res.inputs["steps_run"] == 3 and res.inputs["settings"]["steps"] == 3
    assert res.inputs["settings"]["time_budget_s"] is None
    assert res.notes["requested_settings"]["time_budget_s"] == 3.0
    lock = s.step(res.parent)
    assert lock.kind == "lock"
    assert np.array_equal(s.image(lock.inputs["mask_sha256"]), quantise_mask(fake_mask()))
    settings = FakeLockSettings.from_json(res.inputs["settings"])
    out = [p for p in engine.resynthesise(res.inputs["caption"], z_from_b64(res.inputs["z0"]),
                                          s.image(res.inputs["reference_sha256"]), s.lock_mask(lock.id),
                                          settings)][-1].result
    from composer.portrait import image_sha256
    assert [image_sha256(i) for i in out.images] == [o.sha256 for o in res.outputs]


def test_derived_state_and_exposure_log(engine):
    s = full_session(Session(None), engine)
    assert s.description == {"choices": {"hair": "blond"}, "free_text": "young man zork", "text_last": True}
    assert s.caption == "young man"
    assert s.interpretation["not_understood"] == [{"text": "zork"}]
    shown = [st for st in s.steps if st.outputs and st.kind != "pick"]
    expected = [(st.id, i, o.sha256) for st in shown for i, o in enumerate(st.outputs)]
    assert [(e.step, e.index, e.sha256) for e in s.exposures] == expected
    assert len(s.exposures) == 4 + 3 + 3
    s.note_shown([np.full((16, 16, 3), 9, np.uint8)])
    assert s.exposures[-1].what == "preview" and s.image(s.exposures[-1].sha256)[0, 0, 0] == 9
    assert len(s.candidates) == 3 and s.candidates_step.kind == "resynthesise"


def test_pick_needs_a_candidate(engine):
    s = Session(None)
    with pytest.raises(IndexError):
        perform(Pick(0), None, s)
    perform(Generate("c", 2, 0), engine, s)
    with pytest.raises(IndexError):
        perform(Pick(2), None, s)


def test_autosave_and_recover_round_trip(tmp_path, engine):
    s = full_session(Session(tmp_path), engine)
    s.goto(3)
    events = []
    s.add_listener(events.append)
    s.undo()
    assert events == ["moved"]
    infos = find_recovery(tmp_path)
    assert [i.session_id for i in infos] == [s.session_id] and infos[0].n_steps == len(s.steps)
    r = Session.recover(tmp_path)
    assert r.steps == s.steps and r.current.id == s.current.id and r.exposures == s.exposures
    assert r.missing_images == ()
    for st in s.steps:
        for o in st.outputs:
            assert np.array_equal(r.image(o.sha256), s.image(o.sha256))
    perform(Pick(1), None, r)  # keeps autosaving into the same folder
    assert Session.recover(s.folder).current.kind == "pick"
    r.finish()
    assert find_recovery(tmp_path) == [] and len(find_recovery(tmp_path, include_closed=True)) == 1
    assert len(Session.recover(s.folder).steps) == len(s.steps) + 1  # nothing deleted by finish


def test_failed_autosave_keeps_work_and_retries(tmp_path, engine):
    blocker = tmp_path / "root"
    blocker.write_text("a file where the recovery folder should be")
    s = Session(blocker)
    step = perform(Generate("c", 2, 0), engine, s)
    assert s.autosave_error and "failed" in s.autosave_error and s.current == step
    blocker.unlink()
    perform(Pick(1), None, s)
    assert s.autosave_error is None
    r = Session.recover(blocker)
    assert len(r.steps) == 2 and r.missing_images == ()


def test_recover_reports_bad_folders(tmp_path):
    from composer.errors import ComposerError
    with pytest.raises(ComposerError, match="no unfinished session"):
        Session.recover(tmp_path)
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "session.json").write_text("{not json")
    with pytest.raises(ComposerError, match="cannot be read"):
        Session.recover(tmp_path / "x")


CHILD = textwrap.dedent("""
    import sys
    sys.path[:0] = [sys.argv[2], sys.argv[3]]
    from casefile import FakeEngine
    from composer.operations import Generate, perform
    from composer.session import Session
    engine, s = FakeEngine(), Session(sys.argv[1])
    for i in range(10_000):
        perform(Generate("a face", 9, i), engine, s)
        print(i + 1, flush=True)
""")


def test_sigkill_mid_session_loses_no_completed_step(tmp_path):
    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(tmp_path), str(ROOT / "tests"), str(ROOT)],
                            stdout=subprocess.PIPE, text=True)
    try:
        completed = 0
        while completed < 6:
            line = proc.stdout.readline()
            assert line, "child process died before finishing six steps"
            completed = int(line)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    s = Session.recover(tmp_path)
    assert len(s.steps) >= completed and s.missing_images == ()
    assert [st.inputs["seed"] for st in s.steps] == list(range(len(s.steps)))
    engine = FakeEngine()
    last = s.steps[completed - 1]
    assert [p.sha256 for p in engine.candidates("a face", 9, completed - 1)] == [o.sha256 for o in last.outputs]
