"""`composer evaluate`: how well a generator renders what was asked for, judged by Composer's own
attribute classifier on the CelebA TEST split.

1. Requested-attribute agreement: one portrait per test attribute set (caption = render_caption of
   the set, seeded z), classified; balanced accuracy against the requested attributes, per attribute
   and per group, set against the same classifier on the real test photos with those attributes.
   The headline is the ratio generated / real per group.
2. Fréchet distance in the classifier's feature space, generated vs real test, with the real train
   vs real test distance at the same sample size as the floor.
3. Diversity: mean pairwise feature distance among candidates for one caption, against the real
   test photos whose attribute sets are nearest to that caption's.
"""
from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Optional, Sequence

import numpy as np
import torch

from composer.gan.bundle import LoadedModel
from composer.portrait import to_uint8
from composer.text.attributes import from_vector
from composer.text.captions import render_caption
from composer.train.classifier import Classifier
from composer.train.data import load_celeba
from composer.train.metrics import (GROUPS, agreement, frechet_distance, group_scores,
                                    mean_pairwise_distance, nearest_label_sets)
from composer.train.text_encoder import encode_texts

Log = Callable[[str], None]


@dataclass(frozen=True)
class EvalConfig:
    limit: Optional[int] = None     # test attribute sets to use (deterministic subsample); None = all
    seed: int = 0
    batch: int = 32
    diversity_captions: int = 20
    diversity_candidates: int = 9


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


def evaluate(model: LoadedModel, clf: Classifier, data_folder: Path, cfg: EvalConfig = EvalConfig(),
             log: Log = print) -> dict:
    """Run all three measurements and return the JSON-ready report."""
    t0 = time.perf_counter()
    size = model.config.image_size
    test = load_celeba(Path(data_folder), "test", size)
    idx = subsample(len(test), cfg.limit, cfg.seed)
    rows = test.labels[idx]
    log(f"evaluate: {len(idx)} of {len(test)} test attribute sets, generating at {size} px")
    gen = generate(model, [caption_of(r) for r in rows], cfg.seed, cfg.batch)
    t_gen = time.perf_counter() - t0
    p_gen, f_gen = clf.run(gen)
    p_test, f_test = clf.run(test.images)
    train = load_celeba(Path(data_folder), "train", size, limit=len(idx))
    f_train = clf.run(train.images)[1]
    fd_gen, fd_floor = frechet_distance(f_gen, f_test[idx]), frechet_distance(f_train, f_test[idx])
    log("evaluate: diversity among candidates")
    diversity = diversity_report(model, clf, rows, test.labels, f_test, cfg)
    return {
        "model": {"name": model.name, "sha256": model.sha256, "image_size": size, "path": str(model.path)},
        "classifier": {"test_accuracy_mean": clf.meta.get("test_accuracy_mean"),
                       "test_balanced_accuracy_mean": clf.meta.get("test_balanced_accuracy_mean"),
                       "test_accuracy": clf.meta.get("test_accuracy", {}),
                       "test_balanced_accuracy": clf.meta.get("test_balanced_accuracy", {}),
                       "input_size": 64, "feature_dim": int(f_gen.shape[1])},
        "config": asdict(cfg), "n": int(len(idx)),
        "agreement": agreement_report(clf, p_gen, p_test[idx], rows),
        "frechet": {"generated_vs_test": fd_gen, "train_vs_test_floor": fd_floor,
                    "ratio": _ratio(fd_gen, fd_floor), "n": int(len(idx))},
        "diversity": diversity,
        "seconds": {"generate": round(t_gen, 1), "total": round(time.perf_counter() - t0, 1)},
    }


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
    return "\n".join(lines)
