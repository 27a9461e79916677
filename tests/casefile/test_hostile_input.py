"""Issue 16 §3: hostile input never crashes and never runs away: huge PNGs, nested JSON, wrong
types, out-of-range replay inputs, unverified cases, zip bombs (peak memory measured)."""
from __future__ import annotations

import json
import subprocess
import sys
import time
import zlib
from pathlib import Path

import pytest

from composer.casefile import schema
from composer.casefile.container import MAX_TOTAL_BYTES, serialise
from composer.casefile.export import export_case, json_bytes
from composer.casefile.record import CaseMeta
from composer.casefile.signing import load_signer
from composer.casefile.verify import verify_case
from composer.errors import CaseFileError
from composer.session import Session

from . import FakeEngine, FakeLockSettings, fake_models, fake_sha_of, full_session
from .hostile import (bomb_member, huge_png, nested_json, raw_resign, read_members, resign, write,
                      zip_with_raw)
from .test_hostile_container import fake_pdf

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def case(tmp_path, keys):
    path = tmp_path / "c.composer-case"
    export_case(full_session(Session(None), FakeEngine()), FakeEngine(), CaseMeta("H-1"), path, keys_dir=keys,
                render_pdf=fake_pdf)
    return path


def _signed(case, keys, tmp_path, name, changes=None, record=None):
    files = read_members(case)
    if record is not None:
        files["record.json"] = json_bytes(record) if isinstance(record, dict) else record
    files.update(changes or {})
    return write(tmp_path / f"{name}.composer-case", serialise(resign(files, load_signer(keys))))


def test_huge_png_as_portrait_or_shown_image(case, keys, tmp_path):
    record = json.loads(read_members(case)["record.json"])
    shown = next(iter(record["files"]["shown"].values()))
    for target in ("portrait.png", shown):
        start = time.perf_counter()
        r = verify_case(_signed(case, keys, tmp_path, target.replace("/", "_"), {target: huge_png()}), keys_dir=keys)
        assert time.perf_counter() - start < 5
        assert ("content", target) in {(p.kind, p.file) for p in r.problems}, r.lines()
        assert "20000×20000" in " ".join(r.lines())


def test_nested_json_in_record_and_manifest(case, keys, tmp_path):
    r = verify_case(_signed(case, keys, tmp_path, "deep-record", record=nested_json()), keys_dir=keys)
    assert [p.kind for p in r.problems] == ["schema"] and "nested" in r.problems[0].message
    files = read_members(case)
    deep = write(tmp_path / "deep-manifest.composer-case",
                 serialise(raw_resign(files, load_signer(keys), nested_json())))
    r = verify_case(deep, keys_dir=keys)
    assert ("schema", "manifest.json") in {(p.kind, p.file) for p in r.problems}
    # nested objects inside strings do not count; a deep object does
    assert schema.json_depth(b'{"a": "[[[[[[[[[[[["}') == 1
    with pytest.raises(CaseFileError):
        schema.loads_bounded(b'{"a":' * 100 + b"1" + b"}" * 100, what="x", max_bytes=1 << 20)
    with pytest.raises(CaseFileError):
        schema.loads_bounded(b'{"a": NaN}', what="x", max_bytes=100)


@pytest.mark.parametrize("edit", [
    lambda r: r.update(final={}),
    lambda r: r["steps"][1].update(outputs=5),
    lambda r: r.update(path=[[1]]),
    lambda r: r.update(model={}),
    lambda r: r.update(files={"shown": [], "masks": 1}),
    lambda r: r.update(steps="many"),
    lambda r: r["steps"][1].update(id={"a": 1}),
    lambda r: r.update(exposures=[{"sha256": ["x"]}]),
    lambda r: r.update(case_id=["x"] * 3),
    lambda r: r["files"]["shown"].update({"ab" * 32: "../../etc/passwd"}),
])
def test_wrong_types_in_record_fields(case, keys, tmp_path, edit):
    record = json.loads(read_members(case)["record.json"])
    edit(record)
    r = verify_case(_signed(case, keys, tmp_path, "typed", record=record), keys_dir=keys)
    assert not r.ok and "schema" in {p.kind for p in r.problems}, r.lines()


def _first(record, kind):
    return next(s for s in record["steps"] if s["kind"] == kind)


def _resynth(record):
    return _first(record, "resynthesise")


@pytest.mark.parametrize("edit, words", [
    (lambda r: _first(r, "generate")["inputs"].update(seed=2 ** 70), "seed"),
    (lambda r: _resynth(r)["inputs"]["settings"].update(turbo=True), "not a known lock setting"),
    (lambda r: _resynth(r)["inputs"]["settings"].update(lr="fast"), "lr"),
    (lambda r: r.update(model={}), "model"),
    (lambda r: _resynth(r)["inputs"].update(steps_run=10 ** 9), "steps_run"),
    (lambda r: _first(r, "generate")["inputs"].update(n=10 ** 6), ".n "),
    (lambda r: _resynth(r)["inputs"]["settings"].update(n_candidates=10 ** 4), "n_candidates"),
])
def test_reproduce_refuses_hostile_records(case, keys, tmp_path, edit, words):
    from composer.casefile.reproduce import reproduce_case
    record = json.loads(read_members(case)["record.json"])
    edit(record)
    bad = _signed(case, keys, tmp_path, "hostile", record=record)
    models = fake_models(tmp_path)
    for unverified in (False, True):
        with pytest.raises(CaseFileError) as e:
            reproduce_case(bad, models, engine_loader=lambda p: FakeEngine(), sha_of=fake_sha_of, keys_dir=keys,
                           settings_from_json=FakeLockSettings.from_json, unverified=unverified)
        assert words in str(e.value), str(e.value)


def test_reproduce_verifies_first(case, keys, tmp_path, capsys):
    from composer.casefile.reproduce import reproduce_case
    models = fake_models(tmp_path)
    kw = dict(engine_loader=lambda p: FakeEngine(), sha_of=fake_sha_of, settings_from_json=FakeLockSettings.from_json)
    stranger = tmp_path / "stranger"
    with pytest.raises(CaseFileError, match="failed verification.*--unverified"):
        reproduce_case(case, models, keys_dir=stranger, **kw)
    report = reproduce_case(case, models, keys_dir=stranger, unverified=True, **kw)
    assert not report.ok and report.integrity and report.first_difference is None
    assert reproduce_case(case, models, keys_dir=keys, **kw).ok
    from composer.cli import main
    assert main(["reproduce", str(case), "--keys-dir", str(stranger), "--models", str(models)]) == 2
    assert "--unverified" in capsys.readouterr().err


def _bomb_case(tmp_path, keys, case, expanded: int, declared: int) -> Path:
    """A case whose report.pdf is a deflate bomb declaring `declared` bytes."""
    files = resign(read_members(case), load_signer(keys))
    raw = bomb_member(expanded)
    entries = []
    for name in files:
        data = files[name]
        if name == "report.pdf":
            entries.append((name, raw, 8, declared, 0))
        else:
            entries.append((name, data, 0, len(data), zlib.crc32(data)))
    return write(tmp_path / f"bomb-{declared}.composer-case", zip_with_raw(entries))


def _peak_rss_mb(args: list[str]) -> tuple[int, float, str]:
    code = ("import resource, subprocess, sys, time\n"
            "t = time.perf_counter()\n"
            "p = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
            "dt = time.perf_counter() - t\n"
            "print(p.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, dt)\n"
            "print(p.stderr[-2000:], file=sys.stderr)\n")
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=ROOT, timeout=120)
    rc, mb, dt = done.stdout.split()
    return int(rc), float(mb), done.stderr


def test_zip_bomb_is_bounded(case, keys, tmp_path):
    # lying about its size: stops right after the declared size; honest: refused before reading
    for declared in (1000, 2 << 30):
        r = verify_case(_bomb_case(tmp_path, keys, case, 64 << 20, declared), keys_dir=keys)
        assert not r.ok and (r.problems[0].kind == "not_a_zip" or ("hash_mismatch", "report.pdf") in {
            (p.kind, p.file) for p in r.problems}), r.lines()
        assert "declares" in " ".join(r.lines())
    # declared just under the per-member cap: streamed and hashed, never held in memory
    bomb = _bomb_case(tmp_path, keys, case, 200 << 20, (128 << 20) - 1)
    assert bomb.stat().st_size < 400_000
    rc, peak_mb, err = _peak_rss_mb([sys.executable, "-m", "composer", "verify", str(bomb), "--keys-dir", str(keys)])
    assert rc == 1 and "Traceback" not in err and peak_mb < 300, (rc, peak_mb, err)


def test_many_members_cannot_exceed_the_total_cap(tmp_path):
    per = MAX_TOTAL_BYTES // 4 + 1
    raw = bomb_member(1 << 20)
    entries = [(f"m{i}.bin", raw, 8, per, 0) for i in range(5)]
    r = verify_case(write(tmp_path / "wide.composer-case", zip_with_raw(entries)))
    assert [p.kind for p in r.problems] == ["not_a_zip"] and "MiB" in r.problems[0].message


def test_schema_accepts_real_records(case):
    record = json.loads(read_members(case)["record.json"])
    assert schema.validate_record(record) == []
    legacy = ROOT / "tests" / "data" / "legacy-v1.composer-case"
    if legacy.exists():
        assert schema.validate_record(json.loads(read_members(legacy)["record.json"])) == []
    example = ROOT / "examples" / "example.composer-case"
    assert schema.validate_record(json.loads(read_members(example)["record.json"])) == []
