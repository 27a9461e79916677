"""The simulated witness: its wording goes through the real parser, it is deterministic for a seed,
it only ever answers with indices / region names / correction phrases (never pixels of its target),
and a tiny end-to-end loop records a case file that verifies and reproduces."""
from __future__ import annotations

import gc

import numpy as np
import pytest
import torch

from composer.text.attributes import ATTRIBUTES
from composer.witness import LoopConfig, Witness, WitnessConfig, run_loop
from composer.witness.metrics import gallery_rank, summarise
from composer.witness.phrases import GROUPS, STATEMENTS, true_statements


pytestmark = pytest.mark.usefixtures("one_thread")    # tests/conftest.py


@pytest.fixture(scope="module")
def identity_model():
    from composer.train.identity import IdentityConfig, IdentityModel, IdentityNet
    torch.manual_seed(0)
    return IdentityModel(IdentityNet(4, 16).eval(), IdentityConfig(width=4, embedding_dim=16))


class FakeClassifier:
    """Perceives every portrait as a smiling, grey-haired, young man with glasses."""
    label_names = ATTRIBUTES

    def run(self, images):
        probs = np.zeros((len(images), len(ATTRIBUTES)))
        for a in ("Male", "Young", "Gray_Hair", "Eyeglasses", "Smiling", "No_Beard"):
            probs[:, ATTRIBUTES.index(a)] = 1.0
        return probs, None

    def predict(self, probs):
        return probs >= 0.5


def target_and_attrs(seed: int = 0):
    rng = np.random.default_rng(seed)
    target = rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)
    attrs = {a: 0.0 for a in ATTRIBUTES}
    attrs.update(Male=1.0, Young=1.0, Black_Hair=1.0, Eyeglasses=1.0, Smiling=0.0, No_Beard=1.0, Big_Nose=1.0)
    return target, attrs


def make_witness(identity_model, seed=0, **kw):
    target, attrs = target_and_attrs()
    others = np.random.default_rng(1).integers(0, 256, (12, 64, 64, 3), dtype=np.uint8)
    cfg = WitnessConfig(seed=seed, **kw)
    return Witness(target, attrs, identity_model, cfg, others=others, classifier=FakeClassifier())


def test_every_wording_reads_back_as_its_statement():
    from composer.text.description import Description, interpret
    from composer.text.schema import load_schema
    schema = load_schema()
    for sid, (attrs, words) in STATEMENTS.items():
        for w in words:
            it = interpret(Description(free_text=w), schema)
            assert {k: v for k, v in it.state.items() if v is not None} == dict(attrs), (sid, w)
            assert not it.not_understood, (sid, w)
    assert all(s in STATEMENTS for members in GROUPS.values() for s in members)


def test_description_is_4_to_7_statements_through_the_parser(identity_model):
    from composer.text.description import Description, interpret
    from composer.text.schema import load_schema
    target, attrs = target_and_attrs()
    truth = true_statements({k: v > 0.5 for k, v in attrs.items()})
    assert truth[:3] == ["male", "young", "black_hair"]
    for seed in range(12):
        w = make_witness(identity_model, seed, error_rate=0.0)
        text = w.describe()
        assert 4 <= w.n_statements <= 7 and w.n_wrong == 0
        state = interpret(Description(free_text=text), load_schema()).state
        assert state["Male"] is True and state["Young"] is True and state["Black_Hair"] is True, text
    wrong = [make_witness(identity_model, s, error_rate=1.0) for s in range(6)]
    assert all(w.n_wrong >= 1 for w in wrong)   # age and hair colour are always misremembered at rate 1


def test_same_seed_same_choices(identity_model):
    rng = np.random.default_rng(5)
    rounds = [rng.integers(0, 256, (4, 64, 64, 3), dtype=np.uint8) for _ in range(3)]

    def answers(seed):
        w = make_witness(identity_model, seed, error_rate=0.5, notice_rate=1.0, pick_noise=0.5)
        out = [w.describe()]
        for cands in rounds:
            out += [w.pick(cands), w.confirm(cands[0]), w.correct(cands[1])]
        return out

    assert answers(3) == answers(3)
    assert any(answers(3) != answers(s) for s in (4, 5, 6))


def test_answers_are_plain_values_and_never_the_target(identity_model):
    w = make_witness(identity_model, 2, error_rate=1.0, notice_rate=1.0)
    target, _ = target_and_attrs()
    cands = np.random.default_rng(9).integers(0, 256, (3, 64, 64, 3), dtype=np.uint8)
    answers = [w.describe(), w.pick(cands), w.confirm(cands[0]), w.correct(cands[0]), w.n_statements, w.n_wrong]
    assert type(answers[0]) is str and type(answers[1]) is int and type(answers[4]) is int
    assert type(answers[2]) is tuple and all(type(r) is str for r in answers[2])
    assert answers[3] is None or type(answers[3]) is str
    # nothing reachable from an answer is an array (let alone the target's pixels)
    stack, seen = list(answers), set()
    while stack:
        obj = stack.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        assert not isinstance(obj, (np.ndarray, torch.Tensor))
        if isinstance(obj, (tuple, list)):
            stack.extend(obj)
    # the witness has no public attribute that holds an array
    for name in dir(w):
        if not name.startswith("_"):
            assert not isinstance(getattr(w, name), (np.ndarray, torch.Tensor)), name
    assert not any(isinstance(o, np.ndarray) and o.base is None and np.array_equal(o, target)
                   for o in gc.get_referents(*[a for a in answers if a is not None]))


class OnlyAnswers:
    """What the artist's side sees of the witness: its four answers, and nothing else."""
    ALLOWED = ("describe", "pick", "confirm", "correct")

    def __init__(self, witness):
        object.__setattr__(self, "_w", witness)
        object.__setattr__(self, "calls", [])

    def __getattr__(self, name):
        if name not in self.ALLOWED:
            raise AssertionError(f"the loop asked the witness for {name!r}")
        method = getattr(object.__getattribute__(self, "_w"), name)

        def call(*args):
            out = method(*args)
            assert out is None or isinstance(out, (int, str, tuple))
            object.__getattribute__(self, "calls").append(name)
            return out
        return call


def test_tiny_loop_records_a_case_that_verifies_and_reproduces(tiny_engine, tiny_bundle, identity_model, tmp_path):
    from composer.casefile.export import export_case
    from composer.casefile.record import CaseMeta
    from composer.casefile.reproduce import reproduce_case
    from composer.casefile.verify import verify_case

    target, attrs = target_and_attrs()
    witness = Witness(target, attrs, identity_model, WitnessConfig(seed=1, error_rate=1.0, notice_rate=1.0,
                                                                    region_threshold=-1.0),
                      classifier=FakeClassifier())
    spy = OnlyAnswers(witness)
    cfg = LoopConfig(rounds=3, grid=3, lock_steps=2, precision="fp32", seed=4)
    res = run_loop(tiny_engine, spy, cfg)
    assert set(spy.calls) <= set(OnlyAnswers.ALLOWED) and spy.calls[0] == "describe"
    kinds = [s.kind for s in res.session.steps]
    assert kinds[:3] == ["describe", "generate", "pick"]
    assert "lock" in kinds and "resynthesise" in kinds          # the witness confirmed a region
    assert kinds.count("describe") == 2                          # and corrected one attribute
    assert len(res.portraits) == 3 and res.first_candidate.shape == (64, 64, 3)
    assert all(t["action"] for t in res.trace) and res.trace[0]["locked"]
    # the target's pixels never entered the session
    from composer.portrait import image_sha256
    assert image_sha256(np.ascontiguousarray(target)) not in {o.sha256 for s in res.session.steps for o in s.outputs}
    path, keys = tmp_path / "witness.composer-case", tmp_path / "keys"
    export_case(res.session, tiny_engine, CaseMeta("W-1"), path, keys_dir=keys,
                render_pdf=lambda c: b"%PDF-1.4 stand-in " + c.case_id.encode())
    assert verify_case(path, keys_dir=keys).ok
    report = reproduce_case(path, tiny_bundle.parent, keys_dir=keys)
    assert report.ok, report.lines()
    # same seeds, same run
    again = run_loop(tiny_engine, Witness(target, attrs, identity_model,
                                          WitnessConfig(seed=1, error_rate=1.0, notice_rate=1.0, region_threshold=-1.0),
                                          classifier=FakeClassifier()), cfg)
    assert again.trace == res.trace
    assert all(np.array_equal(a, b) for a, b in zip(again.portraits, res.portraits))


def test_no_lock_loop_only_evolves(tiny_engine, identity_model):
    target, attrs = target_and_attrs()
    w = Witness(target, attrs, identity_model, WitnessConfig(seed=0, region_threshold=-1.0))
    res = run_loop(tiny_engine, w, LoopConfig(rounds=3, grid=2, locks=False, corrections=False))
    assert [s.kind for s in res.session.steps] == ["describe", "generate", "pick", "evolve", "pick", "evolve", "pick"]


def test_witness_says_none_closer_only_when_the_current_portrait_wins(identity_model):
    from composer.witness.witness import NONE_CLOSER
    target, _ = target_and_attrs()
    w = make_witness(identity_model, pick_noise=0.0)
    noise = np.random.default_rng(9).integers(0, 256, (3, 64, 64, 3), dtype=np.uint8)
    assert w.pick(noise, current=target) == NONE_CLOSER          # nothing beats the face itself
    assert w.pick(np.concatenate([noise, target[None]]), current=noise[0]) == 3
    assert w.pick(noise) in (0, 1, 2)                             # without a current portrait: always a pick


def test_keep_best_loop_never_moves_away_from_the_face(tiny_engine, identity_model):
    """With a noiseless witness who also sees the current portrait, the portrait's identity similarity
    to the target never falls from round to round, and a declined round records no pick."""
    target, attrs = target_and_attrs()
    w = Witness(target, attrs, identity_model, WitnessConfig(seed=0, pick_noise=0.0, region_threshold=-1.0))
    res = run_loop(tiny_engine, w, LoopConfig(rounds=5, grid=2, locks=False, corrections=False, keep_best=True))
    sims = identity_model.embed(np.stack(res.portraits)) @ identity_model.embed(target[None])[0]
    assert all(b >= a - 1e-6 for a, b in zip(sims, sims[1:]))
    kinds = [s.kind for s in res.session.steps]
    assert kinds.count("evolve") == 4 and kinds.count("pick") == 1 + sum(t["picked"] is not None for t in res.trace[1:])
    picked = [t["picked"] for t in res.trace[1:]]
    assert None in picked and any(i is not None for i in picked)    # both answers occur in this run


def test_gallery_rank_and_summary():
    g = np.eye(4, dtype=np.float32)
    assert gallery_rank(g[0], g, 0) == 1
    assert gallery_rank(g[1], g, 0) == 4                # ties and better faces count against the target
    assert gallery_rank(np.array([0.5, 0.9, 0.1, 0.0]), g, 0) == 2
    s = summarise([1, 5, 20, 60], [0.1, 0.2, 0.3, 0.4])
    assert s["top1"] == 0.25 and s["top10"] == 0.5 and s["median_rank"] == 12.5 and s["max_rank"] == 60
