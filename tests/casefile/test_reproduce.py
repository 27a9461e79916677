"""reproduce_case with a fake engine; the verify/reproduce CLIs; importing without PyQt5."""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pytest

from composer.casefile.export import export_case, json_bytes
from composer.casefile.record import CaseMeta
from composer.casefile.reproduce import find_model
from composer.casefile.signing import load_signer
from composer.errors import CaseFileError, ModelError
from composer.session import Session

from . import FakeEngine, fake_models, fake_sha_of, full_session, reproduce_fake
from .test_export_verify import fake_pdf, read, rewrite

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def models(tmp_path):
    return fake_models(tmp_path)


@pytest.fixture
def case(tmp_path, keys):
    session = full_session(Session(None), FakeEngine())
    path = tmp_path / "c.composer-case"
    export_case(session, FakeEngine(), CaseMeta("9"), path, keys_dir=keys, render_pdf=fake_pdf)
    return path


def test_reproduces_bit_identically(case, models, keys):
    report = reproduce_fake(case, models, keys)
    record = json.loads(read(case)["record.json"])
    assert report.ok, report.lines()
    assert report.steps_replayed == report.steps_total == len(record["steps"])
    assert report.images_checked == sum(len(s["outputs"]) for s in record["steps"])
    assert report.model_path == models / "fake" and report.lines()[-1].startswith("OK")


def test_first_difference_and_pixel_gap(case, models, keys):
    report = reproduce_fake(case, models, keys, FakeEngine(offset=3, differ_from_call=4))
    d = report.first_difference
    assert not report.ok and not report.final_identical
    assert (d.step, d.kind, d.index, d.max_pixel_diff) == (4, "evolve", 0, 3)
    assert report.steps_replayed == 3 and "DIFFERENT at step 4 (evolve)" in report.lines()[0]


def test_resigned_edited_record_is_caught_by_replay(case, models, keys, tmp_path):
    record = json.loads(read(case)["record.json"])
    record["steps"][1]["inputs"]["seed"] = 8
    bad = rewrite(case, tmp_path / "b.composer-case", {"record.json": json_bytes(record)}, load_signer(keys))
    with pytest.raises(CaseFileError, match="failed verification"):   # verify first (issue 16)
        reproduce_fake(bad, models, keys)
    from composer.casefile.reproduce import reproduce_case
    from . import FakeLockSettings
    report = reproduce_case(bad, models, engine_loader=lambda p: FakeEngine(), sha_of=fake_sha_of, keys_dir=keys,
                            settings_from_json=FakeLockSettings.from_json, unverified=True)
    assert report.first_difference.step == 2 and report.first_difference.kind == "generate"
    assert report.integrity  # portrait.png names the original record's hash


def test_missing_model_and_unreadable_case(case, keys, tmp_path):
    empty = tmp_path / "nomodels"
    empty.mkdir()
    with pytest.raises(ModelError) as e:
        reproduce_fake(case, empty, keys)
    assert FakeEngine.sha256 in str(e.value) and str(empty) in str(e.value)
    (tmp_path / "junk.composer-case").write_bytes(b"junk")
    with pytest.raises(CaseFileError, match="not a complete case file"):
        reproduce_fake(tmp_path / "junk.composer-case", empty, keys)


def test_find_model_skips_other_bundles(models, tmp_path):
    other = models / "other"
    other.mkdir()
    (other / "model.json").write_text(json.dumps({"sha": "cd" * 32}))
    assert find_model(FakeEngine.sha256, [models], fake_sha_of) == models / "fake"
    with pytest.raises(ModelError, match="other"):
        find_model("ef" * 32, [models], fake_sha_of)


def cli(module, argv):
    parser = argparse.ArgumentParser()
    module.register(parser.add_subparsers())
    args = parser.parse_args(argv)
    return args.func(args)


def test_verify_and_reproduce_cli(case, keys, tmp_path, capsys):
    from composer.cli import reproduce as reproduce_cli
    from composer.cli import verify as verify_cli

    assert cli(verify_cli, ["verify", str(case), "--keys-dir", str(keys)]) == 0
    assert capsys.readouterr().out.startswith("OK")
    assert cli(verify_cli, ["verify", str(case), "--keys-dir", str(tmp_path / "elsewhere")]) == 1
    assert "unknown key" in capsys.readouterr().err
    bad = rewrite(case, tmp_path / "b.composer-case", {"report.pdf": b"%PDF altered"})
    assert cli(verify_cli, ["verify", str(bad), "--keys-dir", str(keys)]) == 1
    err = capsys.readouterr().err
    assert "report.pdf has been changed" in err and "Traceback" not in err
    assert cli(verify_cli, ["verify", str(case), "--keys-dir", str(keys), "--trust", str(tmp_path / "no.pub")]) == 2
    assert "cannot read the key file" in capsys.readouterr().err
    empty = tmp_path / "nomodels"
    empty.mkdir()
    assert cli(reproduce_cli, ["reproduce", str(case), "--models", str(empty), "--keys-dir", str(keys)]) == 2
    err = capsys.readouterr().err
    assert "is not installed" in err and FakeEngine.sha256 in err and "Traceback" not in err


def test_casefile_and_session_import_without_pyqt5():
    code = ("import sys; sys.modules['PyQt5'] = None\n"
            "import composer.session, composer.casefile\n"
            "from composer.casefile import export, verify, reproduce, replay, builder, record, signing, report\n"
            "import composer.cli.verify, composer.cli.reproduce, composer.cli.case\n"
            "assert 'PyQt5.QtCore' not in sys.modules\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
