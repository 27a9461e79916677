"""`composer session run`: scripts are checked before they run, every op records the step the window
would, and the shipped example scripts write case files that verify and reproduce."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from composer.casefile.reproduce import reproduce_case
from composer.casefile.verify import verify_case
from composer.cli import main as cli
from composer.errors import ComposerError
from composer.script import OPS, ScriptRunner, load_script, parse_script
from composer.session import Session

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"


def run_script(engine, script, keys):
    session = Session(None)
    runner = ScriptRunner(engine, session, script, keys_dir=keys)
    done = list(runner.run())
    return session, runner, done


@pytest.mark.parametrize("data, message", [
    ({"steps": []}, "no \"steps\" list"),
    ({"steps": [{"op": "paint"}]}, "unknown op 'paint'"),
    ({"steps": [{"op": "generate"}]}, "'seed' is missing"),
    ({"steps": [{"op": "generate", "seed": "7"}]}, "'seed' must be integer"),
    ({"steps": [{"op": "generate", "seed": True}]}, "'seed' must be integer"),
    ({"steps": [{"op": "pick", "index": 0, "tile": 2}]}, "unknown field 'tile'"),
    ({"format": "other", "steps": [{"op": "undo"}]}, "not a composer-session-script"),
    ({"steps": [{"op": "undo"}], "case": {"case_id": 5}}, "text fields"),
    (["not an object"], "step 1 is not an object"),
    ("text", "JSON/YAML object"),
])
def test_bad_scripts_are_refused_before_anything_runs(data, message):
    with pytest.raises(ComposerError, match=message):
        parse_script(data)


def test_unreadable_and_malformed_files_give_one_line(tmp_path):
    bad = tmp_path / "s.json"
    bad.write_text("{\"steps\": [", encoding="utf-8")
    with pytest.raises(ComposerError, match="is not valid JSON"):
        load_script(bad)
    yaml_bad = tmp_path / "s.yaml"
    yaml_bad.write_text("steps:\n  - {op: generate\n  seed: [", encoding="utf-8")
    with pytest.raises(ComposerError, match="is not valid YAML"):
        load_script(yaml_bad)
    with pytest.raises(ComposerError, match="cannot read the script"):
        load_script(tmp_path / "missing.json")


def test_cli_reports_a_bad_script_in_one_line(tmp_path, capsys):
    path = tmp_path / "s.json"
    path.write_text(json.dumps({"steps": [{"op": "lock", "regions": "eyes"}]}), encoding="utf-8")
    assert cli(["session", "run", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "step 1 (lock): 'regions' must be list" in err


def test_runtime_errors_name_the_step(tiny_engine, tmp_path):
    script = parse_script({"steps": [{"op": "describe", "text": "a man"}, {"op": "generate", "n": 3, "seed": 1},
                                     {"op": "resynthesise", "seed": 2}]})
    with pytest.raises(ComposerError, match=r"step 3 \(resynthesise\): no portrait is picked"):
        run_script(tiny_engine, script, tmp_path)
    script = parse_script({"steps": [{"op": "describe", "text": "a man"}, {"op": "generate", "n": 3, "seed": 1},
                                     {"op": "pick", "index": 0}, {"op": "lock", "regions": ["eyes"], "from": "photo:x.png"}]})
    with pytest.raises(ComposerError, match=r"step 4 \(lock\): \"from\" 'photo:x.png' is not a source"):
        run_script(tiny_engine, script, tmp_path)


@pytest.fixture
def examples(tmp_path):
    """The example scripts and their assets, copied so the case files are written under tmp."""
    for name in ("session-full.json", "session-quick.yaml", "session-photo-A.png", "session-brush.png"):
        shutil.copy(EXAMPLES / name, tmp_path / name)
    return tmp_path


def test_the_examples_use_every_operation():
    used = set()
    for name in ("session-full.json", "session-quick.yaml"):
        used |= {s.op for s in load_script(EXAMPLES / name).steps}
    assert used == set(OPS)


def test_full_example_runs_verifies_and_reproduces(tiny_engine, tiny_bundle, examples, tmp_path):
    keys = tmp_path / "keys"
    session, runner, done = run_script(tiny_engine, load_script(examples / "session-full.json"), keys)
    case = examples / "session-full.composer-case"
    assert [r.path for r in runner.exported] == [case]
    kinds = [s.kind for s in session.steps]
    for kind in ("describe", "generate", "pick", "evolve", "lock", "import_reference", "resynthesise",
                 "add_mark", "set_warps", "set_holistic"):
        assert kind in kinds
    # the re-synthesis drew the corrected words, and its lock composed three sources
    resynth = next(s for s in session.steps if s.kind == "resynthesise")
    assert "glasses" in resynth.inputs["caption"] and "no glasses" not in resynth.inputs["caption"]
    lock = session.step(resynth.parent) if session.step(resynth.parent).kind == "lock" else None
    lock = lock or next(s for s in reversed(session.steps[:resynth.id - 1]) if s.kind == "lock")
    labels = {s["region"]: s["label"] for s in lock.inputs["sources"]}
    assert labels["mouth"] == "photo session-photo-A.png" and labels["nose"] == "step 3's portrait"
    assert "brush" not in labels                                     # unlocked again
    # the undo/redo/branch left two children under the re-synthesis
    assert len(session.children(resynth.id)) == 2
    check = verify_case(case, keys_dir=keys)
    assert check.ok, [p.message for p in check.problems]
    report = reproduce_case(case, tiny_bundle.parent, keys_dir=keys)
    assert report.ok and report.final_identical, report.lines()


def test_quick_yaml_example_and_brush_lock(tiny_engine, examples, tmp_path):
    keys = tmp_path / "keys"
    session, runner, _ = run_script(tiny_engine, load_script(examples / "session-quick.yaml"), keys)
    assert len(runner.exported) == 1 and verify_case(runner.exported[0].path, keys_dir=keys).ok
    brush = parse_script({"steps": [{"op": "describe", "text": "a woman"}, {"op": "generate", "n": 2, "seed": 1},
                                    {"op": "pick", "index": 1}, {"op": "lock", "brush": "session-brush.png"}]},
                         examples)
    session, _, _ = run_script(tiny_engine, brush, keys)
    mask = session.lock_mask(session.current.id)
    assert mask[-8:].max() == 1.0 and mask[:32].max() == 0.0          # the chin ellipse of the PNG
    assert np.array_equal(session.image(session.current.inputs["reference_sha256"]),
                          session.current_portrait.image)
