"""`composer evaluate` end to end on a tiny random bundle and a handful of real CelebA images
(copied at test time into tmp_path, never into the repo)."""
from __future__ import annotations

import argparse
import csv
import json

import numpy as np
import pytest

from composer.gan.bundle import load_bundle
from composer.train.classifier import Classifier, ClassifierConfig, ensure_classifier
from composer.train.evaluate import (WATCHED_ATTRIBUTES, EvalConfig, agreement_report, caption_of,
                                     evaluate_seeds, format_report, format_summary, generate, subsample)

PER_SPLIT = {0: 16, 1: 6, 2: 12}   # train, val, test images in the mini folder
TINY = ClassifierConfig(width=8, feature_dim=16, epochs=1, batch=8, threads=2)


@pytest.fixture(scope="module")
def mini_celeba(celeba_dir, tmp_path_factory):
    """A CelebA-shaped folder with 34 real images (ids, offsets, jpeg + both CSVs). The shards hold ids
    in order, so train images come from shard 00 and val/test ones from shard 03."""
    out = tmp_path_factory.mktemp("celeba")
    with open(celeba_dir / "celeba_meta.csv", newline="") as f:
        part = {int(r["image_id"][:6]): int(r["partition"]) for r in csv.DictReader(f)}
    want, ids = dict(PER_SPLIT), []
    for shard in ("celeba128_shard00.npz", "celeba128_shard03.npz"):
        pack = np.load(celeba_dir / shard)
        picked = []
        for i, cid in enumerate(pack["ids"]):
            if want.get(part.get(int(cid)), 0) > 0:
                want[part[int(cid)]] -= 1
                picked.append(i)
        if not picked:
            continue
        blobs = [pack["jpeg"][pack["offsets"][i]:pack["offsets"][i + 1]] for i in picked]
        np.savez(out / shard, ids=pack["ids"][picked], jpeg=np.concatenate(blobs),
                 offsets=np.cumsum([0] + [len(b) for b in blobs]).astype(np.int64))
        ids += [int(pack["ids"][i]) for i in picked]
    assert not any(want.values()), "shards 00 and 03 should hold enough images of each split"
    names = {f"{cid:06d}.jpg" for cid in ids}
    for file in ("celeba_attrs.csv", "celeba_meta.csv"):
        with open(celeba_dir / file, newline="") as f:
            lines = f.read().splitlines()
        (out / file).write_text("\n".join([lines[0]] + [ln for ln in lines[1:] if ln.split(",")[0] in names]) + "\n")
    return out


@pytest.fixture(scope="module")
def classifier_dir(mini_celeba, tmp_path_factory):
    """A tiny classifier trained (through ensure_classifier) on the mini folder, cached on disk."""
    folder = tmp_path_factory.mktemp("classifier") / "clf"
    ensure_classifier(folder, mini_celeba, TINY, log=lambda _: None)
    return folder


def test_subsample_is_deterministic_and_sorted():
    a, b = subsample(100, 10, 3), subsample(100, 10, 3)
    assert np.array_equal(a, b) and len(set(a)) == 10 and list(a) == sorted(a)
    assert not np.array_equal(a, subsample(100, 10, 4))
    assert np.array_equal(subsample(5, None, 0), np.arange(5)) and len(subsample(5, 50, 0)) == 5


def test_caption_of_full_row():
    row = np.zeros(40)
    row[20] = 1   # Male
    row[15] = 1   # Eyeglasses
    cap = caption_of(row)
    assert "man" in cap and "glasses" in cap and cap == caption_of(row.copy())


def test_generate_is_seeded(tiny_bundle):
    model = load_bundle(tiny_bundle)
    caps = [caption_of(np.zeros(40)), caption_of(np.ones(40))]
    a, b = generate(model, caps, seed=5, batch=1), generate(model, caps, seed=5, batch=2)
    assert a.shape == (2, 64, 64, 3) and a.dtype == np.uint8
    assert np.array_equal(a, b)                        # batching does not change the result
    assert not np.array_equal(a, generate(model, caps, seed=6))


def test_agreement_report_ratio():
    names = tuple(f"a{i}" for i in range(39)) + ("Male",)
    clf = Classifier(None, names, np.full(40, 0.5), TINY)
    rows = np.zeros((4, 40))
    rows[:2, 39] = 1
    p_real = rows.copy()                                    # real photos: perfect
    p_gen = rows.copy()
    p_gen[0, 39] = 0                                        # one generated man looks like a woman
    rep = agreement_report(clf, p_gen, p_real, rows)
    assert rep["groups"]["sex"]["real"] == pytest.approx(1.0)
    assert rep["groups"]["sex"]["generated"] == pytest.approx(0.75)
    assert rep["groups"]["sex"]["ratio"] == pytest.approx(0.75)
    assert rep["attributes"]["Male"]["positives"] == 2 and set(rep["groups"]) == {"sex"}


def test_evaluate_end_to_end(tiny_bundle, mini_celeba, classifier_dir):
    assert (classifier_dir / "classifier.json").is_file()
    logs = []
    clf = ensure_classifier(classifier_dir, mini_celeba, TINY, logs.append)   # cached: no retraining
    assert logs == [] and clf.meta["n_test"] == PER_SPLIT[2] and len(clf.meta["test_accuracy"]) == 40
    cfg = EvalConfig(limit=8, diversity_captions=2, diversity_candidates=3, kid_subsets=4, detector_train=16,
                     detector_epochs=1)
    doc = evaluate_seeds(load_bundle(tiny_bundle), clf, mini_celeba, cfg, seeds=(0, 1), log=lambda _: None)
    report = doc["runs"][0]
    assert doc["seeds"] == [0, 1] and len(doc["runs"]) == 2 and doc["n"] == 8
    assert doc["agreement"] == report["agreement"]                        # seed 0's report at the top level
    assert doc["runs"][1]["config"]["seed"] == 1
    assert report["n"] == 8 and report["model"]["name"] == "tiny-random"
    assert set(report["agreement"]["groups"]) == {"sex", "age", "hair colour", "glasses", "facial hair",
                                                  "smile", "hat"}
    fd = report["frechet"]
    assert fd["generated_vs_test"] > 0 and fd["train_vs_test_floor"] > 0
    assert report["diversity"]["captions"] == 2 and report["diversity"]["generated"] >= 0
    wo = report["washed_out"]
    assert 0 <= wo["generated"] <= 1 and 0 <= wo["real_test"] <= 1 and wo["share"] == 0.10
    detail = report["detail"]
    assert set(detail["ratio"]) == {"luma", "cr", "cb"} and detail["real_test"]["luma"] > 0
    assert detail["ratio"]["luma"] == pytest.approx(detail["generated"]["luma"] / detail["real_test"]["luma"])
    kid = report["kid"]
    assert {"generated_vs_test", "floor", "floor_std", "ratio", "subset_size"} <= set(kid)
    assert kid["subset_size"] == 3 and kid["subsets"] == 4                   # min(1000, 8 // 2, 6 val // 2)
    det = report["detector"]
    assert 0 <= det["held_out_accuracy"] <= 1 and det["n_train_real"] == 16 and det["held_out"]["n_real"] == 8
    assert {"generated_vs_test", "val_vs_test_floor", "ratio"} <= set(det["frechet"]) and "ratio" in det["kid"]
    measures = doc["summary"]["measures"]
    for k in ("agreement_ratio", "frechet_ratio", "kid_ratio", "kid_floor", "diversity_ratio", "washed_out_rate",
              "washed_out_rate_real", "luma_detail_ratio", "colour_detail_ratio", "detector_accuracy", "detector_frechet_ratio", "detector_kid_ratio"):
        assert measures[k]["min"] <= measures[k]["median"] <= measures[k]["max"] and len(measures[k]["values"]) == 2
    ratios = doc["summary"]["attribute_ratios"]
    assert ratios and set(ratios) <= set(report["agreement"]["attributes"]) and WATCHED_ATTRIBUTES[0] == "Bald"
    json.dumps(doc)                                         # JSON-ready
    table = format_report(report)
    assert "facial hair" in table and "Fréchet" in table and "KID" in table and "detector" in table
    assert "washed-out portraits" in table and "fine detail" in table
    assert "kid_ratio" in format_summary(doc)


def test_cli_end_to_end_and_errors(tiny_bundle, mini_celeba, classifier_dir, tmp_path, capsys):
    from composer.cli import evaluate as cli
    parser = argparse.ArgumentParser()
    cli.register(parser.add_subparsers())
    base = ["evaluate", "--model", str(tiny_bundle), "--classifier", str(classifier_dir)]
    args = parser.parse_args(base + ["--data", str(tmp_path / "nowhere")])
    assert args.func(args) == 2
    assert "does not exist" in capsys.readouterr().err
    args = parser.parse_args(["evaluate", "--model", str(tmp_path), "--data", str(mini_celeba)])
    assert args.func(args) == 2
    assert "model.json" in capsys.readouterr().err
    # an unwritable --out fails before any work (the classifier folder is not even created)
    (tmp_path / "a_file").write_text("x")
    fresh_clf = tmp_path / "no_classifier_yet"
    for bad in (tmp_path, tmp_path / "a_file" / "report.json"):
        args = parser.parse_args(["evaluate", "--model", str(tiny_bundle), "--classifier", str(fresh_clf),
                                  "--data", str(mini_celeba), "--out", str(bad)])
        assert args.func(args) == 2
        assert "report" in capsys.readouterr().err and not fresh_clf.exists()
    args = parser.parse_args(base + ["--data", str(mini_celeba), "--seeds", "0"])
    assert args.func(args) == 2 and "--seeds" in capsys.readouterr().err
    out = tmp_path / "report.json"
    args = parser.parse_args(base + ["--data", str(mini_celeba), "--limit", "6", "--out", str(out),
                                     "--diversity-captions", "2", "--candidates", "3", "--seeds", "2",
                                     "--no-detector"])
    assert args.func(args) == 0
    report = json.loads(out.read_text())
    assert report["n"] == 6 and report["diversity"]["candidates"] == 3 and report["seeds"] == [0, 1]
    assert "detector" not in report and "kid_ratio" in report["summary"]["measures"]
    printed = capsys.readouterr().out
    assert "requested-attribute agreement" in printed and "median (range)" in printed
