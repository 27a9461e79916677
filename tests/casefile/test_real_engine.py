"""Round trip with the real Engine on the tiny random-weight bundle: build, export, verify,
reproduce bit-identically on CPU; and the `composer case` command end to end."""
from __future__ import annotations

from composer.casefile.export import export_case
from composer.casefile.record import CaseMeta
from composer.casefile.reproduce import reproduce_case
from composer.casefile.verify import verify_case
from composer.operations import Describe, Evolve, Generate, Lock, Pick, Resynthesise, perform
from composer.session import Session

from .test_export_verify import fake_pdf


def test_real_engine_case_reproduces_bit_identically(tiny_engine, tiny_bundle, tmp_path):
    from composer.edit import LockSettings
    from composer.edit.masks import region_mask
    from composer.text.description import Description

    engine, keys = tiny_engine, tmp_path / "keys"
    s = Session(tmp_path / "recovery")
    description = Description(free_text="a smiling young man with blond hair")
    perform(Describe(description), engine, s)
    perform(Generate(s.caption, 3, 11), engine, s)
    perform(Pick(1), engine, s)
    parent = s.current_portrait
    perform(Evolve(s.caption, parent.z, 2, 5, 0.4), engine, s)
    perform(Pick(0), engine, s)
    n_images = 3 + 1 + 2 + 1
    # a time-budgeted re-synthesis must replay from its recorded steps_run
    chosen = s.current_portrait
    lock = perform(Lock(region_mask("mouth", engine.image_size), ["mouth"]), engine, s)
    settings = LockSettings(n_candidates=2, steps=200, time_budget_s=0.3, seed=1)
    res = perform(Resynthesise(s.caption, chosen.z, chosen.sha256, lock.inputs["mask_sha256"], settings), engine, s)
    assert 0 < res.inputs["steps_run"] < 200
    perform(Pick(res.notes["order"][0]), engine, s)
    n_images += 2 + 1
    path = tmp_path / "real.composer-case"
    export_case(Session.recover(s.folder), engine, CaseMeta("R-1"), path, keys_dir=keys, render_pdf=fake_pdf)
    assert verify_case(path, keys_dir=keys).ok
    report = reproduce_case(path, tiny_bundle.parent, keys_dir=keys)
    assert report.ok, report.lines()
    assert report.images_checked == n_images and report.model_path == tiny_bundle


def test_case_command_with_lock(tiny_bundle, tmp_path, capsys):
    from composer.cli import main

    out = tmp_path / "cli.composer-case"
    argv = ["case", "--caption", "a young woman with black hair", "--lock", "eyes", "--seed", "3", "-n", "2",
            "--lock-steps", "2", "--out", str(out), "--model", str(tiny_bundle), "--keys-dir", str(tmp_path / "k"),
            "--case-id", "C-9", "--operator", "test"]
    assert main(argv) == 0 and out.exists()
    assert main(argv) == 2 and "already exists" in capsys.readouterr().err
    assert main(["verify", str(out), "--keys-dir", str(tmp_path / "k")]) == 0
    assert main(["reproduce", str(out), "--models", str(tiny_bundle.parent), "--keys-dir", str(tmp_path / "k")]) == 0
    assert "OK" in capsys.readouterr().out
