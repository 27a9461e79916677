"""A simple preview of the case report's page, drawn from its ReportContent.

Not the PDF itself (PyQt5 has no PDF renderer): an A4-proportioned sketch with
the same facts, so the artist can check case number, portrait and caption
before handing the file over.
"""
from __future__ import annotations

from PyQt5.QtCore import QRectF, Qt
from PyQt5.QtGui import QColor, QFont, QImage, QPainter

A4_RATIO = 297 / 210


def render_page_preview(content, width: int = 420) -> QImage:
    """An A4-shaped QImage summarising `content` (a casefile.report.ReportContent)."""
    height = int(width * A4_RATIO)
    page = QImage(width, height, QImage.Format_RGB32)
    page.fill(QColor("white"))
    p = QPainter(page)
    p.setRenderHint(QPainter.SmoothPixmapTransform, True)
    p.setRenderHint(QPainter.TextAntialiasing, True)
    margin = width * 0.07
    inner = width - 2 * margin
    y = margin

    def text(s: str, size: float, bold: bool = False) -> None:
        nonlocal y
        font = QFont(p.font())
        font.setPointSizeF(size)
        font.setBold(bold)
        p.setFont(font)
        rect = p.boundingRect(QRectF(margin, y, inner, height), Qt.TextWordWrap, s)
        p.drawText(rect, Qt.TextWordWrap, s)
        y = rect.bottom() + size * 0.6

    scale = width / 420
    text(f"Composite portrait — case {content.case_id}", 11 * scale, bold=True)
    text(f"{content.date}   operator {content.operator or '—'}   witness "
         f"{content.witness_ref or '—'}", 6 * scale)
    portrait = QImage.fromData(content.final_portrait_png, "PNG")
    if not portrait.isNull():
        side = inner * 0.55
        p.drawImage(QRectF(margin + (inner - side) / 2, y, side, side), portrait)
        y += side + 8 * scale
    text(f"Caption: {content.caption}", 6.5 * scale)
    for line in content.description:
        text(line, 5.5 * scale)
    if content.not_understood:
        text("Not understood: " + ", ".join(content.not_understood), 5.5 * scale)
    text(f"Model {content.model_name}  {content.model_sha256[:16]}…   {content.n_steps} steps, "
         f"{content.n_images_shown} images shown", 5 * scale)
    text(content.verification, 4.5 * scale)
    p.end()
    return page
