"""Face data for training and evaluation: the CelebA packs in shared/data/celeba, or any folder
of face images with a CSV of tags.

Images are decoded once into a uint8 array [N,S,S,3]; labels are 0/1 float32 [N,K] with the label
names alongside (the 40 CelebA attributes, or a folder's own tag words).
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import numpy as np
from PIL import Image

from composer.errors import DataError
from composer.text.attributes import ATTRIBUTES

SPLITS = {"train": 0, "val": 1, "test": 2}
TRAIN_PACK = "celeba128_train_webp85.npz"
SHARDS = tuple(f"celeba128_shard{i:02d}.npz" for i in range(4))
LOWRES_PACK = "celeba64_lowres_extra.npz"   # official-train faces that exist only at 64 px
IMAGE_EXT = (".png", ".jpg", ".jpeg", ".webp", ".bmp")


@dataclass(frozen=True)
class FaceData:
    """Decoded faces and their labels. `captions` is set for tag folders (free-form tags)."""

    images: np.ndarray          # uint8 [N,S,S,3]
    labels: np.ndarray          # float32 [N,K]
    label_names: tuple[str, ...]
    ids: tuple[str, ...]
    kind: str                   # "celeba" or "tags"

    def __len__(self) -> int:
        return len(self.images)


def _decode(blob: bytes, size: int) -> np.ndarray:
    img = Image.open(io.BytesIO(blob)).convert("RGB")
    if img.size != (size, size):
        img = img.resize((size, size), Image.LANCZOS)
    return np.asarray(img, dtype=np.uint8)


def _read_attrs(folder: Path) -> dict[str, np.ndarray]:
    path = folder / "celeba_attrs.csv"
    if not path.is_file():
        raise DataError(f"{path} is missing: the CelebA data folder needs celeba_attrs.csv "
                        "(image_id + the 40 attributes as 0/1).")
    out = {}
    with open(path, newline="") as f:
        reader = csv.DictReader(f)
        missing = [a for a in ATTRIBUTES if a not in (reader.fieldnames or [])]
        if missing or "image_id" not in (reader.fieldnames or []):
            raise DataError(f"{path} lacks columns: {(['image_id'] if 'image_id' not in (reader.fieldnames or []) else []) + missing}")
        for row in reader:
            out[row["image_id"]] = np.array([float(row[a]) for a in ATTRIBUTES], dtype=np.float32)
    return out


def _read_partitions(folder: Path) -> dict[int, int]:
    path = folder / "celeba_meta.csv"
    if not path.is_file():
        raise DataError(f"{path} is missing: it gives the official train/val/test split.")
    with open(path, newline="") as f:
        return {int(r["image_id"].split(".")[0]): int(r["partition"]) for r in csv.DictReader(f)}


def _iter_pack(path: Path):
    try:
        pack = np.load(path)
        key = "webp" if "webp" in pack.files else "jpeg"
        ids, offsets, blob = pack["ids"], pack["offsets"], pack[key]
    except (OSError, KeyError, ValueError) as e:
        raise DataError(f"{path} is not a readable image pack (ids, offsets, jpeg|webp): {e}") from e
    for i, cid in enumerate(ids):
        yield int(cid), blob[offsets[i]:offsets[i + 1]].tobytes()


def load_celeba(folder: Path, split: str = "train", size: int = 128,
                limit: Optional[int] = None, lowres_extra: bool = False) -> FaceData:
    """Official-split CelebA faces at `size` px. Train uses the compact WebP pack when present.

    With `lowres_extra` and size <= 64, the train split also takes the faces of the 64 px pack whose
    official partition is train (validation and test faces never enter training)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError(f"data folder {folder} does not exist")
    if split not in SPLITS:
        raise DataError(f"unknown split {split!r}; use one of {sorted(SPLITS)}")
    attrs = _read_attrs(folder)
    if split == "train" and (folder / TRAIN_PACK).is_file():
        packs, wanted = [folder / TRAIN_PACK], None
        if lowres_extra and size <= 64 and (folder / LOWRES_PACK).is_file():
            packs.append(folder / LOWRES_PACK)
            parts, wanted = _read_partitions(folder), SPLITS["train"]
    else:
        packs = [folder / s for s in SHARDS if (folder / s).is_file()]
        if not packs:
            raise DataError(f"{folder} holds neither {TRAIN_PACK} nor any of {', '.join(SHARDS)}")
        parts = _read_partitions(folder)
        wanted = SPLITS[split]
    images, labels, ids = [], [], []
    for pack in packs:
        for cid, blob in _iter_pack(pack):
            if wanted is not None and parts.get(cid) != wanted:
                continue
            name = f"{cid:06d}.jpg"
            if name not in attrs:
                continue
            images.append(_decode(blob, size))
            labels.append(attrs[name])
            ids.append(name)
            if limit and len(images) >= limit:
                break
        if limit and len(images) >= limit:
            break
    if not images:
        raise DataError(f"no {split} images found in {folder}")
    return FaceData(np.stack(images), np.stack(labels), ATTRIBUTES, tuple(ids), "celeba")


def load_tag_folder(folder: Path, size: int = 128, tags_csv: str = "tags.csv") -> FaceData:
    """Any folder of face images with a CSV `file,tags` (tags: words, e.g. "blue hair red eyes")."""
    folder = Path(folder)
    path = folder / tags_csv
    if not path.is_file():
        raise DataError(f"{path} is missing: a tag folder needs a CSV with columns file,tags")
    rows = []
    with open(path, newline="") as f:
        reader = csv.DictReader(f)
        if not {"file", "tags"} <= set(reader.fieldnames or []):
            raise DataError(f"{path} must have the columns file,tags")
        rows = [(r["file"], r["tags"].strip().lower()) for r in reader if r["file"]]
    from composer.gan.vocab import tokenize
    tag_names = tuple(sorted({t for _, tags in rows for t in tokenize(tags)}))
    index = {t: i for i, t in enumerate(tag_names)}
    images, labels, ids = [], [], []
    for file, tags in rows:
        p = folder / file
        if p.suffix.lower() not in IMAGE_EXT or not p.is_file():
            raise DataError(f"{p} listed in {path} is missing or not an image")
        try:
            images.append(_decode(p.read_bytes(), size))
        except OSError as e:
            raise DataError(f"{p} cannot be decoded: {e}") from e
        vec = np.zeros(len(tag_names), dtype=np.float32)
        for t in tokenize(tags):
            vec[index[t]] = 1.0
        labels.append(vec)
        ids.append(file)
    if not images:
        raise DataError(f"{path} lists no images")
    return FaceData(np.stack(images), np.stack(labels), tag_names, tuple(ids), "tags")


def load_faces(path: Path, split: str = "train", size: int = 128, limit: Optional[int] = None,
               lowres_extra: bool = False) -> FaceData:
    """CelebA folder if it has celeba_attrs.csv, else a tag folder."""
    path = Path(path)
    if not path.is_dir():
        raise DataError(f"data folder {path} does not exist")
    if (path / "celeba_attrs.csv").is_file():
        return load_celeba(path, split, size, limit, lowres_extra)
    if (path / "tags.csv").is_file():
        return load_tag_folder(path, size)
    raise DataError(f"{path} is neither a CelebA folder (celeba_attrs.csv + npz packs) "
                    "nor a tag folder (images + tags.csv with columns file,tags)")


def load_celeba_labels(folder: Path, split: str = "train") -> np.ndarray:
    """Attribute rows [N,40] of one official split of the images delivered in `folder`."""
    folder = Path(folder)
    attrs, parts = _read_attrs(folder), _read_partitions(folder)
    rows = [v for name, v in attrs.items() if parts.get(int(name.split(".")[0])) == SPLITS[split]]
    if not rows:
        raise DataError(f"no {split} labels in {folder}")
    return np.stack(rows)
