"""Case files: record schema, signed export, verification and reproduction.

The public functions are imported lazily so that `composer.session` (which uses the codec and
recovery helpers here) does not pull in signing or export code.
"""
from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "export_case": "composer.casefile.export", "ExportResult": "composer.casefile.export",
    "verify_case": "composer.casefile.verify", "VerifyReport": "composer.casefile.verify",
    "Problem": "composer.casefile.verify",
    "reproduce_case": "composer.casefile.reproduce", "ReproduceReport": "composer.casefile.reproduce",
    "CaseMeta": "composer.casefile.record", "SCHEMA_VERSION": "composer.casefile.record",
    "ReportContent": "composer.casefile.report",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'composer.casefile' has no attribute {name!r}")
