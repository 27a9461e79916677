"""Reference photos through the real composer.edit.align: automatic alignment of a real
face, hand placement of the eyes when no face is found, and unusable files."""
from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PyQt5.QtCore import QPointF, Qt
from PyQt5.QtWidgets import QDialog

from composer.edit.align import align_by_eyes
from composer.gui.eye_picker import EyePicker

SHARD = Path(__file__).resolve().parents[3] / "shared" / "data" / "celeba" / "celeba128_shard00.npz"


def loaded(qtbot, window):
    with qtbot.waitSignal(window.studio.engine_ready, timeout=5000):
        window.load_model()
    return window


def faceless_photo(tmp_path) -> tuple[Path, np.ndarray]:
    """A colour gradient: a readable photo in which no face can be detected."""
    y, x = np.mgrid[0:90, 0:120]
    pixels = np.stack([x * 2, y * 2, (x + y) % 256], axis=-1).astype(np.uint8)
    path = tmp_path / "witness_photo.png"
    Image.fromarray(pixels).save(path)
    return path, pixels


def test_faceless_photo_placed_by_hand(qtbot, make_window, dialogs, tmp_path):
    window = loaded(qtbot, make_window())
    path, pixels = faceless_photo(tmp_path)
    dialogs.photo = str(path)
    dialogs.eyes = ((40.0, 45.0), (75.0, 47.0))
    window.actions["photo"].trigger()
    assert "no face" in dialogs.no_face_reasons[0]
    step = window.studio.session.current
    assert step.kind == "import_reference"
    expected = align_by_eyes(pixels, (40.0, 45.0), (75.0, 47.0), 32)
    photo = window.studio.view().sources[0]              # a lock source now (no portrait picked yet)
    assert photo.label == "photo witness_photo.png"
    assert np.array_equal(window.studio.session.image(photo.sha256), expected)
    assert window.settings.last_folder == str(tmp_path)
    assert dialogs.errors == []


@pytest.mark.parametrize("by_hand", [True, False], ids=["esc-in-picker", "declined"])
def test_faceless_photo_cancelled_records_nothing(qtbot, make_window, dialogs, tmp_path, by_hand):
    window = loaded(qtbot, make_window())
    path, _ = faceless_photo(tmp_path)
    dialogs.place_by_hand, dialogs.eyes = by_hand, None
    window.import_photo(str(path))
    assert len(dialogs.no_face_reasons) == 1
    assert ("place_eyes" in dialogs.asked) is by_hand
    assert window.studio.session.steps == ()
    assert "witness_photo.png was not imported" in window.status.currentMessage()


def test_eye_clicks_on_one_spot_are_reported(qtbot, make_window, dialogs, tmp_path):
    window = loaded(qtbot, make_window())
    path, _ = faceless_photo(tmp_path)
    dialogs.eyes = ((50.0, 40.0), (50.5, 40.0))
    window.import_photo(str(path))
    assert dialogs.errors[-1][0] == "Photo not usable"
    assert "same place" in dialogs.errors[-1][1]
    assert window.studio.session.steps == ()


def test_non_image_file_is_not_usable(qtbot, make_window, dialogs, tmp_path):
    window = loaded(qtbot, make_window())
    bad = tmp_path / "broken.jpg"
    bad.write_bytes(b"not a jpeg")
    window.import_photo(str(bad))
    assert dialogs.errors[-1][0] == "Photo not usable"
    assert "broken.jpg" in dialogs.errors[-1][1]
    assert dialogs.no_face_reasons == [] and window.studio.session.steps == ()


def test_real_face_aligns_automatically(qtbot, make_window, dialogs, tmp_path):
    if not SHARD.is_file():
        pytest.skip("../shared/data/celeba is not present")
    with np.load(SHARD) as shard:
        start, end = int(shard["offsets"][0]), int(shard["offsets"][1])
        jpeg = shard["jpeg"][start:end].tobytes()
    path = tmp_path / "face.png"
    Image.open(io.BytesIO(jpeg)).convert("RGB").resize((256, 256)).save(path)
    window = loaded(qtbot, make_window())
    window.import_photo(str(path))
    assert dialogs.no_face_reasons == [] and dialogs.errors == []
    assert window.studio.session.current.kind == "import_reference"
    assert window.studio.session.image(window.studio.view().sources[0].sha256).shape == (32, 32, 3)


def click(qtbot, picker, point):
    qtbot.mouseClick(picker.view, Qt.LeftButton, pos=picker.view.to_widget(point).toPoint())


def test_eye_picker_maps_clicks_to_photo_pixels(qtbot):
    picker = EyePicker(np.zeros((100, 200, 3), np.uint8))
    qtbot.addWidget(picker)
    picker.show()
    ok = picker.buttons.button(picker.buttons.Ok)
    assert not ok.isEnabled() and "LEFT" in picker.prompt.text()
    click(qtbot, picker, (60.0, 40.0))
    assert "RIGHT" in picker.prompt.text()
    click(qtbot, picker, (140.0, 42.0))
    click(qtbot, picker, (10.0, 10.0))                 # a third click is ignored
    (lx, ly), (rx, ry) = picker.eyes()
    tolerance = 200 / picker.view.target().width() + 0.01   # one screen pixel in photo pixels
    assert abs(lx - 60) <= tolerance and abs(ly - 40) <= tolerance
    assert abs(rx - 140) <= tolerance and abs(ry - 42) <= tolerance
    assert ok.isEnabled()
    qtbot.keyClick(picker, Qt.Key_Backspace)            # take back the right eye
    assert len(picker.view.points()) == 1 and picker.eyes() is None and not ok.isEnabled()
    t = picker.view.target()
    assert picker.view.to_photo(QPointF(t.right() + 1, t.bottom() + 1)) is None   # off the photo


def test_eye_picker_escape_cancels(qtbot):
    picker = EyePicker(np.zeros((64, 64, 3), np.uint8))
    qtbot.addWidget(picker)
    picker.show()
    click(qtbot, picker, (20.0, 30.0))
    qtbot.keyClick(picker, Qt.Key_Escape)
    assert picker.result() == QDialog.Rejected and not picker.isVisible()
    assert picker.eyes() is None
