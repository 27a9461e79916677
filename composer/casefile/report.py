"""ReportContent: what the printable PDF report says, as plain data.

The content is assembled here (no Qt); a renderer, `(ReportContent) -> PDF bytes`, draws it. The
default one, `render_report_pdf`, is Qt's QPdfWriter in `composer.casefile.report_pdf`, the one
module outside composer/gui that imports PyQt5; it is imported only when a report is drawn, so
verifying and reproducing never load Qt. Keeping content and drawing apart lets case files be built
headless and lets tests check the content without a renderer.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Optional, Sequence

from composer.casefile.exposure import counted, exposure_counts, exposure_summary, when, witness_displays

HISTORY_MAX = 8  # portraits shown in the history strip (the most recent picks)


@dataclass(frozen=True)
class ReportContent:
    case_id: str
    date: str                       # UTC export time, ISO 8601
    operator: str
    witness_ref: str
    description: tuple[str, ...]    # one line per dropdown choice, then the free text
    caption: str
    not_understood: tuple[str, ...]
    final_portrait_png: bytes
    history_png: tuple[bytes, ...]  # picked portraits along the final branch, oldest first
    history_labels: tuple[str, ...]
    model_name: str
    model_sha256: str
    app_version: str
    n_steps: int
    n_images_shown: int             # different images that appeared on any screen (artist's or witness's)
    verification: str               # how to check the case file, with the record hash and signer
    disclaimer: str = ""            # "computer-generated likeness, not a photograph" (always printed)
    model_warning: str = ""         # non-empty when the model is an interim or test model
    witness_lines: tuple[str, ...] = ()   # lines for the witness to fill in: confidence, signature
    hand_edits: tuple[str, ...] = ()      # the artist's marks, shape and slider steps on the final branch
    lock_sources: tuple[str, ...] = ()    # regions kept by re-syntheses on the final branch, with their sources
    hand_mask_png: bytes = b""            # white where the artist's hand changed the final portrait
    description_notes: tuple[str, ...] = ()    # the final description's corrections and disagreements
    description_history: tuple[str, ...] = ()  # every describe step on the final branch: what changed
    exposure_summary: tuple[str, ...] = ()     # what the witness view showed vs what only the artist saw
    witness_displays: tuple[str, ...] = ()     # one line per witness-view display, with its time
    n_images_witness: int = 0                  # different images the witness view displayed
    n_images_artist_only: int = 0              # different images only the artist saw


DISCLAIMER = ("This image is a computer-generated likeness made from a witness's description. It is not a "
              "photograph of anyone and does not show a real person's face.")
WITNESS_LINES = ("Witness's confidence that this likeness resembles the person (0 = none, 10 = certain): ______",
                 "Witness's comments: ____________________________________________",
                 "Witness's signature: ______________________    Date and time: ______________")
TEST_MODEL_WORDS = ("test", "tiny", "random", "fake", "debug")


def model_warning(model: Mapping[str, Any]) -> str:
    """A warning when the record's model is a test model or an interim one (its bundle says
    "status": "interim"/"test", or its generator draws below 128 px, like the shipped 64 px CPU model,
    whose 2× refiner sharpens but adds no identity detail)."""
    name = str(model.get("name", ""))
    status = str(model.get("status", "")).lower()
    if status == "test" or any(w in name.lower() for w in TEST_MODEL_WORDS):
        return (f"WARNING: made with a test model ({name}). Its images are not a likeness of anyone and must not "
                "be shown to a witness or used as evidence.")
    size = model.get("image_size")
    gen = model.get("generator_size") if isinstance(model.get("generator_size"), int) else size
    if status == "interim" or (isinstance(gen, int) and gen < 128 and status != "release"):
        px = f"{gen} px refined to {size} px" if gen != size else f"{size} px"
        return (f"WARNING: made with an interim model ({name}, {px}) that draws no identity detail. It is "
                "not fit for use with a witness; treat this portrait as a rough sketch only.")
    return ""


def caption_not_understood(caption: str) -> tuple[str, ...]:
    """Words of the caption that set no attribute (filler words excluded), with the reason."""
    try:
        from composer.text.parse import parse
        return tuple(f"{u.text} ({u.reason})" for u in parse(str(caption)).unknown)
    except Exception:  # noqa: BLE001 - the report must be written even if the parser cannot read it
        return ()


def _pretty(name: str) -> str:
    return str(name).replace("_", " ").strip().capitalize()


def description_lines(description: Mapping[str, Any] | None,
                      interpretation: Mapping[str, Any] | None = None) -> tuple[str, ...]:
    """The description as it ended; a dropdown choice the witness's words overrode (or words a
    dropdown overrode) is marked, and the notes below the description say which won and why."""
    if not description or not isinstance(description, Mapping):
        return ()
    over_choices, over_words = _overridden(interpretation)
    choices = description.get("choices") if isinstance(description.get("choices"), Mapping) else {}
    lines = [f"{_pretty(g)}: {str(o).replace('_', ' ')}" + (" (overridden by the witness's words, see below)"
                                                             if g in over_choices else "")
             for g, o in sorted((str(k), v) for k, v in choices.items())]
    if description.get("free_text"):
        lines.append(f"In the witness's words: \u201c{description['free_text']}\u201d"
                     + (" (partly overridden by a dropdown, see below)" if over_words else ""))
    return tuple(lines)


def _overridden(interpretation: Any) -> tuple[set, bool]:
    """(dropdown groups the free text overrode, whether a dropdown overrode part of the free text)."""
    if not isinstance(interpretation, Mapping):
        return set(), False
    choices = [c for c in interpretation.get("choices") or () if isinstance(c, Mapping)]
    groups, words = set(), False
    for c in interpretation.get("conflicts") or ():
        if not isinstance(c, Mapping) or c.get("dropdown_value") is None:
            continue
        if c.get("winner") == "dropdown":
            words = True
        elif c.get("winner") == "free text":
            message = str(c.get("message", ""))
            groups |= {str(ch.get("group")) for ch in choices if
                       f"the {str(ch.get('group_label', '')).lower()} dropdown says {ch.get('option_label')}" in message}
    return groups, words


def not_understood_words(interpretation: Mapping[str, Any] | None) -> tuple[str, ...]:
    """Words Composer did not understand, from Interpretation.to_json() (items or plain strings)."""
    items = interpretation.get("not_understood") if isinstance(interpretation, Mapping) else ()
    items = items if isinstance(items, (list, tuple)) else ()
    return tuple(str(u.get("text", u)) if isinstance(u, Mapping) else str(u) for u in items)


def build_report_content(record: Mapping[str, Any], final_png: bytes, history: Sequence[tuple[str, bytes]],
                         record_sha256: str, signer_fingerprint: str, file_name: str,
                         hand_mask_png: bytes = b"") -> ReportContent:
    """Assemble the report from the record; `history` is (label, PNG) per picked portrait."""
    history = list(history)[-HISTORY_MAX:]
    model = record.get("model") if isinstance(record.get("model"), Mapping) else {}
    seen = exposure_counts(record)
    verification = (f"Record SHA-256 {record_sha256}. Signed by workstation key {signer_fingerprint[:16]}. "
                    f"Check this case with: composer verify {file_name}; "
                    f"re-create every image with: composer reproduce {file_name}")
    return ReportContent(
        case_id=str(record.get("case_id", "")), date=str(record.get("exported_at", "")),
        operator=str(record.get("operator", "")), witness_ref=str(record.get("witness_ref", "")),
        description=description_lines(record.get("description"), record.get("interpretation")),
        caption=str(record.get("caption", "")),
        not_understood=_merge(not_understood_words(record.get("interpretation")),
                              caption_not_understood(record.get("caption", ""))),
        final_portrait_png=final_png,
        history_png=tuple(png for _, png in history), history_labels=tuple(label for label, _ in history),
        model_name=str(model.get("name", "")), model_sha256=str(model.get("sha256", "")),
        app_version=str(record.get("app_version", "")),
        n_steps=len(record["steps"]) if isinstance(record.get("steps"), list) else 0,
        n_images_shown=seen["all"], verification=verification, disclaimer=DISCLAIMER,
        model_warning=model_warning(model), witness_lines=WITNESS_LINES,
        hand_edits=hand_edit_lines(record), hand_mask_png=hand_mask_png, lock_sources=lock_source_lines(record),
        description_notes=interpretation_notes(record.get("interpretation")),
        description_history=description_history(record), exposure_summary=exposure_summary(record),
        witness_displays=witness_displays(record), n_images_witness=seen["witness"],
        n_images_artist_only=seen["artist_only"])


def lock_source_lines(record: Mapping[str, Any]) -> tuple[str, ...]:
    """For each re-synthesis on the final branch: the regions it kept and where each came from. A
    region taken from a photograph is said so plainly: those pixels are of a real photo, not drawn."""
    steps = {s.get("id"): s for s in record.get("steps") or () if isinstance(s, Mapping)} \
        if isinstance(record.get("steps"), list) else {}
    path = [p for p in record.get("path") or () if isinstance(p, int)] if isinstance(record.get("path"), list) else []
    out, lock = [], None
    for sid in path:
        step = steps.get(sid) or {}
        inputs = step.get("inputs") if isinstance(step.get("inputs"), Mapping) else {}
        if step.get("kind") == "lock":
            lock = inputs
        elif step.get("kind") == "resynthesise" and lock is not None:
            sources = lock.get("sources")
            if isinstance(sources, list):
                parts = [f"{'painted area' if s.get('region') == 'brush' else s.get('region')} from "
                         f"{s.get('label') or 'the picked portrait'}" for s in sources if isinstance(s, Mapping)]
            else:
                parts = [", ".join(str(r) for r in lock.get("regions") or []) or "a painted area"]
            photo = any(isinstance(s, Mapping) and str(s.get("label", "")).startswith("photo ")
                        for s in (sources if isinstance(sources, list) else []))
            out.append(f"step {sid}: kept " + "; ".join(parts)
                       + (" (PHOTOGRAPH: these pixels are of a real photo)" if photo else ""))
    return tuple(out)


def hand_edit_lines(record: Mapping[str, Any]) -> tuple[str, ...]:
    """One line per hand step (marks, shape, sliders) on the final branch, in order."""
    from composer.edit.hand_schema import ALL_KINDS
    from composer.operations import REGISTRY

    path = {p for p in record.get("path") or () if isinstance(p, int)} \
        if isinstance(record.get("path"), list) else set()
    out = []
    for step in record.get("steps") if isinstance(record.get("steps"), list) else ():
        if isinstance(step, Mapping) and step.get("kind") in ALL_KINDS and step.get("id") in path:
            kind = REGISTRY.get(step["kind"])
            try:
                text = kind.label(_StepView(step)) if kind else step["kind"]
            except (KeyError, TypeError, ValueError, IndexError, AttributeError):
                text = step["kind"]
            out.append(f"step {step.get('id')}: {text}")
    return tuple(out)


class _StepView:
    """The fields of a record.json step that history labels read."""

    def __init__(self, step: Mapping[str, Any]) -> None:
        self.kind, self.inputs, self.outputs = step.get("kind"), step.get("inputs") or {}, step.get("outputs") or []


def _merge(words: tuple[str, ...], caption_words: tuple[str, ...]) -> tuple[str, ...]:
    seen = {w.lower() for w in words}
    return words + tuple(w for w in caption_words if w.split(" (")[0].lower() not in seen)


# ---- how the description changed --------------------------------------------------------------
def _choice_text(group: Any, option: Any) -> str:
    return f"{_pretty(group)}: {str(option).replace('_', ' ')}"


def _quote(text: str, limit: int = 400) -> str:
    text = " ".join(str(text).split())
    return f"\u201c{text if len(text) <= limit else text[:limit - 1] + '…'}\u201d"


def _parser_notes(interpretation: Any) -> list[str]:
    """The parser's corrections (a later statement in the witness's words overriding an earlier
    one) and the disagreements between the words and the dropdowns, from Interpretation.to_json()."""
    if not isinstance(interpretation, Mapping):
        return []
    notes, said = [], set()
    for c in interpretation.get("corrections") or ():
        if isinstance(c, Mapping) and c.get("message"):
            message = str(c["message"])[:600]
            cue = f" (the witness said '{str(c['cue'])[:40]}')" if c.get("cue") else ""
            notes.append(f"Correction{cue}: {message}")
            said.add(message)
    for c in interpretation.get("conflicts") or ():
        if not isinstance(c, Mapping) or not c.get("message") or str(c["message"])[:600] in said:
            continue
        winner = c.get("winner")
        label = {"free text": "Words and dropdown disagree", "dropdown": "Words and dropdown disagree",
                 "later mention": "Correction", "both kept": "Check with the witness"}.get(winner, "Conflict")
        notes.append(f"{label}: {str(c['message'])[:600]}")
    return notes


def interpretation_notes(interpretation: Any) -> tuple[str, ...]:
    """Notes for the final description: every correction and disagreement, with which one won."""
    return tuple(_parser_notes(interpretation))


def _description_of(step: Mapping[str, Any]) -> dict:
    inputs = step.get("inputs") if isinstance(step.get("inputs"), Mapping) else {}
    d = inputs.get("description") if isinstance(inputs.get("description"), Mapping) else {}
    choices = d.get("choices") if isinstance(d.get("choices"), Mapping) else {}
    return {"choices": {str(k): str(v) for k, v in choices.items() if v not in (None, "", "unspecified")},
            "free_text": str(d.get("free_text") or ""), "caption": str(inputs.get("caption") or ""),
            "interpretation": inputs.get("interpretation")}


def _changes(before: Optional[dict], after: dict) -> list[str]:
    if before is None:
        parts = [_choice_text(g, o) for g, o in sorted(after["choices"].items())]
        if after["free_text"]:
            parts.append(f"the witness's words {_quote(after['free_text'])}")
        return ["first description: " + ("; ".join(parts) if parts else "nothing yet")]
    out = []
    old, new = before["choices"], after["choices"]
    for g in sorted(set(old) | set(new)):
        if g not in old:
            out.append(f"added {_choice_text(g, new[g])}")
        elif g not in new:
            out.append(f"removed {_choice_text(g, old[g])}")
        elif old[g] != new[g]:
            out.append(f"changed {_pretty(g)}: {old[g].replace('_', ' ')} \u2192 {new[g].replace('_', ' ')}")
    if before["free_text"] != after["free_text"]:
        if not after["free_text"]:
            out.append(f"removed the witness's words (were {_quote(before['free_text'])})")
        elif not before["free_text"]:
            out.append(f"added the witness's words {_quote(after['free_text'])}")
        else:
            out.append(f"the witness's words changed from {_quote(before['free_text'])} to "
                       f"{_quote(after['free_text'])}")
    return out or ["no change to the description"]


def description_history(record: Mapping[str, Any]) -> tuple[str, ...]:
    """Every describe step on the final portrait's branch, in order: what changed (dropdown choices
    added, removed or changed; the witness's words), the parser's new corrections and
    disagreements, and the caption it led to. The later statement wins; both are shown."""
    steps = record.get("steps") if isinstance(record.get("steps"), list) else []
    path = record.get("path") if isinstance(record.get("path"), list) else []
    by_id = {s.get("id"): s for s in steps if isinstance(s, Mapping)}
    lines, before, known = [], None, set()
    for sid in path:
        step = by_id.get(sid) if isinstance(sid, int) and not isinstance(sid, bool) else None
        if step is None or step.get("kind") != "describe":
            continue
        after = _description_of(step)
        head = f"Step {sid} ({when(step.get('timestamp'))}): "
        lines.append(head + "; ".join(_changes(before, after)))
        for note in _parser_notes(after["interpretation"]):
            if note not in known:
                lines.append(f"    {note}")
                known.add(note)
        if after["caption"] and (before is None or before["caption"] != after["caption"]):
            lines.append(f"    caption now {_quote(after['caption'])}")
        before = after
    return tuple(lines)


# ---- the report as plain text -----------------------------------------------------------------
def report_text(c: ReportContent) -> str:
    """The report's words as plain text, in the PDF's order (for tests, logs and screen readers)."""
    out = [f"Composite portrait \u2014 case {c.case_id}", c.disclaimer]
    if c.model_warning:
        out.append(c.model_warning)
    out += [f"Date (UTC): {c.date}    Operator: {c.operator or '-'}    Witness reference: {c.witness_ref or '-'}",
            "", "Description (as it ended)"]
    out += list(c.description or ("(no dropdown choices or free text recorded)",))
    out += list(c.description_notes)
    out += ["", "Caption given to the model", c.caption or "-", "", "Not understood (not used)",
            ", ".join(c.not_understood) if c.not_understood else "nothing"]
    if c.description_history:
        out += ["", "How the description changed (in order; the later statement wins, both are shown)"]
        out += list(c.description_history)
    if c.lock_sources:
        out += ["", "Locked regions kept by re-synthesis, and their sources"] + list(c.lock_sources)
    if c.hand_edits:
        out += ["", "Hand edits (the artist's work, not the model's)"] + list(c.hand_edits)
    out += ["", "What was shown"] + list(c.exposure_summary)
    if c.witness_displays:
        out += ["Shown to the witness by the witness view:"] + [f"  {line}" for line in c.witness_displays]
    if c.history_labels:
        out += ["", "History (portraits picked, oldest first): " + ", ".join(c.history_labels)]
    out += ["", f"Model: {c.model_name}    SHA-256: {c.model_sha256}",
            f"Composer {c.app_version}; {c.n_steps} steps; {counted(c.n_images_shown, 'image')}, all kept in the case "
            "file (who saw which: \u201cWhat was shown\u201d above).", c.verification, ""]
    out += list(c.witness_lines)
    return "\n".join(out) + "\n"


def render_report_pdf(content: ReportContent) -> bytes:
    """The default report renderer: a one-page A4 PDF drawn by Qt (works headless)."""
    from composer.casefile.report_pdf import render_pdf  # PyQt5 only when a PDF is actually drawn
    return render_pdf(content)
