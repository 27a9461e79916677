"""Issue 16 §4 (recovery folders): the export writes when it happened into session.json; the
retention cleanup deletes only exported, closed, old session folders and never follows links;
opening a session folder removes a crash's temp files and makes the folder private again."""
from __future__ import annotations

import json
import os
import stat
import time
from datetime import datetime, timedelta, timezone

import pytest

from composer.casefile.export import export_case
from composer.casefile.record import CaseMeta
from composer.record import recovery
from composer.record.retention import RetentionError, clean_at_start, delete_expired_sessions, expired
from composer.session import Session

from . import FakeEngine, fake_pdf, full_session

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=timezone.utc)


def _iso(days_ago: float) -> str:
    return (NOW - timedelta(days=days_ago)).isoformat()


def make_folder(root, name, *, closed=True, exported=40.0, saved=40.0, steps=2, covered=2, fmt=recovery.FORMAT):
    state = {"format": fmt, "version": 1, "session_id": name, "closed": closed, "saved_at": _iso(saved),
             "exported_at": None if exported is None else _iso(exported), "exported_steps": covered,
             "steps": [{} for _ in range(steps)]}
    recovery.write_state(root / name, state)
    return root / name


def test_export_records_when_it_happened_in_session_json(tmp_path, keys):
    s = full_session(Session(tmp_path / "rec"), FakeEngine())
    assert json.loads((s.folder / recovery.SESSION_FILE).read_text())["exported_at"] is None
    export_case(s, FakeEngine(), CaseMeta("E-1"), tmp_path / "e.composer-case", keys_dir=keys, render_pdf=fake_pdf)
    state = json.loads((s.folder / recovery.SESSION_FILE).read_text())
    assert state["exported_at"] and state["exported_steps"] == len(s.steps) and state["closed"] is False
    s.finish()
    state = json.loads((s.folder / recovery.SESSION_FILE).read_text())
    assert state["closed"] is True and state["exported_at"]        # finish keeps the marker
    r = Session.recover(s.folder)
    assert r.exported_at == s.exported_at and r.exported_steps == len(s.steps)
    later = datetime.fromisoformat(state["saved_at"]) + timedelta(days=31)
    assert delete_expired_sessions(tmp_path / "rec", 30, later) == [s.folder] and not s.folder.exists()


def test_failed_export_writes_no_marker(tmp_path, keys):
    s = full_session(Session(tmp_path / "rec"), FakeEngine())
    (tmp_path / "taken.composer-case").write_bytes(b"x")
    with pytest.raises(Exception, match="already exists"):
        export_case(s, FakeEngine(), CaseMeta("E-1"), tmp_path / "taken.composer-case", keys_dir=keys,
                    render_pdf=fake_pdf)
    assert s.exported_at is None


def test_retention_deletes_only_exported_closed_old_sessions(tmp_path):
    root = tmp_path / "recovery"
    old = make_folder(root, "old")
    keep = {
        "young": make_folder(root, "young", exported=3, saved=3),
        "open": make_folder(root, "open", closed=False),
        "never-exported": make_folder(root, "never-exported", exported=None),
        "work-after-export": make_folder(root, "work-after-export", steps=5, covered=2),
        "saved-recently": make_folder(root, "saved-recently", saved=1),
        "not-ours": make_folder(root, "not-ours", fmt="something-else"),
    }
    (root / "stray-file").write_text("x")
    (root / "no-json").mkdir()
    (root / "garbage").mkdir()
    (root / "garbage" / recovery.SESSION_FILE).write_bytes(b"{\xff not json")
    assert delete_expired_sessions(root, 30, NOW) == [old]
    assert not old.exists()
    for name, folder in keep.items():
        assert folder.exists(), name
    assert (root / "stray-file").exists() and (root / "garbage").exists()
    assert delete_expired_sessions(root, 2, NOW) == [keep["young"]]
    assert delete_expired_sessions(tmp_path / "missing", 30, NOW) == []


def test_retention_never_follows_links(tmp_path):
    root = tmp_path / "recovery"
    root.mkdir()
    outside = make_folder(tmp_path / "elsewhere", "victim")           # an expired session outside the root
    (root / "linked").symlink_to(outside, target_is_directory=True)
    inside = make_folder(root, "real")
    (inside / "blobs" / "link-out").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    json_link = root / "json-link"
    json_link.mkdir()
    (json_link / recovery.SESSION_FILE).symlink_to(outside / recovery.SESSION_FILE)
    assert delete_expired_sessions(root, 30, NOW) == [inside]
    assert outside.exists() and (outside / recovery.SESSION_FILE).exists()   # nothing followed out
    assert (root / "linked").is_symlink() and json_link.exists()
    linked_root = tmp_path / "linked-root"
    linked_root.symlink_to(root, target_is_directory=True)
    with pytest.raises(RetentionError, match="symbolic link"):
        delete_expired_sessions(linked_root, 30, NOW)


@pytest.mark.parametrize("days", [-1, 1.5, "30", True, None, 10 ** 9, [30]])
def test_bad_retention_settings_are_one_clear_error(tmp_path, days):
    with pytest.raises(RetentionError, match="whole number of days"):
        delete_expired_sessions(tmp_path, days, NOW)


def test_expired_rejects_hostile_state():
    base = {"closed": True, "exported_at": _iso(40), "saved_at": _iso(40), "exported_steps": 1, "steps": [{}]}
    assert expired(base, 30, NOW)
    for change in ({"closed": "yes"}, {"exported_at": 12}, {"exported_at": "x" * 100}, {"exported_at": "soon"},
                   {"exported_steps": True}, {"exported_steps": "9"}, {"steps": "many"}, {"saved_at": None}):
        assert not expired({**base, **change}, 30, NOW), change
    naive = {**base, "exported_at": (NOW - timedelta(days=40)).replace(tzinfo=None).isoformat()}
    assert expired(naive, 30, NOW)


def test_clean_at_start_is_one_status_line(tmp_path):
    root = tmp_path / "recovery"
    make_folder(root, "a")
    make_folder(root, "b")
    assert clean_at_start(root, None, NOW) == ""            # the setting is off: nothing happens
    assert (root / "a").exists()
    assert clean_at_start(root, 30, NOW) == ("Deleted 2 exported session folders older than 30 days "
                                             "(retention setting).")
    assert clean_at_start(root, 30, NOW) == ""
    line = clean_at_start(root, -5, NOW)
    assert line.startswith("Old sessions were not cleaned up:") and "\n" not in line


def test_opening_a_session_folder_cleans_temps_and_tightens_it(tmp_path):
    s = full_session(Session(tmp_path / "rec"), FakeEngine())
    folder = s.folder
    stale = folder / ".session.json.k2j3.tmp"
    stale.write_bytes(b"half")
    blob_stale = folder / recovery.BLOBS / f".{'ab' * 32}.png.q1.tmp"
    blob_stale.write_bytes(b"half")
    fresh = folder / ".session.json.new.tmp"
    fresh.write_bytes(b"being written")
    past = time.time() - 600
    for p in (stale, blob_stale):
        os.utime(p, (past, past))
    os.chmod(folder, 0o755)
    os.chmod(folder / recovery.BLOBS, 0o775)
    r = Session.recover(folder)                              # opened directly, not via a root scan
    assert r.steps == s.steps
    assert not stale.exists() and not blob_stale.exists() and fresh.exists()
    assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(folder / recovery.BLOBS).st_mode) == 0o700


def test_tighten_never_follows_a_linked_blobs_folder(tmp_path):
    folder = tmp_path / "s"
    folder.mkdir(mode=0o700)
    target = tmp_path / "shared"
    target.mkdir()
    os.chmod(target, 0o755)
    (folder / recovery.BLOBS).symlink_to(target, target_is_directory=True)
    recovery.tighten_folder(folder)
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o755
