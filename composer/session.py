"""Qt-free session state: the history tree of every step an artist took, with undo/redo.

Nothing is ever deleted: undo moves to the parent step, redo to the most recent child, and a new
action taken from a step that already has children starts a branch. Steps are added by the
operations of `composer.operations` (one module per step kind). Each step's inputs are exactly
the Engine call's arguments (seeds, bit-exact latents, mask and settings), so `composer reproduce`
can replay it. Every image shown to the witness is kept (in memory and, after every step, in an
atomically written recovery folder) and listed in the exposure log.
"""
from __future__ import annotations

import secrets
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Optional, Sequence

import numpy as np

import composer.operations  # noqa: F401 - registers the step kinds (a recovered session holds them)
from composer.portrait import Portrait, image_sha256
from composer.record import recovery
from composer.record.codec import mask_sha256, mask_to_float, z_from_b64, z_to_b64
from composer.record.recovery import RecoveryError, RecoveryInfo, default_recovery_root, find_recovery
from composer.record.steps import (WITNESS, Exposure, ShownImage, Step, description_json, json_copy, shows_images,
                                   utc_now)

__all__ = ["Session", "Step", "ShownImage", "Exposure", "find_recovery", "RecoveryInfo", "RecoveryError",
           "default_recovery_root", "utc_now", "description_json"]


class Session:
    """History tree + current step + images shown, autosaved to `recovery_root/<session_id>/`.

    `recovery_root=None` keeps the session in memory only (headless case building, tests).
    Listeners added with `add_listener` are called with "step" or "moved" after each change.
    """

    def __init__(self, recovery_root: Path | str | None = None, *, session_id: Optional[str] = None) -> None:
        self.session_id = session_id or (datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ-")
                                         + secrets.token_hex(3))
        self.created_at = utc_now()
        self.folder: Optional[Path] = Path(recovery_root) / self.session_id if recovery_root is not None else None
        self._steps: dict[int, Step] = {}
        self._current: Optional[int] = None
        self._pixels: dict[str, np.ndarray] = {}
        self._exposures: list[Exposure] = []
        self._saved: set[str] = set()
        self._listeners: list[Callable[[str], None]] = []
        self.missing_images: tuple[str, ...] = ()
        self.autosave_error: Optional[str] = None
        self.witness_view = False             # True once a GUI witness view exists for this session
        self.exported_at: Optional[str] = None   # last case-file export (written by export_case)
        self.exported_steps = 0                  # steps the last export covered
        self._last_witness: Optional[tuple] = None   # (shas, what) the witness view displayed last

    # ---- navigation ------------------------------------------------------------------------
    @property
    def steps(self) -> tuple[Step, ...]:
        return tuple(self._steps[i] for i in sorted(self._steps))

    def step(self, step_id: int) -> Step:
        try:
            return self._steps[step_id]
        except KeyError:
            raise KeyError(f"no step {step_id} in this session") from None

    @property
    def current(self) -> Optional[Step]:
        return None if self._current is None else self._steps[self._current]

    def children(self, step_id: Optional[int]) -> list[Step]:
        return [s for s in self.steps if s.parent == step_id]

    def lineage(self, step_id: Optional[int] = None) -> list[Step]:
        """Steps from the root to `step_id` (default: the current step), inclusive."""
        out, sid = [], self._current if step_id is None else step_id
        while sid is not None:
            out.append(self._steps[sid])
            sid = self._steps[sid].parent
        return out[::-1]

    @property
    def can_undo(self) -> bool:
        return self._current is not None

    @property
    def can_redo(self) -> bool:
        return bool(self.children(self._current))

    def undo(self) -> Optional[Step]:
        if self.can_undo:
            self._move(self.current.parent)
        return self.current

    def redo(self) -> Optional[Step]:
        kids = self.children(self._current)
        if kids:
            self._move(kids[-1].id)
        return self.current

    def goto(self, step_id: Optional[int]) -> Optional[Step]:
        if step_id is not None:
            self.step(step_id)
        self._move(step_id)
        return self.current

    def _move(self, step_id: Optional[int]) -> None:
        self._current = step_id
        self._changed("moved")

    # ---- derived state ---------------------------------------------------------------------
    def _nearest(self, kinds: frozenset[str] | set[str]) -> Optional[Step]:
        return next((s for s in reversed(self.lineage()) if s.kind in kinds), None)

    @property
    def description(self) -> dict:
        """The Description (as a dict) of the nearest describe step on the current branch."""
        s = self._nearest({"describe"})
        return json_copy(s.inputs["description"]) if s else description_json({})

    @property
    def interpretation(self) -> Optional[dict]:
        s = self._nearest({"describe"})
        return json_copy(s.inputs["interpretation"]) if s and s.inputs.get("interpretation") else None

    @property
    def caption(self) -> Optional[str]:
        s = self._nearest({"describe", "generate", "evolve", "resynthesise"})
        return str(s.inputs["caption"]) if s else None

    @property
    def description_step(self) -> Optional[Step]:
        """The newest describe step on the current branch: its caption is what the next Generate,
        More like this and Re-synthesise draw (the witness's latest words)."""
        return self._nearest({"describe"})

    @property
    def lock_step(self) -> Optional[Step]:
        """The newest lock step on the current branch: the lock set in force now (None: nothing locked
        yet; a cleared lock is a lock step with no sources)."""
        return self._nearest({"lock"})

    @property
    def candidates_step(self) -> Optional[Step]:
        return self._nearest({"generate", "evolve", "resynthesise"})

    @property
    def candidates(self) -> list[Portrait]:
        s = self.candidates_step
        return [self.portrait(s.id, i) for i in range(len(s.outputs))] if s else []

    @property
    def current_portrait(self) -> Optional[Portrait]:
        """The portrait picked last on the current branch."""
        s = self._nearest({"pick"})
        return self.portrait(s.id, 0) if s else None

    def portrait(self, step_id: int, index: int) -> Portrait:
        s = self.step(step_id)
        out = s.outputs[index]
        source = self.step(s.inputs["from_step"]) if s.kind == "pick" else s
        caption = str(source.inputs.get("caption", ""))
        z = z_from_b64(out.z) if out.z else np.zeros(0, np.float32)
        return Portrait(self.image(out.sha256), z, caption, out.seed)

    def image(self, sha: str) -> np.ndarray:
        """Pixels of an image shown (or a lock mask, H×W uint8) by content hash."""
        try:
            return self._pixels[sha]
        except KeyError:
            raise KeyError(f"image {sha[:12]}… is not in this session") from None

    def lock_mask(self, step_id: int) -> np.ndarray:
        """The exact float32 mask a lock step recorded: pass this one to engine.resynthesise."""
        return mask_to_float(self.image(self.step(step_id).inputs["mask_sha256"]))

    @property
    def exposures(self) -> tuple[Exposure, ...]:
        return tuple(self._exposures)

    # ---- recording -------------------------------------------------------------------------
    def add_step(self, kind: str, inputs: dict, images: Sequence[tuple[np.ndarray, Optional[np.ndarray], Optional[int]]] = (),
             *, picked: Optional[int] = None, duration_s: float = 0.0, notes: Optional[dict] = None,
             what: str = "candidate") -> Step:
        """Add a step after the current one (a branch if it has children) and make it current.
        The operations in composer.operations call this; `images` are (pixels, z or None, seed)."""
        outputs = tuple(ShownImage(self.keep(img), None if z is None else z_to_b64(z), seed)
                        for img, z, seed in images)
        step = Step(len(self._steps) + 1, self._current, kind, inputs, outputs, picked, utc_now(),
                    float(duration_s), notes or {})
        self._steps[step.id] = step
        self._current = step.id
        if shows_images(kind):
            self._exposures.extend(Exposure(o.sha256, step.id, i, step.timestamp, what)
                                   for i, o in enumerate(outputs))
        self._changed("step")
        return step

    def keep(self, pixels: np.ndarray) -> str:
        """Store an image or an 8-bit mask (a read-only copy); returns its content hash."""
        arr = np.array(pixels, dtype=np.uint8)  # own copy, then read-only
        arr.setflags(write=False)
        sha = image_sha256(arr) if arr.ndim == 3 else mask_sha256(arr)
        self._pixels.setdefault(sha, arr)
        return sha

    def shown(self, step_id: int, index: int) -> tuple[np.ndarray, Optional[np.ndarray], Optional[int]]:
        """Image `index` that step `step_id` showed: (pixels, exact z or None, seed)."""
        src = self.step(step_id)
        if not 0 <= index < len(src.outputs):
            raise IndexError(f"no candidate {index} to pick")
        out = src.outputs[index]
        return self.image(out.sha256), (z_from_b64(out.z) if out.z else None), out.seed

    def note_shown(self, images: Sequence[np.ndarray], what: str = "preview") -> None:
        """Log images shown outside a step's outputs (e.g. optimisation previews)."""
        now = utc_now()
        step = self._current
        self._exposures.extend(Exposure(self.keep(img), step, i, now, what) for i, img in enumerate(images))
        self._changed("shown")

    def note_witness_shown(self, images: Sequence[np.ndarray], what: str = "candidates") -> bool:
        """Log what the witness view actually displayed, now ("candidates" or "portrait"): one
        exposure per image with audience "witness". A display identical to the previous one (same
        images, same kind) is not logged again; an empty display only ends the previous one.
        Returns True when something was logged."""
        shas = tuple(self.keep(img) for img in images)
        if (shas, what) == self._last_witness:
            return False
        self._last_witness = (shas, what)
        if not shas:
            return False
        now, step = utc_now(), self._current
        self._exposures.extend(Exposure(sha, step, i, now, what, WITNESS) for i, sha in enumerate(shas))
        self._changed("shown")
        return True

    def mark_exported(self, exported_at: str) -> None:
        """Note a case-file export (time and how many steps it covered) in session.json, so a
        retention setting can later delete the folder of a session that was exported and closed."""
        self.exported_at, self.exported_steps = str(exported_at), len(self._steps)
        self._changed("exported")

    # ---- persistence -----------------------------------------------------------------------
    def add_listener(self, callback: Callable[[str], None]) -> None:
        self._listeners.append(callback)

    def _changed(self, event: str) -> None:
        """Autosave, then notify. A failed autosave (disk full, folder gone) never loses the step:
        it stays in memory, `autosave_error` says why, and the next change retries the write."""
        try:
            self.save()
            self.autosave_error = None
        except OSError as e:
            self.autosave_error = f"autosave to {self.folder} failed ({e.strerror or e}); work is kept in memory"
        for callback in list(self._listeners):
            callback(event)

    def to_json(self, *, closed: bool = False) -> dict:
        return {"format": recovery.FORMAT, "version": recovery.FORMAT_VERSION, "session_id": self.session_id,
                "created_at": self.created_at, "saved_at": utc_now(), "closed": closed, "current": self._current,
                "steps": [s.to_json() for s in self.steps], "exposures": [e.to_json() for e in self._exposures],
                "witness_view": self.witness_view, "exported_at": self.exported_at,
                "exported_steps": self.exported_steps}

    def save(self, *, closed: bool = False) -> None:
        """Write new images, then session.json, atomically (no-op without a recovery folder)."""
        if self.folder is None:
            return
        for sha in sorted(set(self._pixels) - self._saved):
            recovery.write_blob(self.folder, sha, self._pixels[sha])
            self._saved.add(sha)
        recovery.write_state(self.folder, self.to_json(closed=closed))

    def finish(self) -> None:
        """Mark a normal end: `find_recovery` no longer offers this session (nothing is deleted)."""
        self.save(closed=True)

    @classmethod
    def recover(cls, folder: Path | str) -> "Session":
        """Restore a session from its folder (or the newest unfinished one under a recovery root);
        it keeps autosaving there. Images that could not be read are listed in `missing_images`."""
        folder = recovery.resolve_folder(folder)
        state = recovery.read_state(folder)
        self = cls(folder.parent, session_id=str(state.get("session_id", folder.name)))
        self.folder = folder
        self.created_at = str(state.get("created_at", ""))
        try:
            steps = [Step.from_json(d) for d in state.get("steps", [])]
            self._exposures = [Exposure.from_json(e) for e in state.get("exposures", [])]
            self.witness_view = bool(state.get("witness_view", False))
            self.exported_at = None if state.get("exported_at") is None else str(state["exported_at"])
            self.exported_steps = int(state.get("exported_steps") or 0)
        except (KeyError, TypeError, ValueError) as e:
            raise RecoveryError(f"{folder / recovery.SESSION_FILE} is damaged ({e}).") from e
        self._steps = {s.id: s for s in steps}
        current = state.get("current")
        self._current = current if current in self._steps else None
        wanted = {o.sha256 for s in steps for o in s.outputs} | {e.sha256 for e in self._exposures}
        wanted |= {s.inputs[k] for s in steps if s.kind == "lock"
                   for k in ("mask_sha256", "reference_sha256", "brush_sha256") if s.inputs.get(k)}
        self._pixels, self.missing_images = recovery.read_blobs(folder, wanted)
        self._saved = set(self._pixels)
        return self

