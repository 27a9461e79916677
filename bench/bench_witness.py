"""A simulated witness: how close does Composer's loop get to the face a witness has in mind?

For each target (a real CelebA TEST face the witness "saw") a `composer.witness.Witness` describes
it in paraphrased words (4-7 statements, some wrong) and then, round after round, picks the candidate
that looks most like its memory, confirms regions that look right (the artist locks them) and may
correct one attribute. The artist's side (`composer.witness.run_loop`) uses exactly the window's
operations on a headless Session. Scoring uses the identity network (models/identity/), never used
in generation: the identity similarity of the round's portrait to the target, and the target's rank
in a gallery of 100 TEST faces of the same sex (the target + 99 other identities) ordered by
similarity to the portrait. Baselines on the same targets: round 1's first candidate, a random real
TEST face with the target's main attributes, and the loop without locks.

    nice -n 5 python bench/bench_witness.py --variants main nolock --targets 50 --rounds 10
    nice -n 5 python bench/bench_witness.py --variants sigma0.5 grid6 strength_flat --targets 20
    python bench/bench_witness.py --report          # assemble JSON, plot and table from the runs

Each (variant, target) result is cached under runs/witness/ (resumable; delete to re-run).
Writes bench/results/witness.json, witness_ablations.json, witness_rank.png. CelebA images are read
at run time, never stored. One thread (torch.set_num_threads(1)).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from composer.witness import LoopConfig, Witness, WitnessConfig, run_loop  # noqa: E402
from composer.witness.metrics import gallery_rank, summarise  # noqa: E402

DATA = ROOT.parent / "shared/data/celeba"
RUNS = ROOT / "runs/witness"
RESULTS = ROOT / "bench/results"
MODELS_DIRS = [ROOT / "models"]        # where `composer reproduce` looks for the bundle (plus --model's folder)
GALLERY = 100
MATCH_ON = ("Male", "Young", "Black_Hair", "Blond_Hair", "Brown_Hair", "Gray_Hair", "Bald", "Eyeglasses",
            "No_Beard", "Wearing_Hat", "Smiling")

# "main" is the loop as the window runs it by default: locks, the lock's Medium spread (1.5), and the
# artist's practice of varying the same portrait again when the witness says none is closer
# (keep_best). The other variants change one thing against main (or against nolock).
MAIN = LoopConfig(keep_best=True, restart_sigma=1.5)
VARIANTS = {
    "main": MAIN,
    "nolock": LoopConfig(locks=False, keep_best=True),
    "pick_always": LoopConfig(restart_sigma=1.5),                      # main, but a pick every round
    "nolock_pick_always": LoopConfig(locks=False),
    "sigma0.5": LoopConfig(keep_best=True, restart_sigma=0.5),
    "sigma4.0": LoopConfig(keep_best=True, restart_sigma=4.0),
    "grid6": LoopConfig(keep_best=True, restart_sigma=1.5, grid=6),
    "strength_flat": LoopConfig(keep_best=True, restart_sigma=1.5, strengths=(0.5,)),
    "strength_large": LoopConfig(keep_best=True, restart_sigma=1.5, strengths=(0.9, 0.8, 0.7, 0.6, 0.5)),
    "nolock_large": LoopConfig(locks=False, keep_best=True, strengths=(0.9, 0.8, 0.7, 0.6, 0.5)),
    "nolock_flat": LoopConfig(locks=False, keep_best=True, strengths=(0.5,)),
    "nolock_grid6": LoopConfig(locks=False, keep_best=True, grid=6),
    "confirm95": MAIN,              # main, with a witness who confirms only regions beating 95 % of others
}
# variants that change the witness rather than the loop
WITNESS_CHANGES = {"confirm95": {"region_quantile": 0.95}}


def load_test_setup(n_targets: int, seed: int = 0):
    """Test faces (64 px), their attributes and identities; the targets; each target's gallery;
    a same-attribute random face per target; val faces for the witness's region calibration."""
    from composer.train.identity import load_identity_split
    from composer.text.attributes import ATTRIBUTES
    images, ids, data = load_identity_split(DATA, "test")
    attrs = data.labels > 0.5
    male = attrs[:, ATTRIBUTES.index("Male")]
    rng = np.random.default_rng(seed)
    # targets: one face per identity, in a seeded order
    order = rng.permutation(len(images))
    seen, targets = set(), []
    for i in order:
        if int(ids[i]) not in seen:
            seen.add(int(ids[i]))
            targets.append(int(i))
        if len(targets) == n_targets:
            break
    match_cols = [ATTRIBUTES.index(a) for a in MATCH_ON]
    setups = []
    for t in targets:
        g_rng = np.random.default_rng([seed, t])
        pool = [i for i in g_rng.permutation(len(images)) if male[i] == male[t] and ids[i] != ids[t]]
        gallery, used = [t], {int(ids[t])}
        for i in pool:                      # one face per identity
            if int(ids[i]) not in used:
                used.add(int(ids[i]))
                gallery.append(int(i))
            if len(gallery) == GALLERY:
                break
        outside = [i for i in range(len(images)) if ids[i] != ids[t] and i not in set(gallery)]
        score = (attrs[outside][:, match_cols] == attrs[t, match_cols]).sum(1)
        best = [outside[k] for k in np.flatnonzero(score == score.max())]
        lookalike = int(best[int(g_rng.integers(len(best)))])
        setups.append({"target": t, "gallery": gallery, "lookalike": lookalike,
                       "lookalike_matches": int(score.max()), "match_of": len(match_cols)})
    val_images, _, val_data = load_identity_split(DATA, "val")
    val_male = val_data.labels[:, ATTRIBUTES.index("Male")] > 0.5
    return images, data, ids, setups, val_images, val_male


def run_variant(name: str, cfg: LoopConfig, setup_data, engine, identity, classifier, witness_cfg: WitnessConfig,
                n_targets: int, case_dir: Path | None = None) -> list[dict]:
    from composer.text.attributes import ATTRIBUTES
    images, data, ids, setups, val_images, val_male = setup_data
    folder = RUNS / name
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for k, s in enumerate(setups[:n_targets]):
        path = folder / f"target{k:03d}.json"
        wcfg = WitnessConfig(**{**witness_cfg.to_json(), **WITNESS_CHANGES.get(name, {}), "seed": k})
        res_cfg = LoopConfig(**{**cfg.to_json(), "strengths": tuple(cfg.strengths), "seed": k})
        if path.exists():
            cached = json.loads(path.read_text())
            if (cached.get("model_sha256"), cached.get("witness_config"), cached.get("loop_config")) \
                    == (engine.sha256, _as_json(wcfg.to_json()), _as_json(res_cfg.to_json())):
                out.append(cached)
                continue
            print(f"[{name}] target {k}: cached run is of another model or loop; running it again", flush=True)
        t = s["target"]
        male = bool(data.labels[t, ATTRIBUTES.index("Male")] > 0.5)
        others = val_images[val_male == male][:200]
        witness = Witness(images[t], dict(zip(ATTRIBUTES, data.labels[t])), identity, wcfg, others=others,
                          classifier=classifier)
        t0 = time.perf_counter()
        load0 = os.getloadavg()[0]
        res = run_loop(engine, witness, res_cfg)
        seconds = time.perf_counter() - t0
        np.savez_compressed(folder / f"target{k:03d}_portraits.npz", portraits=np.stack(res.portraits),
                            first_candidate=res.first_candidate)      # generated images only
        g_emb = identity.embed(images[s["gallery"]])
        # a second, independent yardstick: the attribute classifier's feature space (not identity)
        g_f = _unit(classifier.run(images[s["gallery"]])[1])
        p_f = _unit(classifier.run(np.stack(res.portraits))[1])
        f_first = _unit(classifier.run(res.first_candidate[None])[1])[0]
        f_look = _unit(classifier.run(images[s["lookalike"]][None])[1])[0]
        p_emb = identity.embed(np.stack(res.portraits))
        first = identity.embed(res.first_candidate[None])[0]
        look = identity.embed(images[s["lookalike"]][None])[0]
        rec = {"target_index": k, "image_id": data.ids[t], "variant": name, "seconds": round(seconds, 2),
               "model_sha256": engine.sha256, "portrait_size": int(res.portraits[0].shape[0]),
               "load_at_start": round(load0, 2),
               "description": res.session.step(1).inputs["description"]["free_text"],
               "caption": res.session.caption, "n_wrong": witness.n_wrong, "n_statements": witness.n_statements,
               "rank": [gallery_rank(e, g_emb, 0) for e in p_emb],
               "similarity": [round(float(e @ g_emb[0]), 4) for e in p_emb],
               "first_candidate_rank": gallery_rank(first, g_emb, 0),
               "first_candidate_similarity": round(float(first @ g_emb[0]), 4),
               "lookalike_rank": gallery_rank(look, g_emb, 0),
               "lookalike_similarity": round(float(look @ g_emb[0]), 4),
               "lookalike_matches": f"{s['lookalike_matches']}/{s['match_of']}",
               "attribute_feature_rank": [gallery_rank(e, g_f, 0) for e in p_f],
               "attribute_feature_first_candidate_rank": gallery_rank(f_first, g_f, 0),
               "attribute_feature_lookalike_rank": gallery_rank(f_look, g_f, 0),
               "trace": res.trace, "steps": len(res.session.steps), "witness_config": wcfg.to_json(),
               "loop_config": res_cfg.to_json()}
        if case_dir is not None and k == 0:
            rec["case_file"] = export_and_check(res.session, engine, case_dir / f"witness-{name}-0.composer-case")
        path.write_text(json.dumps(rec, indent=1))
        print(f"[{name}] target {k}: rank {rec['rank'][0]} -> {rec['rank'][-1]} (first cand {rec['first_candidate_rank']}, "
              f"lookalike {rec['lookalike_rank']}), sim {rec['similarity'][-1]:.3f}, {seconds:.1f} s", flush=True)
        out.append(rec)
    return out


def _as_json(d: dict) -> dict:
    """`d` as it reads back from the cached JSON (tuples become lists)."""
    return json.loads(json.dumps(d))


def _unit(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, np.float64)
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


def export_and_check(session, engine, path: Path) -> dict:
    """Export the run as a case file signed with a throwaway key; verify and reproduce it."""
    from composer.casefile.export import export_case
    from composer.casefile.record import CaseMeta
    from composer.casefile.reproduce import reproduce_case
    from composer.casefile.verify import verify_case
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as keys:
        try:
            from composer.cli.gui import ensure_runtime_dir
            ensure_runtime_dir()
            export_case(session, engine, CaseMeta("WITNESS-0", "bench_witness", "simulated witness"), path,
                        keys_dir=keys, overwrite=True)
            pdf = "Qt"
        except Exception as e:  # noqa: BLE001 - no Qt here: a text stand-in for the PDF report
            export_case(session, engine, CaseMeta("WITNESS-0", "bench_witness", "simulated witness"), path,
                        keys_dir=keys, overwrite=True, render_pdf=lambda c: b"%PDF-1.4 stand-in " + c.case_id.encode())
            pdf = f"stand-in ({type(e).__name__})"
        verified = verify_case(path, keys_dir=keys)
        rep = reproduce_case(path, MODELS_DIRS, keys_dir=keys)
    return {"path": str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path), "verified": bool(verified.ok),
            "reproduced": bool(rep.ok), "images_checked": int(rep.images_checked), "pdf": pdf}


# ------------------------------------------------------------------------------------------ report

def per_round(recs: list[dict]) -> list[dict]:
    n_rounds = min(len(r["rank"]) for r in recs)
    out = [{"round": i + 1, **summarise([r["rank"][i] for r in recs], [r["similarity"][i] for r in recs])}
           for i in range(n_rounds)]
    if all("full_rank" in r for r in recs):
        for i, p in enumerate(out):
            full = summarise([r["full_rank"][i] for r in recs])
            p.update({f"full_{k}": v for k, v in full.items() if k != "n"})
    return out


def variant_summary(name: str, recs: list[dict], cfg: LoopConfig) -> dict:
    rounds = per_round(recs)
    secs = [r["seconds"] for r in recs]
    return {"variant": name, "config": cfg.to_json(), "n_targets": len(recs), "per_round": rounds,
            "final": rounds[-1], "seconds_total": round(sum(secs), 1), "seconds_per_target_median": round(float(np.median(secs)), 2),
            "seconds_per_round_median": round(float(np.median(secs)) / len(rounds), 2),
            "load_at_start_median": round(float(np.median([r["load_at_start"] for r in recs])), 2),
            "corrections": int(sum(1 for r in recs for t in r["trace"] if "correction" in t)),
            "locks": int(sum(1 for r in recs for t in r["trace"] if "locked" in t)),
            "wrong_statements": int(sum(r["n_wrong"] for r in recs))}


def _paired(recs: list[dict], ref: list[dict]) -> dict:
    """Per target, last round: is the variant's rank better, worse or tied against the reference's
    (full gallery when measured, else the 100-face gallery), with a two-sided sign-test p-value."""
    from math import comb
    key = "full_rank" if all("full_rank" in r for r in recs + ref) else "rank"
    by = {r["target_index"]: r[key][-1] for r in ref}
    diff = [by[r["target_index"]] - r[key][-1] for r in recs if r["target_index"] in by]
    better, worse = sum(d > 0 for d in diff), sum(d < 0 for d in diff)
    n = better + worse
    p = min(1.0, 2 * sum(comb(n, k) for k in range(0, min(better, worse) + 1)) / 2 ** n) if n else 1.0
    return {"gallery": "full" if key == "full_rank" else "100", "better": better, "worse": worse,
            "tied": len(diff) - n, "sign_test_p": round(p, 4)}


def load_runs(name: str) -> list[dict]:
    folder = RUNS / name
    return [json.loads(p.read_text()) for p in sorted(folder.glob("target*.json"))] if folder.is_dir() else []


def plot(summaries: dict, baselines: dict, path: Path, full_baselines: dict | None = None) -> None:
    """Two panels side by side: the 100-face gallery and (when measured) the full same-sex gallery."""
    from PIL import Image
    panels = [_panel(summaries, baselines, "", 60.0, False,
                     "target's rank among 100 same-sex test faces (median over targets, band: quartiles of main)")]
    if full_baselines is not None:
        panels.append(_panel(summaries, full_baselines, "full_", 1000.0, True,
                             "target's rank among all same-sex test faces (about 1,200; log scale)"))
    img = Image.new("RGB", (sum(p.width for p in panels), panels[0].height), "white")
    x = 0
    for p in panels:
        img.paste(p, (x, 0))
        x += p.width
    path.parent.mkdir(parents=True, exist_ok=True)
    img.save(path)


def _panel(summaries: dict, baselines: dict, key: str, ymax: float, log: bool, title: str):
    """Median rank of the target per round (lower is better), quartile band, baselines dashed; PIL only."""
    import math
    from PIL import Image, ImageDraw
    W, H, L, R, T, B = 760, 520, 60, 230, 50, 60
    img = Image.new("RGB", (W, H), "white")
    d = ImageDraw.Draw(img)
    n_rounds = max(len(s["per_round"]) for s in summaries.values())

    def xy(rnd: float, rank: float) -> tuple[float, float]:
        x = L + (rnd - 1) / max(1, n_rounds - 1) * (W - L - R)
        f = (math.log(min(rank, ymax)) / math.log(ymax)) if log else (min(rank, ymax) - 1) / (ymax - 1)
        return x, T + f * (H - T - B)

    for rank in ((1, 2, 5, 10, 20, 50, 100, 200, 500, 1000) if log else (1, 10, 20, 30, 40, 50, 60)):
        _, y = xy(1, rank)
        d.line([(L, y), (W - R, y)], fill=(225, 225, 225))
        d.text((L - 34, y - 6), str(rank), fill="black")
    for rnd in range(1, n_rounds + 1):
        x, _ = xy(rnd, 1)
        d.text((x - 4, H - B + 8), str(rnd), fill="black")
    d.text((L + (W - L - R) // 2 - 20, H - B + 28), "round", fill="black")
    d.text((10, T - 30), title, fill="black")
    colours = [(31, 119, 180), (214, 39, 40), (44, 160, 44), (148, 103, 189), (140, 86, 75), (227, 119, 194),
               (127, 127, 127), (188, 189, 34)]
    ly = T
    for k, (name, s) in enumerate(summaries.items()):
        c = colours[k % len(colours)]
        pts = [xy(p["round"], p[key + "median_rank"]) for p in s["per_round"]]
        if k == 0:   # quartile band of the main run
            band = [xy(p["round"], p[key + "q25_rank"]) for p in s["per_round"]] + \
                   [xy(p["round"], p[key + "q75_rank"]) for p in s["per_round"]][::-1]
            d.polygon(band, fill=(210, 228, 243))
        d.line(pts, fill=c, width=3)
        for x, y in pts:
            d.ellipse([x - 3, y - 3, x + 3, y + 3], fill=c)
        d.line([(W - R + 15, ly + 6), (W - R + 40, ly + 6)], fill=c, width=3)
        d.text((W - R + 45, ly), f"{name} (n={s['n_targets']})", fill="black")
        ly += 18
    for k, (name, rank) in enumerate(baselines.items()):
        c = [(100, 100, 100), (255, 127, 14)][k % 2]
        _, y = xy(1, rank)
        for x0 in range(L, W - R, 12):
            d.line([(x0, y), (x0 + 6, y)], fill=c, width=2)
        d.line([(W - R + 15, ly + 6), (W - R + 40, ly + 6)], fill=c, width=1)
        d.text((W - R + 45, ly), f"{name}: {rank:g}", fill="black")
        ly += 18
    if summaries:   # redraw the main line over the band
        s = next(iter(summaries.values()))
        d.line([xy(p["round"], p[key + "median_rank"]) for p in s["per_round"]], fill=colours[0], width=3)
    return img


def full_gallery_ranks(all_recs: dict, identity) -> None:
    """Add `full_rank` (per round), `full_first_candidate_rank` and `full_lookalike_rank` to each record:
    the target's rank among ALL same-sex test faces (every image, other identities only, the look-alike
    left out), from the saved portraits. The 100-face gallery saturates at rank 1; this one does not."""
    from composer.text.attributes import ATTRIBUTES
    n = max(len(r) for r in all_recs.values())
    images, data, ids, setups, _, _ = load_test_setup(n)
    male = data.labels[:, ATTRIBUTES.index("Male")] > 0.5
    emb = identity.embed(images)
    index = {name: i for i, name in enumerate(data.ids)}
    for name, recs in all_recs.items():
        for r in recs:
            k = r["target_index"]
            t, look = index[r["image_id"]], setups[k]["lookalike"]
            assert setups[k]["target"] == t
            keep = [t] + [i for i in range(len(images)) if male[i] == male[t] and ids[i] != ids[t] and i != look]
            g = emb[keep]
            saved = np.load(RUNS / name / f"target{k:03d}_portraits.npz")
            p = identity.embed(saved["portraits"])
            r["full_rank"] = [gallery_rank(e, g, 0) for e in p]
            r["full_first_candidate_rank"] = gallery_rank(identity.embed(saved["first_candidate"][None])[0], g, 0)
            r["full_lookalike_rank"] = gallery_rank(emb[look], g, 0)
            r["full_gallery_size"] = len(keep)


def report(out: Path, identity_meta: dict, identity=None) -> dict:
    summaries, all_recs = {}, {}
    for name, cfg in VARIANTS.items():
        recs = load_runs(name)
        if recs:
            all_recs[name] = recs
    if "main" not in all_recs:
        raise SystemExit("no main run yet: run --variants main first")
    if identity is not None:
        full_gallery_ranks(all_recs, identity)
    for name, recs in all_recs.items():
        summaries[name] = variant_summary(name, recs, VARIANTS[name])
    main = all_recs["main"]
    base = {"first_candidate_round1": summarise([r["first_candidate_rank"] for r in main],
                                                [r["first_candidate_similarity"] for r in main]),
            "random_same_attribute_face": summarise([r["lookalike_rank"] for r in main],
                                                    [r["lookalike_similarity"] for r in main]),
            "chance": {"median_rank": 50.5, "top1": 0.01, "top10": 0.10}}
    if all("full_rank" in r for r in main):
        base["full_gallery"] = {
            "what": "rank among all same-sex test faces (other identities; median gallery size "
                    f"{int(np.median([r['full_gallery_size'] for r in main]))})",
            "first_candidate_round1": summarise([r["full_first_candidate_rank"] for r in main]),
            "random_same_attribute_face": summarise([r["full_lookalike_rank"] for r in main])}
    second = {"what": "the same ranking in the attribute classifier's feature space (models/classifier), a "
                      "yardstick the witness does not use",
              "per_round": [{"round": i + 1, **summarise([r["attribute_feature_rank"][i] for r in main])}
                            for i in range(min(len(r["attribute_feature_rank"]) for r in main))],
              "first_candidate_round1": summarise([r["attribute_feature_first_candidate_rank"] for r in main]),
              "random_same_attribute_face": summarise([r["attribute_feature_lookalike_rank"] for r in main])}
    if "nolock" in all_recs:
        second["nolock_final"] = summarise([r["attribute_feature_rank"][-1] for r in all_recs["nolock"]])
    final = summaries["main"]["final"]
    verdict = {
        "rank_improves_over_rounds": summaries["main"]["per_round"][-1]["median_rank"]
        < summaries["main"]["per_round"][0]["median_rank"],
        "top10_vs_first_candidate": (round(final["top10"] / base["first_candidate_round1"]["top10"], 2)
                                     if base["first_candidate_round1"]["top10"] > 0 else None),
        "top10_3x_first_candidate": final["top10"] >= 3 * base["first_candidate_round1"]["top10"],
        # a top-10 rate cannot pass 1, so on the 100-face gallery no loop can beat this ratio
        "top10_ratio_ceiling_100_faces": (round(1.0 / base["first_candidate_round1"]["top10"], 2)
                                          if base["first_candidate_round1"]["top10"] > 0 else None),
        "best_variant_top10": max((s["final"]["top10"], n) for n, s in summaries.items()),
        "top10_beats_random_same_attribute_face": final["top10"] > base["random_same_attribute_face"]["top10"]}
    if "full_gallery" in base:
        fb = base["full_gallery"]["first_candidate_round1"]["top10"]
        verdict["full_gallery_top10_vs_first_candidate"] = {
            n: round(s["final"]["full_top10"] / fb, 2) for n, s in summaries.items() if fb > 0}
    # the ablations compare variants on the targets they share with main
    ablations = {}
    for name, recs in all_recs.items():
        if name == "main":
            continue
        k = {r["target_index"] for r in recs}
        ref = "main" if VARIANTS[name].locks or "nolock" not in all_recs or name == "nolock" else "nolock"
        m = [r for r in all_recs[ref] if r["target_index"] in k]
        ablations[name] = {"n_targets": len(recs), "final": summaries[name]["final"], "reference": ref,
                           "config": summaries[name]["config"],
                           "reference_on_same_targets": per_round(m)[-1] if m else None,
                           "paired_vs_reference": _paired(recs, m),
                           "round5": per_round(recs)[min(4, len(recs[0]["rank"]) - 1)],
                           "seconds_per_round_median": summaries[name]["seconds_per_round_median"]}
    pairs = {f"{a} vs {b}": _paired(all_recs[a], all_recs[b])
             for a, b in (("main", "nolock"), ("main", "pick_always"), ("nolock", "nolock_pick_always"),
                          ("nolock_large", "nolock"), ("strength_large", "main"))
             if a in all_recs and b in all_recs}
    for k, v in pairs.items():
        print(f"paired {k}: better / worse / tied {v['better']} / {v['worse']} / {v['tied']}, p = {v['sign_test_p']}")
    shas = sorted({r.get("model_sha256", "not recorded") for recs in all_recs.values() for r in recs})
    doc = {"generator_models_recorded": shas, "paired_comparisons": pairs, "what": "simulated witness: target's rank among 100 same-sex CelebA test faces by identity similarity "
                   "to the loop's portrait (rank 1 = the portrait is closer to the target than to any other face)",
           "identity_model": identity_meta, "baselines": base, "summaries": summaries, "verdict": verdict,
           "attribute_feature_yardstick": second,
           "witness_config": main[0].get("witness_config"), "case_file": main[0].get("case_file"), "threads": 1,
           "note": "the witness picks with the same identity network that scores the portraits: the ranks say how "
                   "far the loop can steer toward a face a witness remembers this way, not what a human achieves"}
    out.mkdir(parents=True, exist_ok=True)
    (out / "witness.json").write_text(json.dumps(doc, indent=1))
    (out / "witness_ablations.json").write_text(json.dumps(ablations, indent=1))
    shown = {n: summaries[n] for n in ("main", "nolock") if n in summaries}
    fb = base.get("full_gallery")
    plot(shown, {"first candidate": base["first_candidate_round1"]["median_rank"],
                 "random same-attribute face": base["random_same_attribute_face"]["median_rank"]},
         out / "witness_rank.png",
         {"first candidate": fb["first_candidate_round1"]["median_rank"],
          "random same-attribute face": fb["random_same_attribute_face"]["median_rank"]} if fb else None)
    print_table(doc, ablations)
    return doc


def print_table(doc: dict, ablations: dict) -> None:
    main = doc["summaries"]["main"]
    print("\n| round | median rank (range) | top-1 | top-10 | median similarity |")
    print("|---|---|---|---|---|")
    for p in main["per_round"]:
        print(f"| {p['round']} | {p['median_rank']:g} ({p['min_rank']}–{p['max_rank']}) | {p['top1']:.2f} | "
              f"{p['top10']:.2f} | {p['median_similarity']:.3f} |")
    if "full_median_rank" in main["per_round"][0]:
        fb = doc["baselines"]["full_gallery"]
        print(f"\nfull gallery ({fb['what']}): median rank (range) / top-1 / top-10 / top-1%")
        print("| round | median rank (range) | top-1 | top-10 |")
        print("|---|---|---|---|")
        for p in main["per_round"]:
            print(f"| {p['round']} | {p['full_median_rank']:g} ({p['full_min_rank']}–{p['full_max_rank']}) | "
                  f"{p['full_top1']:.2f} | {p['full_top10']:.2f} |")
        for label, b in (("first candidate", fb["first_candidate_round1"]),
                         ("random same-attribute face", fb["random_same_attribute_face"])):
            print(f"| {label} | {b['median_rank']:g} ({b['min_rank']}–{b['max_rank']}) | {b['top1']:.2f} | {b['top10']:.2f} |")
    print("\n| portrait | median rank (range) | top-1 | top-10 |")
    print("|---|---|---|---|")
    rows = [("loop, 10 rounds (main)", main["final"])]
    if "nolock" in doc["summaries"]:
        rows.append(("loop without locks", doc["summaries"]["nolock"]["final"]))
    rows += [("first candidate of round 1", doc["baselines"]["first_candidate_round1"]),
             ("random same-attribute test face", doc["baselines"]["random_same_attribute_face"])]
    for label, s in rows:
        print(f"| {label} | {s['median_rank']:g} ({s['min_rank']}–{s['max_rank']}) | {s['top1']:.2f} | {s['top10']:.2f} |")
    print("\n| variant | targets | 100-face gallery: median / top-1 / top-10 | full gallery: median (range) / top-1 / top-10 "
          "| reference on the same targets, full gallery: median / top-1 / top-10 | median similarity | s/round |")
    print("|---|---|---|---|---|---|---|")
    for name, a in ablations.items():
        m, f = a["reference_on_same_targets"], a["final"]
        full = (f"{f['full_median_rank']:g} ({f['full_min_rank']}–{f['full_max_rank']}) / {f['full_top1']:.2f} / "
                f"{f['full_top10']:.2f}") if "full_median_rank" in f else "-"
        ref = (f"{a['reference']}: {m['full_median_rank']:g} / {m['full_top1']:.2f} / {m['full_top10']:.2f}"
               if "full_median_rank" in m else f"{a['reference']}: {m['median_rank']:g}")
        print(f"| {name} | {a['n_targets']} | {f['median_rank']:g} / {f['top1']:.2f} / {f['top10']:.2f} | {full} | {ref} | "
              f"{f['median_similarity']:.3f} | {a['seconds_per_round_median']} |")
    print("\npaired against the reference (last round, per target): better / worse / tied, sign-test p")
    for name, a in ablations.items():
        q = a["paired_vs_reference"]
        print(f"  {name} vs {a['reference']}: {q['better']} / {q['worse']} / {q['tied']}, p = {q['sign_test_p']}")
    sec = doc["attribute_feature_yardstick"]
    print("\nattribute-feature yardstick (median rank / top-10): round 1 "
          f"{sec['per_round'][0]['median_rank']:g} / {sec['per_round'][0]['top10']:.2f}, last round "
          f"{sec['per_round'][-1]['median_rank']:g} / {sec['per_round'][-1]['top10']:.2f}, first candidate "
          f"{sec['first_candidate_round1']['median_rank']:g} / {sec['first_candidate_round1']['top10']:.2f}, "
          f"random same-attribute face {sec['random_same_attribute_face']['median_rank']:g} / "
          f"{sec['random_same_attribute_face']['top10']:.2f}")
    print(f"\nverdict: {doc['verdict']}")


def main(argv=None) -> int:
    global RUNS
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--variants", nargs="*", default=[], choices=sorted(VARIANTS))
    ap.add_argument("--targets", type=int, default=50)
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--model", type=Path, default=None, help="generator bundle (default models/default)")
    ap.add_argument("--identity", type=Path, default=ROOT / "models/identity")
    ap.add_argument("--classifier", type=Path, default=ROOT / "models/classifier")
    ap.add_argument("--error-rate", type=float, default=WitnessConfig.error_rate)
    ap.add_argument("--pick-noise", type=float, default=WitnessConfig.pick_noise)
    ap.add_argument("--region-quantile", type=float, default=WitnessConfig.region_quantile)
    ap.add_argument("--case-dir", type=Path, default=None, help="where the first target's case file goes")
    ap.add_argument("--report", action="store_true", help="assemble bench/results/witness*.json and the plot")
    ap.add_argument("--out", type=Path, default=RESULTS)
    ap.add_argument("--runs", type=Path, default=RUNS, help="cache of per-target results (resumable)")
    args = ap.parse_args(argv)
    RUNS = args.runs
    torch.set_num_threads(1)
    from composer.train.identity import load_identity
    identity = load_identity(args.identity)
    if args.variants:
        from composer.engine import Engine
        from composer.train.classifier import load_classifier
        engine = Engine.load(args.model, "cpu")
        if args.model is not None:
            MODELS_DIRS.insert(0, Path(args.model).resolve().parent)
        classifier = load_classifier(args.classifier)
        t0 = time.perf_counter()
        setup_data = load_test_setup(args.targets)
        print(f"test setup: {args.targets} targets ({time.perf_counter() - t0:.0f} s)", flush=True)
        wcfg = WitnessConfig(error_rate=args.error_rate, pick_noise=args.pick_noise,
                             region_quantile=args.region_quantile)
        for name in args.variants:
            cfg = VARIANTS[name]
            cfg = LoopConfig(**{**cfg.to_json(), "strengths": tuple(cfg.strengths), "rounds": args.rounds})
            t1 = time.perf_counter()
            run_variant(name, cfg, setup_data, engine, identity, classifier, wcfg, args.targets,
                        (args.case_dir or RUNS / "cases") if name == "main" else None)
            print(f"[{name}] done in {time.perf_counter() - t1:.0f} s (load {os.getloadavg()})", flush=True)
    if args.report:
        report(args.out, {"path": "models/identity", **{k: identity.meta.get(k) for k in ("verification", "train_seconds")}},
               identity)
    return 0


if __name__ == "__main__":
    sys.exit(main())
