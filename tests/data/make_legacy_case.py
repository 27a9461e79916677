"""How tests/data/legacy-v1.composer-case was made (not run by the tests):

    python tests/data/make_legacy_case.py OUT_DIR

The committed file was written by the code of commit 2101e00, before composer.operations existed,
through the Session.record_* calls of that time; this script makes the same steps through the
operations (a new run gives the same images, with new timestamps and a new signing key).

It covers every step kind (describe, generate, pick, evolve, lock, resynthesise, import_reference)
and a branch, on the tiny random-weight bundle the tests build (tests/conftest.py).
"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.conftest import build_tiny_bundle  # noqa: E402


def main(out_dir: Path) -> None:
    from composer.casefile.export import export_case
    from composer.casefile.record import CaseMeta
    from composer.casefile.signing import load_signer, public_pem
    from composer.edit import LockSettings
    from composer.edit.masks import region_mask
    from composer.engine import Engine
    from composer.operations import Describe, Evolve, Generate, ImportReference, Lock, Pick, Resynthesise, perform
    from composer.session import Session
    from composer.text.description import Description

    tmp = Path(tempfile.mkdtemp())
    build_tiny_bundle(tmp / "models" / "tiny")
    engine = Engine.load(tmp / "models" / "tiny", "cpu")
    s = Session(None, session_id="legacy-v1")
    d = Description(choices={"sex": "male", "age": "young"}, free_text="a smiling young man with blond hair, zork")
    perform(Describe(d), engine, s)
    perform(Generate(s.caption, 3, 11), engine, s)
    perform(Pick(1), engine, s)
    parent = s.current_portrait
    perform(Evolve(s.caption, parent.z, 2, 5, 0.4), engine, s)
    perform(Pick(0), engine, s)
    chosen = s.current_portrait
    lock = perform(Lock(region_mask("mouth", engine.image_size, chosen.image), ["mouth"]), engine, s)
    settings = LockSettings(n_candidates=2, steps=3, seed=1)
    res = perform(Resynthesise(s.caption, chosen.z, chosen.sha256, lock.inputs["mask_sha256"], settings), engine, s)
    perform(Pick(res.notes["order"][0]), engine, s)
    # branch: back to the first pick, import a photo, lock painted eyes from it, re-synthesise
    s.goto(3)
    photo = np.random.default_rng(7).integers(0, 256, (engine.image_size, engine.image_size, 3), dtype=np.uint8)
    ref = perform(ImportReference(photo, "/photos/witness-photo.png"), engine, s)
    chosen = s.current_portrait
    mask = region_mask("eyes", engine.image_size) * np.float32(0.7)
    lock = perform(Lock(mask, ["eyes"], {"regions": ["eyes"], "strokes": []}), engine, s)
    settings = LockSettings(n_candidates=2, steps=2, seed=4, features="discriminator", window=False)
    res = perform(Resynthesise(s.caption, chosen.z, ref.outputs[0].sha256, lock.inputs["mask_sha256"], settings),
                  engine, s)
    perform(Pick(res.notes["order"][-1]), engine, s)
    keys = tmp / "keys"
    out_dir.mkdir(parents=True, exist_ok=True)
    export_case(s, engine, CaseMeta("LEGACY-1", "fixture", "W-0"), out_dir / "legacy-v1.composer-case",
                keys_dir=keys, overwrite=True,
                render_pdf=lambda c: b"%PDF-1.4 fixture report for " + c.case_id.encode())
    (out_dir / "legacy-v1-signer.pub").write_bytes(public_pem(load_signer(keys).public_key))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
