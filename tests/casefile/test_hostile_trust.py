"""Issue 16 §2: explicit trust. --trust pins the signer; verify never touches private keys; stray
trust-folder files are reported; passphrase-protected keys and key rotation."""
from __future__ import annotations

import os

import pytest

from composer.casefile import signing
from composer.casefile.container import serialise
from composer.casefile.export import export_case
from composer.casefile.record import CaseMeta
from composer.casefile.signing import (SessionPassphrase, create_signing_key, load_signer, local_trust,
                                       pinned_trust, rotate_signing_key)
from composer.casefile.verify import verify_case
from composer.errors import CaseFileError
from composer.session import Session

from . import FakeEngine, full_session
from .hostile import read_members, resign, rsa_pub, unknown_algorithm_pub, write
from .test_hostile_container import fake_pdf


def _export(path, keys):
    export_case(full_session(Session(None), FakeEngine()), FakeEngine(), CaseMeta("T-1"), path, keys_dir=keys,
                render_pdf=fake_pdf)
    return path


@pytest.fixture
def case(tmp_path, keys):
    return _export(tmp_path / "c.composer-case", keys)


def test_trust_pins_the_signer(case, keys, tmp_path, capsys):
    from composer.cli import main
    original_pub = keys / "signing_key.pub"
    # the verifying machine's own key forges a case: --trust ORIGINAL must refuse it
    forger_keys = tmp_path / "forger"
    forged = write(tmp_path / "forged.composer-case",
                   serialise(resign(read_members(case), load_signer(forger_keys))))
    assert verify_case(forged, keys_dir=forger_keys).ok                     # the forger's machine: local key
    r = verify_case(forged, trust=pinned_trust([original_pub]))
    assert [p.kind for p in r.problems] == ["unknown_key"] and "--trust" in r.problems[0].message
    assert main(["verify", str(forged), "--keys-dir", str(forger_keys), "--trust", str(original_pub)]) == 1
    assert main(["verify", str(case), "--keys-dir", str(forger_keys), "--trust", str(original_pub)]) == 0
    out = capsys.readouterr().out
    assert "the key given with --trust" in out and load_signer(keys).fingerprint in out
    # several --trust keys: any one of them, no other
    other = tmp_path / "other.pub"
    other.write_bytes((forger_keys / "signing_key.pub").read_bytes())
    assert verify_case(forged, trust=pinned_trust([original_pub, other])).ok
    assert signing.trusted_fingerprints(keys, [other]) == {load_signer(forger_keys).fingerprint}


def test_without_trust_the_signer_is_named(case, keys, tmp_path):
    r = verify_case(case, keys_dir=keys)
    assert r.ok and r.signer == "this workstation's key" and r.signer_fingerprint in r.lines()[0]
    other = tmp_path / "verifier"
    (other / "trusted_keys").mkdir(parents=True)
    (other / "trusted_keys" / "alice.pub").write_bytes((keys / "signing_key.pub").read_bytes())
    r = verify_case(case, keys_dir=other)
    assert r.ok and "trust folder (alice.pub)" in r.lines()[0]


def test_verify_never_touches_private_keys(case, keys, tmp_path, monkeypatch):
    pem = keys / "signing_key.pem"
    pem.write_bytes(b"corrupt private key")
    os.chmod(pem, 0o644)
    before = os.stat(pem)
    from cryptography.hazmat.primitives import serialization

    def boom(*a, **k):
        raise AssertionError("verification loaded a private key")
    monkeypatch.setattr(serialization, "load_pem_private_key", boom)
    r = verify_case(case, keys_dir=keys)
    assert r.ok, r.lines()
    after = os.stat(pem)
    assert (after.st_mode, after.st_mtime_ns) == (before.st_mode, before.st_mtime_ns)
    # a symlinked private key is not followed (nor chmod-ed) by verify
    target = tmp_path / "elsewhere.pem"
    target.write_bytes(b"x")
    os.chmod(target, 0o644)
    pem.unlink()
    pem.symlink_to(target)
    assert verify_case(case, keys_dir=keys).ok
    assert os.stat(target).st_mode & 0o777 == 0o644


def test_signing_refuses_a_symlinked_key(keys, tmp_path):
    load_signer(keys)
    real = tmp_path / "real.pem"
    os.replace(keys / "signing_key.pem", real)
    os.chmod(real, 0o644)
    (keys / "signing_key.pem").symlink_to(real)
    with pytest.raises(CaseFileError, match="symbolic link"):
        load_signer(keys)
    assert os.stat(real).st_mode & 0o777 == 0o644


def test_stray_files_in_trust_folder_are_reported(case, keys):
    folder = keys / "trusted_keys"
    folder.mkdir()
    (folder / "unknown-alg.pub").write_bytes(unknown_algorithm_pub())
    (folder / "ec.pub").write_bytes(rsa_pub())
    (folder / "garbage.txt").write_bytes(b"\x00\xff junk")
    (folder / "huge.pub").write_bytes(b"A" * (1 << 20))
    (folder / "subdir").mkdir()
    (folder / "link.pub").symlink_to(keys / "signing_key.pub")
    (folder / "dangling.pub").symlink_to(keys / "nope.pub")
    trust = local_trust(keys)
    assert len(trust.notes) == 7 and all("skipped" in n for n in trust.notes)
    r = verify_case(case, keys_dir=keys)
    assert r.ok and any("note: skipped" in line for line in r.lines())


def test_signer_pub_with_unknown_algorithm(case, keys, tmp_path):
    files = read_members(case)
    for label, pub in {"oid": unknown_algorithm_pub(), "ec": rsa_pub(), "junk": b"-----BEGIN PUBLIC KEY-----\n!!"}.items():
        bad = write(tmp_path / f"{label}.composer-case", serialise(dict(files, **{"signer.pub": pub})))
        r = verify_case(bad, keys_dir=keys)
        assert ("bad_signature", "signer.pub") in {(p.kind, p.file) for p in r.problems}, r.lines()
    with pytest.raises(CaseFileError):
        pinned_trust([write(tmp_path / "u.pub", unknown_algorithm_pub())])


def test_passphrase_protected_key(tmp_path, monkeypatch):
    keys = tmp_path / "pk"
    signer = create_signing_key(keys, "correct horse")
    assert b"ENCRYPTED" in (keys / "signing_key.pem").read_bytes()
    assert os.stat(keys / "signing_key.pem").st_mode & 0o777 == 0o600
    monkeypatch.delenv(signing.PASSPHRASE_ENV, raising=False)
    monkeypatch.setattr(signing, "_terminal_prompt", lambda path: None)
    with pytest.raises(CaseFileError, match="passphrase"):
        load_signer(keys)
    monkeypatch.setenv(signing.PASSPHRASE_ENV, "wrong")
    with pytest.raises(CaseFileError, match="wrong"):
        load_signer(keys)
    monkeypatch.setenv(signing.PASSPHRASE_ENV, "correct horse")
    assert load_signer(keys).fingerprint == signer.fingerprint
    # the GUI's hook: asked once per session
    monkeypatch.delenv(signing.PASSPHRASE_ENV)
    asked = []
    provider = SessionPassphrase(lambda path: asked.append(path) or "correct horse")
    signing.set_passphrase_provider(provider)
    try:
        assert load_signer(keys).fingerprint == signer.fingerprint
        assert load_signer(keys).fingerprint == signer.fingerprint
        assert len(asked) == 1
        # exporting with it works and verifies
        path = _export(tmp_path / "p.composer-case", keys)
        assert verify_case(path, keys_dir=keys).ok
    finally:
        signing.set_passphrase_provider(None)
    # a key made on first use is encrypted when the variable is set
    monkeypatch.setenv(signing.PASSPHRASE_ENV, "s3cret")
    fresh = load_signer(tmp_path / "fresh")
    assert b"ENCRYPTED" in (tmp_path / "fresh" / "signing_key.pem").read_bytes() and fresh is not None


def test_key_rotation_keeps_old_cases_verifiable(case, keys):
    old_fp = load_signer(keys).fingerprint
    before, after = rotate_signing_key(keys)
    assert before == old_fp and after != old_fp and load_signer(keys).fingerprint == after
    assert (keys / "retired" / f"{old_fp}.pem").exists()
    r = verify_case(case, keys_dir=keys)
    assert r.ok and "trust folder" in r.signer
