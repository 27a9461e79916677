"""Pure numpy measurements behind `composer evaluate`: attribute agreement (balanced accuracy, so
rare attributes such as Eyeglasses count), the Fréchet distance and the kernel inception distance
(KID) between two feature sets, diversity as the mean pairwise feature distance, and the washed-out
rate: a pixel-space check on a failure the feature spaces reward (a mode-seeking generator can buy
"diversity" by blowing parts of some faces out to white), and the fine detail per luma and colour
channel (`detail_energy`).

Balanced accuracy rather than plain accuracy: with 6.6 % of faces wearing glasses, a classifier
that never sees glasses scores 93 % accuracy but 50 % balanced accuracy, which is the honest number.
"""
from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np

# Attribute groups of the headline table (the attributes a witness most often gives).
GROUPS: dict[str, tuple[str, ...]] = {
    "sex": ("Male",),
    "age": ("Young",),
    "hair colour": ("Black_Hair", "Blond_Hair", "Brown_Hair", "Gray_Hair"),
    "glasses": ("Eyeglasses",),
    "facial hair": ("No_Beard", "Goatee", "Mustache"),
    "smile": ("Smiling",),
    "hat": ("Wearing_Hat",),
}


def balanced_accuracy(pred: np.ndarray, truth: np.ndarray) -> float:
    """Mean of the hit rates on positives and on negatives (only the classes present count)."""
    pred, truth = np.asarray(pred, dtype=bool), np.asarray(truth, dtype=bool)
    if pred.shape != truth.shape or pred.size == 0:
        raise ValueError(f"need two equal, non-empty label arrays, got {pred.shape} and {truth.shape}")
    rates = [float((pred[truth == c] == c).mean()) for c in (True, False) if (truth == c).any()]
    return float(np.mean(rates))


def agreement(pred: np.ndarray, truth: np.ndarray, names: Sequence[str]) -> dict[str, dict]:
    """Per attribute: accuracy, balanced accuracy and the number of positives asked for.

    pred, truth: [N,K] 0/1 or bool; names: the K attribute names."""
    pred, truth = np.asarray(pred) > 0.5, np.asarray(truth) > 0.5
    if pred.shape != truth.shape or pred.shape[1] != len(names):
        raise ValueError(f"shapes {pred.shape} / {truth.shape} do not match {len(names)} names")
    return {name: {"accuracy": float((pred[:, k] == truth[:, k]).mean()),
                   "balanced_accuracy": balanced_accuracy(pred[:, k], truth[:, k]),
                   "positives": int(truth[:, k].sum()), "n": int(len(truth))}
            for k, name in enumerate(names)}


def group_scores(per_attribute: Mapping[str, float],
                 groups: Mapping[str, Sequence[str]] = GROUPS) -> dict[str, float]:
    """Mean score of each group's attributes (groups whose attributes are all missing are left out)."""
    out = {}
    for group, names in groups.items():
        vals = [per_attribute[n] for n in names if n in per_attribute]
        if vals:
            out[group] = float(np.mean(vals))
    return out


def gaussian_stats(features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean [D] and covariance [D,D] (float64) of features [N,D], N >= 2."""
    x = np.asarray(features, dtype=np.float64)
    if x.ndim != 2 or len(x) < 2:
        raise ValueError(f"need features [N>=2, D], got shape {x.shape}")
    return x.mean(0), np.cov(x, rowvar=False)


def _psd_sqrt(c: np.ndarray) -> np.ndarray:
    w, v = np.linalg.eigh((c + c.T) / 2)
    return (v * np.sqrt(np.clip(w, 0, None))) @ v.T


def frechet_from_stats(mu1: np.ndarray, c1: np.ndarray, mu2: np.ndarray, c2: np.ndarray) -> float:
    """||mu1-mu2||² + tr(C1 + C2 - 2 (C1^½ C2 C1^½)^½): symmetric, exact for PSD covariances.

    Uses eigen-decompositions of symmetric matrices only (no scipy), so it is stable for the
    rank-deficient covariances that small samples give."""
    s1 = _psd_sqrt(c1)
    inner = s1 @ c2 @ s1
    eig = np.linalg.eigvalsh((inner + inner.T) / 2)
    trace_sqrt = float(np.sqrt(np.clip(eig, 0, None)).sum())
    d = float(((mu1 - mu2) ** 2).sum() + np.trace(c1) + np.trace(c2) - 2 * trace_sqrt)
    return max(d, 0.0)


def frechet_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Fréchet distance between Gaussians fitted to two feature sets [N,D] and [M,D]."""
    return frechet_from_stats(*gaussian_stats(a), *gaussian_stats(b))


def polynomial_kernel(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """KID's kernel k(x, y) = (x·y / d + 1)³ between the rows of x [m,d] and y [n,d] (float64)."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    return (x @ y.T / x.shape[1] + 1.0) ** 3


def mmd2_unbiased(x: np.ndarray, y: np.ndarray) -> float:
    """Unbiased estimate of the squared MMD with the polynomial kernel (Bińkowski et al. 2018, eq. 3):
    the mean of k over distinct pairs within x, plus the same within y, minus twice the mean over all
    cross pairs. Its expectation is 0 when x and y come from one distribution, so it can be negative."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if x.ndim != 2 or y.ndim != 2 or x.shape[1] != y.shape[1] or len(x) < 2 or len(y) < 2:
        raise ValueError(f"need two feature sets [>=2, D] of one width, got {x.shape} and {y.shape}")
    m, n = len(x), len(y)
    kxx, kyy = polynomial_kernel(x, x), polynomial_kernel(y, y)
    within_x = (kxx.sum() - np.trace(kxx)) / (m * (m - 1))
    within_y = (kyy.sum() - np.trace(kyy)) / (n * (n - 1))
    return float(within_x + within_y - 2.0 * polynomial_kernel(x, y).mean())


def kernel_inception_distance(a: np.ndarray, b: np.ndarray, subsets: int = 50, subset_size: int = 1000,
                              seed: int = 0) -> dict:
    """KID between feature sets a [N,D] and b [M,D], averaged over random subsets as in the reference
    implementation: each of `subsets` draws m rows of a and m rows of b without replacement and takes
    the unbiased MMD²; m = min(subset_size, N // 2, M // 2) (at least 2), so that the subsets differ
    and their spread shows the estimator's noise at that size. Returns mean, std over the subsets,
    subsets and m. Deterministic for a seed."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if len(a) < 2 or len(b) < 2 or subsets < 1:
        raise ValueError(f"KID needs two feature sets of at least 2 rows and >= 1 subset, got {a.shape}, "
                         f"{b.shape}, {subsets} subsets")
    m = max(2, min(subset_size, len(a) // 2, len(b) // 2))
    rng = np.random.default_rng(seed)
    vals = np.array([mmd2_unbiased(a[rng.choice(len(a), m, replace=False)],
                                   b[rng.choice(len(b), m, replace=False)]) for _ in range(subsets)])
    return {"mean": float(vals.mean()), "std": float(vals.std(ddof=1)) if subsets > 1 else 0.0,
            "subsets": int(subsets), "subset_size": int(m)}


def kid_ratio(kid_gen: dict, kid_floor: dict) -> float:
    """KID(generated, real) over the real-vs-real floor at the same sample size, guarded: the floor's
    expectation is 0 for two samples of one distribution, so its estimate can be ~0 or negative. The
    denominator is max(floor mean, floor subset std), i.e. the floor or, where the floor cannot be told
    from zero, its own noise level; the ratio then reads "generated KID in units of real-vs-real noise"."""
    return float(kid_gen["mean"] / max(kid_floor["mean"], kid_floor["std"], 1e-12))


def mean_pairwise_distance(features: np.ndarray) -> float:
    """Mean Euclidean distance over all unordered pairs of rows of [n,D], n >= 2."""
    x = np.asarray(features, dtype=np.float64)
    if len(x) < 2:
        raise ValueError("diversity needs at least two feature rows")
    sq = (x * x).sum(1)
    d2 = np.clip(sq[:, None] + sq[None, :] - 2 * x @ x.T, 0, None)
    iu = np.triu_indices(len(x), 1)
    return float(np.sqrt(d2[iu]).mean())


def nearest_label_sets(labels: np.ndarray, query: np.ndarray, n: int) -> np.ndarray:
    """Indices of the n rows of labels [N,K] closest to query [K] in Hamming distance (stable ties)."""
    dist = (np.asarray(labels) > 0.5) != (np.asarray(query) > 0.5)[None, :]
    return np.argsort(dist.sum(1), kind="stable")[:n]


# The central face box of an aligned CelebA crop, as fractions of the image (rows, then columns).
FACE_BOX = ((0.19, 0.81), (0.25, 0.75))
NEAR_WHITE = 0.94          # a pixel is near-white when its darkest channel is above this (of 1)
WASHED_OUT_SHARE = 0.10    # a portrait is washed out when more of its face box than this is near-white


def washed_out_share(images: np.ndarray, white: float = NEAR_WHITE, box=FACE_BOX) -> np.ndarray:
    """Per image [N,H,W,3] uint8: the share of the central face box whose pixels are near-white in
    every channel (min channel > `white`). Real faces rarely have any; a washed-out portrait has a hole."""
    x = np.asarray(images)
    if x.ndim != 4 or x.shape[-1] != 3:
        raise ValueError(f"images must be [N,H,W,3], not {x.shape}")
    h, w = x.shape[1:3]
    (r0, r1), (c0, c1) = box
    face = x[:, int(round(r0 * h)):int(round(r1 * h)), int(round(c0 * w)):int(round(c1 * w))]
    return (face.min(-1) > white * 255).mean((1, 2))


def washed_out_rate(images: np.ndarray, share: float = WASHED_OUT_SHARE, white: float = NEAR_WHITE) -> float:
    """The fraction of images whose face box is more than `share` near-white (see washed_out_share)."""
    return float((washed_out_share(images, white) > share).mean())


def detail_energy(images: np.ndarray) -> dict[str, float]:
    """Fine detail per channel of BT.601 YCrCb: the median over images [N,H,W,3] uint8 of the variance
    of the 4-neighbour Laplacian, for luma ("luma") and the two colour differences ("cr", "cb").

    Real photos that went through JPEG's 4:2:0 chroma subsampling at the size they are shown have
    little colour detail; a smeared generator has too little luma detail. Both are visible to a
    realism detector and neither to an attribute classifier."""
    x = np.asarray(images, dtype=np.float64)
    if x.ndim != 4 or x.shape[-1] != 3 or min(x.shape[1:3]) < 3:
        raise ValueError(f"images must be [N,H,W,3] and at least 3x3, not {x.shape}")
    r, g, b = x[..., 0], x[..., 1], x[..., 2]
    y = 0.299 * r + 0.587 * g + 0.114 * b
    planes = {"luma": y, "cr": 0.713 * (r - y), "cb": 0.564 * (b - y)}
    out = {}
    for name, c in planes.items():
        lap = c[:, 1:-1, :-2] + c[:, 1:-1, 2:] + c[:, :-2, 1:-1] + c[:, 2:, 1:-1] - 4.0 * c[:, 1:-1, 1:-1]
        out[name] = float(np.median(lap.reshape(len(x), -1).var(1)))
    return out
