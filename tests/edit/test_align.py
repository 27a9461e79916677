"""Reference photos: safe loading, clear errors, alignment by eyes (automatic and by hand)."""
import io
import struct
import zlib
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from composer.edit.align import GREY_NOTICE, align_by_eyes, align_photo, align_reference, load_image
from composer.edit.regions import LEFT_EYE, RIGHT_EYE
from composer.errors import ImageError

SHARD = Path(__file__).resolve().parents[3] / "shared/data/celeba/celeba128_shard00.npz"


def dots(points, shape=(300, 400)):
    img = np.full((*shape, 3), 120, np.uint8)
    for (x, y), colour in zip(points, ((255, 0, 0), (0, 0, 255))):
        cv2.circle(img, (int(x), int(y)), 4, colour, -1)
    return img


def centroid(img, channel):
    other = [c for c in range(3) if c != channel]
    sel = (img[..., channel] > 180) & (img[..., other[0]] < 90) & (img[..., other[1]] < 90)
    ys, xs = np.nonzero(sel)
    return xs.mean() + 0.5, ys.mean() + 0.5


@pytest.mark.parametrize("size", [64, 128])
def test_align_by_eyes_puts_eyes_on_template(size):
    photo = dots([(150, 120), (260, 160)])  # tilted, 117 px apart
    for order in ((150, 120), (260, 160)), ((260, 160), (150, 120)):  # click order does not matter
        out = align_by_eyes(photo, *order, size=size * 4)
        for channel, target in ((0, LEFT_EYE), (2, RIGHT_EYE)):
            x, y = centroid(out, channel)
            assert abs(x - target[0] * size * 4) < 2.5 and abs(y - target[1] * size * 4) < 2.5
    assert align_by_eyes(photo, (150, 120), (260, 160), size).shape == (size, size, 3)


def test_bad_eye_clicks():
    with pytest.raises(ImageError, match="same place"):
        align_by_eyes(dots([]), (10, 10), (10.5, 10), 64)


def test_no_face_photo_is_refused_with_a_fix(tmp_path):
    noise = np.random.default_rng(0).integers(0, 256, (200, 240, 3), dtype=np.uint8)
    with pytest.raises(ImageError, match="no face.*clicking on both eyes"):
        align_photo(cv2.GaussianBlur(noise, (0, 0), 3), 64)


def test_non_image_huge_and_bomb_files(tmp_path):
    text = tmp_path / "notes.png"
    text.write_text("not an image")
    with pytest.raises(ImageError, match="could not be read"):
        load_image(text)
    with pytest.raises(ImageError, match="does not exist"):
        load_image(tmp_path / "missing.jpg")
    wide = tmp_path / "wide.png"
    Image.new("L", (8001, 2)).save(wide)
    with pytest.raises(ImageError, match="8000"):
        load_image(wide)
    buf = io.BytesIO()
    Image.new("RGB", (4, 4)).save(buf, "PNG")
    data = bytearray(buf.getvalue())  # claim 60000×60000 in the header: never decoded
    ihdr = struct.pack(">II", 60000, 60000) + bytes(data[24:29])
    data[16:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(b"IHDR" + ihdr) & 0xFFFFFFFF)
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(bytes(data))
    with pytest.raises(ImageError):
        load_image(bomb)


def test_greyscale_is_converted_with_a_notice(tmp_path):
    path = tmp_path / "grey.png"
    Image.fromarray(np.tile(np.arange(64, dtype=np.uint8), (64, 1)), "L").save(path)
    rgb, notices = load_image(path)
    assert rgb.shape == (64, 64, 3) and GREY_NOTICE in notices


def celeba(i):
    data = np.load(SHARD)
    jpeg = data["jpeg"][data["offsets"][i]:data["offsets"][i + 1]].tobytes()
    return np.asarray(Image.open(io.BytesIO(jpeg)).convert("RGB"))


@pytest.mark.skipif(not SHARD.exists(), reason="CelebA shard not available")
def test_real_face_photo_round_trips_to_the_framing():
    face = celeba(3)
    m = cv2.getRotationMatrix2D((64, 64), 8, 2.0)
    m[:, 2] += (150, 90)
    photo = cv2.warpAffine(face, m, (560, 440), borderMode=cv2.BORDER_CONSTANT, borderValue=(128, 128, 128))
    aligned = align_reference(photo, 128)
    assert aligned.image.shape == (128, 128, 3)
    centre = (slice(40, 110), slice(30, 98))
    assert np.abs(aligned.image[centre].astype(int) - face[centre]).mean() < 12  # measured 5.1; a 6 px misplacement gives 25.7
    small = cv2.resize(photo, None, fx=0.18, fy=0.18, interpolation=cv2.INTER_AREA)  # face ≈ 27 px
    with pytest.raises(ImageError, match="no face|px wide"):
        align_reference(small, 64)
