"""Is the loaded model fit for a witness? One Qt-free answer for the window and the witness view.

The rule is the case report's (`composer.casefile.report.model_warning`): a bundle whose model.json
says "status": "test" (or whose name says test/tiny/random/fake/debug) is a test model; "interim",
or an output below 128 px without "status": "release", is an interim model. Here it is applied to a
loaded engine, so the artist sees the same verdict on screen that the PDF report will print.
"""
from __future__ import annotations

from typing import Any, Mapping

from composer.casefile.report import model_warning

TEST, INTERIM = "test", "interim"


def engine_facts(engine: Any) -> dict:
    """The fields the rule reads (name, status, output size), from an engine or its bundle."""
    model = getattr(engine, "model", None)
    meta = getattr(model, "meta", None)
    status = getattr(engine, "status", None) or getattr(model, "status", None)
    if not status and isinstance(meta, Mapping):
        status = meta.get("status")
    size = getattr(engine, "image_size", None)
    gen = getattr(engine, "generator_size", None)
    facts = {"name": str(getattr(engine, "name", "") or ""),
             "status": str(status or "").strip(),
             "image_size": int(size) if isinstance(size, int) and not isinstance(size, bool) else None}
    if isinstance(gen, int) and not isinstance(gen, bool) and gen != facts["image_size"]:
        facts["generator_size"] = gen          # a refiner draws the output: the generator's size decides
    return facts


def model_status(facts: Mapping[str, Any]) -> str:
    """TEST, INTERIM or "" (fit for use), by the report's rule."""
    text = model_warning(facts)
    if not text:
        return ""
    return TEST if "test model" in text else INTERIM


def window_warning(engine: Any) -> str:
    """One line for the status bar and the witness view; "" for a release model or no model."""
    if engine is None:
        return ""
    facts = engine_facts(engine)
    kind = model_status(facts)
    name = facts["name"] or "this model"
    if kind == TEST:
        return f"Test model ({name}): its faces are not a likeness of anyone. Do not show them to a witness."
    if kind == INTERIM:
        size = f", {facts['image_size']} px" if facts["image_size"] else ""
        if facts.get("generator_size"):
            size = f", {facts['generator_size']} px refined to {facts['image_size']} px"
        return (f"Interim model ({name}{size}): no identity detail. Not fit for use with a witness; "
                "rough sketch only.")
    return ""
