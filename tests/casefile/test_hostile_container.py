"""Issue 16 §1: the canonical container. Every change to the zip itself is caught, old files are
reported honestly as legacy containers, and canonicity is proved by re-serialisation."""
from __future__ import annotations

import struct
import zipfile

import pytest

from composer.casefile.container import (MAX_MEMBER_BYTES, ContainerError, ZipReader, canonical_order,
                                         serialise)
from composer.casefile.export import export_case
from composer.casefile.record import CaseMeta
from composer.casefile.signing import load_signer
from composer.casefile.verify import EXIT_LEGACY, EXIT_OK, EXIT_PROBLEMS, verify_case
from composer.session import Session

from . import FakeEngine, fake_pdf, full_session
from .hostile import (huge_png, insert_hidden_entry, legacy_zip, read_members, resign, write)


@pytest.fixture
def case(tmp_path, keys):
    path = tmp_path / "c.composer-case"
    export_case(full_session(Session(None), FakeEngine()), FakeEngine(), CaseMeta("C-1", "Op", "W"), path,
                keys_dir=keys, render_pdf=fake_pdf)
    return path


def test_export_is_canonical_and_a_plain_zip(case, keys):
    with ZipReader(case) as z:
        assert z.is_canonical() and not z.structure_problems
        names = [e.name for e in z.entries]
    assert names[:3] == ["manifest.json", "manifest.sig", "signer.pub"] and names == canonical_order(names)
    members = read_members(case)
    assert serialise(members) == case.read_bytes()          # re-serialisation gives the same bytes
    with zipfile.ZipFile(case) as z:                          # and any zip tool reads it
        assert z.testzip() is None
        assert all(i.compress_type == zipfile.ZIP_STORED and i.date_time == (1980, 1, 1, 0, 0, 0)
                   and not i.extra and not i.comment for i in z.infolist())
    r = verify_case(case, keys_dir=keys)
    assert r.ok and r.canonical and r.exit_code == EXIT_OK and "canonical" in r.lines()[0]


def _flip(data: bytes, offset: int, value: bytes) -> bytes:
    return data[:offset] + value + data[offset + len(value):]


def container_variants(data: bytes) -> dict[str, bytes]:
    cd_off = struct.unpack("<I", data[-6:-2])[0]
    first_name_len = struct.unpack("<H", data[26:28])[0]
    return {
        "appended": data + b"trailing",
        "appended_zip": data + data,
        "prepended_png": huge_png(8, 8) + data,
        "comment": _flip(data, len(data) - 2, b"\x05\x00") + b"hello",
        "local_time": _flip(data, 10, b"\x01\x02"),
        "local_version": _flip(data, 4, b"\x2d\x00"),
        "local_flags_utf8": _flip(data, 6, b"\x00\x08"),
        "central_time": _flip(data, cd_off + 12, b"\x01\x02"),
        "central_attr": _flip(data, cd_off + 38, b"\x00\x00\xa4\x81"),
        "central_made_by": _flip(data, cd_off + 4, b"\x14\x03"),
        "local_extra": data[:28] + b"\x04\x00" + data[30:30 + first_name_len] + b"\x00\x00\x00\x00"
                       + data[30 + first_name_len:],
        "hidden_end": insert_hidden_entry(data, "portrait.png", b"forged"),
        "hidden_start": insert_hidden_entry(data, "record.json", b'{"operator": "someone else"}', "start"),
        "eocd_disk": _flip(data, len(data) - 18, b"\x01\x00"),
        "truncated": data[:-1],
    }


def test_every_container_change_is_caught(case, keys, tmp_path):
    data = case.read_bytes()
    for name, bad in container_variants(data).items():
        r = verify_case(write(tmp_path / f"{name}.composer-case", bad), keys_dir=keys)
        assert not r.ok and r.exit_code == EXIT_PROBLEMS, (name, r.lines())
        assert {p.kind for p in r.problems} & {"container", "not_a_zip"}, (name, r.lines())


def test_reordered_and_rezipped_members_are_caught(case, keys, tmp_path):
    members = read_members(case)
    names = list(members)
    for label, blob in {"reordered": legacy_zip(members, names[::-1]), "rezipped": legacy_zip(members)}.items():
        r = verify_case(write(tmp_path / f"{label}.composer-case", blob), keys_dir=keys)
        assert [p.kind for p in r.problems] == ["container"], (label, r.lines())
        assert "canonical form its signed manifest promises" in r.problems[0].message


def test_legacy_container_is_reported_honestly(case, keys, tmp_path):
    """A pre-canonical file (no container in its signed manifest): intact members -> a warning and
    exit 3; anything hidden in its zip -> a problem."""
    signer = load_signer(keys)
    files = resign(read_members(case), signer, container=None)
    legacy = write(tmp_path / "legacy.composer-case", legacy_zip(files))
    r = verify_case(legacy, keys_dir=keys)
    assert r.ok and r.legacy and not r.canonical and r.exit_code == EXIT_LEGACY
    assert r.lines()[0].startswith("INTACT, LEGACY CONTAINER") and "members intact" in r.lines()[1]
    hidden = write(tmp_path / "legacy-hidden.composer-case",
                   insert_hidden_entry(legacy.read_bytes(), "portrait.png", b"forged"))
    r = verify_case(hidden, keys_dir=keys)
    assert not r.ok and [p.kind for p in r.problems] == ["container"] and "hidden" in r.problems[0].message
    # a legacy file whose member changed is still a plain hash mismatch
    files2 = dict(files, **{"report.pdf": b"%PDF changed"})
    r = verify_case(write(tmp_path / "legacy-changed.composer-case", legacy_zip(files2)), keys_dir=keys)
    assert ("hash_mismatch", "report.pdf") in {(p.kind, p.file) for p in r.problems}


def test_cli_exit_codes(case, keys, tmp_path, capsys):
    from composer.cli import main
    assert main(["verify", str(case), "--keys-dir", str(keys)]) == 0
    files = resign(read_members(case), load_signer(keys), container=None)
    legacy = write(tmp_path / "legacy.composer-case", legacy_zip(files))
    assert main(["verify", str(legacy), "--keys-dir", str(keys)]) == 3
    assert "legacy container" in capsys.readouterr().err
    assert main(["verify", str(write(tmp_path / "x.composer-case", case.read_bytes() + b"x")),
                 "--keys-dir", str(keys)]) == 1


def test_reader_rejects_bad_names_duplicates_and_declared_sizes(tmp_path):
    for bad in ("../evil.png", "/abs.png", "a/b/c.png", "UPPER.png", "x\\y.png", ""):
        with pytest.raises(ContainerError):
            serialise({bad: b"x"})
    ok = serialise({"a.txt": b"1", "b.txt": b"2"})
    dup = ok.replace(b"b.txt", b"a.txt")
    with pytest.raises(ContainerError, match="twice"):
        ZipReader(write(tmp_path / "dup.zip", dup))
    # a central directory that declares a member larger than the cap is refused before reading it
    cd_off = struct.unpack("<I", ok[-6:-2])[0]
    big = _flip(ok, cd_off + 24, struct.pack("<I", MAX_MEMBER_BYTES + 1))
    with pytest.raises(ContainerError, match="declares"):
        ZipReader(write(tmp_path / "big.zip", big))
