"""The Hand panel in the real window over the real engine (tiny bundle): place marks by clicking the
canvas, edit and delete them, move shape and holistic sliders; every change is a step with undo, the
canvas shows the hand-edited portrait, the layer follows a new pick, and the case reproduces."""
from __future__ import annotations

import numpy as np
import pytest
from PyQt5.QtCore import QPoint, Qt
from PyQt5.QtGui import QImage

from composer.casefile.export import export_case
from composer.casefile.record import CaseMeta
from composer.casefile.reproduce import reproduce_case
from composer.edit.hand import apply_hand
from composer.operations.hand import current_layer, final_image


def wait_for(qtbot, window, kind: str, timeout: int = 20000) -> None:
    qtbot.waitUntil(lambda: window.studio.session.current is not None
                    and window.studio.session.current.kind == kind
                    and not window.studio.jobs.busy, timeout=timeout)


def canvas_point(window, fx: float, fy: float) -> QPoint:
    r = window.canvas.image_rect()
    return QPoint(int(r.x() + fx * r.width()), int(r.y() + fy * r.height()))


@pytest.fixture
def window(qtbot, make_window, tiny_engine):
    w = make_window(engine=tiny_engine)
    with qtbot.waitSignal(w.studio.engine_ready, timeout=20000):
        w.load_model()
    w.set_candidate_count(6)
    with qtbot.waitSignal(w.description.interpreted, timeout=5000):
        qtbot.keyClicks(w.description.free_text, "an older man with a beard")
    w.actions["generate"].trigger()
    wait_for(qtbot, w, "generate")
    qtbot.mouseClick(w.grid.tile(1), Qt.LeftButton)
    w.tool_tabs.setCurrentWidget(w.hand_tools)
    return w


def test_place_edit_delete_marks_and_undo(qtbot, window, tiny_engine, tmp_path, tiny_bundle):
    tools, session = window.hand_tools, window.studio.session
    base = window.studio.view().portrait.image
    assert tools.isEnabled()
    qtbot.mouseClick(tools.findChild(type(tools._kind_button["mole"]), "mark_scar_line"), Qt.LeftButton)
    assert tools.armed_kind() == "scar_line"
    qtbot.mouseClick(window.canvas, Qt.LeftButton, pos=canvas_point(window, 0.3, 0.66))
    tools._kind_button["mole"].click()
    qtbot.mouseClick(window.canvas, Qt.LeftButton, pos=canvas_point(window, 0.62, 0.8))
    layer = current_layer(session)
    assert [m.kind for m in layer.marks] == ["scar_line", "mole"]
    assert abs(layer.marks[1].x - 0.62) < 0.02 and abs(layer.marks[1].y - 0.8) < 0.02
    assert tools.marks_list.count() == 2 and session.current.kind == "add_mark"
    shown = window.canvas._pixmap.toImage().convertToFormat(QImage.Format_RGB888)
    n = tiny_engine.image_size
    ptr = shown.constBits()
    ptr.setsize(shown.byteCount())
    pixels = np.frombuffer(bytes(ptr), np.uint8).reshape(n, shown.bytesPerLine())[:, :3 * n].reshape(n, n, 3)
    assert np.array_equal(pixels, final_image(session))           # the canvas shows the hand-edited face
    assert np.array_equal(final_image(session), apply_hand(base, layer))

    tools.marks_list.setCurrentRow(1)
    tools.scale.setValue(2.0)                                     # edit: a step
    assert session.current.kind == "edit_mark" and current_layer(session).marks[1].scale == 2.0
    qtbot.mouseClick(tools.delete_button, Qt.LeftButton)          # delete: a step
    assert [m.kind for m in current_layer(session).marks] == ["scar_line"]
    window.actions["undo"].trigger()
    assert len(current_layer(session).marks) == 2 and tools.marks_list.count() == 2

    tools.warp_sliders["eye_spacing"].setValue(40)                # shape: a step (keyboard/click path)
    tools.warp_sliders["mouth_width"].setValue(-30)
    assert session.current.kind == "set_warps"
    assert current_layer(session).warps.eye_spacing == 0.4 and current_layer(session).warps.mouth_width == -0.3

    tools.holistic_sliders["age"].setValue(50)                    # redraws the face, then picks it
    wait_for(qtbot, window, "apply_hand")
    kinds = [s.kind for s in session.lineage()][-3:]
    assert kinds == ["set_holistic", "pick", "apply_hand"]
    assert tools.holistic_sliders["age"].value() == 50
    assert len(current_layer(session).marks) == 2               # the layer followed the new face

    window.actions["generate"].trigger()                         # a new portrait: the layer follows
    wait_for(qtbot, window, "generate")
    qtbot.mouseClick(window.grid.tile(3), Qt.LeftButton)
    assert session.current.kind == "apply_hand"
    assert session.current.inputs["base_sha256"] == window.studio.view().portrait.sha256

    keys, case = tmp_path / "keys", tmp_path / "hand.composer-case"
    from composer.casefile.report_pdf import render_pdf
    export_case(session, tiny_engine, CaseMeta("HAND-1"), case, keys_dir=keys, render_pdf=render_pdf)
    report = reproduce_case(case, [tiny_bundle.parent], keys_dir=keys)
    assert report.ok, report.lines()
