"""Reopening a case file: read-only review contents, continue as a new session, bad files."""
from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np
import pytest

from composer.casefile.export import export_case
from composer.casefile.record import CaseMeta
from composer.casefile.reopen import ORIGIN_NOTE, continue_session, read_case
from composer.errors import CaseFileError
from composer.operations import Describe, Generate, Pick, perform
from composer.session import Session, description_json

from . import FakeEngine, fake_pdf


@pytest.fixture
def case(tmp_path, keys):
    engine = FakeEngine()
    s = Session(None)
    perform(Describe(description_json({"free_text": "young man"}),
                     engine.describe(SimpleNamespace(free_text="young man"))), engine, s)
    perform(Generate(s.caption, 4, 7), engine, s)
    perform(Pick(2), None, s)
    s.goto(2)                                  # a branch: the case keeps every step
    perform(Pick(1), None, s)
    path = tmp_path / "c.composer-case"
    export_case(s, engine, CaseMeta("2024-9"), path, keys_dir=keys, render_pdf=fake_pdf)
    return path, s


def test_read_case_gives_history_final_portrait_and_origin(case, keys):
    path, session = case
    got = read_case(path, keys_dir=keys)
    assert got.verified and got.case_id == "2024-9"
    assert got.history[0].startswith("1. Describe") and len(got.history) == 4
    assert np.array_equal(got.final_portrait, session.current_portrait.image)
    assert len(got.file_sha256) == 64 and got.origin["case_id"] == "2024-9"
    assert "test model" in got.model_warning          # FakeEngine's name says "fake"


def test_case_from_an_unknown_signer_is_readable_but_unverified(case, tmp_path):
    got = read_case(case[0], keys_dir=tmp_path / "other-keys")
    assert not got.verified and "NOT verified" in got.verification


def test_continue_as_new_session_replays_steps_images_and_origin(case, keys, tmp_path):
    path, session = case
    got = read_case(path, keys_dir=keys)
    new = continue_session(got, tmp_path / "recovery")
    assert new.session_id != session.session_id and new.folder.parent == tmp_path / "recovery"
    assert [s.kind for s in new.steps] == [s.kind for s in session.steps]
    assert [dict(s.inputs) for s in new.steps] == [dict(s.inputs) for s in session.steps]
    assert new.current.id == session.current.id and not new.missing_images
    assert np.array_equal(new.current_portrait.image, session.current_portrait.image)
    assert new.description == session.description
    origin = new.steps[0].notes[ORIGIN_NOTE]
    assert origin["case_id"] == "2024-9" and origin["file_sha256"] == got.file_sha256
    again = Session.recover(new.folder)                   # it autosaves like any session
    assert again.steps[0].notes[ORIGIN_NOTE]["file_sha256"] == got.file_sha256


@pytest.mark.parametrize("damage", ["garbage", "truncated", "tampered", "missing"])
def test_bad_case_file_is_one_clear_line(case, keys, tmp_path, damage):
    path = tmp_path / "bad.composer-case"
    data = case[0].read_bytes()
    if damage == "garbage":
        path.write_bytes(b"not a zip at all")
    elif damage == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif damage == "tampered":
        i = data.index(b'"case_id"')
        path.write_bytes(data[:i] + data[i:].replace(b"2024-9", b"2024-8", 1))
    with pytest.raises(CaseFileError) as err:
        read_case(path, keys_dir=keys)
    message = str(err.value)
    assert "\n" not in message and "bad.composer-case" in message


def test_record_json_is_only_read_through_verification(case, keys, tmp_path):
    """A record that fails the schema is refused even when re-signed by a trusted key."""
    from composer.casefile.container import serialise
    from composer.casefile.export import json_bytes, sha256_hex
    from composer.casefile.signing import load_signer, public_pem
    import zipfile

    with zipfile.ZipFile(case[0]) as z:
        files = {n: z.read(n) for n in z.namelist()}
    record = json.loads(files["record.json"])
    record["steps"] = "nonsense"
    files["record.json"] = json_bytes(record)
    signer = load_signer(keys)
    manifest = json.loads(files["manifest.json"])
    manifest["files"] = {n: sha256_hex(d) for n, d in files.items()
                         if n not in ("manifest.json", "manifest.sig", "signer.pub")}
    files["manifest.json"] = json_bytes(manifest)
    files["manifest.sig"] = signer.sign(files["manifest.json"])
    files["signer.pub"] = public_pem(signer.public_key)
    bad = tmp_path / "schema.composer-case"
    bad.write_bytes(serialise(files))
    with pytest.raises(CaseFileError, match="cannot be opened"):
        read_case(bad, keys_dir=keys)
