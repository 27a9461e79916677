"""Print the README's benchmark tables (Markdown) from the JSON files in bench/results/.

    python bench/tables.py [--results bench/results]

The tables in README.md and bench/README.md are pasted from this output, so every number there
comes from a measured JSON file and can be re-checked after re-running the benchmarks.
"""
from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TIMED = [(p, n) for p in ("fp32", "bf16") for n in (1, 9)]   # precision × candidates in bench_lock timing


def _load(folder: Path, name: str) -> dict | None:
    path = folder / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else None


def _num(x, digits: int = 1) -> str:
    if isinstance(x, (int, float)) and math.isinf(x):
        return "∞ (exact)"
    return f"{x:.{digits}f}" if isinstance(x, (int, float)) else str(x)


def latency_table(d: dict) -> str:
    lines = ["| model | dtype | portraits | bare forward (ms) | Engine generate (ms) | ratio |",
             "|---|---|---|---|---|---|"]
    for r in d["rows"]:
        lines.append(f"| {r['model']} ({r['image_size']} px) | {r['dtype']} | {r['n']} | {r['forward_ms']:.0f} "
                     f"| {r['generate_ms']:.0f} | {r['ratio']:.2f} |")
    cold = "; ".join(f"{k}: {v['wall_s']:.1f} s (import {v['import_s']:.1f}, load {v['load_s']:.1f}, "
                     f"first portrait {v['first_portrait_s']:.2f})" for k, v in d.get("cold_start", {}).items())
    return "\n".join(lines) + (f"\n\nCold start to the first portrait, median of 3: {cold}." if cold else "")


def lock_quality_table(d: dict) -> str:
    lines = [f"{d['sets']} test-split photos × region, {d['grid']['steps']} steps, {d['grid']['n_candidates']} "
             f"candidates, {d['image_size']} px, model `{d['model']}`; medians.", "",
             "| region | PSNR locked, start | PSNR locked, optimised | PSNR locked, after paste-back "
             "| PSNR feather band | feature dist. start → optimised | change outside (0–255) "
             "| spread between candidates | seam: result / photo / raw paste |",
             "|---|---|---|---|---|---|---|---|---|"]
    for region, g in d["grid_by_region"].items():
        lines.append(f"| {region} | {_num(g['psnr_start'])} | {_num(g['psnr_locked_before'])} "
                     f"| {_num(g['psnr_locked_after'])} | {_num(g['psnr_band_after'])} "
                     f"| {g['feat_start']:.3f} → {g['feat_before']:.3f} | {g['outside_abs_change']:.1f} "
                     f"| {g['candidate_spread']:.1f} | {g['seam']:.1f} / {g['seam_reference']:.1f} "
                     f"/ {g['seam_raw_paste']:.1f} |")
    pb = d.get("paste_back")
    if pb:
        lines += ["", "| paste-back | seam | PSNR locked | PSNR band | change outside vs raw |", "|---|---|---|---|---|"]
        for m, v in pb.items():
            lines.append(f"| {m} | {v['seam']:.2f} | {_num(v['psnr_locked'])} | {_num(v.get('psnr_band', float('nan')))} "
                         f"| {v['outside_change_vs_raw']:.2f} |")
    ab = d.get("ablations")
    if ab:
        lines += ["", "| setting (eyes+mouth) | PSNR locked, optimised | D-feature dist. (ratio) "
                  "| classifier-feature dist. (ratio) | time (s) | time ratio |", "|---|---|---|---|---|---|"]
        for k, v in ab.items():
            clf = (f"{v['classifier_feat_before']:.3f} ({v['classifier_feat_ratio_vs_default']:.3f})"
                   if "classifier_feat_before" in v else "–")
            lines.append(f"| {k} | {_num(v['psnr_before'], 2)} | {v['feat_before']:.3f} ({v['feat_ratio_vs_default']:.3f}) "
                         f"| {clf} | {v['time_s']:.2f} | {v['time_ratio_vs_default']:.2f} |")
    return "\n".join(lines)


def lock_timing_table(d: dict) -> str:
    t = d["timing_s"]
    lines = ["| model | steps | dtype | candidates | windowed (s) | whole image (s) |", "|---|---|---|---|---|---|"]
    for p, n in TIMED:
        lines.append(f"| shipped, {d['image_size']} px | {t['steps']} | {p} | {n} | {t[f'{p}_n{n}_s']:.2f} "
                     f"| {t[f'{p}_n{n}_whole_image_s']:.2f} |")
    t128 = d.get("timing_128_s")
    if t128:
        lines += ["", f"128 px ({t128['architecture']}), per optimiser step and the fixed render + paste-back cost; "
                  f"a 40-step lock costs render + 40 × step:", "",
                  "| dtype | candidates | s/step windowed | s/step whole image | render + paste (s) "
                  "| projected 40 steps (s) |", "|---|---|---|---|---|---|"]
        for p, n in TIMED:
            step, whole = t128[f"{p}_n{n}_per_step_s"], t128[f"{p}_n{n}_whole_image_per_step_s"]
            render = t128[f"{p}_n{n}_render_only_s"]
            lines.append(f"| {p} | {n} | {step:.2f} | {whole:.2f} | {render:.2f} | {render + 40 * step:.1f} |")
    return "\n".join(lines)


def encoder_table(d: dict) -> str:
    lines = ["| pooling | step | probe accuracy | weakest attribute | triplets |", "|---|---|---|---|---|"]
    for pool, rows in d["runs"].items():
        for r in rows:
            lines.append(f"| {pool} | {r['step']} | {r['probe_accuracy']:.4f} | {r['probe_accuracy_min_attribute']:.4f} "
                         f"| {r['triplet_rate']:.4f} |")
    return "\n".join(lines)


def evaluate_table(d: dict) -> str:
    a = d["agreement"]
    lines = ["| group | generated (balanced acc.) | real photos | ratio |", "|---|---|---|---|"]
    for g, v in a["groups"].items():
        lines.append(f"| {g} | {v['generated']:.3f} | {v['real']:.3f} | {v['ratio']:.2f} |")
    f, dv = d["frechet"], d["diversity"]
    lines += ["", f"All 40 attributes: generated {a['all_attributes_generated']:.3f}, real {a['all_attributes_real']:.3f} "
              f"(balanced accuracy). Fréchet distance {f['generated_vs_test']:.1f} against a real-train vs real-test "
              f"floor of {f['train_vs_test_floor']:.1f} (ratio {f['ratio']:.1f}). Diversity {dv['generated']:.2f} "
              f"against {dv['real_matched']:.2f} for real photos with the nearest attribute sets (ratio {dv['ratio']:.2f}). "
              f"Model sha256 `{d['model']['sha256'][:16]}…`, n = {d['n']}."]
    if "summary" in d:            # composer evaluate --seeds N: every figure as median (range)
        s = d["summary"]
        lines += ["", f"Over seeds {d['seeds']}, median (range); floors are real-vs-real at the same sample size "
                  "(Fréchet classifier: train vs test; the others: val vs test; KID ratio = generated / "
                  "max(floor, floor's subset std)):", "", "| measure | median (range) | better |", "|---|---|---|"]
        order = ("agreement_ratio", "weakest_group_ratio", "frechet_ratio", "frechet_generated", "frechet_floor",
                 "frechet_val_floor", "kid_ratio", "kid_generated", "kid_floor", "kid_floor_std", "diversity_ratio",
                 "detector_accuracy", "detector_accuracy_epoch1", "detector_auc")
        for k, v in sorted(s["measures"].items(), key=lambda kv: (order + (kv[0],)).index(kv[0])):
            lines.append(f"| {k.replace('_', ' ')} | {v['median']:.4g} ({v['min']:.4g}–{v['max']:.4g}) "
                         f"| {s['better'].get(k) or 'floor'} |")
        for a in ("Bald", "Mustache", "Double_Chin", "Chubby", "Gray_Hair"):
            if a in s["attribute_ratios"]:
                v = s["attribute_ratios"][a]
                lines.append(f"| {a} agreement ratio | {v['median']:.3f} ({v['min']:.3f}–{v['max']:.3f}) | higher |")
    return "\n".join(lines)


def train_throughput_table(d: dict) -> str:
    lines = [f"{d['size']} px, ngf {d['ngf']}, batch {d['batch']} on {d['device']} (torch {d['torch']}), median step time:", "",
             "| bf16 | channels_last | step (s) | images/s | vs fp32 |", "|---|---|---|---|---|"]
    for r in d["rows"]:
        lines.append(f"| {r['bf16']} | {r['channels_last']} | {r['median_step_s']:.2f} | {r['images_per_s']:.1f} "
                     f"| {r['ratio_vs_fp32']:.2f} |")
    return "\n".join(lines)


MODEL_COLUMNS = ("agreement_ratio", "weakest_group_ratio", "frechet_ratio", "kid_ratio", "diversity_ratio",
                 "detector_accuracy", "detector_accuracy_epoch1")


def _med(m: dict, k: str, digits: int = 3) -> str:
    f = (lambda v: f"{v:.{digits}f}") if digits else (lambda v: f"{v:.3g}")
    return f"{f(m['median'][k])} ({f(m['range'][k][0])}–{f(m['range'][k][1])})"


def models_table(d: dict) -> str:
    """bench_models.py: one row per model, median over the latent seeds with the range in brackets;
    then, where measured, the raw values beside their real-vs-real floors and the watched attributes."""
    keys = [k for k in MODEL_COLUMNS if k in d["better"]] or list(d["better"])
    head = " | ".join(f"{k.replace('_', ' ')} ({d['better'][k]} is better)" for k in keys)
    lines = [f"| model | steps | images seen | {head} |", "|---|---|---|" + "---|" * len(keys)]
    for m in d["models"]:
        cells = " | ".join(_med(m, k) for k in keys)
        steps, seen = m["steps"] or 0, m["images_seen"] or 0
        lines.append(f"| {m['name']} `{m['sha256'][:12]}` | {steps:,} | {seen:,} | {cells} |")
    raw = [("Fréchet, classifier", "frechet_generated", "frechet_floor"),
           ("KID, classifier", "kid_generated", "kid_floor"),
           ("Fréchet, detector", "detector_frechet_generated", "detector_frechet_floor"),
           ("KID, detector", "detector_kid_generated", "detector_kid_floor")]
    raw = [r for r in raw if all(r[1] in m["median"] and r[2] in m["median"] for m in d["models"])]
    if raw:
        lines += ["", "| model | " + " | ".join(f"{t}: generated / floor" for t, _, _ in raw) + " |",
                  "|---|" + "---|" * len(raw)]
        for m in d["models"]:
            lines.append(f"| `{m['sha256'][:12]}` | " + " | ".join(f"{_med(m, g, 0)} / {_med(m, f, 0)}"
                                                                 for _, g, f in raw) + " |")
    attrs = [a for a in ("Bald", "Mustache", "Double_Chin", "Chubby", "Gray_Hair")
             if all(a in m.get("attribute_ratios", {}) for m in d["models"])]
    if attrs:
        lines += ["", "| model | " + " | ".join(f"{a} ratio" for a in attrs) + " |", "|---|" + "---|" * len(attrs)]
        for m in d["models"]:
            ar = m["attribute_ratios"]
            lines.append(f"| `{m['sha256'][:12]}` | " + " | ".join(
                f"{ar[a]['median']:.3f} ({ar[a]['min']:.3f}–{ar[a]['max']:.3f})" for a in attrs) + " |")
    floors = (" Floors: Fréchet classifier = real train vs real test; every other floor = real val vs real test, "
              "at the same sample size. KID ratio = generated / max(floor, floor's subset std).") if raw else ""
    return "\n".join(lines) + (f"\n\nMedian (range) over latent seeds {d['seeds']}, {d['limit']} CelebA test "
                               f"attribute sets each.{floors}")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--results", type=Path, default=ROOT / "bench/results")
    a = p.parse_args(argv)
    sections = [("latency", "Generation latency", latency_table), ("lock", "Region lock quality", lock_quality_table),
                ("lock_timing", "Region lock time", lock_timing_table), ("encoder", "Text encoder pooling", encoder_table),
                ("evaluate_default", "Shipped model quality", evaluate_table),
                ("evaluate_default_v2", "Shipped model quality over 3 seeds, with KID and the detector",
                 evaluate_table),
                ("models", "Shipped model against its predecessor", models_table),
                ("train_throughput_cpu64", "Training throughput on the CPU", train_throughput_table)]
    for name, title, fn in sections:
        d = _load(a.results, name)
        if d is None:
            print(f"## {title}\n\n(no {name}.json yet)\n")
            continue
        try:
            print(f"## {title} (`bench/results/{name}.json`)\n\n{fn(d)}\n")
        except KeyError as e:
            print(f"## {title}\n\n({name}.json predates this table's format: missing {e})\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
