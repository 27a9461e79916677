"""`composer generate`: portraits from a caption or a file of descriptions, with JSON sidecars."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("generate", help="render portraits from a description",
                              description="Render N portraits per description. Each PNG gets a JSON sidecar "
                                          "with the description, caption, report, seed, z and model SHA-256.")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--caption", help="free-text description of the face")
    src.add_argument("--descriptions", type=Path, help="file with one description per line")
    p.add_argument("-n", type=int, default=4, help="portraits per description (default 4)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", type=Path, default=Path("portraits"), help="output folder (default ./portraits)")
    p.add_argument("--model", type=Path, default=None, help="model bundle folder (default models/default)")
    p.add_argument("--device", default="cpu", help="cpu (default, reproducible), cuda or auto")
    p.set_defaults(func=run)


def _read_descriptions(args) -> list[str]:
    from composer.errors import DescriptionError
    if args.caption is not None:
        return [args.caption]
    try:
        lines = args.descriptions.read_text("utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise DescriptionError(f"cannot read {args.descriptions}: {e}") from e
    lines = [ln.strip() for ln in lines if ln.strip()]
    if not lines:
        raise DescriptionError(f"{args.descriptions} holds no descriptions (one per line).")
    return lines


def run(args: argparse.Namespace) -> int:
    import io

    from PIL import Image, PngImagePlugin

    from composer import __version__
    from composer.atomic import atomic_write_bytes
    from composer.engine import Engine
    from composer.text.description import Description, require_nonempty

    texts = _read_descriptions(args)
    engine = Engine.load(args.model, args.device)
    if engine.notice:
        print(engine.notice, file=sys.stderr)
    args.out.mkdir(parents=True, exist_ok=True)
    for d_i, text in enumerate(texts):
        desc = Description(free_text=text)
        if engine.reads_attributes:
            interp = require_nonempty(engine.describe(desc))
            caption, report, lines = interp.caption, interp.to_json(), interp.report().splitlines()[1:]
        else:   # a model trained on a tag folder reads the tag words directly
            caption, report = engine.read_tags(text)
            lines = [f"not a tag of this model: {', '.join(report['not_understood'])}"] if report["not_understood"] else []
        seed = args.seed + d_i
        print(f"[{d_i + 1}/{len(texts)}] {caption}")
        for line in lines:
            print(f"    {line}")
        for k, p in enumerate(engine.candidates(caption, args.n, seed)):
            stem = f"d{d_i:03d}_s{seed}_{k:02d}"
            sidecar = {"description": desc.to_json(), "caption": caption, "report": report,
                       "seed": seed, "index": k, "z": [float(v) for v in p.z], "image_sha256": p.sha256,
                       "model": {"name": engine.name, "sha256": engine.sha256}, "composer_version": __version__}
            info = PngImagePlugin.PngInfo()
            info.add_text("caption", caption)
            info.add_text("model_sha256", engine.sha256)
            buf = io.BytesIO()
            Image.fromarray(p.image).save(buf, format="PNG", pnginfo=info)
            atomic_write_bytes(args.out / f"{stem}.png", buf.getvalue(), overwrite=True)
            atomic_write_bytes(args.out / f"{stem}.json", json.dumps(sidecar, indent=1).encode(), overwrite=True)
    print(f"wrote {len(texts) * args.n} portraits to {args.out}")
    return 0
