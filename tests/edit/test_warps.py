"""Feature shape warps: the identity at neutral (bit for bit), deterministic, local, one-to-one,
moving the features the way each slider says, at any size."""
import time

import numpy as np
import pytest

from composer.edit.face_points import NAMES, FaceLandmarks, landmarks_for
from composer.edit.regions import LEFT_EYE, MOUTH, RIGHT_EYE
from composer.edit.warps import WARPS, WarpSettings, apply_warps, composed_map, displacement_field


def texture(size=128, seed=0):
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 256, (size // 8, size // 8, 3)).astype(np.uint8)
    import cv2
    return cv2.resize(small, (size, size), interpolation=cv2.INTER_CUBIC)


def blob(size, x, y, r=0.015):
    c = (np.arange(size) + 0.5) / size
    d = (c[None, :] - x) ** 2 + (c[:, None] - y) ** 2
    img = np.full((size, size, 3), 255.0) - 255.0 * np.exp(-d / (2 * r * r))[..., None]
    return img.astype(np.uint8)


def centroid(img):
    w = 255.0 - img[..., 0].astype(float)
    ys, xs = np.mgrid[:img.shape[0], :img.shape[1]]
    return ((xs * w).sum() / w.sum() + 0.5) / img.shape[1], ((ys * w).sum() / w.sum() + 0.5) / img.shape[0]


def test_neutral_is_the_identity_bit_for_bit():
    img = texture()
    for w in (WarpSettings(), WarpSettings(eye_spacing=-0.0), WarpSettings.from_json({"nose_width": 0})):
        out = apply_warps(img, w, landmarks_for(None))
        assert np.array_equal(out, img) and out is not img
    assert WarpSettings(mouth_width=-0.0).neutral


@pytest.mark.parametrize("name", list(WARPS))
def test_each_slider_is_deterministic_local_and_one_to_one(name):
    img = texture()
    lm = FaceLandmarks({"left_eye": (0.01, -0.005), "mouth": (0.0, 0.02)})
    for v in (-1.0, 1.0):
        w = WarpSettings(**{name: v})
        a, b = apply_warps(img, w, lm), apply_warps(img.copy(), w, lm)
        assert np.array_equal(a, b)
        changed = np.abs(a.astype(int) - img).max(-1) > 0
        assert changed.any()
        assert not changed[:4, :4].any() and not changed[-4:, -4:].any()      # corners stay exact
        fx, fy = displacement_field(256, w, lm)
        jac = (1 + np.gradient(fx, axis=1)) * (1 + np.gradient(fy, axis=0)) \
            - np.gradient(fx, axis=0) * np.gradient(fy, axis=1)
        assert jac.min() > 0.2, (name, v, jac.min())                            # no fold-over
        assert np.hypot(fx, fy).max() * 128 / 256 < 6                          # a few pixels at 128


def test_combined_sliders_stay_one_to_one():
    rng = np.random.default_rng(0)
    for _ in range(5):
        w = WarpSettings(**{n: float(rng.choice([-1.0, 1.0])) for n in WARPS})
        mx, my = composed_map(128, w, FaceLandmarks())
        jac = np.gradient(mx, axis=1) * np.gradient(my, axis=0) - np.gradient(mx, axis=0) * np.gradient(my, axis=1)
        assert jac.min() > 0.05


@pytest.mark.parametrize("size", [64, 128])
@pytest.mark.parametrize("name,point,sign", [
    ("eye_spacing", LEFT_EYE, (-1, 0)), ("eye_spacing", RIGHT_EYE, (1, 0)), ("eye_height", LEFT_EYE, (0, -1)),
    ("mouth_height", MOUTH, (0, 0)), ("face_length", (0.5, 116 / 128), (0, 1)),
    ("nose_length", (0.5, 85 / 128), (0, 1))])
def test_features_move_the_way_the_slider_says(size, name, point, sign):
    img = blob(size, *point)
    x0, y0 = centroid(img)
    x1, y1 = centroid(apply_warps(img, WarpSettings(**{name: 1.0}), FaceLandmarks()))
    for moved, s in ((x1 - x0, sign[0]), (y1 - y0, sign[1])):
        if s:
            assert moved * s > 0.008, (name, moved)
        else:
            assert abs(moved) < 0.004


def test_landmarks_follow_the_lock_refinement():
    base = FaceLandmarks()
    assert landmarks_for(None) == base
    moved = FaceLandmarks({"left_eye": (0.02, 0.01)})
    i = NAMES.index("left_eye")
    assert np.allclose(moved.points()[i] - base.points()[i], (0.02, 0.01))
    assert np.allclose(moved.points()[NAMES.index("right_eye")], base.points()[NAMES.index("right_eye")])
    assert FaceLandmarks.from_json(moved.to_json()) == moved
    with pytest.raises(ValueError):
        FaceLandmarks({"nose": (0, 0)})


def test_real_face_landmarks_detected(celeba_dir):
    import cv2
    pack = np.load(celeba_dir / "celeba128_shard00.npz")
    off = pack["offsets"]
    img = cv2.imdecode(pack["jpeg"][off[0]:off[1]], cv2.IMREAD_COLOR)[:, :, ::-1]
    lm = landmarks_for(np.ascontiguousarray(img))
    assert lm.offsets                                       # the Haar refinement fired on a real face
    out = apply_warps(np.ascontiguousarray(img), WarpSettings(eye_spacing=0.5, jaw_width=-0.5), lm)
    assert out.shape == img.shape and not np.array_equal(out, img)


def test_settings_validation_and_json():
    w = WarpSettings(eye_spacing=0.5, jaw_width=-1)
    assert WarpSettings.from_json(w.to_json()) == w and w.active() == {"eye_spacing": 0.5, "jaw_width": -1.0}
    with pytest.raises(ValueError, match="between -1 and 1"):
        WarpSettings(nose_width=1.5)
    with pytest.raises(ValueError):
        WarpSettings(nose_width=float("nan"))
    with pytest.raises(ValueError, match="unknown warp"):
        WarpSettings.from_json({"neck_length": 0.2})
    with pytest.raises(ValueError, match="square"):
        apply_warps(np.zeros((10, 12, 3), np.uint8), w)


def test_warp_time_is_live():
    img = texture()
    lm = FaceLandmarks()
    for name in WARPS:
        times = []
        for _ in range(3):
            t = time.perf_counter()
            apply_warps(img, WarpSettings(**{name: 0.7}), lm)
            times.append(time.perf_counter() - t)
        assert sorted(times)[1] < 0.15, name                  # target 30 ms; generous on a shared CPU
