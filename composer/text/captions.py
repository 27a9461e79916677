"""Captions from attribute states: one canonical rendering, and random paraphrases.

CelebA has no captions, so Composer writes them from the 40 attributes (as the
DF-GAN portrait work does). `render_caption(state)` is canonical and
deterministic: it is what the generator is asked for when the artist describes
a face. `paraphrase(vector, rng)` varies templates, word order and synonyms and
is what the text encoder is trained on, so that it learns that paraphrases mean
the same face. Every present attribute appears in every caption; nothing is
dropped or subsampled.
"""
from __future__ import annotations

import random
from typing import Optional, Sequence

from composer.text import attributes as A

_FACIAL_HAIR = ("5_o_Clock_Shadow", "Goatee", "Mustache", "Sideburns")


def _pick(options: Sequence[str], rng: Optional[random.Random]) -> str:
    return options[0] if rng is None else rng.choice(options)


def _join(items: list[str], rng: Optional[random.Random]) -> str:
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    conj = " and " if rng is None or rng.random() < 0.7 else ", and "
    return ", ".join(items[:-1]) + conj + items[-1]


def _subject(state: A.AttributeState, rng: Optional[random.Random]) -> str:
    male, young = state.get("Male"), state.get("Young")
    if male is None:
        noun = _pick(("person", "adult"), rng)
    elif male:
        noun = _pick(("man", "male", "guy", "gentleman"), rng)
    else:
        noun = _pick(("woman", "female", "lady"), rng)
    if young is None:
        return noun
    if young:
        return _pick(("young", "youthful"), rng) + " " + noun
    return _pick(("older", "middle aged", "elderly", "mature"), rng) + " " + noun


def _parts(state: A.AttributeState, rng: Optional[random.Random], neg_p: float):
    """Collect adjectives, 'with' phrases, worn items, expressions and negatives."""
    on = {k for k, v in state.items() if v}
    adjectives = [_pick(A.STYLE[k], rng) for k in A.STYLE if k in on and k != "Blurry"]
    colours = [_pick(A.HAIR_COLOUR[k], rng) for k in A.HAIR_COLOUR if k in on]
    textures = [_pick(A.HAIR_TEXTURE[k], rng) for k in A.HAIR_TEXTURE if k in on]
    withs = []
    if colours or textures:
        if rng is not None:
            rng.shuffle(colours)
        colour = " and ".join(colours)
        withs.append(" ".join(w for w in (colour, " ".join(textures), "hair") if w))
    withs += [_pick(A.FEATURES[k], rng) for k in A.FEATURES if k in on]
    if state.get("No_Beard") is False and not (state.get("Mustache") or state.get("Goatee")):
        # CelebA marks a moustache- or goatee-only face No_Beard = 0: name the facial hair as labelled
        withs.append(_pick(A.BEARD, rng))
    wearing = [_pick(A.WEARING[k], rng) for k in A.WEARING if k in on]
    expressions = [_pick(A.EXPRESSION[k], rng) for k in A.EXPRESSION if k in on]
    negatives = []
    for k, phrases in A.NEGATIVE.items():
        if k == "No_Beard":  # "clean shaven": beardless, with no facial hair at all
            off = state.get("No_Beard") is True and not any(state.get(f) for f in _FACIAL_HAIR)
        else:
            off = state.get(k) is False
        if off and (rng is None or rng.random() < neg_p):
            negatives.append(_pick(phrases, rng))
    return adjectives, withs, wearing, expressions, negatives


def render_caption(state: A.AttributeState) -> str:
    """The canonical caption of an attribute state (None = unspecified)."""
    return _render(state, None, 0.0)


def paraphrase(vector: Sequence[float], rng: random.Random, neg_p: float = 0.15) -> str:
    """A random paraphrase of a full 0/1 attribute vector, for training."""
    return _render(A.from_vector(vector), rng, neg_p)


def _render(state: A.AttributeState, rng: Optional[random.Random], neg_p: float) -> str:
    adjectives, withs, wearing, expressions, negatives = _parts(state, rng, neg_p)
    if rng is not None:
        for lst in (adjectives, withs, wearing, expressions, negatives):
            rng.shuffle(lst)
    subject = " ".join(adjectives + [_subject(state, rng)])
    blurry = bool(state.get("Blurry"))
    template = 0 if rng is None else rng.randrange(4)
    article = "an" if subject[0] in "aeiou" else "a"
    head = ("a blurry photo of " if blurry else "") + f"{article} {subject}"
    if template == 1:
        head = ("blurry picture of " if blurry else "picture of ") + f"{article} {subject}"
    pieces = [head]
    with_all = withs + negatives
    if template in (0, 1):
        if with_all:
            pieces.append("with " + _join(with_all, rng))
        if wearing:
            pieces.append("wearing " + _join(wearing, rng))
        pieces += expressions
        return ", ".join(pieces)
    pronoun = {True: "he", False: "she", None: "the person"}[state.get("Male")]
    sentences = [head]
    if template == 2:
        if with_all:
            sentences.append(f"{pronoun} has " + _join(with_all, rng))
        if wearing:
            sentences.append(f"{pronoun} is wearing " + _join(wearing, rng))
        for e in expressions:
            sentences.append(f"{pronoun} is " + e)
        return ". ".join(sentences)
    # template 3: items first, subject last
    lead = []
    if wearing:
        lead.append("wearing " + _join(wearing, rng))
    lead += expressions
    if with_all:
        lead.append("with " + _join(with_all, rng))
    return ", ".join([head] + lead) if rng.random() < 0.5 else ", ".join(lead + [head]) if lead else head
