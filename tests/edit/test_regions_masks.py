"""Region presets, lock masks (strokes, feather, borders), JSON round trip and PNG export."""
import io
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from composer.edit.landmarks import FaceFeatures
from composer.edit.masks import LockMask, Stroke, brush_path, feather_mask, mask_png, region_mask
from composer.edit.regions import LEFT_EYE, MOUTH, REGIONS, RIGHT_EYE, offsets_from

SHARD = Path(__file__).resolve().parents[3] / "shared/data/celeba/celeba128_shard00.npz"


def test_all_presets_exist_and_scale_with_size():
    assert set(REGIONS) == {"eyes", "eyebrows", "nose", "mouth", "hair", "jaw", "face"}
    for name in REGIONS:
        areas = []
        for size in (64, 128, 256):
            m = region_mask(name, size, feather=0.0)
            assert m.shape == (size, size) and m.dtype == np.float32
            assert 0 < m.mean() < 0.8, name
            areas.append(m.mean())
        assert max(areas) - min(areas) < 0.02, (name, areas)  # same fraction of the image at any size


def test_presets_cover_their_landmarks():
    s = 128
    px = lambda p: (int(p[1] * s), int(p[0] * s))
    eyes, mouth, hair = (region_mask(n, s) for n in ("eyes", "mouth", "hair"))
    assert eyes[px(LEFT_EYE)] == 1 and eyes[px(RIGHT_EYE)] == 1 and eyes[px(MOUTH)] == 0
    assert mouth[px(MOUTH)] == 1 and mouth[: s // 2].max() == 0  # mouth only in the lower half
    assert hair[2, 64] == 1 and hair[px(LEFT_EYE)] == 0
    combo = region_mask("eyes+mouth", s)
    assert (combo >= np.maximum(eyes, mouth) - 1e-6).all()
    hard = [LockMask((n,), feather=0.0).hard(s) for n in ("eyes", "mouth")]
    assert np.array_equal(LockMask(("eyes", "mouth"), feather=0.0).hard(s), np.maximum(hard[0], hard[1]))


def test_far_off_detections_are_rejected():
    near = FaceFeatures(left_eye=(LEFT_EYE[0] + 0.01, LEFT_EYE[1]), mouth=(0.1, 0.95))
    off = offsets_from(near)
    assert set(off) == {"left_eye"} and off["left_eye"][0] == pytest.approx(0.01)
    moved = LockMask(("eyes",), feather=0.0, offsets=off).hard(128)
    assert not np.array_equal(moved, LockMask(("eyes",), feather=0.0).hard(128))


@pytest.mark.skipif(not SHARD.exists(), reason="CelebA shard not available")
def test_refinement_on_real_faces_stays_near_template():
    data = np.load(SHARD)
    for i in range(3):
        jpeg = data["jpeg"][data["offsets"][i]:data["offsets"][i + 1]].tobytes()
        img = np.asarray(Image.open(io.BytesIO(jpeg)).convert("RGB"))
        m = region_mask("eyes", 128, image=img)
        assert m[int(LEFT_EYE[1] * 128), int(LEFT_EYE[0] * 128)] == 1.0


def test_feather_keeps_core_and_grows_outward():
    lock = LockMask(("nose",), feather=0.03)
    hard, soft = lock.hard(128), lock.render(128)
    assert (soft[hard == 1] == 1.0).all()
    assert soft.min() >= 0 and soft.max() <= 1
    assert ((soft > 0) & (soft < 1)).sum() > 0 and (soft > 0).sum() > (hard > 0).sum()
    assert np.array_equal(feather_mask(hard, 0), hard)


def test_strokes_partly_outside_the_image_and_eraser():
    lock = LockMask(strokes=(Stroke(-0.02, 0.5, 0.08), Stroke(1.5, 1.5, 0.1), Stroke(0.99, 0.01, 0.05)),
                    feather=0.0)
    m = lock.hard(64)
    assert m[32, 0] == 1 and m[32, 3] == 1 and m[0, 63] == 1 and m[63, 63] == 0
    assert lock.render(64)[32, 0] == 1.0
    holed = LockMask(("face",), strokes=(Stroke(0.5, 0.6, 0.1, erase=True),), feather=0.02).render(128)
    assert holed[int(0.6 * 128), 64] < 0.01 and holed[int(0.35 * 128), 64] == 1.0


def test_brush_path_is_solid():
    dabs = brush_path([(0.1, 0.1), (0.9, 0.1)], 0.03)
    m = LockMask(strokes=dabs, feather=0.0).hard(100)
    assert m[10, 12:88].all()


def test_json_round_trip_renders_identically():
    lock = LockMask(("eyes", "mouth"), (Stroke(0.2, 0.3, 0.05), Stroke(0.5, 0.9, 0.04, True)), 0.015,
                    {"left_eye": (0.01, -0.005)})
    back = LockMask.from_json(json.loads(json.dumps(lock.to_json())))
    assert back == lock
    for size in (64, 128):
        assert np.array_equal(back.render(size), lock.render(size))
    with pytest.raises(ValueError):
        LockMask.from_json({"regions": ["ears"]})
    with pytest.raises(ValueError):
        LockMask.from_json({"regions": [], "bogus": 1})


def test_mask_png_export():
    m = LockMask(("mouth",)).render(64)
    back = np.asarray(Image.open(io.BytesIO(mask_png(m))))
    assert back.shape == (64, 64) and back.dtype == np.uint8
    assert np.abs(back / 255.0 - m).max() <= 0.5 / 255 + 1e-6
