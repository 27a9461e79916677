"""Build examples/hand.composer-case: a case with the artist's hand in it (a scar, a mole, two
shape warps and the age slider), on the shipped model, then verify and reproduce it.

    python examples/make_hand_case.py [--model models/default] [--keys-dir /tmp/hand-example-keys]

The signer is a throwaway key (its public half is written to examples/hand-signer.pub); verify with
    composer verify examples/hand.composer-case --trust examples/hand-signer.pub
    composer reproduce examples/hand.composer-case
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def build(model: Path, out: Path, keys_dir: Path):
    import torch

    from composer.casefile.export import export_case
    from composer.casefile.record import CaseMeta
    from composer.edit.holistic_settings import HolisticSettings
    from composer.edit.marks import Mark
    from composer.edit.warps import WarpSettings
    from composer.engine import Engine
    from composer.operations import Describe, Generate, Pick, perform
    from composer.operations.hand import add_mark, apply_to_current, holistic_from_session, set_warps
    from composer.session import Session
    from composer.text.description import Description

    torch.set_num_threads(1)
    engine = Engine.load(model, "cpu")
    s = Session(None)
    perform(Describe(Description(free_text="a middle aged man with short black hair, a small scar on his "
                                           "left cheek and a mole by the mouth")), engine, s)
    perform(Generate(s.caption, 6, 7), engine, s)
    perform(Pick(2), engine, s)
    perform(add_mark(s, Mark("scar_line", 0.69, 0.66, rotation=-55, scale=1.1)), engine, s)   # his left cheek
    perform(add_mark(s, Mark("mole", 0.41, 0.80, scale=0.9)), engine, s)
    perform(set_warps(s, WarpSettings(eye_spacing=0.5, jaw_width=0.4)), engine, s)
    slid = perform(holistic_from_session(s, HolisticSettings(age=0.6)), engine, s)
    perform(Pick(0, slid.id), engine, s)
    perform(apply_to_current(s), engine, s)            # the marks and warps on the older face
    export_case(s, engine, CaseMeta("HAND-EXAMPLE-001", "Example Operator", "W-EXAMPLE"), out,
                keys_dir=keys_dir, overwrite=True)
    return s


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", type=Path, default=ROOT / "models/default")
    p.add_argument("--out", type=Path, default=ROOT / "examples/hand.composer-case")
    p.add_argument("--keys-dir", type=Path, default=None)
    args = p.parse_args(argv)
    keys = args.keys_dir or Path(tempfile.mkdtemp(prefix="hand-example-keys-"))
    s = build(args.model, args.out, keys)
    shutil.copyfile(keys / "signing_key.pub", args.out.with_name("hand-signer.pub"))
    print(f"wrote {args.out} ({len(s.steps)} steps: {', '.join(st.kind for st in s.steps)})")
    from composer.cli import main as cli
    ok = cli(["verify", str(args.out), "--trust", str(args.out.with_name("hand-signer.pub"))]) == 0
    ok = cli(["reproduce", str(args.out), "--models", str(args.model.parent), "--keys-dir", str(keys)]) == 0 and ok
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
