"""A case file written before the operations refactor (tests/data/legacy-v1.composer-case, made by
tests/data/make_legacy_case.py on the tiny test bundle, with torch's 2 threads on the 2-core workstation)
must still verify and reproduce bit-identically. It predates the record's runtime.torch_threads, so the
replay is told the thread count, as `composer reproduce --threads 2` would."""
from __future__ import annotations

from pathlib import Path

from composer.casefile.reproduce import Difference, ReproduceReport, reproduce_case
from composer.casefile.signing import fingerprint, load_public_key
from composer.casefile.verify import verify_case

DATA = Path(__file__).resolve().parents[1] / "data"
CASE = DATA / "legacy-v1.composer-case"
LEGACY_MODEL_SHA = "43a3c593988600fd0121fe18ba470133c8849c47eeba2cc1959c93013ad9f82a"


def _trusted() -> list[str]:
    return [fingerprint(load_public_key((DATA / "legacy-v1-signer.pub").read_bytes()))]


def test_legacy_case_verifies():
    report = verify_case(CASE, trusted_keys=_trusted())
    assert report.ok, report.lines()
    kinds = [s["kind"] for s in report.record["steps"]]
    assert set(kinds) == {"describe", "generate", "pick", "evolve", "lock", "resynthesise", "import_reference"}


def test_legacy_case_reproduces_bit_identically(tiny_bundle):
    from composer.gan.bundle import bundle_sha256
    assert bundle_sha256(tiny_bundle) == LEGACY_MODEL_SHA, "the tiny test bundle changed: the fixture needs it"
    report = reproduce_case(CASE, tiny_bundle.parent, trusted_keys=_trusted(), threads=2)
    assert report.ok, report.lines()
    assert report.steps_replayed == report.steps_total == 12 and report.images_checked == 14
    assert report.threads_unrecorded == 2
    assert "--threads" not in " ".join(report.lines())


def test_unrecorded_thread_count_is_named_when_a_replay_differs():
    diff = Difference(step=7, kind="resynthesise", index=0, message="candidate 0 has a different latent z")
    report = ReproduceReport(path=CASE, model_sha256=LEGACY_MODEL_SHA, model_path=CASE.parent, steps_total=12,
                             steps_replayed=7, images_checked=9, first_difference=diff, final_identical=True,
                             threads_unrecorded=1)
    lines = report.lines()
    assert lines[0].startswith("DIFFERENT at step 7")
    assert "does not record how many CPU threads" in lines[1] and "replayed with 1" in lines[1]
    assert "--threads N" in lines[1]
    recorded = ReproduceReport(**{**report.__dict__, "threads_unrecorded": None})
    assert len(recorded.lines()) == 1
