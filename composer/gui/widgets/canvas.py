"""Portrait canvas: the picked face large, smoothly scaled, zoomable, with lock overlays.

The canvas draws three cached things (portrait pixmap, overlay image, nothing else)
and turns mouse drags into brush/eraser `Stroke`s on the `MaskEditor`; it keeps no
history and computes nothing in `paintEvent`. Dropping an image file on it emits
`photo_dropped(path)`.
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import numpy as np
from PyQt5.QtCore import QPointF, QRectF, Qt, pyqtSignal
from PyQt5.QtGui import QColor, QImage, QPainter, QPainterPath, QPen, QPixmap, QPolygonF, QTransform
from PyQt5.QtWidgets import QSizePolicy, QWidget

from composer.gui.images import PHOTO_SUFFIXES, to_pixmap
from composer.gui.mask_editor import MaskEditor, Stroke, mask_outline, overlay_rgba

VIEW, BRUSH, ERASER = "view", "brush", "eraser"
ZOOM_MIN, ZOOM_MAX = 1.0, 8.0


def _rgba_qimage(rgba: np.ndarray) -> QImage:
    h, w = rgba.shape[:2]
    return QImage(np.ascontiguousarray(rgba).data, w, h, 4 * w, QImage.Format_RGBA8888).copy()


class PortraitCanvas(QWidget):
    """Shows one image with the lock-mask overlay; paints strokes in brush/eraser mode."""

    mask_changed = pyqtSignal()
    photo_dropped = pyqtSignal(str)

    def __init__(self, colours: dict[str, tuple[int, int, int]], parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.setAcceptDrops(True)
        self.setFocusPolicy(Qt.StrongFocus)
        self.setMinimumSize(256, 256)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)
        self.setAccessibleName("Portrait")
        self._colours = dict(colours)
        self._editor: Optional[MaskEditor] = None
        self._pixmap: Optional[QPixmap] = None
        self._overlay: Optional[QImage] = None
        self._outline = QPainterPath()             # lock boundary, image-pixel coordinates
        self._image_size = 0
        self._zoom = 1.0
        self._tool = VIEW
        self._brush_radius = 6.0
        self._stroke: list[tuple[float, float]] = []
        self._pan = QPointF(0.0, 0.0)
        self._drag_from: Optional[QPointF] = None

    # -- public API --------------------------------------------------------------
    def set_editor(self, editor: Optional[MaskEditor]) -> None:
        self._editor = editor
        self.refresh_overlay()

    def editor(self) -> Optional[MaskEditor]:
        return self._editor

    def set_image(self, image: Optional[np.ndarray]) -> None:
        self._pixmap = None if image is None else to_pixmap(image)
        self._image_size = 0 if image is None else int(image.shape[1])
        self.update()

    def stroking(self) -> bool:
        """A brush or eraser stroke is being drawn (not yet released)."""
        return bool(self._stroke)

    def has_image(self) -> bool:
        return self._pixmap is not None

    def set_tool(self, tool: str) -> None:
        if tool not in (VIEW, BRUSH, ERASER):
            raise ValueError(f"unknown tool {tool!r}")
        self._tool = tool
        self.setCursor(Qt.ArrowCursor if tool == VIEW else Qt.CrossCursor)

    def tool(self) -> str:
        return self._tool

    def set_brush_radius(self, radius: float) -> None:
        self._brush_radius = max(0.5, float(radius))

    def zoom(self) -> float:
        return self._zoom

    def set_zoom(self, zoom: float) -> None:
        self._zoom = min(ZOOM_MAX, max(ZOOM_MIN, zoom))
        self.update()

    def zoom_in(self) -> None:
        self.set_zoom(self._zoom * 1.25)

    def zoom_out(self) -> None:
        self.set_zoom(self._zoom / 1.25)

    def zoom_fit(self) -> None:
        self._pan = QPointF(0.0, 0.0)
        self.set_zoom(1.0)

    def pan_by(self, dx: float, dy: float) -> None:
        """Move the zoomed image; it can never leave the view entirely."""
        limit = min(self.width(), self.height()) * self._zoom / 2
        self._pan = QPointF(min(limit, max(-limit, self._pan.x() + dx)),
                            min(limit, max(-limit, self._pan.y() + dy)))
        self.update()

    def refresh_overlay(self) -> None:
        """Recompute the overlay image from the mask editor (call after changing it)."""
        ed = self._editor
        self._overlay = None if ed is None else _rgba_qimage(overlay_rgba(ed, self._colours))
        self._outline = QPainterPath()
        for polygon in ([] if ed is None else mask_outline(ed.mask())):
            self._outline.addPolygon(QPolygonF([QPointF(float(x), float(y)) for x, y in polygon]))
            self._outline.closeSubpath()
        self.update()

    def outline(self) -> QPainterPath:
        """The lock boundary drawn over the portrait (image-pixel coordinates)."""
        return QPainterPath(self._outline)

    def image_rect(self) -> QRectF:
        """Where the image is drawn, in widget coordinates (fit, then zoomed about the centre)."""
        side = min(self.width(), self.height()) * self._zoom
        return QRectF((self.width() - side) / 2 + self._pan.x(),
                      (self.height() - side) / 2 + self._pan.y(), side, side)

    def to_image(self, pos: QPointF) -> tuple[float, float]:
        """Widget position -> image pixel coordinates (of the model-size image)."""
        r = self.image_rect()
        size = self._editor.size if self._editor else max(self._image_size, 1)
        return ((pos.x() - r.x()) * size / r.width(), (pos.y() - r.y()) * size / r.height())

    # -- Qt events ---------------------------------------------------------------
    def paintEvent(self, _event) -> None:  # noqa: N802
        p = QPainter(self)
        p.setRenderHint(QPainter.SmoothPixmapTransform, True)
        p.fillRect(self.rect(), self.palette().dark())
        target = self.image_rect()
        if self._pixmap is not None:
            p.drawPixmap(target, self._pixmap, QRectF(self._pixmap.rect()))
        if self._overlay is not None and self._pixmap is not None:
            p.drawImage(target, self._overlay, QRectF(self._overlay.rect()))
            self._paint_outline(p, target)
        p.end()

    def _paint_outline(self, p: QPainter, target: QRectF) -> None:
        if self._outline.isEmpty() or self._editor is None:
            return
        k = target.width() / self._editor.size
        path = QTransform(k, 0, 0, k, target.x(), target.y()).map(self._outline)
        p.setRenderHint(QPainter.Antialiasing, True)
        p.strokePath(path, QPen(QColor(0, 0, 0, 150), 3.5))
        p.strokePath(path, QPen(QColor(255, 255, 255, 235), 1.5))

    def wheelEvent(self, event) -> None:  # noqa: N802
        if event.angleDelta().y() > 0:
            self.zoom_in()
        elif event.angleDelta().y() < 0:
            self.zoom_out()

    def mousePressEvent(self, event) -> None:  # noqa: N802
        if self._painting() and event.button() == Qt.LeftButton:
            self._stroke = [self.to_image(QPointF(event.pos()))]
        elif event.button() in (Qt.LeftButton, Qt.MiddleButton):
            self._drag_from = QPointF(event.pos())

    def mouseMoveEvent(self, event) -> None:  # noqa: N802
        if self._drag_from is not None:
            pos = QPointF(event.pos())
            self.pan_by(pos.x() - self._drag_from.x(), pos.y() - self._drag_from.y())
            self._drag_from = pos
        elif self._stroke:
            point = self.to_image(QPointF(event.pos()))
            self._commit([self._stroke[-1], point])
            self._stroke.append(point)

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802
        self._drag_from = None
        if self._stroke:
            if len(self._stroke) == 1:
                self._commit(self._stroke)
            self._stroke = []
            self.mask_changed.emit()

    def dragEnterEvent(self, event) -> None:  # noqa: N802
        if dropped_photo(event.mimeData()) is not None:
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802
        path = dropped_photo(event.mimeData())
        if path is not None:
            event.acceptProposedAction()
            self.photo_dropped.emit(path)

    def _painting(self) -> bool:
        return self._tool in (BRUSH, ERASER) and self._editor is not None and self.has_image()

    def _commit(self, points: list[tuple[float, float]]) -> None:
        self._editor.add_stroke(Stroke(tuple(points), self._brush_radius, self._tool == ERASER))
        self.refresh_overlay()


def dropped_photo(mime) -> Optional[str]:
    """The first local image file in a drag's mime data, or None."""
    if not mime.hasUrls():
        return None
    for url in mime.urls():
        if url.isLocalFile() and Path(url.toLocalFile()).suffix.lower() in PHOTO_SUFFIXES:
            return url.toLocalFile()
    return None
