"""Bad command-line input, table-driven (issue 17): every case gets one line "error: ... (what to do)"
and its exit code, never a traceback, and nothing is written outside the out folder (the whole tmp tree,
which is also the working directory and the config home, is compared before and after).

Most cases run `composer.cli.main` in-process on the tiny random-weight bundle; a few need a fresh
interpreter (Qt's start-up, `python main.py`).
"""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from composer.cli import main

ROOT = Path(__file__).resolve().parents[2]
LONG_NAME = "x" * 300
BIDI = "\u202e"
ESC = "\x1b"


def snapshot(root: Path) -> dict[str, str]:
    """Every file and folder under root -> a hash of its content ('dir' for folders)."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for d in dirnames:
            out[os.path.relpath(os.path.join(dirpath, d), root)] = "dir"
        for f in filenames:
            p = os.path.join(dirpath, f)
            out[os.path.relpath(p, root)] = hashlib.sha256(Path(p).read_bytes()).hexdigest()
    return out


@dataclass
class Case:
    id: str
    argv: list[str]
    rc: int
    words: tuple[str, ...]                       # key words of the message (stdout + stderr), case-insensitive
    changes: tuple[str, ...] = ()                # paths (relative to tmp) allowed to appear or change
    env: dict = field(default_factory=dict)      # None deletes a variable
    absent: tuple[str, ...] = ()                 # must not be in the output (raw control characters, ...)


def _descriptions_file(name: str, lines: list[bytes]) -> tuple[str, bytes]:
    return name, b"\n".join(lines) + b"\n"


# Files every test starts with (relative to tmp): a file, a folder with portraits of an earlier run, a
# folder that is empty, and descriptions files.
FILES = {
    "afile.txt": b"not a folder\n",
    "earlier/d000_s0_00.png": b"png",
    "earlier/d000_s0_00.json": b"{}",
    "emptyfolder/.keep": b"",
    "old.composer-case": b"an earlier case file",
    "empty.txt": b"\n   \n\n",
    "mixed.txt": b"\n".join([
        b"a young woman with blond hair",                # line 1: good
        b"caf\xe9 owner, an old man with a beard",       # line 2: Windows-1252 (fallback, with a warning)
        b"a man \x81\x8d with glasses",                  # line 3: neither UTF-8 nor Windows-1252: skipped
        b"a" * 2001,                                     # line 4: too long: skipped
        b"",                                             # blank: ignored
        b"   ",                                          # blank: ignored
        b"a smiling man with a \x1b[31mhat\xe2\x80\xae",  # line 7: control + bidi characters, escaped
    ]) + b"\n",
    "allbad.txt": b"\x81\x81\n" + b"b" * 3000 + b"\n",
    "two.txt": b"a young woman\nan old man\n",
}

M = "{model}"   # the tiny bundle
T = "{tmp}"     # the tmp folder (also the working directory)

CASES = [
    # --- the top level ------------------------------------------------------------------------------
    Case("no-command", [], 2, ("usage",)),
    Case("version", ["--version"], 0, ("composer",)),
    Case("unknown-command", ["fly"], 2, ("invalid choice", "--help")),
    Case("unknown-option", ["generate", "--caption", "a man", "--colour", "red"], 2, ("unrecognized", "--help")),
    # --- generate: ranges in the parser -------------------------------------------------------------
    Case("gen-seed-huge", ["generate", "--caption", "a man", "--seed", "99999999999999999999", "--model", M],
         2, ("--seed", "2**63-1", "--help")),
    Case("gen-seed-negative", ["generate", "--caption", "a man", "--seed", "-1", "--model", M], 2, ("--seed", "between 0")),
    Case("gen-seed-text", ["generate", "--caption", "a man", "--seed", "ten", "--model", M], 2, ("--seed", "whole number")),
    Case("gen-n-zero", ["generate", "--caption", "a man", "-n", "0", "--model", M], 2, ("-n", "between 1 and 64")),
    Case("gen-n-huge", ["generate", "--caption", "a man", "-n", "100000", "--model", M], 2, ("-n", "between 1 and 64")),
    Case("gen-batch-zero", ["generate", "--descriptions", "two.txt", "--batch", "0", "--model", M], 2, ("--batch",)),
    Case("gen-caption-long", ["generate", "--caption", "a" * 2001, "--model", M], 2, ("2,001", "at most 2,000")),
    Case("gen-caption-empty", ["generate", "--caption", "   ", "--model", M, "--out", "o"], 2, ("empty",)),
    Case("gen-both-sources", ["generate", "--caption", "a", "--descriptions", "two.txt"], 2, ("not allowed",)),
    # --- generate: output folder checked before any work --------------------------------------------
    Case("gen-out-is-file", ["generate", "--caption", "a man", "--model", M, "--out", "afile.txt"], 2,
         ("afile.txt", "is a file", "folder")),
    Case("gen-out-under-file", ["generate", "--caption", "a man", "--model", M, "--out", "afile.txt/sub"], 2,
         ("is a file",)),
    Case("gen-out-proc", ["generate", "--caption", "a man", "--model", M, "--out", "/proc/composer-out"], 2,
         ("/proc", "does not take new files", "folder you can write")),
    Case("gen-out-long-name", ["generate", "--caption", "a man", "--model", M, "--out", LONG_NAME], 2,
         ("300 bytes", "at most 255", "shorter")),
    Case("gen-out-earlier-run", ["generate", "--caption", "a man", "--model", M, "--out", "earlier"], 2,
         ("already holds", "earlier run", "nothing was written", "--force")),
    Case("gen-out-earlier-run-force", ["generate", "--caption", "a man", "-n", "1", "--model", M, "--out", "earlier",
                                       "--force"], 0, ("wrote 1 portraits",),
         changes=("earlier/d000_s0_00.png", "earlier/d000_s0_00.json")),
    Case("gen-out-empty-folder", ["generate", "--caption", "a man", "-n", "1", "--model", M, "--out", "emptyfolder"],
         0, ("wrote 1",), changes=("emptyfolder/d000_s0_00.png", "emptyfolder/d000_s0_00.json")),
    Case("gen-default-out", ["generate", "--caption", "a man", "-n", "1", "--model", M], 0, ("portraits",),
         changes=("portraits", "portraits/d000_s0_00.png", "portraits/d000_s0_00.json")),
    # --- generate: model ----------------------------------------------------------------------------
    Case("gen-model-file", ["generate", "--caption", "a man", "--model", "afile.txt", "--out", "o"], 2,
         ("is a file", "bundle folder")),
    Case("gen-model-missing", ["generate", "--caption", "a man", "--model", "nomodel", "--out", "o"], 2,
         ("does not exist",)),
    # --- generate: descriptions files ---------------------------------------------------------------
    Case("gen-desc-missing", ["generate", "--descriptions", "none.txt", "--model", M, "--out", "o"], 2,
         ("cannot read", "none.txt")),
    Case("gen-desc-folder", ["generate", "--descriptions", "emptyfolder", "--model", M, "--out", "o"], 2,
         ("is a folder", "one description per line")),
    Case("gen-desc-empty", ["generate", "--descriptions", "empty.txt", "--model", M, "--out", "o"], 2,
         ("no descriptions",)),
    Case("gen-desc-all-bad", ["generate", "--descriptions", "allbad.txt", "--model", M, "--out", "o"], 2,
         ("line 1", "not utf-8", "line 2", "3,000", "nothing was written")),
    Case("gen-desc-mixed", ["generate", "--descriptions", "mixed.txt", "-n", "1", "--model", M, "--out", "o"], 1,
         ("line 2 is not utf-8", "windows-1252", "café", "line 3", "skipped", "line 4", "2,001", "at most 2,000",
          "line 7", "\\x1b", "\\u202e", "wrote 3 portraits", "skipped 2 line(s): 3, 4"),
         changes=("o", "o/d000_s0_00.png", "o/d000_s0_00.json", "o/d001_s1_00.png", "o/d001_s1_00.json",
                  "o/d004_s4_00.png", "o/d004_s4_00.json"),
         absent=(ESC, BIDI)),
    Case("gen-desc-seed-overflow", ["generate", "--descriptions", "two.txt", "--seed", str(2 ** 63 - 1), "--model", M,
                                    "--out", "o"], 2, ("passes 2**63-1", "smaller --seed")),
    Case("gen-terminal-safety", ["generate", "--caption", f"a man{ESC}]0;pwned{ESC}\\ with glasses{BIDI}zz", "-n", "1",
                                 "--model", M, "--out", "o"], 0, ("\\x1b",),
         changes=("o", "o/d000_s0_00.png", "o/d000_s0_00.json"), absent=(ESC, BIDI)),
    # --- case ---------------------------------------------------------------------------------------
    Case("case-seed-huge", ["case", "--caption", "a man", "--seed", str(2 ** 63), "--out", "c"], 2, ("--seed", "2**63-1")),
    Case("case-lock-steps-negative", ["case", "--caption", "a man", "--lock-steps", "-1", "--out", "c"], 2,
         ("--lock-steps", "between 1")),
    Case("case-lock-steps-zero", ["case", "--caption", "a man", "--lock-steps", "0", "--out", "c"], 2, ("--lock-steps",)),
    Case("case-n-zero", ["case", "--caption", "a man", "-n", "0", "--out", "c"], 2, ("-n",)),
    Case("case-pick-out-of-range", ["case", "--caption", "a man", "-n", "2", "--pick", "3", "--model", M, "--out", "c"],
         2, ("--pick 3", "0 to 1")),
    Case("case-caption-long", ["case", "--caption", "b" * 5000, "--out", "c"], 2, ("5,000", "at most 2,000")),
    Case("case-out-folder", ["case", "--caption", "a man", "--model", M, "--out", "emptyfolder"], 2,
         ("is a folder", "case file's name")),
    Case("case-out-folder-slash", ["case", "--caption", "a man", "--model", M, "--out", "newfolder/"], 2,
         ("is a folder",)),
    Case("case-out-proc", ["case", "--caption", "a man", "--model", M, "--out", "/proc/x.composer-case"], 2,
         ("/proc", "does not take new files")),
    Case("case-out-long-name", ["case", "--caption", "a man", "--model", M, "--out", LONG_NAME], 2, ("at most 255",)),
    Case("case-out-exists", ["case", "--caption", "a man", "--model", M, "--out", "old"], 2,
         ("already exists", "--force")),
    Case("case-model-file", ["case", "--caption", "a man", "--model", "afile.txt", "--out", "c"], 2, ("is a file",)),
    Case("case-unknown-region", ["case", "--caption", "a man", "-n", "1", "--lock", "tail", "--model", M, "--out", "c"],
         2, ("unknown region", "tail")),
    Case("case-keys-dir-proc", ["case", "--caption", "a man", "--model", M, "--keys-dir", "/proc/composer-keys", "--out", "c"], 2,
         ("--keys-dir", "does not take new files")),
    # --- train --------------------------------------------------------------------------------------
    Case("train-ngf-zero", ["train", "--data", ".", "--out", "r", "--ngf", "0", "--steps", "1"], 2, ("--ngf", "between 1")),
    Case("train-minutes-negative", ["train", "--data", ".", "--out", "r", "--minutes", "-1"], 2,
         ("--minutes", "more than 0")),
    Case("train-minutes-nan", ["train", "--data", ".", "--out", "r", "--minutes", "nan"], 2, ("--minutes", "finite")),
    Case("train-batch-one", ["train", "--data", ".", "--out", "r", "--batch", "1", "--steps", "1"], 2, ("--batch",)),
    Case("train-ema-one", ["train", "--data", ".", "--out", "r", "--ema-decay", "1", "--steps", "1"], 2, ("--ema-decay",)),
    Case("train-steps-zero", ["train", "--data", ".", "--out", "r", "--steps", "0"], 2, ("--steps", "at least 1")),
    Case("train-no-budget", ["train", "--data", ".", "--out", "r"], 2, ("--minutes or --steps",)),
    Case("train-out-proc", ["train", "--data", ".", "--out", "/proc/run", "--steps", "1"], 2, ("does not take new files",)),
    Case("train-out-file", ["train", "--data", ".", "--out", "afile.txt", "--steps", "1"], 2, ("is a file",)),
    Case("train-data-missing", ["train", "--data", "nodata", "--out", "r", "--steps", "1"], 2, ("--data", "does not exist")),
    Case("train-data-file", ["train", "--data", "afile.txt", "--out", "r", "--steps", "1"], 2, ("--data", "not a folder")),
    # --- evaluate -----------------------------------------------------------------------------------
    Case("eval-out-proc", ["evaluate", "--data", ".", "--model", M, "--out", "/proc/x.json"], 2,
         ("/proc", "does not take new files")),
    Case("eval-out-folder", ["evaluate", "--data", ".", "--model", M, "--out", "emptyfolder"], 2, ("is a folder",)),
    Case("eval-out-long-name", ["evaluate", "--data", ".", "--model", M, "--out", LONG_NAME + ".json"], 2,
         ("at most 255",)),
    Case("eval-threads-zero", ["evaluate", "--data", ".", "--threads", "0"], 2, ("--threads",)),
    Case("eval-seed-negative", ["evaluate", "--data", ".", "--seed", "-3"], 2, ("--seed",)),
    Case("eval-model-file", ["evaluate", "--data", ".", "--model", "afile.txt", "--out", "e.json"], 2, ("is a file",)),
    # --- gui (checked before Qt starts) -------------------------------------------------------------
    Case("gui-no-display", ["gui"], 2, ("no display", "xvfb-run", "QT_QPA_PLATFORM=offscreen"),
         env={"DISPLAY": None, "WAYLAND_DISPLAY": None, "QT_QPA_PLATFORM": None}),
    Case("gui-model-file", ["gui", "--model", "afile.txt"], 2, ("is a file", "bundle folder"),
         env={"QT_QPA_PLATFORM": "offscreen"}),
    Case("gui-bad-device", ["gui", "--device", "tpu"], 2, ("--device", "invalid choice")),
    # --- verify / reproduce: a missing case file is a message, not a traceback ----------------------
    Case("verify-missing", ["verify", "nothing.composer-case"], -1, ("nothing.composer-case",)),
    Case("reproduce-missing", ["reproduce", "nothing.composer-case"], -1, ("nothing.composer-case",)),
    Case("reproduce-threads-zero", ["reproduce", "nothing.composer-case", "--threads", "0"], 2, ("--threads",)),
]


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    root = tmp_path / "w"
    for name, data in FILES.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    monkeypatch.chdir(root)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(root / "config"))   # signing keys would land here
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path / "runtime"))
    (tmp_path / "runtime").mkdir(mode=0o700)
    return root


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input(case: Case, workdir: Path, tiny_bundle, capsys, monkeypatch):
    for key, value in case.env.items():
        if value is None:
            monkeypatch.delenv(key, raising=False)
        else:
            monkeypatch.setenv(key, value)
    argv = [a.replace(M, str(tiny_bundle)).replace(T, str(workdir)) for a in case.argv]
    before = snapshot(workdir)
    rc = main(argv)
    out = capsys.readouterr()
    text = out.out + out.err
    if case.rc >= 0:
        assert rc == case.rc, text[-3000:]
    else:
        assert rc in (1, 2), text[-3000:]
    assert "Traceback" not in text, text[-3000:]
    for word in case.words:
        assert word.lower() in text.lower(), f"{word!r} not in:\n{text[-3000:]}"
    for bad in case.absent:
        assert bad not in text, f"{bad!r} printed raw"
    if rc != 0:   # an error is one line naming what to do, on stderr (argparse's --help text aside)
        errors = [ln for ln in out.err.splitlines() if "error:" in ln]
        assert len(errors) <= 1 or case.id.startswith("gen-desc"), out.err
    after = snapshot(workdir)
    changed = {k for k in set(before) | set(after) if before.get(k) != after.get(k)}
    assert changed == set(case.changes), f"unexpected changes: {sorted(changed ^ set(case.changes))}"


def test_mixed_descriptions_keep_their_seeds_and_lines(workdir, tiny_bundle, capsys):
    """A skipped line does not shift the others: line k keeps seed+k and its d### name; sidecars name the line."""
    import json
    assert main(["generate", "--descriptions", "mixed.txt", "-n", "1", "--seed", "10", "--model", str(tiny_bundle),
                 "--out", "o"]) == 1
    capsys.readouterr()
    names = sorted(p.name for p in (workdir / "o").glob("*.json"))
    assert names == ["d000_s10_00.json", "d001_s11_00.json", "d004_s14_00.json"]
    side = json.loads((workdir / "o" / "d001_s11_00.json").read_text())
    assert side["line"] == 2 and side["description"]["free_text"].startswith("café owner")
    side = json.loads((workdir / "o" / "d004_s14_00.json").read_text())
    assert side["line"] == 7 and ESC in side["description"]["free_text"]   # kept exactly in the record


def test_batched_descriptions_are_byte_identical_across_runs(workdir, tiny_bundle, capsys):
    lines = "\n".join(f"a {'young' if i % 2 else 'old'} man number {i}" for i in range(7))
    (workdir / "seven.txt").write_text(lines + "\n")
    for out in ("a", "b"):
        assert main(["generate", "--descriptions", "seven.txt", "-n", "2", "--batch", "4", "--model",
                     str(tiny_bundle), "--out", out]) == 0
    a, b = sorted((workdir / "a").iterdir()), sorted((workdir / "b").iterdir())
    assert len(a) == 28 and [x.read_bytes() for x in a] == [y.read_bytes() for y in b]
    assert "wrote 14 portraits" in capsys.readouterr().out


def test_control_and_bidi_characters_are_escaped():
    from composer.cli.validate import safe
    assert safe("a\x1b[2Jb\u202ec\u2066d\x00e\x9bf") == "a\\x1b[2Jb\\u202ec\\u2066d\\x00e\\x9bf"
    assert safe("line\nnext", keep_newlines=True) == "line\nnext" and safe("x\ny") == "x\\x0ay"
    assert safe("café, 日本, émoji 🙂") == "café, 日本, émoji 🙂"


def test_output_checks_create_nothing(tmp_path):
    from composer.cli.validate import check_output_dir, check_output_file
    before = snapshot(tmp_path)
    check_output_dir(tmp_path / "a" / "b" / "c")
    check_output_file(tmp_path / "x" / "report.json")
    assert snapshot(tmp_path) == before


def test_runtime_dir_is_private(monkeypatch, tmp_path):
    from composer.cli.gui import ensure_runtime_dir
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile
    monkeypatch.setattr(tempfile, "tempdir", None)
    ensure_runtime_dir()
    path = Path(os.environ["XDG_RUNTIME_DIR"])
    assert path.parent == tmp_path and path.is_dir() and (path.stat().st_mode & 0o777) == 0o700
    monkeypatch.setenv("XDG_RUNTIME_DIR", "/somewhere/else")
    ensure_runtime_dir()
    assert os.environ["XDG_RUNTIME_DIR"] == "/somewhere/else"


def test_gui_model_error_is_shown_without_traceback(qtbot, caplog):
    """`composer gui --model /nonexistent`: the failure reaches the window; stderr gets no traceback."""
    import logging

    from composer.errors import ModelError
    from composer.gui.workers import JobRunner

    runner = JobRunner()
    failed = []
    runner.failed.connect(lambda rid, msg: failed.append(msg))
    try:
        with caplog.at_level(logging.INFO, logger="composer.gui.workers"):
            def job(ctx):
                raise ModelError("model folder /nonexistent does not exist.")
            runner.submit("load model", job)
            qtbot.waitUntil(lambda: bool(failed), timeout=10000)
            runner.submit("bug", lambda ctx: 1 / 0)
            qtbot.waitUntil(lambda: len(failed) == 2, timeout=10000)
    finally:
        runner.shutdown()
    assert "does not exist" in failed[0]
    user, bug = [r for r in caplog.records if "failed" in r.getMessage()]
    assert user.levelno == logging.INFO and "Traceback" not in user.getMessage()
    assert bug.levelno == logging.WARNING and "ZeroDivisionError" in bug.getMessage()   # a bug keeps it


# --- a few cases that need a fresh interpreter ---------------------------------------------------------

def _run(args, env_changes, cwd, timeout=120):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    for k, v in env_changes.items():
        if v is None:
            env.pop(k, None)
        else:
            env[k] = v
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=timeout)


def test_main_py_version_matches_composer_version(tmp_path):
    from composer import __version__
    r = _run([str(ROOT / "main.py"), "--version"], {}, tmp_path)
    assert r.returncode == 0 and r.stdout.strip() == f"composer {__version__}", r.stderr
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("env, words", [
    ({"DISPLAY": None, "WAYLAND_DISPLAY": None, "QT_QPA_PLATFORM": None}, ("no display", "xvfb-run")),
    ({"DISPLAY": ":97", "WAYLAND_DISPLAY": None, "QT_QPA_PLATFORM": None}, ("cannot open", "DISPLAY=:97")),
], ids=["unset", "unreachable"])
def test_gui_without_a_usable_display_exits_2_without_abort(tmp_path, env, words):
    r = _run(["-m", "composer", "gui"], env, tmp_path, timeout=60)
    text = r.stdout + r.stderr
    assert r.returncode == 2, (r.returncode, text[-2000:])          # not -6 / 134 (SIGABRT)
    assert "Traceback" not in text
    assert all(w.lower() in text.lower() for w in words), text[-2000:]
