"""ReportContent: what the printable PDF report says, as plain data.

The content is assembled here (no Qt); `composer.gui.report_pdf.render_pdf` draws it. Keeping the
two apart lets case files be built headless and lets tests check the content without a renderer.
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
                         record_sha256: str, signer_fingerprint: str, file_name: str) -> ReportContent:
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
        not_understood=not_understood_words(record.get("interpretation")),
        final_portrait_png=final_png,
        history_png=tuple(png for _, png in history), history_labels=tuple(label for label, _ in history),
        model_name=str(model.get("name", "")), model_sha256=str(model.get("sha256", "")),
        app_version=str(record.get("app_version", "")), n_steps=len(record.get("steps", [])),
        n_images_shown=len(shown), verification=verification)
