"""Issue 16 §4 (report and recovery parts): disclaimer, interim/test model warning, witness lines,
the caption's not-understood words; recovery folders 0700 and orphan temp files cleaned."""
from __future__ import annotations

import os
import stat
import time

import numpy as np

from composer.casefile.report import (DISCLAIMER, WITNESS_LINES, build_report_content, caption_not_understood,
                                      model_warning)
from composer.record import recovery


def _record(**model):
    return {"case_id": "R-1", "caption": "an older man with a zork tattoo", "interpretation": None,
            "model": {"name": "dfgan-celeba-128px", "sha256": "ab" * 32, "image_size": 128, **model},
            "steps": [], "exposures": []}


def test_report_has_disclaimer_witness_lines_and_not_understood():
    c = build_report_content(_record(), b"png", [], "cd" * 32, "ef" * 32, "x.composer-case")
    assert "not a photograph of anyone" in c.disclaimer and c.disclaimer == DISCLAIMER
    assert c.witness_lines == WITNESS_LINES and any("confidence" in w for w in c.witness_lines)
    assert any("signature" in w for w in c.witness_lines)
    assert c.model_warning == ""
    assert any(w.startswith("zork") for w in c.not_understood) and any("tattoo" in w for w in c.not_understood)
    assert not any(w.startswith("with ") or w == "a" for w in c.not_understood)   # filler is not listed
    assert caption_not_understood(None) == () or isinstance(caption_not_understood(None), tuple)


def test_model_warnings():
    assert "interim" in model_warning({"name": "dfgan-celeba-64px-ngf32", "image_size": 64})
    assert "test model" in model_warning({"name": "tiny-random", "image_size": 64})
    assert "interim" in model_warning({"name": "x", "image_size": 128, "status": "interim"})
    assert model_warning({"name": "dfgan-celeba-128px", "image_size": 128}) == ""
    refined = model_warning({"name": "dfgan-celeba-64px-ngf32", "image_size": 128, "generator_size": 64})
    assert "interim" in refined and "64 px refined to 128 px" in refined     # the refiner adds no identity
    c = build_report_content(_record(name="tiny-random", image_size=64), b"", [], "", "", "f")
    assert "test model" in c.model_warning


def test_report_pdf_draws_the_new_lines():
    import pytest
    pytest.importorskip("PyQt5")
    from composer.casefile.report_pdf import render_pdf
    from composer.record.codec import encode_png
    png = encode_png(np.zeros((8, 8, 3), np.uint8))
    c = build_report_content(_record(name="tiny-random", image_size=64), png, [], "cd" * 32, "ef" * 32, "f")
    pdf = render_pdf(c)
    assert pdf.startswith(b"%PDF") and len(pdf) > 1000


def test_recovery_folders_are_private(tmp_path):
    folder = tmp_path / "root" / "session-1"
    recovery.write_blob(folder, "ab" * 32, np.zeros((4, 4, 3), np.uint8))
    recovery.write_state(folder, {"format": recovery.FORMAT, "version": 1})
    for path in (folder, folder / recovery.BLOBS, tmp_path / "root"):
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o700, path
    assert stat.S_IMODE(os.stat(folder / recovery.SESSION_FILE).st_mode) == 0o600
    os.chmod(folder, 0o755)       # an older, looser folder is tightened on the next write
    recovery.write_state(folder, {"format": recovery.FORMAT, "version": 1})
    assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700


def test_orphan_temp_files_are_cleaned(tmp_path):
    folder = tmp_path / "root" / "s"
    recovery.write_state(folder, {"format": recovery.FORMAT, "version": 1, "session_id": "s"})
    old = folder / ".session.json.abc123.tmp"
    old.write_bytes(b"half written")
    blob_tmp = folder / recovery.BLOBS / f".{'ab' * 32}.png.x.tmp"
    blob_tmp.write_bytes(b"half")
    fresh = folder / ".session.json.new.tmp"     # another process may be writing it right now
    fresh.write_bytes(b"in progress")
    keep = folder / "notes.tmp"                  # not ours: no leading dot
    keep.write_bytes(b"x")
    link = folder / ".evil.tmp"
    link.symlink_to(tmp_path / "victim")
    (tmp_path / "victim").write_bytes(b"v")
    past = time.time() - 3600
    for p in (old, blob_tmp):
        os.utime(p, (past, past))
    recovery.find_recovery(tmp_path / "root")
    assert not old.exists() and not blob_tmp.exists()
    assert fresh.exists() and keep.exists() and (tmp_path / "victim").exists() and link.is_symlink()
