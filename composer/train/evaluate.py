"""`composer evaluate`: how well a generator renders what was asked for, judged by Composer's own
attribute classifier on the CelebA TEST split, with a second and third opinion on realism.

1. Requested-attribute agreement: one portrait per test attribute set (caption = render_caption of
   the set, seeded z), classified; balanced accuracy against the requested attributes, per attribute
   and per group, set against the same classifier on the real test photos with those attributes.
   The headline is the ratio generated / real per group.
2. Fréchet distance in the classifier's feature space, generated vs real test, with the real train
   vs real test distance at the same sample size as the floor (and real val vs real test beside it).
3. KID (unbiased polynomial-kernel MMD², Bińkowski et al. 2018) in the same features, generated vs
   real test, with the real val vs real test floor at the same sample size. The floor's expectation
   is 0, so the ratio is taken against max(floor, floor's subset std): see metrics.kid_ratio.
4. Diversity: mean pairwise feature distance among candidates for one caption, against the real
   test photos whose attribute sets are nearest to that caption's.
5. A real-vs-generated detector (composer.train.detector), trained per model and seed on real train
   faces against portraits of train attribute sets, judged on the real test faces against the
   portraits of item 1 (other attribute sets, other latents): held-out accuracy (0.5 means
   indistinguishable), and FD and KID in its features, with the real val vs real test floor.

`evaluate` measures one seed (the seed picks the test subsample and every latent); `evaluate_seeds`
repeats it over several seeds on data loaded once and summarises every figure as median (range).
"""
from __future__ import annotations

import statistics
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Callable, Optional, Sequence

import numpy as np
import torch

from composer.gan.bundle import LoadedModel
from composer.portrait import to_uint8
from composer.text.attributes import from_vector
from composer.text.captions import render_caption
from composer.train.classifier import Classifier
from composer.train.data import FaceData, load_celeba
from composer.train.detector import DetectorConfig, detector_features, fit_detector
from composer.train.metrics import (GROUPS, agreement, frechet_distance, group_scores, kernel_inception_distance,
                                    kid_ratio, mean_pairwise_distance, nearest_label_sets, NEAR_WHITE,
                                    WASHED_OUT_SHARE, detail_energy, washed_out_rate)
from composer.train.text_encoder import encode_texts

Log = Callable[[str], None]


@dataclass(frozen=True)
class EvalConfig:
    limit: Optional[int] = None     # test attribute sets to use (deterministic subsample); None = all
    seed: int = 0
    batch: int = 32
    diversity_captions: int = 20
    diversity_candidates: int = 9
    kid_subsets: int = 50           # KID: mean over this many random subsets ...
    kid_subset_size: int = 1000     # ... of min(this, n // 2) rows per side
    detector: bool = True           # train and score the real-vs-generated detector
    detector_train: int = 2000      # real train faces, and as many portraits of their attribute sets
    detector_epochs: int = 4


def caption_of(row: Sequence[float]) -> str:
    """The canonical caption of a full 0/1 attribute row (what the artist's dropdowns would give)."""
    return render_caption(from_vector(row))


def subsample(n: int, limit: Optional[int], seed: int) -> np.ndarray:
    """Sorted indices of a seeded random subset of range(n) (all of it without a limit)."""
    if not limit or limit >= n:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).permutation(n)[:limit])


@torch.no_grad()
def generate(model: LoadedModel, captions: Sequence[str], seed: int, batch: int = 32) -> np.ndarray:
    """One portrait per caption, z drawn from torch.Generator(seed): uint8 [N,S,S,3]."""
    z = torch.randn(len(captions), model.config.nz, generator=torch.Generator().manual_seed(seed))
    device = next(model.generator.parameters()).device
    out = []
    for i in range(0, len(captions), batch):
        sentence = encode_texts(model.encoder, model.vocab, list(captions[i:i + batch]), device)
        out += to_uint8(model.generator(z[i:i + batch].to(device), sentence))
    return np.stack(out)


def _ratio(a: float, b: float) -> Optional[float]:
    return float(a / b) if b > 0 else None


def _mean_of(*values: Optional[float]) -> Optional[float]:
    return None if any(v is None for v in values) else float(np.mean(values))


def agreement_report(clf: Classifier, p_gen: np.ndarray, p_real: np.ndarray, rows: np.ndarray) -> dict:
    """Balanced accuracy of generated and real images against the requested rows, with ratios."""
    names = clf.label_names
    gen, real = agreement(clf.predict(p_gen), rows, names), agreement(clf.predict(p_real), rows, names)
    attrs = {n: {"generated": gen[n]["balanced_accuracy"], "real": real[n]["balanced_accuracy"],
                 "ratio": _ratio(gen[n]["balanced_accuracy"], real[n]["balanced_accuracy"]),
                 "generated_accuracy": gen[n]["accuracy"], "real_accuracy": real[n]["accuracy"],
                 "positives": gen[n]["positives"]} for n in names}
    g_gen = group_scores({n: v["generated"] for n, v in attrs.items()})
    g_real = group_scores({n: v["real"] for n, v in attrs.items()})
    groups = {g: {"generated": g_gen[g], "real": g_real[g], "ratio": _ratio(g_gen[g], g_real[g]),
                  "attributes": list(GROUPS[g])} for g in g_gen}
    ratios = [v["ratio"] for v in groups.values() if v["ratio"] is not None]
    return {"metric": "balanced accuracy", "groups": groups, "attributes": attrs,
            "group_ratio_mean": float(np.mean(ratios)), "group_ratio_min": float(np.min(ratios)),
            "all_attributes_generated": float(np.mean([v["generated"] for v in attrs.values()])),
            "all_attributes_real": float(np.mean([v["real"] for v in attrs.values()]))}


def diversity_report(model: LoadedModel, clf: Classifier, rows: np.ndarray, test_labels: np.ndarray,
                     test_features: np.ndarray, cfg: EvalConfig) -> dict:
    """Candidates per caption vs the real test photos with the nearest attribute sets."""
    k, n_cap = cfg.diversity_candidates, min(cfg.diversity_captions, len(rows))
    rng = np.random.default_rng(cfg.seed + 1)
    gen, matched, random_real, label_dist = [], [], [], []
    for j in range(n_cap):
        images = generate(model, [caption_of(rows[j])] * k, cfg.seed + 1000 + j, cfg.batch)
        gen.append(mean_pairwise_distance(clf.run(images)[1]))
        near = nearest_label_sets(test_labels, rows[j], k)
        label_dist.append(float(((test_labels[near] > 0.5) != (rows[j] > 0.5)).sum(1).mean()))
        matched.append(mean_pairwise_distance(test_features[near]))
        random_real.append(mean_pairwise_distance(test_features[rng.choice(len(test_labels), k, replace=False)]))
    return {"captions": n_cap, "candidates": k, "generated": float(np.mean(gen)),
            "real_matched": float(np.mean(matched)), "real_random": float(np.mean(random_real)),
            "ratio": _ratio(float(np.mean(gen)), float(np.mean(matched))),
            "matched_mean_label_distance": float(np.mean(label_dist))}


@dataclass(frozen=True)
class EvalData:
    """The real faces every seed's measurement needs, loaded once: the whole test and val splits and
    the first train faces (the Fréchet floor and the detector's real training set)."""
    test: FaceData
    val: FaceData
    train: FaceData


def load_eval_data(data_folder: Path, size: int, cfg: EvalConfig, log: Log = print) -> EvalData:
    folder = Path(data_folder)
    test = load_celeba(folder, "test", size)
    n = len(subsample(len(test), cfg.limit, cfg.seed))
    n_train = max(n, cfg.detector_train if cfg.detector else 0)
    log(f"evaluate: loading real faces at {size} px (test, val, {n_train} train)")
    return EvalData(test, load_celeba(folder, "val", size), load_celeba(folder, "train", size, limit=n_train))


def kid_report(gen: np.ndarray, real: np.ndarray, floor_a: np.ndarray, cfg: EvalConfig) -> dict:
    """KID generated vs real, the real-vs-real floor (floor_a vs real, same n) and the guarded ratio."""
    m = min(cfg.kid_subset_size, len(gen) // 2, len(real) // 2, len(floor_a) // 2)   # one size for both
    k_gen = kernel_inception_distance(gen, real, cfg.kid_subsets, m, cfg.seed)
    k_floor = kernel_inception_distance(floor_a, real, cfg.kid_subsets, m, cfg.seed)
    return {"generated_vs_test": k_gen["mean"], "generated_std": k_gen["std"],
            "floor": k_floor["mean"], "floor_std": k_floor["std"], "ratio": kid_ratio(k_gen, k_floor),
            "floor_above_noise": bool(k_floor["mean"] > k_floor["std"]),
            "subsets": k_gen["subsets"], "subset_size": k_gen["subset_size"],
            "ratio_definition": "generated / max(floor, floor subset std)"}


def detector_report(model: LoadedModel, data: EvalData, gen: np.ndarray, real_test: np.ndarray,
                    real_val: np.ndarray, cfg: EvalConfig, log: Log) -> dict:
    """Fit the real-vs-generated detector for this model and seed; judge it on held-out faces."""
    n_train = min(cfg.detector_train, len(data.train))
    real_train, rows = data.train.images[:n_train], data.train.labels[:n_train]
    log(f"evaluate: detector on {n_train} real train faces against {n_train} portraits of their attributes")
    fake_train = generate(model, [caption_of(r) for r in rows], cfg.seed + 100_000, cfg.batch)
    dcfg = DetectorConfig(epochs=cfg.detector_epochs, seed=cfg.seed)
    net, metrics = fit_detector(real_train, fake_train, real_test, gen, dcfg, log)
    f_gen, f_test, f_val = (detector_features(net, x) for x in (gen, real_test, real_val))
    fd_gen, fd_floor = frechet_distance(f_gen, f_test), frechet_distance(f_val, f_test)
    return {**metrics, "held_out_accuracy": metrics["held_out"]["accuracy"],
            "frechet": {"generated_vs_test": fd_gen, "val_vs_test_floor": fd_floor,
                        "ratio": _ratio(fd_gen, fd_floor), "n": int(len(gen)), "n_floor": int(len(f_val))},
            "kid": {**kid_report(f_gen, f_test, f_val, cfg), "floor_pair": "val vs test"},
            "feature_dim": int(f_gen.shape[1]), "latent_seed_train": cfg.seed + 100_000}


def evaluate(model: LoadedModel, clf: Classifier, data_folder: Path, cfg: EvalConfig = EvalConfig(),
             log: Log = print, data: Optional[EvalData] = None) -> dict:
    """Run every measurement for one seed and return the JSON-ready report."""
    t0 = time.perf_counter()
    size = model.config.image_size
    data = data or load_eval_data(data_folder, size, cfg, log)
    test = data.test
    idx = subsample(len(test), cfg.limit, cfg.seed)
    rows = test.labels[idx]
    log(f"evaluate: seed {cfg.seed}, {len(idx)} of {len(test)} test attribute sets, generating at {size} px")
    gen = generate(model, [caption_of(r) for r in rows], cfg.seed, cfg.batch)
    t_gen = time.perf_counter() - t0
    p_gen, f_gen = clf.run(gen)
    p_test, f_test = clf.run(test.images)
    f_train = clf.run(data.train.images[:len(idx)])[1]
    # the val floor: as many val faces as test faces in the subsample (all of val if it has fewer)
    val_idx = np.sort(np.random.default_rng(cfg.seed + 2).permutation(len(data.val))[:len(idx)])
    real_val = data.val.images[val_idx]
    f_val = clf.run(real_val)[1]
    fd_gen, fd_floor = frechet_distance(f_gen, f_test[idx]), frechet_distance(f_train, f_test[idx])
    fd_val = frechet_distance(f_val, f_test[idx])
    log("evaluate: diversity among candidates")
    diversity = diversity_report(model, clf, rows, test.labels, f_test, cfg)
    report = {
        "model": {"name": model.name, "sha256": model.sha256, "image_size": size, "path": str(model.path)},
        "classifier": {"test_accuracy_mean": clf.meta.get("test_accuracy_mean"),
                       "test_balanced_accuracy_mean": clf.meta.get("test_balanced_accuracy_mean"),
                       "test_accuracy": clf.meta.get("test_accuracy", {}),
                       "test_balanced_accuracy": clf.meta.get("test_balanced_accuracy", {}),
                       "input_size": 64, "feature_dim": int(f_gen.shape[1])},
        "config": asdict(cfg), "n": int(len(idx)),
        "agreement": agreement_report(clf, p_gen, p_test[idx], rows),
        "frechet": {"generated_vs_test": fd_gen, "train_vs_test_floor": fd_floor,
                    "ratio": _ratio(fd_gen, fd_floor), "n": int(len(idx)),
                    "val_vs_test_floor": fd_val, "ratio_val": _ratio(fd_gen, fd_val), "n_val": int(len(val_idx))},
        "kid": {**kid_report(f_gen, f_test[idx], f_val, cfg), "floor_pair": "val vs test",
                "train_vs_test_floor": kernel_inception_distance(f_train, f_test[idx], cfg.kid_subsets,
                                                                 cfg.kid_subset_size, cfg.seed)["mean"]},
        "diversity": diversity,
    }
    report["washed_out"] = {"generated": washed_out_rate(gen), "real_test": washed_out_rate(test.images[idx]),
                            "real_val": washed_out_rate(real_val), "share": WASHED_OUT_SHARE, "white": NEAR_WHITE,
                            "definition": f"portraits whose central face box is more than {WASHED_OUT_SHARE:.0%} "
                                          "near-white"}
    d_gen, d_test = detail_energy(gen), detail_energy(test.images[idx])
    report["detail"] = {"generated": d_gen, "real_test": d_test,
                        "ratio": {k: _ratio(d_gen[k], d_test[k]) for k in d_gen},
                        "definition": "median variance of the 4-neighbour Laplacian per BT.601 channel "
                                      "(luma, Cr, Cb); ratio = generated / real test"}
    if cfg.detector:
        report["detector"] = detector_report(model, data, gen, test.images[idx], real_val, cfg, log)
    report["seconds"] = {"generate": round(t_gen, 1), "total": round(time.perf_counter() - t0, 1)}
    return report


# Headline figures of a report: name -> (how to read it, which way is better: "higher", "lower",
# "nearer 1" for ratios to real photos; None for floors).
MEASURES: dict[str, tuple[Callable[[dict], Optional[float]], Optional[str]]] = {
    "agreement_ratio": (lambda r: r["agreement"]["all_attributes_generated"] / r["agreement"]["all_attributes_real"],
                        "higher"),
    "weakest_group_ratio": (lambda r: r["agreement"]["group_ratio_min"], "higher"),
    "frechet_ratio": (lambda r: r["frechet"]["ratio"], "lower"),
    "frechet_generated": (lambda r: r["frechet"]["generated_vs_test"], "lower"),
    "frechet_floor": (lambda r: r["frechet"]["train_vs_test_floor"], None),
    "frechet_val_floor": (lambda r: r["frechet"]["val_vs_test_floor"], None),
    "kid_ratio": (lambda r: r["kid"]["ratio"], "lower"),
    "kid_generated": (lambda r: r["kid"]["generated_vs_test"], "lower"),
    "kid_floor": (lambda r: r["kid"]["floor"], None),
    "kid_floor_std": (lambda r: r["kid"]["floor_std"], None),
    "diversity_ratio": (lambda r: r["diversity"]["ratio"], "higher"),
    "washed_out_rate": (lambda r: r["washed_out"]["generated"], "lower"),
    "washed_out_rate_real": (lambda r: r["washed_out"]["real_test"], None),
    "luma_detail_ratio": (lambda r: r["detail"]["ratio"]["luma"], "nearer 1"),
    "colour_detail_ratio": (lambda r: _mean_of(r["detail"]["ratio"]["cr"], r["detail"]["ratio"]["cb"]), "nearer 1"),
    "detector_accuracy": (lambda r: r["detector"]["held_out_accuracy"], "lower"),
    "detector_auc": (lambda r: r["detector"]["held_out"]["auc"], "lower"),
    "detector_accuracy_epoch1": (lambda r: r["detector"]["held_out_accuracy_by_epoch"][0], "lower"),
    "detector_frechet_ratio": (lambda r: r["detector"]["frechet"]["ratio"], "lower"),
    "detector_frechet_generated": (lambda r: r["detector"]["frechet"]["generated_vs_test"], "lower"),
    "detector_frechet_floor": (lambda r: r["detector"]["frechet"]["val_vs_test_floor"], None),
    "detector_kid_ratio": (lambda r: r["detector"]["kid"]["ratio"], "lower"),
    "detector_kid_generated": (lambda r: r["detector"]["kid"]["generated_vs_test"], "lower"),
    "detector_kid_floor": (lambda r: r["detector"]["kid"]["floor"], None),
    "detector_kid_floor_std": (lambda r: r["detector"]["kid"]["floor_std"], None),
}
WATCHED_ATTRIBUTES = ("Bald", "Mustache", "Double_Chin", "Chubby", "Gray_Hair")


def spread(values: Sequence[float]) -> dict:
    """Median, min, max and the values themselves: how a figure is reported over seeds."""
    return {"median": float(statistics.median(values)), "min": float(min(values)), "max": float(max(values)),
            "values": [float(v) for v in values]}


def summarize(reports: Sequence[dict]) -> dict:
    """Median (range) over the seeds' reports of every headline measure and per-attribute ratio."""
    out = {}
    for name, (fn, _) in MEASURES.items():
        try:
            vals = [fn(r) for r in reports]
        except KeyError:            # e.g. detector figures of a run without the detector
            continue
        if all(v is not None for v in vals):
            out[name] = spread(vals)
    attrs = {}
    for a in reports[0]["agreement"]["attributes"]:
        vals = [r["agreement"]["attributes"][a]["ratio"] for r in reports]
        if all(v is not None for v in vals):
            attrs[a] = spread(vals)
    return {"measures": out, "attribute_ratios": attrs,
            "better": {k: b for k, (_, b) in MEASURES.items() if k in out}}


def evaluate_seeds(model: LoadedModel, clf: Classifier, data_folder: Path, cfg: EvalConfig = EvalConfig(),
                   seeds: Sequence[int] = (0, 1, 2), log: Log = print) -> dict:
    """`evaluate` once per seed (each picks its own test subsample, latents and detector), real data
    loaded once. Returns the first seed's report with "seeds", "summary" (median, min, max and values
    of every headline figure and per-attribute ratio) and "runs" (every seed's report) added."""
    if not seeds:
        raise ValueError("evaluate_seeds needs at least one seed")
    t0 = time.perf_counter()
    data = load_eval_data(data_folder, model.config.image_size, cfg, log)
    runs = [evaluate(model, clf, data_folder, replace(cfg, seed=s), log, data) for s in seeds]
    # the first seed's report stays at the top level (the single-seed layout), the rest beside it
    return {**runs[0], "seeds": list(seeds), "summary": summarize(runs), "runs": runs,
            "seconds_all_seeds": round(time.perf_counter() - t0, 1)}


def _f(v: Optional[float], digits: int = 3) -> str:
    return "-" if v is None else f"{v:.{digits}f}"


def format_report(report: dict) -> str:
    """A readable table of the headline numbers."""
    m, a, fd, dv = report["model"], report["agreement"], report["frechet"], report["diversity"]
    lines = [f"model {m['name']} ({m['image_size']} px, sha256 {m['sha256'][:12]}), "
             f"{report['n']} test attribute sets",
             f"classifier on real test photos: accuracy {_f(report['classifier']['test_accuracy_mean'])}, "
             f"balanced {_f(report['classifier']['test_balanced_accuracy_mean'])}",
             "", "requested-attribute agreement (balanced accuracy)",
             f"  {'group':<12} {'generated':>9} {'real':>7} {'ratio':>7}"]
    for g, v in a["groups"].items():
        flag = "" if v["ratio"] is None or v["ratio"] >= 0.9 else "  < 0.9"
        lines.append(f"  {g:<12} {_f(v['generated']):>9} {_f(v['real']):>7} {_f(v['ratio']):>7}{flag}")
    lines += ["", f"  {'attribute':<20} {'asked':>5} {'generated':>9} {'real':>7} {'ratio':>7} {'clf acc':>7}"]
    clf_acc = report["classifier"].get("test_accuracy", {})
    for n, v in a["attributes"].items():
        lines.append(f"  {n:<20} {v['positives']:>5} {_f(v['generated']):>9} {_f(v['real']):>7} "
                     f"{_f(v['ratio']):>7} {_f(clf_acc.get(n)):>7}")
    lines += [f"  {'all 40':<20} {'':>5} {_f(a['all_attributes_generated']):>9} {_f(a['all_attributes_real']):>7}",
              f"  group ratio: mean {_f(a['group_ratio_mean'])}, min {_f(a['group_ratio_min'])}", "",
              f"Fréchet distance (classifier features): generated {_f(fd['generated_vs_test'], 2)}, "
              f"floor train-vs-test {_f(fd['train_vs_test_floor'], 2)}, ratio {_f(fd['ratio'], 2)}",
              f"diversity ({dv['candidates']} candidates × {dv['captions']} captions, mean pairwise distance): "
              f"generated {_f(dv['generated'], 2)}, real nearest sets {_f(dv['real_matched'], 2)} "
              f"(ratio {_f(dv['ratio'], 2)}), real random {_f(dv['real_random'], 2)}"]
    if "kid" in report:
        k = report["kid"]
        lines.insert(-1, f"KID (classifier features, {k['subsets']} subsets of {k['subset_size']}): generated "
                         f"{_e(k['generated_vs_test'])} ± {_e(k['generated_std'])}, floor val-vs-test "
                         f"{_e(k['floor'])} ± {_e(k['floor_std'])}, ratio {_f(k['ratio'], 1)} "
                         f"({k['ratio_definition']})")
    if "washed_out" in report:
        wo = report["washed_out"]
        lines.append(f"washed-out portraits (face box more than {wo['share']:.0%} near-white): generated "
                     f"{_f(wo['generated'])}, real test {_f(wo['real_test'])}, real val {_f(wo['real_val'])}")
    if "detail" in report:
        dr = report["detail"]["ratio"]
        lines.append(f"fine detail, generated / real test (Laplacian variance): luma {_f(dr['luma'], 2)}, "
                     f"Cr {_f(dr['cr'], 2)}, Cb {_f(dr['cb'], 2)} (1 = as real; below 1 smeared, above 1 noisy)")
    if "detector" in report:
        d = report["detector"]
        h, dk, dfd = d["held_out"], d["kid"], d["frechet"]
        lines += [f"real-vs-generated detector ({d['n_train_real']} + {d['n_train_generated']} training faces, "
                  f"{d['seconds']:.0f} s): held-out accuracy {_f(h['accuracy'])} (0.5 = indistinguishable; "
                  f"real called real {_f(h['real_called_real'])}, generated called generated "
                  f"{_f(h['generated_called_generated'])}, AUC {_f(h['auc'])}; after each epoch "
                  f"{', '.join(_f(v) for v in d['held_out_accuracy_by_epoch'])})",
                  f"  in its features: Fréchet generated {_f(dfd['generated_vs_test'], 2)}, floor val-vs-test "
                  f"{_f(dfd['val_vs_test_floor'], 2)}, ratio {_f(dfd['ratio'], 1)}; KID generated "
                  f"{_e(dk['generated_vs_test'])}, floor {_e(dk['floor'])} ± {_e(dk['floor_std'])}, "
                  f"ratio {_f(dk['ratio'], 1)}"]
    return "\n".join(lines)


def _e(v: Optional[float]) -> str:
    return "-" if v is None else f"{v:.3g}"


def format_summary(doc: dict) -> str:
    """The multi-seed summary: every headline figure as median (range) over the seeds."""
    s, m = doc["summary"], doc["model"]
    lines = [f"model {m['name']} ({m['image_size']} px, sha256 {m['sha256'][:12]}), {doc['n']} test attribute "
             f"sets, seeds {doc['seeds']}: median (range)", "", f"  {'measure':<28} {'median':>10}  range"]
    for name, v in s["measures"].items():
        better = s["better"].get(name)
        tag = f"  ({better} is better)" if better else "  (real-vs-real floor)"
        lines.append(f"  {name:<28} {_e(v['median']):>10}  {_e(v['min'])} – {_e(v['max'])}{tag}")
    lines += ["", "  agreement ratio per attribute (generated / real, balanced accuracy)"]
    for name in WATCHED_ATTRIBUTES:
        v = s["attribute_ratios"].get(name)
        if v:
            lines.append(f"  {name:<28} {_f(v['median']):>10}  {_f(v['min'])} – {_f(v['max'])}")
    return "\n".join(lines)
