"""The 40 CelebA attributes and the canonical words Composer uses for each.

Everything that turns attributes into words (captions for training the text
encoder, captions rendered from a witness Description) draws on these tables, so
the encoder's vocabulary and the captions it is asked to read can never drift
apart.
"""
from __future__ import annotations

from typing import Mapping, Optional

ATTRIBUTES: tuple[str, ...] = (
    "5_o_Clock_Shadow", "Arched_Eyebrows", "Attractive", "Bags_Under_Eyes", "Bald",
    "Bangs", "Big_Lips", "Big_Nose", "Black_Hair", "Blond_Hair", "Blurry", "Brown_Hair",
    "Bushy_Eyebrows", "Chubby", "Double_Chin", "Eyeglasses", "Goatee", "Gray_Hair",
    "Heavy_Makeup", "High_Cheekbones", "Male", "Mouth_Slightly_Open", "Mustache",
    "Narrow_Eyes", "No_Beard", "Oval_Face", "Pale_Skin", "Pointy_Nose",
    "Receding_Hairline", "Rosy_Cheeks", "Sideburns", "Smiling", "Straight_Hair",
    "Wavy_Hair", "Wearing_Earrings", "Wearing_Hat", "Wearing_Lipstick",
    "Wearing_Necklace", "Wearing_Necktie", "Young",
)
INDEX: dict[str, int] = {name: i for i, name in enumerate(ATTRIBUTES)}

# An attribute state: True (present), False (absent), None (unspecified).
AttributeState = Mapping[str, Optional[bool]]

# Phrase alternatives for a present attribute, by caption slot. The first entry is
# canonical (used when rendering a witness description); the others are the
# paraphrases the encoder learns.
HAIR_COLOUR = {
    "Black_Hair": ("black", "dark"),
    "Blond_Hair": ("blond", "blonde", "fair"),
    "Brown_Hair": ("brown", "brunette"),
    "Gray_Hair": ("gray", "grey", "white"),
}
HAIR_TEXTURE = {
    "Straight_Hair": ("straight",),
    "Wavy_Hair": ("wavy", "curly"),
}
FEATURES = {  # "with ..." phrases
    "Bald": ("a bald head", "a shaved head", "no hair"),
    "Receding_Hairline": ("a receding hairline", "a high receding hairline"),
    "Bangs": ("bangs", "a fringe"),
    "Arched_Eyebrows": ("arched eyebrows", "arched brows"),
    "Bushy_Eyebrows": ("bushy eyebrows", "thick eyebrows", "bushy brows"),
    "Narrow_Eyes": ("narrow eyes", "small narrow eyes"),
    "Bags_Under_Eyes": ("bags under the eyes", "eye bags", "puffy eyes"),
    "Big_Nose": ("a big nose", "a large nose"),
    "Pointy_Nose": ("a pointy nose", "a pointed nose", "a sharp nose"),
    "Big_Lips": ("big lips", "full lips", "thick lips"),
    "High_Cheekbones": ("high cheekbones", "prominent cheekbones"),
    "Oval_Face": ("an oval face", "an oval shaped face"),
    "Double_Chin": ("a double chin",),
    "Rosy_Cheeks": ("rosy cheeks", "red cheeks"),
    "Pale_Skin": ("pale skin", "a pale complexion", "fair skin"),
    "5_o_Clock_Shadow": ("stubble", "a five o clock shadow", "a stubbly face"),
    "Goatee": ("a goatee", "a goatee beard"),
    "Mustache": ("a mustache", "a moustache"),
    "Sideburns": ("sideburns", "long sideburns"),
    "Heavy_Makeup": ("heavy makeup", "a lot of makeup", "heavy make up"),
}
WEARING = {
    "Eyeglasses": ("eyeglasses", "glasses", "spectacles"),
    "Wearing_Hat": ("a hat", "a cap"),
    "Wearing_Earrings": ("earrings",),
    "Wearing_Necklace": ("a necklace",),
    "Wearing_Necktie": ("a necktie", "a tie"),
    "Wearing_Lipstick": ("lipstick", "red lipstick"),
}
EXPRESSION = {
    "Smiling": ("smiling", "with a smile", "grinning"),
    "Mouth_Slightly_Open": ("with the mouth slightly open", "with parted lips", "mouth open"),
}
STYLE = {
    "Chubby": ("chubby", "plump", "heavy set"),
    "Attractive": ("attractive", "good looking"),
    "Blurry": ("blurry", "out of focus"),
}
# A face with facial hair is rendered through its parts; a beard beyond them:
BEARD = ("a beard", "a full beard")
# Explicit negatives the encoder learns, so a witness's "no glasses" can be said.
NEGATIVE = {
    "Eyeglasses": ("no glasses", "without glasses", "no eyeglasses"),
    "Wearing_Hat": ("no hat", "bareheaded"),
    "Smiling": ("not smiling", "a neutral expression", "serious"),
    "No_Beard": ("clean shaven", "no beard", "beardless"),
    "Mustache": ("no mustache", "no moustache"),
    "Bald": ("a full head of hair",),
}


def attribute_vector(state: AttributeState) -> list[float]:
    """0/1 vector over ATTRIBUTES; unspecified counts as absent, except No_Beard."""
    out = []
    for name in ATTRIBUTES:
        v = state.get(name)
        out.append(float(v) if v is not None else (1.0 if name == "No_Beard" else 0.0))
    return out


def from_vector(vec) -> dict[str, bool]:
    """Inverse of attribute_vector for a 0/1 sequence of length 40."""
    if len(vec) != len(ATTRIBUTES):
        raise ValueError(f"expected {len(ATTRIBUTES)} attribute values, got {len(vec)}")
    return {name: bool(round(float(v))) for name, v in zip(ATTRIBUTES, vec)}
