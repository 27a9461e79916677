"""What a case file says was shown, and to whom: counts and lines for the report.

A record's `exposures` list every image put on a screen, with its audience (the witness view, or the
artist only; older records did not tell them apart). Pure functions over the record's JSON.
"""
from __future__ import annotations

from typing import Any, Mapping


def counted(count: int, word: str) -> str:
    """'1 image', '3 images'."""
    return f"{count} {word}{'' if count == 1 else 's'}"


def _exposures(record: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    items = record.get("exposures")
    return [e for e in items if isinstance(e, Mapping) and isinstance(e.get("sha256"), str)] \
        if isinstance(items, list) else []


def _audience(e: Mapping[str, Any]) -> str:
    return "witness" if e.get("audience") == "witness" else "artist"   # older records: no audience


def exposure_counts(record: Mapping[str, Any]) -> dict[str, int]:
    """Different images: on any screen, displayed by the witness view, and seen by the artist only."""
    everything = {e["sha256"] for e in _exposures(record)}
    witness = {e["sha256"] for e in _exposures(record) if _audience(e) == "witness"}
    return {"all": len(everything), "witness": len(witness), "artist_only": len(everything - witness)}


def _reference_count(record: Mapping[str, Any]) -> int:
    steps = record.get("steps") if isinstance(record.get("steps"), list) else []
    return sum(1 for s in steps if isinstance(s, Mapping) and s.get("kind") == "import_reference")


def exposure_summary(record: Mapping[str, Any]) -> tuple[str, ...]:
    """What the witness was shown, counted apart from what only the artist saw."""
    seen = exposure_counts(record)
    exposures = _exposures(record)
    has_audience = any("audience" in e for e in exposures)
    view = record.get("witness_view")
    refs = _reference_count(record)
    one = seen["artist_only"] == 1
    artist = (f"{counted(seen['artist_only'], 'image')} appeared only on the artist's screen (candidate grid, "
              f"previews{', ' + counted(refs, 'reference photo') if refs else ''}) and {'was' if one else 'were'} not "
              "shown by the witness view; all images are kept in the case file.") if seen["artist_only"] else (
        "Every image on the artist's screen was also shown by the witness view; all are kept in the case file."
        if seen["witness"] else "No image appeared on the artist's screen.")
    if seen["witness"]:
        displays = len(witness_displays(record))
        return (f"The witness view showed the witness {counted(seen['witness'], 'different image')} in "
                f"{counted(displays, 'display')}, listed below with their times (UTC).", artist)
    if view is True:
        return ("The witness view was never opened during this session: Composer showed "
                "the witness no image.", artist)
    if view is False or (has_audience and view is None):
        return ("This case was built without a witness view (headless, with `composer case` or `composer "
                "session run`): Composer "
                "showed no image to a witness.",
                f"{counted(seen['all'], 'image')} {'was' if seen['all'] == 1 else 'were'} made; all are kept "
                "in the case file.")
    return (f"{counted(seen['all'], 'image')} appeared on screen. This case file was written before Composer "
            "recorded what the witness view showed, so images shown to the witness and images only the "
            "artist saw are not told apart.",)


def when(text: Any) -> str:
    """An ISO 8601 time as 'YYYY-MM-DD HH:MM:SS UTC' (as given when it cannot be read)."""
    from datetime import datetime, timezone
    try:
        t = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return str(text)[:40] or "(no time)"
    if t.tzinfo is not None:
        t = t.astimezone(timezone.utc)
    return t.strftime("%Y-%m-%d %H:%M:%S UTC")


def witness_displays(record: Mapping[str, Any]) -> tuple[str, ...]:
    """One line per display of the witness view (its exposures share a time), oldest first."""
    groups: list[list[Mapping[str, Any]]] = []
    for e in _exposures(record):
        if _audience(e) != "witness":
            continue
        key = (e.get("shown_at"), e.get("what"), e.get("step"))
        if groups and (groups[-1][0].get("shown_at"), groups[-1][0].get("what"), groups[-1][0].get("step")) == key:
            groups[-1].append(e)
        else:
            groups.append([e])
    lines = []
    for g in groups:
        first = g[0]
        what = str(first.get("what") or "images")[:40]
        step = first.get("step")
        src = f" from step {step}" if isinstance(step, int) and not isinstance(step, bool) else ""
        images = ", ".join(str(e["sha256"])[:8] for e in g)
        lines.append(f"{when(first.get('shown_at'))}: {what}{src}, {counted(len(g), 'image')} ({images})")
    return tuple(lines)
