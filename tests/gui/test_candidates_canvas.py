"""Candidate grid, canvas + mask editor, lock tools and the witness view."""
from __future__ import annotations

import numpy as np
import pytest
from PyQt5.QtCore import QEvent, QMimeData, QPoint, QPointF, Qt, QUrl
from PyQt5.QtGui import QMouseEvent
from PyQt5.QtWidgets import QApplication

from composer.gui.mask_editor import MaskEditor, Stroke, mask_outline
from composer.gui.widgets.canvas import BRUSH, ERASER, PortraitCanvas, dropped_photo
from composer.gui.widgets.candidate_grid import CandidateGrid
from composer.gui.widgets.lock_tools import LockTools
from composer.gui.widgets.witness_view import CANDIDATES, PORTRAIT, WitnessView

SIZE = 32


def box_region(name: str, size: int) -> np.ndarray:
    """Test region masks: 'eyes' is the top-left quarter, 'mouth' the bottom half."""
    m = np.zeros((size, size), np.float32)
    if name == "eyes":
        m[: size // 2, : size // 2] = 1
    elif name == "mouth":
        m[size // 2:, :] = 1
    else:
        raise KeyError(name)
    return m


def images(n, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.integers(0, 256, (SIZE, SIZE, 3), dtype=np.uint8) for _ in range(n)]


def drag(widget, points):
    """Press at the first point, move through the rest with the button held, release."""
    def send(kind, pos, buttons):
        ev = QMouseEvent(kind, QPointF(pos), Qt.LeftButton if kind != QEvent.MouseMove
                         else Qt.NoButton, buttons, Qt.NoModifier)
        QApplication.sendEvent(widget, ev)

    send(QEvent.MouseButtonPress, points[0], Qt.LeftButton)
    for p in points[1:]:
        send(QEvent.MouseMove, p, Qt.LeftButton)
    send(QEvent.MouseButtonRelease, points[-1], Qt.NoButton)


def test_grid_shows_candidates_and_click_picks(qtbot):
    grid = CandidateGrid(count=6)
    qtbot.addWidget(grid)
    grid.show_candidates(images(6))
    assert grid.shown() == 6 and grid.selected() is None
    assert not grid.evolve_button.isEnabled()
    with qtbot.waitSignal(grid.picked) as blocker:
        qtbot.mouseClick(grid.tile(4), Qt.LeftButton)
    assert blocker.args == [4]
    assert grid.selected() == 4 and grid.tile(4).isChecked() and not grid.tile(0).isChecked()
    assert grid.evolve_button.isEnabled()


def test_grid_count_is_configurable_and_evolve_carries_strength(qtbot):
    grid = CandidateGrid(count=9)
    qtbot.addWidget(grid)
    grid.show_candidates(images(9), selected=2)
    grid.set_count(6)
    assert grid.count() == 6 and grid.shown() == 6 and grid.selected() == 2
    grid.set_strength(0.3)
    with qtbot.waitSignal(grid.evolve_requested) as blocker:
        qtbot.mouseClick(grid.evolve_button, Qt.LeftButton)
    assert blocker.args == [pytest.approx(0.3)]


def test_grid_tiles_are_equal_squares_that_grow(qtbot):
    grid = CandidateGrid(9)
    qtbot.addWidget(grid)
    grid.resize(420, 600)
    grid.show()
    grid.show_candidates(images(9))
    small = {(grid.tile(i).width(), grid.tile(i).height()) for i in range(9)}
    assert len(small) == 1 and len({*next(iter(small))}) == 1       # one size, square
    grid.resize(900, 1000)
    QApplication.processEvents()
    big = grid.tile(0)
    assert big.width() == big.height() > next(iter(small))[0] + 100
    assert big.iconSize().width() >= big.width() - 16                 # the face fills its tile
    assert grid.tile(1).x() > big.x() + big.width() and grid.tile(3).y() > big.y() + big.height()


def test_mask_outline_traces_the_locked_area():
    m = np.zeros((SIZE, SIZE), np.float32)
    assert mask_outline(m) == []
    m[8:16, 4:20] = 1
    (polygon,) = mask_outline(m)
    assert polygon[:, 0].min() == pytest.approx(4, abs=0.2) and polygon[:, 0].max() == pytest.approx(20, abs=0.2)
    assert polygon[:, 1].min() == pytest.approx(8, abs=0.2) and polygon[:, 1].max() == pytest.approx(16, abs=0.2)
    m[24:28, 24:28] = 1
    assert len(mask_outline(m)) == 2


def test_canvas_outline_follows_the_lock(qtbot):
    canvas = PortraitCanvas({"eyes": (230, 159, 0), "mouth": (0, 114, 178)})
    qtbot.addWidget(canvas)
    editor = MaskEditor(SIZE, box_region)
    canvas.set_editor(editor)
    assert canvas.outline().isEmpty()
    editor.set_region("eyes", True)
    canvas.refresh_overlay()
    box = canvas.outline().boundingRect()
    assert (round(box.width()), round(box.height())) == (SIZE // 2, SIZE // 2)


def test_mask_editor_regions_brush_and_eraser():
    ed = MaskEditor(SIZE, box_region)
    assert ed.empty
    ed.set_region("eyes", True)
    assert ed.mask()[:16, :16].min() == 1 and ed.mask()[16:, :].max() == 0
    ed.add_stroke(Stroke(((20.0, 4.0), (30.0, 4.0)), radius=2.0))
    assert ed.mask()[4, 25] == 1 and ed.mask()[12, 25] == 0
    ed.add_stroke(Stroke(((4.0, 4.0),), radius=2.0, erase=True))
    assert ed.mask()[4, 4] == 0 and ed.mask()[10, 10] == 1
    assert ed.to_json()["regions"] == ["eyes"] and len(ed.to_json()["strokes"]) == 2
    ed.set_regions(["mouth"])
    assert ed.regions == ("mouth",) and ed.mask()[10, 10] == 0 and ed.mask()[20, 5] == 1
    ed.clear()
    assert ed.empty


def test_canvas_brush_drag_paints_mask(qtbot):
    canvas = PortraitCanvas({"eyes": (255, 0, 0)})
    qtbot.addWidget(canvas)
    canvas.resize(320, 320)
    canvas.set_image(images(1)[0])
    canvas.set_editor(MaskEditor(SIZE, box_region))
    canvas.set_tool(BRUSH)
    canvas.set_brush_radius(2)
    with qtbot.waitSignal(canvas.mask_changed):
        drag(canvas, [QPoint(40, 160), QPoint(160, 160), QPoint(280, 160)])
    mask = canvas.editor().mask()
    x0, y = (int(v) for v in canvas.to_image(QPointF(40, 160)))
    x1, _ = (int(v) for v in canvas.to_image(QPointF(280, 160)))
    assert mask[y, x0:x1].min() == 1 and mask[0].max() == 0
    canvas.set_tool(ERASER)
    drag(canvas, [QPoint(160, 160)])
    assert canvas.editor().mask()[y, SIZE // 2] == 0


def test_canvas_zoom_maps_coordinates(qtbot):
    canvas = PortraitCanvas({})
    qtbot.addWidget(canvas)
    canvas.resize(400, 400)
    canvas.set_image(images(1)[0])
    centre = QPointF(200, 200)
    assert canvas.to_image(centre) == pytest.approx((SIZE / 2, SIZE / 2))
    canvas.zoom_in()
    assert canvas.zoom() > 1
    assert canvas.to_image(centre) == pytest.approx((SIZE / 2, SIZE / 2))
    assert canvas.to_image(QPointF(0, 0))[0] > 0  # zoomed in: the corner is inside the image
    canvas.zoom_fit()
    assert canvas.zoom() == 1 and canvas.to_image(QPointF(0, 0)) == pytest.approx((0, 0))


def test_dropped_photo_accepts_local_images_only(tmp_path):
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(tmp_path / "notes.txt")),
                  QUrl.fromLocalFile(str(tmp_path / "face.JPG"))])
    assert dropped_photo(mime) == str(tmp_path / "face.JPG")
    mime.setUrls([QUrl("https://example.org/face.jpg")])
    assert dropped_photo(mime) is None


def test_lock_tools_report_regions_and_tool(qtbot):
    tools = LockTools(["eyes", "mouth"])
    qtbot.addWidget(tools)
    assert tools.colours["eyes"] != tools.colours["mouth"]
    with qtbot.waitSignal(tools.region_toggled) as blocker:
        tools.set_region_checked("mouth", True)
    assert blocker.args == ["mouth", True] and tools.checked_regions() == ("mouth",)
    with qtbot.waitSignal(tools.tool_changed) as blocker:
        tools.set_tool(ERASER)
    assert blocker.args == [ERASER]


def test_witness_view_shows_numbered_candidates_then_portrait(qtbot):
    view = WitnessView()
    qtbot.addWidget(view)
    view.resize(600, 400)
    view.show_candidates(images(6))
    assert view.mode() == CANDIDATES and view.shown_count() == 6
    cells = view.cells()
    assert len(cells) == 6 and all(view.rect().contains(c.toRect()) for c in cells)
    assert len({(c.x(), c.y()) for c in cells}) == 6  # no overlap
    view.show_portrait(images(1)[0])
    assert view.mode() == PORTRAIT and view.shown_count() == 1
    assert view.grab().width() == 600  # paints without error
