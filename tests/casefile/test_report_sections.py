"""Issue 16 §4 (report): the description's corrections in order, the disclaimer, the interim/test
model warning, the witness's confidence and signature lines, the caption's not-understood list and
the witness/artist exposure counts, each checked in the text report and in the drawn PDF."""
from __future__ import annotations

import os
import shutil
import subprocess

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from composer.casefile.record import CaseMeta, build_record  # noqa: E402
from composer.casefile.report import (DISCLAIMER, WITNESS_LINES, build_report_content, description_history,  # noqa: E402
                                      description_lines, interpretation_notes, report_text)
from composer.operations import Describe, Generate, Pick, perform  # noqa: E402
from composer.record.codec import encode_png  # noqa: E402
from composer.session import Session  # noqa: E402
from composer.text.description import Description, interpret  # noqa: E402
from composer.text.schema import load_schema  # noqa: E402

from . import FakeEngine  # noqa: E402

SCHEMA = load_schema()


def describe(session, choices, text, text_last=True):
    d = Description(choices=choices, free_text=text, text_last=text_last)
    perform(Describe(d, interpret(d, SCHEMA)), None, session)


def corrected_session():
    """The witness first agrees to glasses, then says 'no glasses', corrects a beard, and a branch
    that was abandoned described a hat (not on the final portrait's lineage)."""
    engine = FakeEngine()
    s = Session(None)
    s.witness_view = True
    describe(s, {"glasses": "glasses", "age": "older"}, "")
    gen = perform(Generate(s.caption, 4, 1), engine, s)
    s.note_witness_shown([s.image(o.sha256) for o in gen.outputs], "candidates")
    describe(s, {"glasses": "glasses", "hat": "hat"}, "wearing a hat")          # abandoned branch
    s.goto(gen.id)
    describe(s, {"glasses": "glasses", "hair_colour": "grey"},
             "an older man, no glasses, a beard, no wait no beard, zork")
    describe(s, {"glasses": "glasses", "hair_colour": "black"},
             "an older man, no glasses, a beard, no wait no beard, zork")
    gen = perform(Generate(s.caption, 4, 2), engine, s)
    s.note_witness_shown([s.image(o.sha256) for o in gen.outputs], "candidates")
    perform(Pick(3), None, s)
    return s


def content(model=None, session=None):
    s = session or corrected_session()
    engine = FakeEngine()
    record = build_record(s, engine, CaseMeta("R-9", "A. Artist", "W-1"), "2024-05-01T10:00:00+00:00")
    if model:
        record["model"].update(model)
    png = encode_png(s.image(record["final"]["sha256"]))
    return record, build_report_content(record, png, [("step 9", png)], "cd" * 32, "ef" * 32, "r.composer-case")


def test_description_history_lists_every_describe_step_in_order_with_changes():
    record, _ = content()
    history = description_history(record)
    steps = [line for line in history if line.startswith("Step ")]
    assert len(steps) == 3                                          # the hat branch is not on the lineage
    assert "first description: Age: older; Glasses: glasses" in steps[0]
    assert "removed Age: older" in steps[1] and "added Hair colour: grey" in steps[1]
    assert "added the witness's words \u201can older man, no glasses" in steps[1]
    assert "changed Hair colour: grey \u2192 black" in steps[2]
    assert not any("hat" in line.lower() for line in history)
    text = "\n".join(history)
    assert "Correction (the witness said 'no wait')" in text and "the later mention wins" in text
    assert "Words and dropdown disagree" in text and "free text wins because it was edited last" in text
    assert text.count("Correction (the witness said 'no wait')") == 1   # listed where it first appeared
    assert "caption now" in text
    order = [history.index(s) for s in steps]
    assert order == sorted(order)


def test_final_description_marks_the_overridden_dropdown_and_shows_both():
    record, c = content()
    assert any(line.startswith("Glasses: glasses (overridden by the witness's words") for line in c.description)
    assert any("no glasses" in line for line in c.description)             # the witness's words, too
    assert any("Words and dropdown disagree" in n for n in c.description_notes)
    # the dropdown edited last wins instead: the words are marked
    d = Description(choices={"glasses": "glasses"}, free_text="no glasses", text_last=False)
    interp = interpret(d, SCHEMA).to_json()
    lines = description_lines({"choices": {"glasses": "glasses"}, "free_text": "no glasses"}, interp)
    assert "partly overridden by a dropdown" in lines[-1] and "overridden" not in lines[0]
    assert any("dropdown wins" in n or "the dropdown" in n for n in interpretation_notes(interp))


def test_text_report_has_every_section():
    record, c = content(model={"name": "dfgan-celeba-64px-ngf32", "image_size": 64})
    text = report_text(c)
    assert DISCLAIMER in text and "interim model" in text
    for line in WITNESS_LINES:
        assert line in text
    assert "confidence" in text and "signature" in text
    assert "Not understood (not used)\nzork" in text
    assert "How the description changed" in text and "What was shown" in text
    assert "showed the witness 8 different images in 2 displays" in text
    assert "Every image on the artist's screen was also shown by the witness view" in text
    assert "8 images, all kept in the case file" in text
    _, test_model = content(model={"name": "tiny-random", "image_size": 64})
    assert "test model" in report_text(test_model)
    _, release = content(model={"name": "dfgan-celeba-128px", "image_size": 128, "status": "release"})
    assert "WARNING" not in report_text(release)


def test_record_takes_the_model_status_from_the_engine():
    engine = FakeEngine()
    engine.name, engine.image_size, engine.status = "studio-model", 128, "interim"   # only the status says so
    s = corrected_session()
    record = build_record(s, engine, CaseMeta("S"), "t")
    assert record["model"]["status"] == "interim"
    assert "interim model" in build_report_content(record, b"", [], "", "", "f").model_warning
    assert "status" not in build_record(s, FakeEngine(), CaseMeta("S"), "t")["model"]
    from types import SimpleNamespace
    bundle = FakeEngine()
    bundle.model = SimpleNamespace(meta={"status": "test"})            # model.json's "status"
    assert build_record(s, bundle, CaseMeta("S"), "t")["model"]["status"] == "test"


def _pdf_text(pdf: bytes, tmp_path) -> str:
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed")
    (tmp_path / "r.pdf").write_bytes(pdf)
    subprocess.run(["pdftotext", "-layout", str(tmp_path / "r.pdf"), str(tmp_path / "r.txt")], check=True)
    return " ".join((tmp_path / "r.txt").read_text().split())


def test_pdf_report_draws_every_section(qapp, tmp_path):
    from composer.casefile.report_pdf import render_pdf
    _, c = content(model={"name": "dfgan-celeba-64px-ngf32", "image_size": 64})
    text = _pdf_text(render_pdf(c), tmp_path)
    flat = lambda s: " ".join(s.split())   # noqa: E731
    assert flat("computer-generated likeness") in text and "not a photograph" in text
    assert "WARNING: made with an interim model" in text
    assert "Witness's confidence" in text and "Witness's signature" in text
    assert "Not understood (not used)" in text and "zork" in text
    assert "How the description changed" in text and "changed Hair colour: grey" in text
    assert "Words and dropdown disagree" in text and "overridden by the witness's words" in text
    assert "showed the witness 8 different images in 2 displays" in text
    assert "Shown to the witness by the witness view" in text and "candidates from step" in text
    assert "8 images, all kept in the case file" in text


def test_long_reports_continue_on_more_pages(qapp, tmp_path):
    from composer.casefile.report_pdf import render_pdf
    record, c = content()
    from dataclasses import replace
    many = replace(c, witness_displays=tuple(f"2024-05-01 10:{i // 60:02d}:{i % 60:02d} UTC: candidates, 9 images"
                                             for i in range(300)))
    pdf = render_pdf(many)
    text = _pdf_text(pdf, tmp_path)
    assert "continued (page 2)" in text and "10:04:59 UTC" in text     # the last display is drawn
    assert "Witness's signature" in text


def test_headless_case_report_says_there_was_no_witness_view(qapp, tmp_path):
    from composer.casefile.builder import CaseRecipe, build_session
    from composer.casefile.report_pdf import render_pdf
    s = build_session(FakeEngine(), CaseRecipe("a face", n=3))
    record, c = content(session=s)
    assert record["witness_view"] is False and c.n_images_witness == 0
    assert "built without a witness view" in report_text(c)
    text = _pdf_text(render_pdf(c), tmp_path)
    assert "built without a witness view" in text and "composer case" in text


def test_png_of_the_report_can_be_drawn(qapp, tmp_path):
    """The PDF rasterises (what a reviewer looks at): pdftoppm at 60 dpi gives a page image."""
    if not shutil.which("pdftoppm"):
        pytest.skip("pdftoppm is not installed")
    from composer.casefile.report_pdf import render_pdf
    _, c = content()
    (tmp_path / "r.pdf").write_bytes(render_pdf(c))
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(tmp_path / "r.pdf"),
                    str(tmp_path / "page")], check=True)
    from PIL import Image
    page = np.asarray(Image.open(next(tmp_path.glob("page*.png"))).convert("L"))
    assert page.shape[0] > page.shape[1] > 400 and (page < 128).mean() > 0.01


def test_report_names_each_locked_region_and_flags_photographs():
    from composer.casefile.report import lock_source_lines
    sha = "a" * 64
    record = {"path": [1, 2, 3, 4], "steps": [
        {"id": 1, "kind": "pick", "inputs": {}},
        {"id": 2, "kind": "lock", "inputs": {"regions": ["eyes", "mouth"], "sources": [
            {"region": "eyes", "sha256": sha, "label": "the picked portrait (step 1)"},
            {"region": "mouth", "sha256": sha, "label": "photo A.jpg"}]}},
        {"id": 3, "kind": "resynthesise", "inputs": {}},
        {"id": 4, "kind": "lock", "inputs": {"regions": ["nose"]}},
        {"id": 5, "kind": "resynthesise", "inputs": {}}]}
    lines = lock_source_lines(record)
    assert lines == ("step 3: kept eyes from the picked portrait (step 1); mouth from photo A.jpg "
                     "(PHOTOGRAPH: these pixels are of a real photo)",)
    record["path"].append(5)
    assert lock_source_lines(record)[-1] == "step 5: kept nose"
