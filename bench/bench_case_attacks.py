"""Attack suite for case files (issue 16): build >= 200 tampered variants of a case made with the
tiny random-weight test bundle and count what `verify` (and `reproduce`, for replay attacks)
detects, crashes on, or misses; time verify on the example case; measure the peak memory of
`composer verify` on a 2 MB zip bomb.

    python bench/bench_case_attacks.py [--out bench/results/case_attacks.json]

"detected": verify reports a problem (not OK), or reproduce refuses with a clean error.
"crashed": an exception escaped, or verify stopped on an internal error.
"missed": verify said OK (or reproduce replayed it).
"""
from __future__ import annotations

import argparse
import json
import os
import random
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from composer.casefile.container import serialise  # noqa: E402
from composer.casefile.export import json_bytes  # noqa: E402
from composer.casefile.signing import load_signer, pinned_trust  # noqa: E402
from composer.casefile.verify import verify_case  # noqa: E402
from tests.casefile.hostile import (bomb_member, huge_png, insert_hidden_entry, legacy_zip, nested_json,  # noqa: E402
                                    raw_resign, read_members, resign, rsa_pub, unknown_algorithm_pub,
                                    zip_with_raw)

CAPTION = "an older man with gray hair, glasses and a mustache"


def build_case(work: Path) -> tuple[Path, Path, Path]:
    from tests.conftest import build_tiny_bundle
    bundle = work / "models" / "tiny"
    build_tiny_bundle(bundle)
    keys = work / "keys"
    out = work / "base.composer-case"
    subprocess.run([sys.executable, "-m", "composer", "case", "--caption", CAPTION, "--lock", "eyes", "--seed", "7",
                    "-n", "4", "--lock-steps", "2", "--case-id", "ATTACK-1", "--model", str(bundle),
                    "--keys-dir", str(keys), "--out", str(out)], check=True, cwd=ROOT, capture_output=True)
    return out, keys, bundle


def _set(data: bytes, offset: int, value: bytes) -> bytes:
    return data[:offset] + value + data[offset + len(value):]


def container_attacks(data: bytes, files: dict[str, bytes]) -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    cd_size, cd_off = struct.unpack("<II", data[-10:-2])
    # local header fields of the first members
    local_fields = {"version": (4, 2), "flags": (6, 2), "method": (8, 2), "time": (10, 2), "date": (12, 2),
                    "crc": (14, 4), "csize": (18, 4), "usize": (22, 4), "name_len": (26, 2), "extra_len": (28, 2)}
    p, n = 0, 0
    while p < cd_off and n < 6:
        nlen, xlen = struct.unpack("<HH", data[p + 26:p + 30])
        size = struct.unpack("<I", data[p + 18:p + 22])[0]
        for field, (o, w) in local_fields.items():
            old = data[p + o:p + o + w]
            out[f"local{n}_{field}"] = _set(data, p + o, bytes((b + 1) & 0xFF for b in old[:1]) + old[1:])
        p += 30 + nlen + xlen + size
        n += 1
    central_fields = {"made_by": (4, 2), "needed": (6, 2), "flags": (8, 2), "method": (10, 2), "time": (12, 2),
                      "date": (14, 2), "crc": (16, 4), "csize": (20, 4), "usize": (24, 4), "name_len": (28, 2),
                      "extra_len": (30, 2), "comment_len": (32, 2), "disk": (34, 2), "int_attr": (36, 2),
                      "ext_attr": (38, 4), "offset": (42, 4)}
    q = cd_off
    for n in range(4):
        nlen = struct.unpack("<H", data[q + 28:q + 30])[0]
        for field, (o, w) in central_fields.items():
            old = data[q + o:q + o + w]
            out[f"central{n}_{field}"] = _set(data, q + o, bytes((b + 1) & 0xFF for b in old[:1]) + old[1:])
        q += 46 + nlen
    e = len(data) - 22
    for field, o in {"disk": 4, "cd_disk": 6, "n_disk": 8, "n_total": 10, "cd_size": 12, "cd_offset": 16,
                     "comment_len": 20}.items():
        out[f"eocd_{field}"] = _set(data, e + o, bytes([(data[e + o] + 1) & 0xFF]))
    out["eocd_comment"] = _set(data, e + 20, b"\x07\x00") + b"comment"
    for k in (1, 17, 4096):
        out[f"append_{k}"] = data + os.urandom(k)
    out["append_copy"] = data + data
    out["append_zip"] = data + legacy_zip({"portrait.png": b"x"}, ["portrait.png"])
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    for label, pre in {"png": huge_png(64, 64), "pdf": pdf, "random": os.urandom(100), "zip": legacy_zip({"a.txt": b"a"}, ["a.txt"])}.items():
        out[f"prepend_{label}"] = pre + data
    out["polyglot_png_appended"] = data + huge_png(64, 64)
    for name in ("portrait.png", "record.json", "manifest.json", "report.pdf", "shown/forged.png", "extra.bin"):
        out[f"hidden_end_{name}"] = insert_hidden_entry(data, name, b"forged " + name.encode())
        out[f"hidden_start_{name}"] = insert_hidden_entry(data, name, b"forged " + name.encode(), "start")
    names = list(files)
    rng = random.Random(1)
    for i in range(4):
        order = names[:]
        rng.shuffle(order)
        out[f"reordered_{i}"] = legacy_zip(files, order)
    out["rezipped_deflate"] = legacy_zip(files)
    out["reversed"] = legacy_zip(files, names[::-1])
    for label, tail in {"truncated_half": data[: len(data) // 2], "truncated_1": data[:-1], "empty": b"",
                        "not_zip": b"hello"}.items():
        out[label] = tail
    return out


def member_flips(data: bytes, files: dict[str, bytes]) -> dict[str, bytes]:
    out = {}
    for name, content in files.items():
        if not content:
            continue
        i = data.find(content)
        if i < 0:
            continue
        for where, k in (("start", 0), ("middle", len(content) // 2), ("end", len(content) - 1)):
            out[f"flip_{where}_{name}"] = _set(data, i + k, bytes([data[i + k] ^ 0x01]))
    return out


def trust_attacks(files: dict[str, bytes], work: Path) -> dict[str, tuple[bytes, str]]:
    """(file bytes, how to verify: 'local' with the real keys, 'pinned' with --trust ORIGINAL)."""
    forger = load_signer(work / "forger")
    out: dict[str, tuple[bytes, str]] = {}
    rec = json.loads(files["record.json"])
    forged_rec = dict(rec, operator="someone else")
    forged = dict(files, **{"record.json": json_bytes(forged_rec)})
    out["forged_resigned_pinned"] = (serialise(resign(forged, forger)), "pinned")
    out["forged_resigned_forger_is_local_pinned"] = (serialise(resign(forged, forger)), "pinned_forger_local")
    out["forged_resigned_local"] = (serialise(resign(forged, forger)), "local")
    out["swap_signer_pub"] = (serialise(dict(files, **{"signer.pub": (work / "forger" / "signing_key.pub").read_bytes()})), "local")
    out["unknown_alg_pub"] = (serialise(dict(files, **{"signer.pub": unknown_algorithm_pub()})), "local")
    out["ec_pub"] = (serialise(dict(files, **{"signer.pub": rsa_pub()})), "local")
    out["garbage_pub"] = (serialise(dict(files, **{"signer.pub": b"\0" * 40})), "local")
    out["sig_zeroed"] = (serialise(dict(files, **{"manifest.sig": b"\0" * 64})), "local")
    out["sig_short"] = (serialise(dict(files, **{"manifest.sig": b"\1" * 10})), "local")
    out["no_sig"] = (serialise({k: v for k, v in files.items() if k != "manifest.sig"}), "local")
    out["no_manifest"] = (serialise({k: v for k, v in files.items() if k != "manifest.json"}), "local")
    m = json.loads(files["manifest.json"])
    m["case_id"] = "OTHER"
    out["manifest_edited"] = (serialise(dict(files, **{"manifest.json": json_bytes(m)})), "local")
    return out


def record_attacks(files: dict[str, bytes], signer) -> dict[str, bytes]:
    """Re-signed by the trusted key (an insider or a buggy writer): only the schema stands guard."""
    rec = json.loads(files["record.json"])
    gen = next(s for s in rec["steps"] if s["kind"] == "generate")
    res = next(s for s in rec["steps"] if s["kind"] == "resynthesise")
    edits = {
        "final_obj": lambda r: r.update(final={}), "outputs_int": lambda r: gen.update(outputs=5),
        "path_nested": lambda r: r.update(path=[[1]]), "model_empty": lambda r: r.update(model={}),
        "steps_str": lambda r: r.update(steps="x"), "files_list": lambda r: r.update(files=[]),
        "shown_traversal": lambda r: r["files"]["shown"].update({"ab" * 32: "../../etc/passwd"}),
        "exposures_bad": lambda r: r.update(exposures=[{"sha256": 5}]), "case_id_list": lambda r: r.update(case_id=[1]),
        "seed_2_70": lambda r: gen["inputs"].update(seed=2 ** 70), "n_huge": lambda r: gen["inputs"].update(n=10 ** 6),
        "lr_fast": lambda r: res["inputs"]["settings"].update(lr="fast"),
        "unknown_setting": lambda r: res["inputs"]["settings"].update(turbo=True),
        "steps_run_1e9": lambda r: res["inputs"].update(steps_run=10 ** 9),
        "n_candidates_1e4": lambda r: res["inputs"]["settings"].update(n_candidates=10 ** 4),
        "z0_garbage": lambda r: res["inputs"].update(z0="!!!"), "z0_short": lambda r: res["inputs"].update(z0="AAAA"),
        "nan_duration": lambda r: gen.update(duration_s=float("inf")),
        "schema_v99": lambda r: r.update(schema_version=99), "schema_bool": lambda r: r.update(schema_version=True),
        "kind_unknown": lambda r: gen.update(kind="format_disk"), "id_dict": lambda r: gen.update(id={"a": 1}),
        "pick_oob": lambda r: next(s for s in r["steps"] if s["kind"] == "pick")["inputs"].update(index=99),
        "record_list": None,
    }
    out = {}
    for label, edit in edits.items():
        r = json.loads(json.dumps(rec))
        gen = next(s for s in r["steps"] if s["kind"] == "generate")
        res = next(s for s in r["steps"] if s["kind"] == "resynthesise")
        if edit is None:
            body = b"[1, 2, 3]"
        else:
            edit(r)
            body = json.dumps(r, allow_nan=True).encode()
        out[f"record_{label}"] = serialise(resign(dict(files, **{"record.json": body}), signer))
    out["record_nested_100k"] = serialise(resign(dict(files, **{"record.json": nested_json()}), signer))
    out["record_nested_obj"] = serialise(resign(dict(files, **{"record.json": b'{"a":' * 50_000 + b"1" + b"}" * 50_000}), signer))
    out["record_not_utf8"] = serialise(resign(dict(files, **{"record.json": b"\xff\xfe{}"}), signer))
    out["record_bigint"] = serialise(resign(dict(files, **{"record.json": b"9" * 100_000}), signer))
    out["manifest_nested"] = serialise(raw_resign(files, signer, nested_json()))
    out["manifest_list"] = serialise(raw_resign(files, signer, b"[]"))
    out["manifest_files_int"] = serialise(raw_resign(files, signer, b'{"format": "composer-case", "files": 5}'))
    shown = next(n for n in files if n.startswith("shown/"))
    for label, target in (("portrait", "portrait.png"), ("shown", shown)):
        out[f"png_20000_{label}"] = serialise(resign(dict(files, **{target: huge_png()}), signer))
        out[f"png_garbage_{label}"] = serialise(resign(dict(files, **{target: b"\x89PNG\r\n\x1a\n" + b"\0" * 50}), signer))
    return out


def bomb_attacks(files: dict[str, bytes], signer, expanded: int = 2 << 30) -> dict[str, bytes]:
    signed = resign(files, signer)
    raw = bomb_member(expanded)
    out = {}
    for label, declared in (("lying_small", 1000), ("honest_2g", expanded), ("under_cap", (128 << 20) - 1)):
        entries = [(n, raw, 8, declared, 0) if n == "report.pdf" else (n, d, 0, len(d), zlib.crc32(d))
                   for n, d in signed.items()]
        out[f"bomb_{label}"] = zip_with_raw(entries)
    per = (512 << 20) // 4 + 1
    out["bomb_wide"] = zip_with_raw([(f"m{i}.bin", bomb_member(1 << 20), 8, per, 0) for i in range(5)])
    return out


def classify(fn) -> tuple[str, str]:
    try:
        r = fn()
    except Exception as e:  # noqa: BLE001
        return "crashed", f"{type(e).__name__}: {e}"[:200]
    if any(p.kind == "internal_error" for p in r.problems):
        return "crashed", r.problems[0].message[:200]
    if r.ok:
        return "missed", "OK" + (" (legacy warning)" if r.warnings else "")
    return "detected", ",".join(sorted({p.kind for p in r.problems}))


def peak_rss(args: list[str]) -> tuple[int, float, float]:
    code = ("import resource, subprocess, sys, time\nt = time.perf_counter()\n"
            "p = subprocess.run(sys.argv[1:], capture_output=True)\n"
            "print(p.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, "
            "time.perf_counter() - t)\n")
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=ROOT)
    rc, mb, dt = done.stdout.split()
    return int(rc), float(mb), float(dt)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "case_attacks.json"))
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="case-attacks-"))
    base, keys, bundle = build_case(work)
    data, files = base.read_bytes(), read_members(base)
    signer = load_signer(keys)
    assert verify_case(base, keys_dir=keys).ok
    results: dict[str, dict] = {}

    def run(group: str, name: str, blob: bytes, how: str = "local") -> None:
        path = work / "v" / f"{group}-{len(results)}.composer-case"
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(blob)
        if how == "pinned":
            fn = lambda: verify_case(path, trust=pinned_trust([keys / "signing_key.pub"]))  # noqa: E731
        elif how == "pinned_forger_local":   # verified on the forger's own machine, --trust ORIGINAL
            fn = lambda: verify_case(path, trust=pinned_trust([keys / "signing_key.pub"]),  # noqa: E731
                                     keys_dir=work / "forger")
        else:
            fn = lambda: verify_case(path, keys_dir=keys)  # noqa: E731
        t = time.perf_counter()
        outcome, detail = classify(fn)
        results[f"{group}/{name}"] = {"group": group, "outcome": outcome, "detail": detail,
                                      "seconds": round(time.perf_counter() - t, 4), "_path": str(path)}

    for name, blob in container_attacks(data, files).items():
        run("container", name, blob)
    for name, blob in member_flips(data, files).items():
        run("member_flip", name, blob)
    for name, (blob, how) in trust_attacks(files, work).items():
        run("trust", name, blob, how)
    for name, blob in record_attacks(files, signer).items():
        run("record", name, blob)
    for name, blob in bomb_attacks(files, signer).items():
        run("bomb", name, blob)

    # replay attacks: reproduce must refuse (schema) even with --unverified, without crashing
    from composer.casefile.reproduce import reproduce_case
    from composer.errors import ComposerError
    for name in ("seed_2_70", "lr_fast", "unknown_setting", "model_empty", "steps_run_1e9", "n_huge"):
        path = Path(results[f"record/record_{name}"]["_path"])
        t = time.perf_counter()
        try:
            reproduce_case(path, bundle.parent, keys_dir=keys, unverified=True)
            outcome, detail = "missed", "replayed"
        except ComposerError as e:
            outcome, detail = "detected", str(e)[:200]
        except Exception as e:  # noqa: BLE001
            outcome, detail = "crashed", f"{type(e).__name__}: {e}"[:200]
        results[f"reproduce/{name}"] = {"group": "reproduce", "outcome": outcome, "detail": detail,
                                        "seconds": round(time.perf_counter() - t, 4)}

    for r in results.values():
        r.pop("_path", None)
    counts = {k: sum(1 for r in results.values() if r["outcome"] == k) for k in ("detected", "crashed", "missed")}
    by_group: dict[str, dict[str, int]] = {}
    for r in results.values():
        by_group.setdefault(r["group"], {"detected": 0, "crashed": 0, "missed": 0})[r["outcome"]] += 1

    # memory and time of the CLI on the bombs (a 2 MB deflate stream of 2 GiB)
    bombs = {}
    for p in (work / "v").iterdir():
        if p.name.startswith("bomb-"):
            rc, mb, dt = peak_rss([sys.executable, "-m", "composer", "verify", str(p), "--keys-dir", str(keys)])
            bombs[p.name] = {"bytes": p.stat().st_size, "exit": rc, "peak_rss_mb": round(mb, 1), "seconds": round(dt, 2)}
    example = ROOT / "examples" / "example.composer-case"
    pub = ROOT / "examples" / "example-signer.pub"
    timings = []
    for _ in range(5):
        t = time.perf_counter()
        r = verify_case(example, trust=pinned_trust([pub]))
        timings.append(time.perf_counter() - t)
    rc, mb, dt = peak_rss([sys.executable, "-m", "composer", "verify", str(example), "--trust", str(pub)])
    summary = {
        "variants": len(results), "counts": counts, "by_group": by_group,
        "bomb_peak_rss_mb_max": max(b["peak_rss_mb"] for b in bombs.values()), "bombs": bombs,
        "example_verify": {"ok": r.ok, "canonical": r.canonical, "exit": r.exit_code,
                           "in_process_s_median": round(sorted(timings)[2], 4),
                           "cli_wall_s": round(dt, 3), "cli_peak_rss_mb": round(mb, 1), "cli_exit": rc},
        "results": results,
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(summary, indent=1, sort_keys=True) + "\n")
    print(json.dumps({k: v for k, v in summary.items() if k != "results"}, indent=1))
    misses = [k for k, v in results.items() if v["outcome"] != "detected"]
    if misses:
        print("not detected:", *misses, sep="\n  ")


if __name__ == "__main__":
    main()
