"""The simulated witness: remembers a face, describes it in words, and answers when shown portraits.

The witness holds its target face privately (the face it "saw") and never hands pixels of it to the
artist's side: every public method returns plain ints, strings or tuples of strings. Its memory of
the face is the identity network's embedding (`composer.train.identity`, a measuring instrument that
never enters generation) and its feature maps per face region; its perception of attributes on a
portrait is the evaluation classifier's (`models/classifier`), when given.

What it does, all seeded (same seed, same answers):
* `describe()`  4-7 attribute statements in paraphrased wording (`composer.witness.phrases`), some
                wrong at `error_rate` (a wrong hair colour, the wrong age band, the wrong expression).
* `pick(images)`  the index of the candidate whose identity embedding is closest to the target's,
                with Gaussian noise of `pick_noise` on the similarities (a witness is not a scanner);
                given the current portrait too, NONE_CLOSER when none of the candidates beats it.
* `confirm(image)`  the region names (composer.edit.regions.REGIONS) whose crop resembles the target's
                more than `region_quantile` of other people's faces do (thresholds calibrated per
                region on a set of real faces of other identities), best first.
* `correct(image)`  at most one correction phrase ("actually blonde hair") when the portrait shows
                an attribute the witness wrongly described and the witness notices (`notice_rate`).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Mapping, Optional, Sequence

import numpy as np
import torch
import torch.nn.functional as F

from composer.witness.phrases import CORRECTION_CUES, GROUPS, STATEMENTS, group_of, true_statements

WITNESS_REGIONS = ("eyes", "eyebrows", "nose", "mouth", "hair", "jaw")
SALIENT_FIRST = ("bald", "glasses", "hat", "goatee", "mustache", "beard", "stubble")
ERROR_GROUPS = ("age", "hair_colour", "expression")
NONE_CLOSER = -1     # pick()'s answer when no candidate looks more like the face than the current portrait


@dataclass(frozen=True)
class WitnessConfig:
    n_min: int = 4                 # statements in the description (sex, age, hair colour first)
    n_max: int = 7
    error_rate: float = 0.15       # chance that an age / hair colour / expression statement is wrong
    pick_noise: float = 0.02       # sd of the noise on the identity similarity when picking
    region_quantile: float = 0.8   # a region is confirmed when it beats this share of other faces
    notice_rate: float = 0.5       # chance per round of noticing a wrongly described attribute shown
    region_threshold: float = 0.5  # the similarity cut per region when no other faces calibrate it
    regions: tuple[str, ...] = WITNESS_REGIONS
    seed: int = 0

    def to_json(self) -> dict:
        return asdict(self)


def _attrs_dict(attrs: Mapping[str, float] | Sequence[float], names: Sequence[str] | None = None) -> dict:
    if isinstance(attrs, Mapping):
        return {k: bool(v > 0.5) if not isinstance(v, bool) else v for k, v in attrs.items()}
    return {n: bool(v > 0.5) for n, v in zip(names or (), attrs)}


class RegionMemory:
    """Feature maps of the identity net's early layers inside each region's mask (no gradients)."""

    def __init__(self, identity_model, regions: Sequence[str], size: int = 64):
        from composer.edit.regions import REGIONS
        self.model = identity_model
        self.regions = tuple(regions)
        masks = np.stack([REGIONS[r].raster(size) for r in self.regions])         # [R,S,S]
        m = torch.from_numpy(masks)[:, None]
        self.masks = F.adaptive_avg_pool2d(m, self._feature_size(size))[:, 0]    # [R,h,w]

    def _feature_size(self, size: int) -> int:
        return size // 4      # stem (/2) + first stage (/2)

    @torch.no_grad()
    def features(self, images: np.ndarray) -> torch.Tensor:
        from composer.train.classifier import to_input
        self.model.net.eval()
        x = to_input(np.asarray(images))
        f = self.model.net.body[1](self.model.net.body[0](x))       # [N,C,h,w]
        return f - f.mean(dim=(2, 3), keepdim=True)

    def similarity(self, feats: torch.Tensor, target: torch.Tensor) -> np.ndarray:
        """Masked cosine similarity [N,R] of each image's features with the target's [1,C,h,w]."""
        out = []
        for m in self.masks:
            a = feats * m
            b = target * m
            num = (a * b).sum(dim=(1, 2, 3))
            den = (a.pow(2).sum(dim=(1, 2, 3)) * b.pow(2).sum(dim=(1, 2, 3))).sqrt().clamp_min(1e-8)
            out.append((num / den).numpy())
        return np.stack(out, axis=1).astype(np.float64)


class Witness:
    """A witness who saw `target` (uint8 H×W×3). Only its answers leave it: ints and strings."""

    __slots__ = ("_Witness__target", "_Witness__memory", "_Witness__truth", "_Witness__statements",
                 "_Witness__rng", "_Witness__regions", "_Witness__region_target", "_Witness__thresholds",
                 "_Witness__perceive", "_Witness__corrected", "_Witness__embedding", "config")

    def __init__(self, target: np.ndarray, attributes: Mapping[str, float] | Sequence[float],
                 identity_model, config: WitnessConfig = WitnessConfig(), *,
                 others: Optional[np.ndarray] = None, classifier=None,
                 attribute_names: Sequence[str] | None = None):
        self.config = config
        self.__target = np.array(target, dtype=np.uint8)
        self.__target.setflags(write=False)
        self.__memory = identity_model
        self.__truth = _attrs_dict(attributes, attribute_names)
        self.__rng = np.random.default_rng([int(config.seed), 7])
        self.__statements = self.__compose()
        self.__regions = RegionMemory(identity_model, config.regions, self.__target.shape[0])
        self.__region_target = self.__regions.features(self.__target[None])
        self.__embedding = identity_model.embed(self.__target[None])[0]
        if others is not None and len(others):
            sims = self.__regions.similarity(self.__regions.features(others), self.__region_target)
            self.__thresholds = np.quantile(sims, config.region_quantile, axis=0)
        else:
            self.__thresholds = np.full(len(config.regions), float(config.region_threshold))
        self.__perceive = classifier
        self.__corrected: set[str] = set()

    # ---- the description -------------------------------------------------------------------
    def __compose(self) -> list[tuple[str, str, bool]]:
        """[(statement said, its true statement, wrong?)], in speaking order."""
        cfg, rng = self.config, self.__rng
        true = true_statements(self.__truth)
        head = [s for s in true if group_of(s) in ("sex", "age", "hair_colour") or s == "bald"]
        rest = [s for s in true if s not in head]
        salient = [s for s in rest if s in SALIENT_FIRST]
        other = [s for s in rest if s not in SALIENT_FIRST]
        other = [other[i] for i in rng.permutation(len(other))]
        k = int(rng.integers(cfg.n_min, cfg.n_max + 1))
        chosen = (head + salient + other)[:max(k, 1)]
        out = []
        for sid in chosen:
            group = group_of(sid)
            said, wrong = sid, False
            if group in ERROR_GROUPS and rng.random() < cfg.error_rate:
                options = [s for s in GROUPS[group] if s != sid]
                said, wrong = options[int(rng.integers(len(options)))], True
            out.append((said, sid, wrong))
        return out

    def __wording(self, sid: str) -> str:
        words = STATEMENTS[sid][1]
        return words[int(self.__rng.integers(len(words)))]

    def describe(self) -> str:
        """The free-text description, as the witness says it (a new wording each call)."""
        return ", ".join(self.__wording(said) for said, _, _ in self.__statements)

    @property
    def n_statements(self) -> int:
        return len(self.__statements)

    @property
    def n_wrong(self) -> int:
        return sum(1 for *_, wrong in self.__statements if wrong)

    # ---- answers when shown portraits --------------------------------------------------------
    def pick(self, images: Sequence[np.ndarray], current: Optional[np.ndarray] = None) -> int:
        """Index of the candidate that looks most like the face the witness remembers; or, when shown
        the `current` portrait beside them, NONE_CLOSER (-1) if none of them looks more like it."""
        images = np.asarray(images, dtype=np.uint8)
        if not len(images):
            raise ValueError("nothing to pick from")
        if current is not None:
            images = np.concatenate([images, np.asarray(current, np.uint8)[None]])
        sims = self.__memory.embed(images) @ self.__embedding
        noisy = sims + self.config.pick_noise * self.__rng.standard_normal(len(sims))
        best = int(np.argmax(noisy))
        return NONE_CLOSER if current is not None and best == len(images) - 1 else best

    def confirm(self, image: np.ndarray) -> tuple[str, ...]:
        """Regions of the portrait that look right, most convincing first."""
        sims = self.__regions.similarity(self.__regions.features(np.asarray(image, np.uint8)[None]),
                                         self.__region_target)[0]
        margin = sims - self.__thresholds
        order = np.argsort(-margin, kind="stable")
        return tuple(str(self.config.regions[i]) for i in order if margin[i] > 0)

    def correct(self, image: np.ndarray) -> Optional[str]:
        """A correction phrase for one wrongly described attribute the portrait shows, or None."""
        if self.__perceive is None:
            return None
        wrong = [(said, true) for said, true, w in self.__statements if w and true not in self.__corrected]
        if not wrong:
            return None
        probs = self.__perceive.run(np.asarray(image, np.uint8)[None])[0][0]
        seen = dict(zip(self.__perceive.label_names, self.__perceive.predict(probs[None])[0]))
        for said, true in wrong:
            said_attrs = STATEMENTS[said][0]
            shows_said = all(bool(seen.get(a, v)) == v for a, v in said_attrs.items())
            if shows_said and self.__rng.random() < self.config.notice_rate:
                self.__corrected.add(true)
                cue = CORRECTION_CUES[int(self.__rng.integers(len(CORRECTION_CUES)))]
                return f"{cue}, {self.__wording(true)}" if cue != "I mean" else f"I mean {self.__wording(true)}"
        return None
