"""The artist's hand: marks, shape warps and holistic sliders as session steps.

Marks and warps are a layer of data over the picked portrait (`composer.edit.hand`). Each hand step
records the portrait it applies to (`base_sha256`) and the whole layer after the change (marks,
warps and the control points refined on that base), and shows the hand-edited portrait. So the
step replays from its inputs alone, bit for bit, and the layer of the current branch is simply the
layer of its latest hand step: undo, redo and branches work as for every other step. When the
artist picks another portrait (re-synthesis, More like this, a new description), `ApplyHand`
re-applies that layer to the new base, as a step of its own.

The holistic sliders move the condition, not the pixels (`composer.edit.holistic`): `SetHolistic`
draws the portrait's own z again under the moved sentence vector (or, with a lock, runs the lock
optimiser so the locked region holds) and shows the result to be picked like any candidate.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Optional

import numpy as np

from composer.edit.hand import HandLayer, apply_hand
from composer.edit.hand_schema import FINAL_KINDS, HAND_KINDS
from composer.edit.holistic_settings import HolisticSettings
from composer.edit.marks import Mark
from composer.edit.warps import WarpSettings
from composer.errors import ComposerError
from composer.operations.base import StepKind, instantly, register
from composer.record.codec import mask_to_float, z_from_b64, z_to_b64
from composer.record.steps import settings_json

LAYER_INPUTS = {"base_sha256": str, "layer": dict}
BASE_KINDS = frozenset(FINAL_KINDS)      # steps whose first output is the portrait


def current_layer(session: Any) -> HandLayer:
    """The hand layer on the current branch: that of its latest hand step (empty without one)."""
    step = next((s for s in reversed(session.lineage()) if s.kind in HAND_KINDS), None)
    return HandLayer.from_json(step.inputs["layer"]) if step else HandLayer()


def current_holistic(session: Any) -> HolisticSettings:
    step = next((s for s in reversed(session.lineage()) if s.kind == "set_holistic"), None)
    return HolisticSettings.from_json(step.inputs["sliders"]) if step else HolisticSettings()


def final_step(session: Any) -> Optional[Any]:
    """The step whose first output is the portrait now: the latest pick or hand step."""
    return next((s for s in reversed(session.lineage()) if s.kind in BASE_KINDS), None)


def needs_reapply(session: Any) -> bool:
    """True when a hand layer is active but the portrait on show was picked after it."""
    step = final_step(session)
    return step is not None and step.kind == "pick" and not current_layer(session).empty


def final_image(session: Any) -> Optional[np.ndarray]:
    step = final_step(session)
    return session.image(step.outputs[0].sha256) if step is not None and step.outputs else None


@dataclass(frozen=True)
class HandEdit:
    """Apply `layer` (already changed) to the picked portrait `base_sha256`."""

    kind: str
    base_sha256: str
    layer: HandLayer
    index: Optional[int] = None          # the mark added, edited or removed

    def run(self, engine: Any, state: Any):
        return (yield from instantly(apply_hand(state.image(self.base_sha256), self.layer)))

    def shown(self, image: np.ndarray) -> tuple:
        return ((image, None, None),)

    def record(self, session: Any, image: np.ndarray, duration_s: float = 0.0) -> Any:
        inputs = {"base_sha256": self.base_sha256, "layer": self.layer.to_json()}
        if self.index is not None:
            inputs["index"] = int(self.index)
        return session.add_step(self.kind, inputs, self.shown(image), duration_s=duration_s, what="hand")

    @classmethod
    def from_inputs(cls, inputs: Mapping[str, Any], state: Any, kind: str = "") -> "HandEdit":
        return cls(kind, inputs["base_sha256"], HandLayer.from_json(inputs["layer"]), inputs.get("index"))


def _base(session: Any) -> tuple[str, np.ndarray]:
    portrait = session.current_portrait
    if portrait is None:
        raise ComposerError("pick a portrait first: marks and shape tools apply to the picked portrait.")
    return portrait.sha256, portrait.image


def _edit(kind: str, session: Any, change, index: Optional[int] = None) -> HandEdit:
    sha, image = _base(session)
    layer = change(current_layer(session)).refined(image)
    return HandEdit(kind, sha, layer, index)


# The artist's actions: each builds a HandEdit from the session's current layer.
def add_mark(session: Any, mark: Mark) -> HandEdit:
    return _edit("add_mark", session, lambda layer: layer.add(mark), len(current_layer(session).marks))


def edit_mark(session: Any, index: int, mark: Mark) -> HandEdit:
    return _edit("edit_mark", session, lambda layer: layer.edit(index, mark), index)


def remove_mark(session: Any, index: int) -> HandEdit:
    return _edit("remove_mark", session, lambda layer: layer.remove(index), index)


def set_warps(session: Any, warps: WarpSettings) -> HandEdit:
    from dataclasses import replace
    return _edit("set_warps", session, lambda layer: replace(layer, warps=warps))


def apply_to_current(session: Any) -> HandEdit:
    """Re-apply the current layer to a newly picked portrait (its control points refined anew)."""
    return _edit("apply_hand", session, lambda layer: layer)


def _kind_from_inputs(kind: str):
    return classmethod(lambda cls, inputs, state: HandEdit.from_inputs(inputs, state, kind))


def _label(step: Any) -> str:
    layer = step.inputs.get("layer") or {}
    marks = layer.get("marks") or []
    i = step.inputs.get("index")
    if step.kind == "add_mark" and marks:
        return f"Add {marks[-1]['kind'].replace('_', ' ')}"
    if step.kind == "edit_mark" and i is not None and i < len(marks):
        return f"Edit mark {i + 1} ({marks[i]['kind'].replace('_', ' ')})"
    if step.kind == "remove_mark":
        return f"Remove mark {int(i or 0) + 1}"
    if step.kind == "set_warps":
        active = [f"{k.replace('_', ' ')} {v:+.2f}" for k, v in (layer.get("warps") or {}).items() if v]
        return "Shape: " + (", ".join(active) if active else "neutral")
    return f"Hand layer on the new portrait ({len(marks)} marks)"


for _kind in HAND_KINDS:
    _op = type(f"HandEdit_{_kind}", (HandEdit,), {"from_inputs": _kind_from_inputs(_kind)})
    register(StepKind(_kind, _op, {**LAYER_INPUTS}, _label, shows_images=True))


HOLISTIC_INPUTS = {"caption": str, "state": dict, "sliders": dict, "z": str}


@dataclass(frozen=True)
class SetHolistic:
    """The picked portrait's z drawn again under the moved condition; with `lock` = (reference sha,
    mask sha, LockSettings) the lock optimiser keeps the locked region of the reference."""

    caption: str
    state: Mapping[str, Optional[bool]]
    sliders: HolisticSettings
    z: np.ndarray = field(compare=False)
    lock: Optional[tuple[str, str, Any]] = None
    strength: float = 1.0                 # composer.edit.holistic.STRENGTH when made; recorded

    def run(self, engine: Any, state: Any):
        from composer.edit.holistic import holistic_images, holistic_resynthesise  # torch: only when drawing
        z = np.array(self.z, np.float32).reshape(-1)     # a writable copy for torch
        if self.lock is None:
            images = holistic_images(engine, self.state, self.sliders, z[None], self.caption, self.strength)
            return (yield from instantly((images, z[None], None)))
        ref_sha, mask_sha, settings = self.lock
        reference, mask = state.image(ref_sha), mask_to_float(state.image(mask_sha))
        result = None
        for progress in holistic_resynthesise(engine, self.state, self.sliders, z, reference, mask, settings,
                                              self.caption, self.strength):
            yield progress
            if progress.done:
                result = progress.result
        if result is None:
            raise ComposerError("the lock optimiser stopped without a result; try again.")
        return list(result.images), np.asarray(result.z, np.float32).reshape(len(result.images), -1), result

    def shown(self, out: tuple) -> tuple:
        images, zs, _ = out
        return tuple((img, zi, None) for img, zi in zip(images, zs))

    def record(self, session: Any, out: tuple, duration_s: float = 0.0) -> Any:
        inputs = {"caption": self.caption, "state": dict(self.state), "sliders": self.sliders.to_json(),
                  "z": z_to_b64(self.z), "strength": float(self.strength), "lock": None}
        notes = {}
        if self.lock is not None:
            ref_sha, mask_sha, settings = self.lock
            result = out[2]
            inputs["lock"] = {"reference_sha256": ref_sha, "mask_sha256": mask_sha,
                              "settings": {**settings_json(settings), "steps": int(result.steps_run),
                                           "time_budget_s": None}}
            notes = {"order": [int(i) for i in result.order]}
        return session.add_step("set_holistic", inputs, self.shown(out), duration_s=duration_s, notes=notes)

    @classmethod
    def from_inputs(cls, inputs: Mapping[str, Any], state: Any) -> "SetHolistic":
        lock = inputs.get("lock")
        if lock:
            lock = (lock["reference_sha256"], lock["mask_sha256"], state.settings_from_json(lock["settings"]))
        return cls(inputs["caption"], dict(inputs["state"]), HolisticSettings.from_json(inputs["sliders"]),
                   z_from_b64(inputs["z"]), lock or None, float(inputs.get("strength", 1.0)))


def holistic_from_session(session: Any, sliders: HolisticSettings, settings: Any = None,
                          lock_step: Optional[Any] = None) -> SetHolistic:
    """The slider move for the picked portrait; with `settings` and a lock step, through the lock."""
    portrait = session.current_portrait
    if portrait is None or portrait.z.size == 0:
        raise ComposerError("pick a generated portrait first: the sliders redraw its latent z.")
    interp = session.interpretation or {}
    state = {k: v for k, v in (interp.get("state") or {}).items()}
    lock = None
    if settings is not None and lock_step is not None:
        # a lock set keeps its composite (each region from its own source) over this portrait
        composite = lock_step.inputs.get("reference_sha256")
        same_base = lock_step.inputs.get("base_sha256") == portrait.sha256
        lock = (composite if composite and same_base else portrait.sha256, lock_step.inputs["mask_sha256"], settings)
    from composer.edit.holistic import STRENGTH
    return SetHolistic(portrait.caption, state, sliders, portrait.z, lock, STRENGTH)


def _holistic_label(step: Any) -> str:
    active = [f"{k} {v:+.2f}" for k, v in (step.inputs.get("sliders") or {}).items() if v]
    return "Sliders: " + (", ".join(active) if active else "neutral") + (" (locked)" if step.inputs.get("lock") else "")


register(StepKind("set_holistic", SetHolistic, HOLISTIC_INPUTS, _holistic_label, shows_images=True))
