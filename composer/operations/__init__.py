"""Session operations, Qt-free: one module per step kind, each owning its typed inputs, its run
(a generator that yields progress where the work is long), its record to and from the record's
JSON, its replay and its history label. The GUI's Studio, the headless case builder and
`composer reproduce` all run these, so what is replayed is exactly what ran.

Adding a step kind: write one module like `generate.py` and import it below.
"""
from composer.operations.base import REGISTRY, StepKind, label, perform, register, run_to_end, thumbnail
from composer.operations.describe import Describe
from composer.operations.generate import Generate
from composer.operations.evolve import Evolve
from composer.operations.pick import Pick
from composer.operations.lock import Lock
from composer.operations.resynthesise import Resynthesise
from composer.operations.import_reference import ImportReference
from composer.operations.history import GoTo, Redo, Undo
from composer.operations.hand import HandEdit, SetHolistic  # marks, warps, holistic sliders

__all__ = ["REGISTRY", "StepKind", "register", "perform", "run_to_end", "label", "thumbnail", "Describe",
           "Generate", "Evolve", "Pick", "Lock", "Resynthesise", "ImportReference", "Undo", "Redo", "GoTo",
           "HandEdit", "SetHolistic"]
