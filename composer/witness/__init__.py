"""A simulated witness (Qt-free): measures how close Composer's loop gets to the face a witness has
in mind. `Witness` holds a real face privately and answers with indices, region names and
correction phrases only; `run_loop` is the artist's side, built from composer.operations exactly
as the window runs them; `bench/bench_witness.py` scores the portraits with the identity network
(`composer.train.identity`, models/identity/), which never enters generation."""
from composer.witness.loop import LoopConfig, LoopResult, run_loop
from composer.witness.witness import Witness, WitnessConfig

__all__ = ["Witness", "WitnessConfig", "LoopConfig", "LoopResult", "run_loop"]
