"""`composer generate`: portraits from a caption or a file of descriptions, with JSON sidecars.

Everything is checked before anything is written: the arguments' ranges (in the parser), the model,
the output folder (writable, and holding no earlier portraits unless --force), and every line of a
descriptions file. Bad lines are reported by number and skipped; the others are rendered in batches
of --batch portraits per generator forward, with a progress bar on a terminal.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from composer.cli.validate import (MAX_DESCRIPTION, SEED_MAX, check_model_arg, check_output_dir, description,
                                   int_range, safe, seed)

MAX_PER_DESCRIPTION = 64                      # Engine.MAX_CANDIDATES
_PORTRAIT = re.compile(r"^d\d+_s\d+_\d+\.(png|json)$")


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("generate", help="render portraits from a description",
                              description="Render N portraits per description. Each PNG gets a JSON sidecar "
                                          "with the description, caption, report, seed, z and model SHA-256. "
                                          "An --out folder that already holds portraits is refused unless "
                                          "--force, so an earlier run is never overwritten silently.")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--caption", type=description,
                     help=f"free-text description of the face (at most {MAX_DESCRIPTION:,} characters)")
    src.add_argument("--descriptions", type=Path,
                     help="text file with one description per line (UTF-8; a line that is not UTF-8 is read "
                          "as Windows-1252 with a warning; bad lines are reported by number and skipped)")
    p.add_argument("-n", type=int_range(1, MAX_PER_DESCRIPTION), default=4,
                   help=f"portraits per description, 1-{MAX_PER_DESCRIPTION} (default 4)")
    p.add_argument("--seed", type=seed, default=0,
                   help="seed of the first description (0 to 2**63-1; line k uses seed+k; default 0)")
    p.add_argument("--out", type=Path, default=Path("portraits"), help="output folder (default ./portraits)")
    p.add_argument("--force", action="store_true",
                   help="write into an --out folder that already holds portraits (same names are replaced)")
    p.add_argument("--batch", type=int_range(1, 1024), default=32,
                   help="portraits per generator forward for --descriptions (default 32; the output is "
                        "byte-identical for the same inputs and --batch)")
    p.add_argument("--model", type=Path, default=None, help="model bundle folder (default models/default)")
    p.add_argument("--device", default="cpu", help="cpu (default, reproducible), cuda or auto")
    p.add_argument("--no-refiner", action="store_true",
                   help="with a bundle that holds a 2x refiner: write the generator's raw output, bicubic-upscaled "
                        "to the same size, to see what the refiner added")
    p.set_defaults(func=run)


@dataclass
class Line:
    index: int          # position among the non-blank lines: the seed offset and the d### of the names
    number: int         # 1-based line number in the file (0 for --caption)
    text: str


def _decode(raw: bytes, number: int, notes: list[str], problems: list[str]) -> Optional[str]:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as e:
        where = f"byte 0x{raw[e.start]:02x} at column {e.start + 1}"
    try:
        text = raw.decode("cp1252")
    except UnicodeDecodeError:
        problems.append(f"line {number}: not UTF-8 ({where}) nor Windows-1252 text; skipped. "
                        "Save the file as UTF-8.")
        return None
    notes.append(f"line {number} is not UTF-8 ({where}); read it as Windows-1252: {safe(text.strip()[:60])!r}. "
                 "Save the file as UTF-8 to be sure.")
    return text


def read_lines(args: argparse.Namespace, notes: list[str], problems: list[str]) -> list[Line]:
    """The descriptions to render; undecodable and over-long lines go to `problems` by number."""
    from composer.errors import DescriptionError
    if args.caption is not None:
        return [Line(0, 0, args.caption)]
    path: Path = args.descriptions
    if path.is_dir():
        raise DescriptionError(f"--descriptions {safe(path)} is a folder; give a text file with one "
                               "description per line.")
    try:
        data = path.read_bytes()
    except OSError as e:
        raise DescriptionError(f"cannot read --descriptions {safe(path)}: {e.strerror or e}. "
                               "Check the file name.") from None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    lines: list[Line] = []
    index = 0
    for number, raw in enumerate(data.split(b"\n"), start=1):
        if not raw.strip():
            continue
        text = _decode(raw, number, notes, problems)
        index += 1
        if text is None:
            continue
        text = text.strip()
        if len(text) > MAX_DESCRIPTION:
            problems.append(f"line {number}: {len(text):,} characters; a description holds at most "
                            f"{MAX_DESCRIPTION:,}; skipped.")
            continue
        lines.append(Line(index - 1, number, text))
    if index == 0:
        raise DescriptionError(f"{safe(path)} holds no descriptions (one per line).")
    return lines


def check_out_folder(out: Path, force: bool) -> None:
    """Writable, and no portraits of an earlier run unless --force (nothing is created here)."""
    from composer.errors import ComposerError
    check_output_dir(out, "--out folder")
    if out.is_dir() and not force:
        earlier = [f for f in out.iterdir() if _PORTRAIT.match(f.name) or f.suffix.lower() == ".png"]
        if earlier:
            raise ComposerError(f"--out folder {safe(out)} already holds {len(earlier)} portrait files from an "
                                "earlier run; nothing was written. Choose a new --out folder, or add --force "
                                "to write into it (files of the same name are replaced).")


@dataclass
class Item:
    line: Line
    caption: str
    report: dict
    report_lines: list[str]
    seed: int


def interpret_lines(engine, lines: list[Line], base_seed: int, problems: list[str]) -> list[Item]:
    from composer.errors import DescriptionError
    from composer.text.description import Description, require_nonempty
    items = []
    for ln in lines:
        try:
            if engine.reads_attributes:
                interp = require_nonempty(engine.describe(Description(free_text=ln.text)))
                caption, report, out = interp.caption, interp.to_json(), interp.report().splitlines()[1:]
            else:   # a model trained on a tag folder reads the tag words directly
                caption, report = engine.read_tags(ln.text)
                out = ([f"not a tag of this model: {', '.join(report['not_understood'])}"]
                       if report["not_understood"] else [])
        except DescriptionError as e:
            if ln.number == 0:
                raise
            problems.append(f"line {ln.number}: {e} Skipped.")
            continue
        items.append(Item(ln, caption, report, out, base_seed + ln.index))
    return items


def _chunks(items: list[Item], per_chunk: int) -> list[list[Item]]:
    """Fixed groups of file positions (not of good lines), so a bad line never shifts another's batch."""
    groups: dict[int, list[Item]] = {}
    for it in items:
        groups.setdefault(it.line.index // per_chunk, []).append(it)
    return [groups[k] for k in sorted(groups)]


def run(args: argparse.Namespace) -> int:
    import io
    from concurrent.futures import ThreadPoolExecutor

    import numpy as np
    import torch
    from PIL import Image, PngImagePlugin
    from tqdm import tqdm

    from composer import __version__
    from composer.atomic import atomic_write_bytes
    from composer.engine import Engine
    from composer.errors import ComposerError
    from composer.portrait import Portrait, to_uint8
    from composer.text.description import Description

    check_model_arg(args.model)
    check_out_folder(args.out, args.force)
    notes: list[str] = []
    problems: list[str] = []
    lines = read_lines(args, notes, problems)
    if lines and args.seed + lines[-1].index > SEED_MAX:
        raise ComposerError(f"--seed {args.seed} plus {lines[-1].index} further descriptions passes 2**63-1; "
                            "choose a smaller --seed.")
    for note in notes:
        print(f"warning: {note}", file=sys.stderr)
    engine = Engine.load(args.model, args.device, refine=not getattr(args, "no_refiner", False))
    if engine.notice:
        print(safe(engine.notice), file=sys.stderr)
    items = interpret_lines(engine, lines, args.seed, problems)
    for problem in problems:
        print(f"skipped {safe(problem)}", file=sys.stderr)
    if not items:
        raise ComposerError(f"none of the {len(lines) + len(problems)} descriptions can be rendered (see above); "
                            "nothing was written.")

    n, total = args.n, len(items)
    per_chunk = max(1, args.batch // n) if args.caption is None else 1
    bar = tqdm(total=total, unit="line", file=sys.stderr, disable=None if total > 1 else True,
               dynamic_ncols=True)
    say = (lambda s: bar.write(s, file=sys.stdout)) if not bar.disable else print  # noqa: E731

    def save(item: Item, k: int, p: Portrait) -> None:
        stem = f"d{item.line.index:03d}_s{item.seed}_{k:02d}"
        desc = Description(free_text=item.line.text)
        sidecar = {"description": desc.to_json(), "caption": item.caption, "report": item.report,
                   "seed": item.seed, "index": k, "z": [float(v) for v in p.z], "image_sha256": p.sha256,
                   "model": {"name": engine.name, "sha256": engine.sha256}, "composer_version": __version__}
        if engine.stages:   # a bundle with a refiner: which stages drew it, and at what sizes
            sidecar["model"].update(stages=engine.stages, generator_size=engine.generator_size,
                                    image_size=engine.image_size)
        if item.line.number:
            sidecar["line"] = item.line.number
        info = PngImagePlugin.PngInfo()
        info.add_text("caption", item.caption)
        info.add_text("model_sha256", engine.sha256)
        buf = io.BytesIO()
        Image.fromarray(p.image).save(buf, format="PNG", pnginfo=info)
        atomic_write_bytes(args.out / f"{stem}.png", buf.getvalue(), overwrite=args.force)
        atomic_write_bytes(args.out / f"{stem}.json", json.dumps(sidecar, indent=1).encode(), overwrite=args.force)

    def save_chunk(jobs: list[tuple[Item, int, Portrait]]) -> None:
        for job in jobs:
            save(*job)

    sentences: dict = {}

    def encode_new(captions: list[str]) -> None:
        """Sentence vectors of the captions not seen yet, in one padded encoder call."""
        new = list(dict.fromkeys(c for c in captions if c not in sentences))
        if not new:
            return
        tokens = [engine.model.vocab.encode(c) for c in new]
        lengths = torch.tensor([len(t) for t in tokens], dtype=torch.long)
        ids = torch.zeros(len(tokens), int(lengths.max()), dtype=torch.long)
        for i, t in enumerate(tokens):
            ids[i, : len(t)] = torch.tensor(t, dtype=torch.long)
        for c, v in zip(new, engine.model.encoder(ids.to(engine.device), lengths)):
            sentences[c] = v.unsqueeze(0)

    args.out.mkdir(parents=True, exist_ok=True)
    written = 0
    # The writer thread encodes and fsyncs one chunk while the next one is rendered.
    with ThreadPoolExecutor(max_workers=1) as writer, torch.no_grad():
        pending = None
        for chunk in _chunks(items, per_chunk):
            z = np.concatenate([engine.latents(it.seed, n) for it in chunk])
            encode_new([it.caption for it in chunk])
            sent = torch.cat([sentences[it.caption].expand(n, -1) for it in chunk])
            images = to_uint8(engine.draw(torch.from_numpy(z).to(engine.device), sent))
            jobs = [(it, k, Portrait(images[c * n + k], z[c * n + k], it.caption, it.seed))
                    for c, it in enumerate(chunk) for k in range(n)]
            if pending is not None:
                pending.result()
            pending = writer.submit(save_chunk, jobs)
            for it in chunk:
                prefix = f"line {it.line.number}: " if it.line.number else ""
                say(f"[{written // n + 1}/{total}] {prefix}{safe(it.caption)}")
                for extra in it.report_lines:
                    say(f"    {safe(extra)}")
                written += n
            bar.update(len(chunk))
        if pending is not None:
            pending.result()
    bar.close()
    print(f"wrote {written} portraits ({n} for each of {total} descriptions) to {safe(args.out)}")
    if problems:
        print(f"skipped {len(problems)} line(s): "
              f"{', '.join(p.split(':', 1)[0].removeprefix('line ') for p in problems)} (reasons above)",
              file=sys.stderr)
        return 1
    return 0
