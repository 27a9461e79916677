"""Atomic writes never clobber or leave partial files; the Qt PDF renderer draws a report."""
from __future__ import annotations

import os

import numpy as np
import pytest

from composer.atomic import atomic_write_bytes, atomic_write_text
from composer.record.codec import encode_png
from composer.casefile.report import ReportContent


def test_atomic_write_refuses_to_overwrite(tmp_path):
    target = tmp_path / "sub" / "a.txt"
    atomic_write_text(target, "one")
    with pytest.raises(FileExistsError):
        atomic_write_text(target, "two")
    assert target.read_text() == "one"
    atomic_write_text(target, "three", overwrite=True)
    assert target.read_text() == "three"
    atomic_write_bytes(tmp_path / "secret", b"k", mode=0o600)
    assert (tmp_path / "secret").stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["a.txt", "secret", "sub"]


def test_atomic_write_failure_leaves_target_and_no_temp(tmp_path, monkeypatch):
    target = tmp_path / "a.bin"
    atomic_write_bytes(target, b"old")

    def broken_replace(src, dst):
        raise OSError("disk full")
    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        atomic_write_bytes(target, b"new", overwrite=True)
    assert target.read_bytes() == b"old" and [p.name for p in tmp_path.iterdir()] == ["a.bin"]


def test_render_pdf(qapp):
    from composer.casefile.report_pdf import render_pdf

    face = encode_png(np.tile(np.arange(64, dtype=np.uint8)[:, None, None] * 4, (1, 64, 3)))
    content = ReportContent(
        case_id="2024-001", date="2024-05-01T10:00:00+00:00", operator="A. Artist", witness_ref="W-12",
        description=("Hair colour: blond", "In the witness's words: \u201cthin face\u201d"),
        caption="a young man with blond hair", not_understood=("zork",), final_portrait_png=face,
        history_png=(face, face), history_labels=("step 2", "step 5"), model_name="tiny",
        model_sha256="ab" * 32, app_version="0.1", n_steps=5, n_images_shown=12,
        verification="Record SHA-256 00. Check with: composer verify x.composer-case")
    pdf = render_pdf(content)
    assert pdf.startswith(b"%PDF") and pdf.rstrip().endswith(b"%%EOF") and len(pdf) > 2000
    assert b"/Image" in pdf or b"/XObject" in pdf
