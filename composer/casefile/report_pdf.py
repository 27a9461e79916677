"""Draw a case's ReportContent into an A4 PDF with QPdfWriter/QPainter (one page for a short
session; long description histories and exposure lists continue on further pages).

Works headless with QT_QPA_PLATFORM=offscreen. Qt needs an application object to lay out text;
if none exists one is made (a QApplication, so widget code started later still works) and kept
for the life of the process, as Qt requires.
"""
from __future__ import annotations

import os

from PyQt5.QtCore import QBuffer, QByteArray, QIODevice, QMarginsF, QRectF, Qt
from PyQt5.QtGui import QFont, QImage, QPageLayout, QPageSize, QPainter, QPdfWriter
from PyQt5.QtWidgets import QApplication

from composer.casefile.report import ReportContent

DPI = 150
DASH = "\u2014"
_APP_HOLDER: list = []  # keeps a QApplication made here alive (Qt allows one per process)


def _ensure_app() -> None:
    if QApplication.instance() is None:
        if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
            os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        _APP_HOLDER.append(QApplication(["composer-report"]))


class _Page:
    """A cursor down the page: each call draws a block and moves below it. The main cursor (made
    with a writer) starts a new page when a block would run past the bottom; the narrower cursors
    of side-by-side blocks never do."""

    def __init__(self, painter: QPainter, width: float, writer: QPdfWriter | None = None,
                 height: float = 0.0, header: str = "") -> None:
        self.p, self.width, self.y = painter, width, 0.0
        self.writer, self.height, self.header, self.pages = writer, height, header, 1

    def need(self, h: float) -> None:
        """Start a new page unless `h` more fits on this one (main cursor only)."""
        if self.writer is not None and self.y > 0 and self.y + h > self.height:
            self.writer.newPage()
            self.pages += 1
            self.y = 0.0
            if self.header:
                self.text(f"{self.header} (page {self.pages})", 8, bold=True)

    def text(self, text: str, size: float = 10, bold: bool = False, gap: float = 0.25, indent: float = 0.0) -> None:
        font = QFont("Helvetica", 1)
        font.setPointSizeF(size)
        font.setBold(bold)
        self.p.setFont(font)
        flags = int(Qt.AlignLeft | Qt.AlignTop | Qt.TextWordWrap)
        bound = self.p.boundingRect(QRectF(indent, self.y, self.width - indent, 10_000), flags, text)
        self.need(bound.height())
        rect = QRectF(indent, self.y, self.width - indent, 10_000)
        self.p.setFont(font)
        self.p.drawText(rect, flags, text)
        self.y += bound.height() + gap * size * DPI / 72

    def image(self, png: bytes, x: float, size: float) -> None:
        img = QImage.fromData(png, "PNG")
        if not img.isNull():
            self.p.drawImage(QRectF(x, self.y, size, size), img)


def _at(page: _Page, width: float) -> _Page:
    """A narrower cursor at the same height (for side-by-side blocks)."""
    sub = _Page(page.p, width)
    sub.y = page.y
    return sub


def render_pdf(content: ReportContent) -> bytes:
    """The report as PDF bytes."""
    _ensure_app()
    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.WriteOnly)
    writer = QPdfWriter(buf)
    writer.setResolution(DPI)
    writer.setPageLayout(QPageLayout(QPageSize(QPageSize.A4), QPageLayout.Portrait, QMarginsF(15, 15, 15, 15),
                                     QPageLayout.Millimeter))
    writer.setTitle(f"Composite portrait - case {content.case_id}")
    writer.setCreator("Composer")
    painter = QPainter(writer)
    painter.setRenderHint(QPainter.SmoothPixmapTransform)
    try:
        _draw(_Page(painter, writer.width(), writer, writer.height(),
                    f"Composite portrait \u2014 case {content.case_id}, continued"), content, writer.height())
    finally:
        painter.end()
        buf.close()
    return bytes(data)


def _draw(page: _Page, c: ReportContent, height: float) -> None:
    page.text(f"Composite portrait \u2014 case {c.case_id}", 18, bold=True)
    if c.disclaimer:
        page.text(c.disclaimer, 9, bold=True)
    if c.model_warning:
        page.text(c.model_warning, 9, bold=True)
    page.text(f"Date (UTC): {c.date}    Operator: {c.operator or DASH}    "
              f"Witness reference: {c.witness_ref or DASH}", 10)
    side = min(page.width * 0.42, height * 0.3)
    top = page.y
    page.image(c.final_portrait_png, 0, side)
    text_page = _at(page, page.width - side - 0.3 * DPI)
    page.p.save()
    page.p.translate(side + 0.3 * DPI, 0)
    text_page.text("Description", 12, bold=True)
    for line in c.description or ("(no dropdown choices or free text recorded)",):
        text_page.text(line, 10, gap=0.1)
    text_page.text("Caption given to the model", 12, bold=True)
    text_page.text(c.caption or DASH, 10)
    text_page.text("Not understood (not used)", 12, bold=True)
    text_page.text(", ".join(c.not_understood) if c.not_understood else "nothing", 10)
    page.p.restore()
    page.y = max(top + side, text_page.y) + 0.2 * DPI
    if c.description_notes:
        page.text("Corrections and disagreements in the description (the later one wins; both shown)", 11,
                  bold=True, gap=0.1)
        for line in c.description_notes:
            page.text(line, 8, gap=0.1)
        page.y += 0.1 * DPI
    if c.lock_sources:
        page.need(0.6 * DPI)
        page.text("Locked regions kept by re-synthesis, and their sources", 11, bold=True, gap=0.1)
        for line in c.lock_sources[:12]:
            page.text(line, 8, gap=0.06)
        if len(c.lock_sources) > 12:
            page.text(f"… and {len(c.lock_sources) - 12} more (all in record.json)", 8)
        page.y += 0.1 * DPI
    if c.hand_edits:
        _hand(page, c)
    if c.description_history:
        page.need(0.8 * DPI)
        page.text("How the description changed, in order (the later statement wins; both are shown)", 11,
                  bold=True, gap=0.1)
        for line in c.description_history:
            page.text(line.strip(), 8, gap=0.08, indent=0.25 * DPI if line.startswith(" ") else 0.0)
        page.y += 0.1 * DPI
    page.need(0.8 * DPI)
    page.text("What was shown", 11, bold=True, gap=0.1)
    for line in c.exposure_summary:
        page.text(line, 8.5, gap=0.1)
    if c.witness_displays:
        page.text("Shown to the witness by the witness view (time, what, images by SHA-256 prefix):", 8.5,
                  bold=True, gap=0.08)
        for line in c.witness_displays:
            page.text(line, 7.5, gap=0.05, indent=0.15 * DPI)
    page.y += 0.15 * DPI
    if c.history_png:
        thumb = min(page.width / max(len(c.history_png), 1), 1.2 * DPI) - 0.08 * DPI
        page.need(thumb + 0.8 * DPI)
        page.text("History (portraits picked, oldest first)", 12, bold=True)
        top = page.y
        for i, (png, label) in enumerate(zip(c.history_png, c.history_labels)):
            page.y = top
            page.image(png, i * (thumb + 0.08 * DPI), thumb)
            page.y += thumb + 0.03 * DPI
            page.p.save()
            page.p.translate(i * (thumb + 0.08 * DPI), 0)
            _at(page, thumb).text(label, 7)
            page.p.restore()
        page.y = top + thumb + 0.3 * DPI
    page.text(f"Model: {c.model_name}    SHA-256: {c.model_sha256}", 8)
    page.text(f"Composer {c.app_version}; {c.n_steps} steps; {c.n_images_shown} images, all kept in the case "
              "file (who saw which: \u201cWhat was shown\u201d above).", 8)
    page.text(c.verification, 8)
    page.need(1.3 * DPI)    # the witness's lines stay together
    page.y += 0.1 * DPI
    for line in c.witness_lines:
        page.text(line, 9, gap=0.5)


def _hand(page: _Page, c: ReportContent) -> None:
    """The artist's hand edits, listed, with the mask of the pixels they changed beside the list."""
    page.need(1.8 * DPI)
    page.text("Hand edits (the artist's work, not the model's)", 12, bold=True)
    mask = 1.1 * DPI if c.hand_mask_png else 0.0
    top = page.y
    if mask:
        page.image(c.hand_mask_png, 0, mask)
        page.y += mask + 0.02 * DPI
        caption = _at(page, mask + 0.4 * DPI)
        caption.text("pixels changed by hand (white)", 7)
        page.y = caption.y
    lines = _at(page, page.width - mask - 0.2 * DPI)
    lines.y = top
    page.p.save()
    page.p.translate(mask + (0.2 * DPI if mask else 0.0), 0)
    for line in c.hand_edits[:14]:
        lines.text(line, 8, gap=0.05)
    if len(c.hand_edits) > 14:
        lines.text(f"… and {len(c.hand_edits) - 14} more (all in record.json)", 8)
    page.p.restore()
    page.y = max(page.y, lines.y) + 0.2 * DPI
