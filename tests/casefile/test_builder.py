"""Headless case building (what `composer case` runs), with the fake engine."""
from __future__ import annotations

import pytest

from composer.casefile.builder import CaseRecipe, build_session
from composer.casefile.export import export_case
from composer.casefile.record import CaseMeta
from composer.errors import ComposerError

from . import FakeEngine, FakeLockSettings, fake_mask, fake_models, reproduce_fake
from .test_export_verify import fake_pdf


def build(recipe):
    return build_session(FakeEngine(), recipe, region_mask=lambda name, size, image: fake_mask(size),
                         make_settings=FakeLockSettings)


def test_recipe_steps_and_replay(tmp_path):
    s = build(CaseRecipe("a face", n=3, seed=5, pick=1, lock=("eyes", "mouth"), lock_steps=2))
    assert [st.kind for st in s.steps] == ["generate", "pick", "lock", "resynthesise", "pick"]
    gen, pick, lock, res, final = s.steps
    assert gen.inputs == {"caption": "a face", "n": 3, "seed": 5} and pick.picked == 1
    assert lock.inputs["regions"] == ["eyes", "mouth"]
    assert res.inputs["settings"]["seed"] == 5 and res.inputs["steps_run"] == 2
    assert final.picked == res.notes["order"][0]
    path = tmp_path / "x.composer-case"
    export_case(s, FakeEngine(), CaseMeta("X"), path, keys_dir=tmp_path / "k", render_pdf=fake_pdf)
    assert reproduce_fake(path, fake_models(tmp_path), tmp_path / "k").ok


def test_recipe_without_lock_and_bad_recipes():
    assert [st.kind for st in build(CaseRecipe("a face", n=2)).steps] == ["generate", "pick"]
    with pytest.raises(ComposerError, match="caption is empty"):
        build(CaseRecipe("  "))
    with pytest.raises(ComposerError, match="--pick"):
        build(CaseRecipe("a face", n=2, pick=2))
