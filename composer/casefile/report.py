"""ReportContent: what the printable PDF report says, as plain data.

The content is assembled here (no Qt); a renderer, `(ReportContent) -> PDF bytes`, draws it. The
default one, `render_report_pdf`, is Qt's QPdfWriter in `composer.casefile.report_pdf`, the one
module outside composer/gui that imports PyQt5; it is imported only when a report is drawn, so
verifying and reproducing never load Qt. Keeping content and drawing apart lets case files be built
headless and lets tests check the content without a renderer.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

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
    n_images_shown: int
    verification: str               # how to check the case file, with the record hash and signer
    disclaimer: str = ""            # "computer-generated likeness, not a photograph" (always printed)
    model_warning: str = ""         # non-empty when the model is an interim or test model
    witness_lines: tuple[str, ...] = ()   # lines for the witness to fill in: confidence, signature
    hand_edits: tuple[str, ...] = ()      # the artist's marks, shape and slider steps on the final branch
    hand_mask_png: bytes = b""            # white where the artist's hand changed the final portrait


DISCLAIMER = ("This image is a computer-generated likeness made from a witness's description. It is not a "
              "photograph of anyone and does not show a real person's face.")
WITNESS_LINES = ("Witness's confidence that this likeness resembles the person (0 = none, 10 = certain): ______",
                 "Witness's comments: ____________________________________________",
                 "Witness's signature: ______________________    Date and time: ______________")
TEST_MODEL_WORDS = ("test", "tiny", "random", "fake", "debug")


def model_warning(model: Mapping[str, Any]) -> str:
    """A warning when the record's model is a test model or an interim one (its bundle says
    "status": "interim"/"test", or it renders below 128 px, like the shipped 64 px CPU model)."""
    name = str(model.get("name", ""))
    status = str(model.get("status", "")).lower()
    if status == "test" or any(w in name.lower() for w in TEST_MODEL_WORDS):
        return (f"WARNING: made with a test model ({name}). Its images are not a likeness of anyone and must not "
                "be shown to a witness or used as evidence.")
    size = model.get("image_size")
    if status == "interim" or (isinstance(size, int) and size < 128 and status != "release"):
        return (f"WARNING: made with an interim model ({name}, {size} px) that draws no identity detail. It is "
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


def description_lines(description: Mapping[str, Any] | None) -> tuple[str, ...]:
    if not description:
        return ()
    lines = [f"{_pretty(g)}: {str(o).replace('_', ' ')}" for g, o in sorted(dict(description.get("choices", {})).items())]
    if description.get("free_text"):
        lines.append(f"In the witness's words: \u201c{description['free_text']}\u201d")
    return tuple(lines)


def not_understood_words(interpretation: Mapping[str, Any] | None) -> tuple[str, ...]:
    """Words Composer did not understand, from Interpretation.to_json() (items or plain strings)."""
    items = (interpretation or {}).get("not_understood") or ()
    return tuple(str(u.get("text", u)) if isinstance(u, Mapping) else str(u) for u in items)


def build_report_content(record: Mapping[str, Any], final_png: bytes, history: Sequence[tuple[str, bytes]],
                         record_sha256: str, signer_fingerprint: str, file_name: str,
                         hand_mask_png: bytes = b"") -> ReportContent:
    """Assemble the report from the record; `history` is (label, PNG) per picked portrait."""
    history = list(history)[-HISTORY_MAX:]
    model = record.get("model", {})
    shown = {e["sha256"] for e in record.get("exposures", [])}
    verification = (f"Record SHA-256 {record_sha256}. Signed by workstation key {signer_fingerprint[:16]}. "
                    f"Check this case with: composer verify {file_name}; "
                    f"re-create every image with: composer reproduce {file_name}")
    return ReportContent(
        case_id=str(record.get("case_id", "")), date=str(record.get("exported_at", "")),
        operator=str(record.get("operator", "")), witness_ref=str(record.get("witness_ref", "")),
        description=description_lines(record.get("description")), caption=str(record.get("caption", "")),
        not_understood=_merge(not_understood_words(record.get("interpretation")),
                              caption_not_understood(record.get("caption", ""))),
        final_portrait_png=final_png,
        history_png=tuple(png for _, png in history), history_labels=tuple(label for label, _ in history),
        model_name=str(model.get("name", "")), model_sha256=str(model.get("sha256", "")),
        app_version=str(record.get("app_version", "")), n_steps=len(record.get("steps", [])),
        n_images_shown=len(shown), verification=verification, disclaimer=DISCLAIMER,
        model_warning=model_warning(model), witness_lines=WITNESS_LINES,
        hand_edits=hand_edit_lines(record), hand_mask_png=hand_mask_png)


def hand_edit_lines(record: Mapping[str, Any]) -> tuple[str, ...]:
    """One line per hand step (marks, shape, sliders) on the final branch, in order."""
    from composer.edit.hand_schema import ALL_KINDS
    from composer.operations import REGISTRY

    path = set(record.get("path", []))
    out = []
    for step in record.get("steps", []):
        if step.get("kind") in ALL_KINDS and step.get("id") in path:
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


def render_report_pdf(content: ReportContent) -> bytes:
    """The default report renderer: a one-page A4 PDF drawn by Qt (works headless)."""
    from composer.casefile.report_pdf import render_pdf  # PyQt5 only when a PDF is actually drawn
    return render_pdf(content)
