"""Face-verification metrics (pure): same/different pairs, ROC AUC, the best decision threshold.

Used to measure the identity network (`composer.train.identity`) on TEST identities and to pick its
threshold on VAL identities; kept apart because they know nothing about the network.
"""
from __future__ import annotations

from typing import Optional

import numpy as np


def verification_pairs(identities: np.ndarray, n_negative: Optional[int] = None,
                       seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """All same-identity pairs (i<j) and as many (or `n_negative`) random different-identity pairs.

    Returns (pairs int [P,2], same bool [P]). Deterministic for the seed."""
    identities = np.asarray(identities)
    pos = []
    for ident in np.unique(identities):
        idx = np.flatnonzero(identities == ident)
        pos.extend((int(a), int(b)) for k, a in enumerate(idx) for b in idx[k + 1:])
    n_neg = len(pos) if n_negative is None else n_negative
    rng = np.random.default_rng(seed)
    neg, seen = [], set()
    while len(neg) < n_neg and len(identities) > 1:
        a, b = (int(v) for v in rng.integers(0, len(identities), 2))
        if a == b or identities[a] == identities[b] or (min(a, b), max(a, b)) in seen:
            continue
        seen.add((min(a, b), max(a, b)))
        neg.append((min(a, b), max(a, b)))
    pairs = np.array(pos + neg, dtype=np.int64).reshape(-1, 2)
    same = np.array([True] * len(pos) + [False] * len(neg))
    return pairs, same


def roc_auc(scores: np.ndarray, positive: np.ndarray) -> float:
    """Area under the ROC curve (Mann-Whitney, ties counted half)."""
    scores, positive = np.asarray(scores, float), np.asarray(positive, bool)
    n_pos, n_neg = int(positive.sum()), int((~positive).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(len(scores))
    sorted_scores = scores[order]
    i = 0
    while i < len(scores):          # average ranks over ties
        j = i
        while j + 1 < len(scores) and sorted_scores[j + 1] == sorted_scores[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2 + 1
        i = j + 1
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def best_threshold(scores: np.ndarray, positive: np.ndarray) -> tuple[float, float]:
    """The cut (score >= cut means "same") with the best accuracy; returns (cut, accuracy)."""
    scores, positive = np.asarray(scores, float), np.asarray(positive, bool)
    cands = np.unique(scores)
    cuts = np.concatenate([(cands[:-1] + cands[1:]) / 2, [cands[-1] + 1e-6], [cands[0] - 1e-6]])
    accs = [float(((scores >= c) == positive).mean()) for c in cuts]
    k = int(np.argmax(accs))
    return float(cuts[k]), accs[k]


def pair_scores(emb: np.ndarray, pairs: np.ndarray) -> np.ndarray:
    """Cosine similarity of each pair of (L2-normalised) embeddings."""
    return np.einsum("pd,pd->p", emb[pairs[:, 0]], emb[pairs[:, 1]])
