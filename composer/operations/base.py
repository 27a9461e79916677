"""What every operation shares: the step-kind registry, running to the end, and performing.

An operation is a frozen dataclass of its typed inputs with
    run(engine, state)            a generator: yields progress where the work is long, returns the result
    record(session, result, duration_s) -> Step      the step it adds to the session's history
    from_inputs(inputs, state)    (classmethod) the operation back from a recorded step's inputs
    shown(result)                 the images it shows: (image, z or None, seed) each
Its module also gives the record's input types, the history label and (optionally) a thumbnail,
and registers them here, so adding a step kind means adding one module and one `register` call.

`state` is the Session while the artist works and a `ReplayState` while a case is reproduced: both
give `image(sha)` and `shown(step_id, index)`, so replay runs the very code that made the step.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable, Generator, Iterator, Mapping, Optional

import numpy as np

from composer.record.steps import register_kind


def first_image(session: Any, step: Any) -> Optional[np.ndarray]:
    """The default history thumbnail: the step's first image."""
    return session.image(step.outputs[0].sha256) if step.outputs else None


@dataclass(frozen=True)
class StepKind:
    """One registered step kind."""
    kind: str
    operation: type                          # the frozen dataclass; has from_inputs()
    input_types: Mapping[str, Any]           # record.json: the type of each input (case-file schema)
    label: Callable[[Any], str]              # history: one line for a Step
    shows_images: bool = False               # its outputs are new images shown to the witness
    thumbnail: Callable[[Any, Any], Optional[np.ndarray]] = first_image


REGISTRY: dict[str, StepKind] = {}


def register(kind: StepKind) -> StepKind:
    REGISTRY[kind.kind] = kind
    register_kind(kind.kind, kind.shows_images)
    return kind


def instantly(value: Any) -> Generator[Any, None, Any]:
    """A run with no progress to show: `yield from instantly(x)` returns x."""
    yield from ()
    return value


def run_to_end(steps: Iterator[Any], on_progress: Optional[Callable[[Any], None]] = None) -> Any:
    """Drive an operation's run to its result, passing each progress item to `on_progress`
    (which may raise to cancel)."""
    while True:
        try:
            progress = next(steps)
        except StopIteration as stop:
            return stop.value
        if on_progress is not None:
            on_progress(progress)


def perform(operation: Any, engine: Any, session: Any,
            on_progress: Optional[Callable[[Any], None]] = None) -> Any:
    """Run `operation` against `session` and record it there; returns the recorded Step."""
    start = time.perf_counter()
    result = run_to_end(operation.run(engine, session), on_progress)
    return operation.record(session, result, time.perf_counter() - start)


def label(step: Any) -> str:
    """One line describing a step for the artist."""
    kind = REGISTRY.get(step.kind)
    return kind.label(step) if kind is not None else step.kind


def thumbnail(session: Any, step: Any) -> Optional[np.ndarray]:
    """The step's history thumbnail (None where it has none or its image is missing)."""
    kind = REGISTRY.get(step.kind)
    try:
        return (kind.thumbnail if kind is not None else first_image)(session, step)
    except KeyError:  # image missing from a recovered session: show the step without it
        return None
