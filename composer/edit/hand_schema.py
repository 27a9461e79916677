"""Validation of the hand steps' recorded inputs (torch-free, bounded): what the case-file schema
runs on a record before anything replays it. Every mark, warp and slider goes through the same
dataclasses the tools use, so a record cannot hold a value the tools would refuse."""
from __future__ import annotations

import re
from typing import Any

HAND_KINDS = ("add_mark", "edit_mark", "remove_mark", "set_warps", "apply_hand")
HOLISTIC_KIND = "set_holistic"
ALL_KINDS = HAND_KINDS + (HOLISTIC_KIND,)
FINAL_KINDS = ("pick",) + HAND_KINDS        # steps whose first output may be the final portrait
MAX_MARKS = 500
MAX_BRUSH_POINTS = 100_000                  # over the whole layer
SHA = re.compile(r"^[0-9a-f]{64}$")


def _problem(e: Exception) -> str:
    return str(e).splitlines()[0][:200] if str(e) else type(e).__name__


def layer_problems(layer: Any) -> list[str]:
    from composer.edit.face_points import FaceLandmarks
    from composer.edit.marks import Mark
    from composer.edit.warps import WarpSettings

    if not isinstance(layer, dict):
        return ["layer is not an object"]
    out = []
    for key in sorted(set(layer) - {"marks", "warps", "landmarks"})[:5]:
        out.append(f"layer.{str(key)[:40]} is not a known field")
    marks = layer.get("marks", [])
    if not isinstance(marks, list) or len(marks) > MAX_MARKS:
        out.append(f"layer.marks must be a list of at most {MAX_MARKS} marks")
        marks = []
    points = 0
    for i, m in enumerate(marks):
        if not isinstance(m, dict) or not isinstance(m.get("params", {}), dict):
            out.append(f"layer.marks[{i}] is not an object")
            continue
        pts = m.get("params", {}).get("points")
        points += len(pts) if isinstance(pts, list) else 0
        if points > MAX_BRUSH_POINTS:
            out.append(f"layer.marks holds more than {MAX_BRUSH_POINTS} brush points")
            break
        try:
            Mark.from_json(m)
        except (ValueError, TypeError, KeyError) as e:
            out.append(f"layer.marks[{i}]: {_problem(e)}")
    try:
        if not isinstance(layer.get("warps", {}), dict):
            raise ValueError("warps is not an object")
        WarpSettings.from_json(layer.get("warps", {}))
    except (ValueError, TypeError) as e:
        out.append(f"layer.warps: {_problem(e)}")
    lm = layer.get("landmarks")
    if lm is not None:
        try:
            if not isinstance(lm, dict) or not isinstance(lm.get("offsets", {}), dict):
                raise ValueError("landmarks is not an object with offsets")
            FaceLandmarks.from_json(lm)
        except (ValueError, TypeError, IndexError) as e:
            out.append(f"layer.landmarks: {_problem(e)}")
    return out


def hand_input_problems(kind: str, inputs: Any) -> list[str]:
    """Problems of one hand step's inputs ([] = fine). The set_holistic latent and lock settings are
    checked by the case-file schema itself (they share its z and LockSettings checks)."""
    from composer.edit.holistic_settings import HolisticSettings

    if not isinstance(inputs, dict):
        return ["is not an object"]
    if kind in HAND_KINDS:
        out = [] if isinstance(inputs.get("base_sha256"), str) and SHA.match(inputs["base_sha256"]) \
            else ["base_sha256 is not a SHA-256"]
        index = inputs.get("index")
        if index is not None and (not isinstance(index, int) or isinstance(index, bool) or not 0 <= index <= MAX_MARKS):
            out.append("index is not a mark number")
        return out + layer_problems(inputs.get("layer"))
    out = []
    if not isinstance(inputs.get("caption"), str) or len(inputs["caption"]) > 20_000:
        out.append("caption is not a text")
    state = inputs.get("state")
    if not isinstance(state, dict) or len(state) > 200 or any(
            not isinstance(k, str) or len(k) > 100 or not (v is True or v is False or v is None)
            for k, v in state.items()):
        out.append("state is not an attribute state (name -> true, false or null)")
    strength = inputs.get("strength", 1.0)
    if isinstance(strength, bool) or not isinstance(strength, (int, float)) or not 0 <= strength <= 4:
        out.append("strength is not a number between 0 and 4")
    try:
        if not isinstance(inputs.get("sliders"), dict):
            raise ValueError("sliders is not an object")
        HolisticSettings.from_json(inputs["sliders"])
    except (ValueError, TypeError) as e:
        out.append(f"sliders: {_problem(e)}")
    return out
