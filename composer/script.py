"""Session scripts: the window's operations as a JSON/YAML list, run headless (`composer session run`).

It sits above the operations and the case file (it runs the one and exports the other), as the
window's Studio does.

For drills and training, for reproducible examples and for tests. A script is

    {"format": "composer-session-script", "version": 1,
     "case": {"case_id": "DRILL-1", "operator": "…", "witness": "W-1"},      (optional)
     "steps": [ {"op": "describe", "text": "a man in his forties …", "choices": {"glasses": "none"}},
                {"op": "generate", "n": 9, "seed": 1},
                {"op": "pick", "index": 2},
                {"op": "lock", "regions": ["eyes"]},
                {"op": "resynthesise", "seed": 5, "steps": 20, "variation": 1.5},
                {"op": "export", "path": "drill.composer-case"} ]}

Every step runs the same operation (composer.operations) the window runs and records the same
history, so the case file it writes verifies and reproduces like one made by hand. The operations
and their fields are in `composer.script_format.OPS` (docs/session-script.md). Paths are relative to the script's folder.
An error names the step, says what is wrong and what to do; nothing is written before the export.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, Optional

import numpy as np

from composer.edit.lockset import BRUSH, LockSet, LockSource, build_lock
from composer.errors import ComposerError
from composer.operations.base import perform
from composer.operations.describe import Describe
from composer.operations.evolve import Evolve
from composer.operations.generate import Generate
from composer.operations.history import GoTo, Redo, Undo
from composer.operations.import_reference import ImportReference
from composer.operations.lock import Lock
from composer.operations.lockstate import lock_sources, lock_view, portrait_label
from composer.operations.pick import Pick
from composer.operations.resynthesise import Resynthesise
from composer.script_format import OPS, Script, ScriptStep, load_script, parse_script

__all__ = ["OPS", "Script", "ScriptStep", "ScriptRunner", "StepDone", "load_script", "parse_script"]

@dataclass(frozen=True)
class StepDone:
    """Progress of a script run: which script step ran, and the session step it recorded (if any)."""
    step: ScriptStep
    recorded: Optional[Any]
    note: str = ""


class ScriptRunner:
    """Runs a Script's steps against an engine and a Session, as the window would.

    `load_photo(path, size)` gives an aligned output-size RGB photo (default: composer.edit.align);
    `export(session, path, case, force)` writes the case file (default: composer.casefile.export)."""

    def __init__(self, engine: Any, session: Any, script: Script, *,
                 load_photo: Optional[Callable[[Path, int], np.ndarray]] = None,
                 export: Optional[Callable[[Any, Path, Mapping[str, str], bool], Any]] = None,
                 keys_dir: Optional[Path] = None) -> None:
        self.engine, self.session, self.script = engine, session, script
        self._load_photo = load_photo or _aligned_photo
        self._writer = export or (lambda s, p, case, force: _write_case(engine, s, p, case, force, keys_dir))
        self.exported: list[Any] = []

    def run(self) -> Iterator[StepDone]:
        for step in self.script.steps:
            try:
                recorded, note = getattr(self, "_" + step.op)(**step.args)
            except ComposerError as e:
                raise ComposerError(f"{step.where}: {e}") from None
            yield StepDone(step, recorded, note)

    # ---- helpers ---------------------------------------------------------------------------
    def _do(self, operation: Any) -> Any:
        return perform(operation, self.engine, self.session)

    def _caption(self) -> str:
        s = self.session.description_step
        if s is None or not str(s.inputs.get("caption") or "").strip():
            raise ComposerError("nothing is described yet; add a describe step first.")
        return str(s.inputs["caption"])

    def _portrait(self) -> Any:
        p = self.session.current_portrait
        if p is None:
            raise ComposerError("no portrait is picked; add a pick step first.")
        return p

    def _path(self, name: str) -> Path:
        path = Path(name)
        return path if path.is_absolute() else self.script.folder / path

    # ---- operations ------------------------------------------------------------------------
    def _describe(self, text: str = "", choices: Optional[dict] = None, text_last: bool = True):
        from composer.text.description import Description
        description = Description(choices={str(k): str(v) for k, v in (choices or {}).items()}, free_text=text,
                                  text_last=text_last)
        try:
            interpretation = self.engine.describe(description)
        except (KeyError, ValueError) as e:
            raise ComposerError(f"the description is not usable ({e}); check the dropdown names and options.") from None
        step = self._do(Describe(description, interpretation))
        return step, interpretation.caption

    def _generate(self, seed: int, n: int = 9):
        return self._do(Generate(self._caption(), n, seed)), ""

    def _pick(self, index: int, from_step: Optional[int] = None):
        try:
            return self._do(Pick(index, from_step)), ""
        except (IndexError, KeyError) as e:
            raise ComposerError(f"{e}; pick one of the candidates on show.") from None

    def _more_like_this(self, seed: int, n: int = 9, strength: float = 0.4):
        portrait = self._portrait()
        return self._do(Evolve(self._caption(), np.array(portrait.z), n, seed, float(strength))), ""

    def _import_photo(self, path: str, eyes: Optional[list] = None):
        """Align a photo to the portrait's framing (found by the face detector, or by the eye centres
        given in the photo's pixels, as the artist clicks them in the window) and offer it as a source."""
        full = self._path(path)
        size = int(self.engine.image_size)
        if eyes is None:
            image = self._load_photo(full, size)
        else:
            try:
                (lx, ly), (rx, ry) = [(float(x), float(y)) for x, y in eyes]
            except (TypeError, ValueError):
                raise ComposerError("\"eyes\" is [[x, y], [x, y]]: the left and right eye centres in the photo's pixels.") from None
            from composer.edit.align import align_by_eyes, load_image
            try:
                image = align_by_eyes(load_image(full)[0], (lx, ly), (rx, ry), size)
            except OSError as e:
                raise ComposerError(f"cannot read the photo {full} ({e.strerror or e}).") from None
        return self._do(ImportReference(image, full.name)), ""

    def _source(self, spec: Optional[str]) -> LockSource:
        sources = lock_sources(self.session)
        if not sources:
            raise ComposerError("no portrait is picked; add a pick step first.")
        if spec in (None, "", "portrait"):
            return sources[0]
        kind, _, name = str(spec).partition(":")
        if kind == "photo":
            found = [s for s in sources if s.label == f"photo {name}"]
        elif kind == "step":
            try:
                step = self.session.step(int(name))
            except (KeyError, ValueError):
                raise ComposerError(f"\"from\": there is no step {name!r}.") from None
            if step.kind != "pick":
                raise ComposerError(f"\"from\": step {name} is a {step.kind} step; name a pick step.")
            found = [LockSource(step.outputs[0].sha256, portrait_label(step.id, current=False))]
        else:
            found = []
        if not found:
            offered = ", ".join(["portrait"] + [f"photo:{s.label[6:]}" for s in sources if s.label.startswith("photo ")])
            raise ComposerError(f"\"from\" {spec!r} is not a source on this branch; use one of: {offered}, step:N.")
        return found[0]

    def _record_lock(self, lockset: LockSet, brush: Optional[np.ndarray]):
        portrait = self._portrait()
        reference, mask = build_lock(lockset, portrait.image, self.session.image, brush=brush)
        return self._do(Lock(mask, lockset.names, None, lockset, reference, portrait.sha256, brush))

    def _current_lock(self) -> tuple[LockSet, Optional[np.ndarray]]:
        view = lock_view(self.session)
        return (view.lockset, view.brush) if view is not None else (LockSet(()), None)

    def _lock(self, regions: Optional[list] = None, brush: Optional[str] = None, **kw):
        source = self._source(kw.get("from"))
        lockset, paint = self._current_lock()
        if not regions and not brush:
            raise ComposerError("give \"regions\" and/or a \"brush\" mask PNG to lock.")
        from composer.edit.regions import REGIONS
        for name in regions or []:
            if name not in REGIONS:
                raise ComposerError(f"unknown region {name!r}; choose from: {', '.join(REGIONS)}.")
            lockset = lockset.with_region(str(name), source)
        if brush:
            painted = _mask_png(self._path(brush), int(self.engine.image_size))
            paint = np.maximum(paint if paint is not None else 0.0, painted).astype(np.float32)
            lockset = lockset.with_region(BRUSH, source)
        return self._record_lock(lockset, paint), ""

    def _unlock(self, regions: list):
        lockset, paint = self._current_lock()
        for name in regions:
            if lockset.source_of(str(name)) is None:
                raise ComposerError(f"{name!r} is not locked; the lock holds: {', '.join(r.region for r in lockset.regions) or 'nothing'}.")
            lockset = lockset.with_region(str(name), None)
            if name == BRUSH:
                paint = None
        return self._record_lock(lockset, paint), ""

    def _clear_lock(self):
        return self._record_lock(LockSet(()), None), ""

    def _resynthesise(self, seed: int, n: int = 9, steps: Optional[int] = None, variation: Optional[float] = None,
                      precision: Optional[str] = None):
        from composer.edit.settings import LockSettings
        portrait = self._portrait()
        view = lock_view(self.session)
        if view is None or not view.lockset.regions:
            raise ComposerError("nothing is locked; add a lock step first.")
        if view.base_sha256 != portrait.sha256 or not view.reference_sha256:
            self._record_lock(view.lockset, view.brush)        # laid again over the picked portrait
            view = lock_view(self.session)
        extra = {k: v for k, v in (("steps", steps), ("restart_sigma", variation), ("precision", precision))
                 if v is not None}
        try:
            settings = LockSettings(n_candidates=n, seed=seed, **extra)
        except ValueError as e:
            raise ComposerError(str(e)) from None
        return self._do(Resynthesise(self._caption(), np.array(portrait.z), view.reference_sha256,
                                     view.mask_sha256, settings)), ""

    def _undo(self):
        if not self.session.can_undo:
            raise ComposerError("there is nothing to undo.")
        return self._do(Undo()), ""

    def _redo(self):
        if not self.session.can_redo:
            raise ComposerError("there is nothing to redo.")
        return self._do(Redo()), ""

    def _goto(self, step: int):
        try:
            return self._do(GoTo(step)), ""
        except KeyError:
            raise ComposerError(f"there is no step {step}; the session has {len(self.session.steps)}.") from None

    def _branch(self, from_step: int):
        moved, _ = self._goto(from_step)
        return moved, "the next step starts a branch"

    def _add_mark(self, mark: dict):
        from composer.edit.marks import Mark
        from composer.operations.hand import add_mark
        try:
            m = Mark.from_json(mark)
        except (KeyError, TypeError, ValueError) as e:
            raise ComposerError(f"the mark is not valid ({e}); see docs/session-script.md.") from None
        return self._do(add_mark(self.session, m)), ""

    def _edit_mark(self, index: int, mark: dict):
        from composer.edit.marks import Mark
        from composer.operations.hand import current_layer, edit_mark
        self._mark_index(index, current_layer)
        try:
            m = Mark.from_json(mark)
        except (KeyError, TypeError, ValueError) as e:
            raise ComposerError(f"the mark is not valid ({e}); see docs/session-script.md.") from None
        return self._do(edit_mark(self.session, index, m)), ""

    def _remove_mark(self, index: int):
        from composer.operations.hand import current_layer, remove_mark
        self._mark_index(index, current_layer)
        return self._do(remove_mark(self.session, index)), ""

    def _mark_index(self, index: int, current_layer) -> None:
        n = len(current_layer(self.session).marks)
        if not 0 <= index < n:
            raise ComposerError(f"there is no mark {index}; the portrait has {n} mark(s), numbered from 0.")

    def _set_warps(self, warps: dict):
        from composer.edit.warps import WarpSettings
        from composer.operations.hand import set_warps
        try:
            w = WarpSettings(**warps)
        except (TypeError, ValueError) as e:
            raise ComposerError(f"the warps are not valid ({e}); see docs/session-script.md.") from None
        return self._do(set_warps(self.session, w)), ""

    def _set_holistic(self, sliders: dict, pick: Optional[int] = None, steps: Optional[int] = None):
        """The sliders move the condition; with a lock in force they go through the lock optimiser
        (one candidate, `steps` steps) so the locked regions hold, as in the window."""
        from composer.edit.holistic_settings import HolisticSettings
        from composer.operations.hand import holistic_from_session
        try:
            h = HolisticSettings(**sliders)
        except (TypeError, ValueError) as e:
            raise ComposerError(f"the sliders are not valid ({e}); see docs/session-script.md.") from None
        from composer.edit.settings import LockSettings
        view = lock_view(self.session)
        locked = view is not None and bool(view.lockset.regions)
        if locked and (view.base_sha256 != self._portrait().sha256 or not view.reference_sha256):
            self._record_lock(view.lockset, view.brush)          # the lock over this portrait, as the window does
        settings = LockSettings(n_candidates=1, **({"steps": steps} if steps is not None else {})) if locked else None
        step = self._do(holistic_from_session(self.session, h, settings, self.session.lock_step if locked else None))
        if pick is not None:
            step = self._do(Pick(pick, step.id))
        return step, ""

    def _export(self, path: str, case_id: Optional[str] = None, operator: str = "", witness: str = "",
                force: bool = False):
        case = {**self.script.case, **{k: v for k, v in (("case_id", case_id), ("operator", operator),
                                                          ("witness", witness)) if v}}
        result = self._writer(self.session, self._path(path), case, force)
        self.exported.append(result)
        return None, f"wrote {getattr(result, 'path', path)}"


def _aligned_photo(path: Path, size: int) -> np.ndarray:
    from composer.edit.align import align_photo, load_image
    try:
        image, _ = load_image(path)
    except OSError as e:
        raise ComposerError(f"cannot read the photo {path} ({e.strerror or e}).") from None
    return align_photo(image, size)


def _mask_png(path: Path, size: int) -> np.ndarray:
    """A brush mask from a PNG (white = lock), resized to the output size: 1 where it is over half."""
    from PIL import Image, UnidentifiedImageError
    try:
        with Image.open(path) as im:
            im.load()
            grey = im.convert("L").resize((size, size), Image.BILINEAR)
    except (OSError, UnidentifiedImageError) as e:
        raise ComposerError(f"cannot read the brush mask {path} ({e}); give a PNG, white where locked.") from None
    return (np.asarray(grey, np.float32) >= 128).astype(np.float32)


def _write_case(engine: Any, session: Any, path: Path, case: Mapping[str, str], force: bool,
            keys_dir: Optional[Path]) -> Any:
    from composer.casefile.export import export_case
    from composer.casefile.record import CaseMeta
    suffix = ".composer-case"
    if path.suffix != suffix:
        path = path.with_name(path.name + suffix)
    meta = CaseMeta(case.get("case_id") or path.name[: -len(suffix)], case.get("operator", ""), case.get("witness", ""))
    return export_case(session, engine, meta, path, keys_dir=keys_dir, overwrite=force)
