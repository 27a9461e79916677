"""How close a portrait is to the face the witness saw, measured with the identity network."""
from __future__ import annotations

from typing import Sequence

import numpy as np


def gallery_rank(portrait_embedding: np.ndarray, gallery_embeddings: np.ndarray, target_index: int) -> int:
    """1-based rank of the target among the gallery's faces, ordered by similarity to the portrait
    (ties count against the target: a face exactly as similar ranks ahead of it)."""
    sims = np.asarray(gallery_embeddings) @ np.asarray(portrait_embedding)
    return int(1 + np.sum(np.delete(sims, target_index) >= sims[target_index]))


def summarise(ranks: Sequence[int], sims: Sequence[float] | None = None) -> dict:
    """Median rank with its range and quartiles, top-1 and top-10 rates, mean/median similarity."""
    r = np.asarray(ranks, dtype=np.float64)
    out = {"n": int(len(r)), "median_rank": float(np.median(r)), "min_rank": int(r.min()), "max_rank": int(r.max()),
           "q25_rank": float(np.percentile(r, 25)), "q75_rank": float(np.percentile(r, 75)),
           "mean_rank": round(float(r.mean()), 2),
           "top1": round(float(np.mean(r <= 1)), 4), "top10": round(float(np.mean(r <= 10)), 4)}
    if sims is not None:
        s = np.asarray(sims, dtype=np.float64)
        out.update({"median_similarity": round(float(np.median(s)), 4), "min_similarity": round(float(s.min()), 4),
                    "max_similarity": round(float(s.max()), 4)})
    return out
