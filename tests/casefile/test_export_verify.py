"""export_case + verify_case: contents, signing, and every kind of tampering."""
from __future__ import annotations

import io
import json
import zipfile

import numpy as np
import pytest

from composer.casefile.export import export_case, json_bytes, sha256_hex
from composer.casefile.record import SCHEMA_VERSION, CaseMeta
from composer.casefile.signing import load_signer, public_pem, trusted_fingerprints
from composer.casefile.verify import verify_case
from composer.errors import CaseFileError
from composer.operations import Generate, ImportReference, Lock, Pick, Resynthesise, perform
from composer.record.codec import decode_png
from composer.session import Session

from . import FakeEngine, FakeLockSettings, fake_pdf, full_session


@pytest.fixture
def session():
    engine = FakeEngine()
    s = full_session(Session(None), engine)
    photo = np.arange(16 * 16 * 3, dtype=np.uint8).reshape(16, 16, 3)
    perform(ImportReference(photo, "witness-photo.jpg"), engine, s)
    s.goto(s.steps[-2].id)  # back to the last pick, then lock its eyes against the photo
    chosen = s.current_portrait
    lock = perform(Lock(np.ones((16, 16), np.float32) * 0.5, ["face"]), engine, s)
    result = [p for p in engine.resynthesise(chosen.caption, chosen.z, photo, s.lock_mask(lock.id),
                                             FakeLockSettings())][-1].result
    Resynthesise(chosen.caption, chosen.z, s.steps[-2].outputs[0].sha256, lock.inputs["mask_sha256"],
                 FakeLockSettings()).record(s, result, 0.2)
    perform(Pick(0), None, s)
    return s


@pytest.fixture
def case(tmp_path, session, keys):
    path = tmp_path / "c.composer-case"
    export_case(session, FakeEngine(), CaseMeta("2024-123", "Officer A", "W-7"), path, keys_dir=keys,
                render_pdf=fake_pdf)
    return path


def read(path):
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def rewrite(src, dst, changes, signer=None):
    """Copy a case with files changed (None deletes); re-sign the manifest with `signer` if given."""
    files = read(src)
    for name, data in changes.items():
        if data is None:
            files.pop(name, None)
        else:
            files[name] = data
    if signer is not None:
        manifest = json.loads(files["manifest.json"])
        manifest["files"] = {n: sha256_hex(d) for n, d in files.items()
                             if n not in ("manifest.json", "manifest.sig", "signer.pub")}
        manifest["signer_fingerprint"] = signer.fingerprint
        files["manifest.json"] = json_bytes(manifest)
        files["manifest.sig"] = signer.sign(files["manifest.json"])
        files["signer.pub"] = public_pem(signer.public_key)
    from composer.casefile.container import serialise
    dst.write_bytes(serialise(files))   # canonical, so only the member change is reported
    return dst


def kinds(report):
    return sorted({(p.kind, p.file) for p in report.problems})


def test_exported_case_contents_and_verify_ok(case, session, keys):
    files = read(case)
    record = json.loads(files["record.json"])
    assert record["schema_version"] == SCHEMA_VERSION and record["case_id"] == "2024-123"
    assert record["model"]["sha256"] == FakeEngine.sha256 and record["app_version"]
    assert [s["kind"] for s in record["steps"]] == [s.kind for s in session.steps]
    assert record["interpretation"]["not_understood"] == [{"text": "zork"}]
    shown = {e.sha256 for e in session.exposures}
    assert {n for n in files if n.startswith("shown/")} == {f"shown/{h}.png" for h in shown}
    assert len([n for n in files if n.startswith("masks/")]) == 2
    assert len([n for n in files if n.startswith("references/")]) == 1
    pixels, text = decode_png(files["portrait.png"])
    assert np.array_equal(pixels, session.current_portrait.image)
    assert text["composer:record_sha256"] == sha256_hex(files["record.json"])
    assert text["composer:case_id"] == "2024-123" and text["composer:model_sha256"] == FakeEngine.sha256
    assert files["report.pdf"].startswith(b"%PDF")
    manifest = json.loads(files["manifest.json"])
    assert set(manifest["files"]) == set(files) - {"manifest.json", "manifest.sig", "signer.pub"}
    report = verify_case(case, keys_dir=keys)
    assert report.ok, report.lines()
    assert report.lines()[0].startswith("OK") and report.case_id == "2024-123"


def test_key_is_private_and_reused(keys, case, tmp_path, session):
    key_file = keys / "signing_key.pem"
    assert key_file.stat().st_mode & 0o777 == 0o600
    fp = load_signer(keys).fingerprint
    second = export_case(session, FakeEngine(), CaseMeta("2"), tmp_path / "d.composer-case", keys_dir=keys,
                         render_pdf=fake_pdf)
    assert second.signer_fingerprint == fp


def test_report_content(tmp_path, session, keys):
    seen = []
    export_case(session, FakeEngine(), CaseMeta("77", "op", "w"), tmp_path / "x.composer-case", keys_dir=keys,
                render_pdf=lambda c: seen.append(c) or b"%PDF")
    c = seen[0]
    assert c.case_id == "77" and c.caption == "young man" and c.not_understood == ("zork",)
    assert c.description == ("Hair: blond", "In the witness's words: \u201cyoung man zork\u201d")
    assert len(c.history_png) == len([s for s in session.lineage() if s.kind == "pick"])
    assert c.model_sha256 == FakeEngine.sha256 and "composer verify x.composer-case" in c.verification


def test_never_overwrites_and_needs_a_pick(case, session, keys, tmp_path):
    before = case.read_bytes()
    with pytest.raises(CaseFileError, match="already exists"):
        export_case(session, FakeEngine(), CaseMeta("1"), case, keys_dir=keys, render_pdf=fake_pdf)
    assert case.read_bytes() == before
    export_case(session, FakeEngine(), CaseMeta("1"), case, keys_dir=keys, render_pdf=fake_pdf, overwrite=True)
    assert verify_case(case, keys_dir=keys).case_id == "1"
    empty = Session(None)
    perform(Generate("c", 1, 0), FakeEngine(), empty)
    with pytest.raises(CaseFileError, match="pick"):
        export_case(empty, FakeEngine(), CaseMeta("1"), tmp_path / "n.composer-case", keys_dir=keys,
                    render_pdf=fake_pdf)
    assert not (tmp_path / "n.composer-case").exists()


@pytest.mark.parametrize("name", ["portrait.png", "report.pdf", "record.json", "masks", "shown", "references"])
def test_changing_any_file_is_named(case, tmp_path, keys, name):
    files = read(case)
    target = next(n for n in files if n == name or n.startswith(name + "/"))
    bad = rewrite(case, tmp_path / "bad.composer-case", {target: files[target][:-1] + b"x"})
    report = verify_case(bad, keys_dir=keys)
    assert not report.ok and ("hash_mismatch", target) in kinds(report)
    assert any(target in line for line in report.lines())


def test_missing_extra_and_swapped_files(case, tmp_path, keys):
    files = read(case)
    shown = sorted(n for n in files if n.startswith("shown/"))
    r = verify_case(rewrite(case, tmp_path / "a.composer-case", {shown[0]: None}), keys_dir=keys)
    assert ("missing_file", shown[0]) in kinds(r)
    r = verify_case(rewrite(case, tmp_path / "b.composer-case", {"notes.txt": b"hi"}), keys_dir=keys)
    assert kinds(r) == [("extra_file", "notes.txt")]
    swap = {shown[0]: files[shown[1]], shown[1]: files[shown[0]]}
    r = verify_case(rewrite(case, tmp_path / "c.composer-case", swap), keys_dir=keys)
    assert kinds(r) == [("hash_mismatch", shown[0]), ("hash_mismatch", shown[1])]


def test_signature_and_key_problems(case, tmp_path, keys):
    files = read(case)
    manifest = json.loads(files["manifest.json"])
    manifest["case_id"] = "other"
    r = verify_case(rewrite(case, tmp_path / "a.composer-case", {"manifest.json": json_bytes(manifest)}),
                    keys_dir=keys)
    assert kinds(r) == [("bad_signature", "manifest.sig")]
    stranger = load_signer(tmp_path / "stranger")
    forged = rewrite(case, tmp_path / "b.composer-case", {"report.pdf": b"%PDF forged"}, signer=stranger)
    r = verify_case(forged, keys_dir=keys)
    assert kinds(r) == [("unknown_key", "signer.pub")] and stranger.fingerprint in r.lines()[1]
    trusted = trusted_fingerprints(keys, [tmp_path / "stranger" / "signing_key.pub"])
    assert verify_case(forged, trusted_keys=trusted).ok
    r = verify_case(rewrite(case, tmp_path / "c.composer-case", {"manifest.sig": None}), keys_dir=keys)
    assert ("missing_file", "manifest.sig") in kinds(r)


def test_schema_problems_even_when_resigned(case, tmp_path, keys):
    signer = load_signer(keys)
    record = json.loads(read(case)["record.json"])
    newer = dict(record, schema_version=SCHEMA_VERSION + 1)
    r = verify_case(rewrite(case, tmp_path / "a.composer-case", {"record.json": json_bytes(newer)}, signer),
                    keys_dir=keys)
    assert [p.kind for p in r.problems] == ["schema"]
    assert f"schema version {SCHEMA_VERSION + 1}" in r.lines()[1] and "Update Composer" in r.lines()[1]
    edited = json.loads(json.dumps(record))
    edited["steps"][1]["inputs"]["seed"] = "seven"
    edited["steps"][2]["inputs"]["index"] = 99
    r = verify_case(rewrite(case, tmp_path / "b.composer-case", {"record.json": json_bytes(edited)}, signer),
                    keys_dir=keys)
    messages = " ".join(r.lines())
    assert "steps[1].inputs.seed has the wrong type" in messages and "steps[2] picks a candidate" in messages
    r = verify_case(rewrite(case, tmp_path / "c.composer-case", {"record.json": b"{broken"}, signer), keys_dir=keys)
    assert kinds(r) == [("schema", "record.json")]
    # a re-signed record whose final portrait is not portrait.png: content check catches it
    other = dict(record, final=dict(record["final"], sha256=record["steps"][1]["outputs"][0]["sha256"]))
    r = verify_case(rewrite(case, tmp_path / "d.composer-case", {"record.json": json_bytes(other)}, signer),
                    keys_dir=keys)
    assert r.problems and all(p.kind in ("schema", "content") for p in r.problems)


def test_truncated_and_not_a_zip(case, tmp_path, keys):
    data = case.read_bytes()
    for i, bad in enumerate([data[: len(data) // 2], b"", b"hello, not a zip"]):
        path = tmp_path / f"t{i}.composer-case"
        path.write_bytes(bad)
        r = verify_case(path, keys_dir=keys)
        assert [p.kind for p in r.problems] == ["not_a_zip"] and "truncated" in r.lines()[1]
    r = verify_case(tmp_path / "absent.composer-case", keys_dir=keys)
    assert "does not exist" in r.lines()[1]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("record.json", "{}")
    (tmp_path / "m.composer-case").write_bytes(buf.getvalue())
    r = verify_case(tmp_path / "m.composer-case", keys_dir=keys)
    assert {p.kind for p in r.problems} >= {"missing_file", "schema"}
