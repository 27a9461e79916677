"""How a simulated witness words what it remembers: paraphrases per attribute statement.

Each entry maps a statement (a group and the value the witness means) to several wordings people
use (taken from the free-text lexicon's coverage, e.g. tests/text/phrases.yaml), so descriptions vary
the way real ones do and always go through the real parser (`composer.text`). The wordings are
deliberately *not* the caption templates the generator was trained on. `tests/witness` checks that
every wording is read back as exactly the statement it stands for.
"""
from __future__ import annotations

from types import MappingProxyType
from typing import Mapping

# statement id -> (the attributes it sets, wordings). Pronoun-free, so any wording fits any face.
STATEMENTS: Mapping[str, tuple[Mapping[str, bool], tuple[str, ...]]] = MappingProxyType({
    "male": ({"Male": True}, ("a man", "it was a bloke", "a guy", "the fella")),
    "female": ({"Male": False}, ("a woman", "a lady", "it was a woman")),
    "young": ({"Young": True}, ("about 30", "late twenties", "early thirties", "thirty-ish", "about 25",
                                "twenty-five years old", "late thirties")),
    "old": ({"Young": False}, ("about fifty", "mid-forties", "forty-ish", "over sixty", "pushing fifty",
                               "maybe 50", "early forties")),
    "black_hair": ({"Black_Hair": True}, ("jet black hair", "dark haired", "black hair")),
    "blond_hair": ({"Blond_Hair": True}, ("blonde hair", "fair-haired", "dirty blond", "platinum blonde")),
    "brown_hair": ({"Brown_Hair": True}, ("brunette", "mousy brown hair", "light brown hair", "chestnut hair")),
    "gray_hair": ({"Gray_Hair": True}, ("grey hair", "silver hair", "gray hair")),
    "bald": ({"Bald": True}, ("bald", "shaved head")),
    "wavy_hair": ({"Wavy_Hair": True}, ("curly", "wavy hair", "frizzy hair")),
    "straight_hair": ({"Straight_Hair": True}, ("straight hair",)),
    "bangs": ({"Bangs": True}, ("a fringe", "bangs")),
    "receding": ({"Receding_Hairline": True}, ("receding hairline", "going a bit thin on top")),
    "goatee": ({"Goatee": True, "No_Beard": False}, ("a goatee",)),
    "mustache": ({"Mustache": True, "No_Beard": False}, ("a moustache", "a little tache")),
    "stubble": ({"5_o_Clock_Shadow": True, "No_Beard": False}, ("stubble", "unshaven")),
    "beard": ({"No_Beard": False}, ("a beard", "bearded")),
    "clean_shaven": ({"No_Beard": True, "Goatee": False, "Mustache": False, "5_o_Clock_Shadow": False,
                      "Sideburns": False}, ("clean-shaven", "no facial hair")),
    "glasses": ({"Eyeglasses": True}, ("glasses", "specs", "wore spectacles")),
    "hat": ({"Wearing_Hat": True}, ("a baseball cap", "a woolly hat")),
    "smiling": ({"Smiling": True}, ("smiling", "grinning")),
    "serious": ({"Smiling": False}, ("a serious face", "not smiling", "scowling")),
    "big_nose": ({"Big_Nose": True}, ("a big nose", "hooked nose")),
    "pointy_nose": ({"Pointy_Nose": True}, ("a pointy nose",)),
    "bushy_brows": ({"Bushy_Eyebrows": True}, ("thick eyebrows", "bushy brows")),
    "arched_brows": ({"Arched_Eyebrows": True}, ("arched eyebrows",)),
    "chubby": ({"Chubby": True}, ("chubby",)),
    "pale": ({"Pale_Skin": True}, ("pale", "pasty")),
    "makeup": ({"Heavy_Makeup": True}, ("heavy makeup", "lots of make-up")),
    "lipstick": ({"Wearing_Lipstick": True}, ("red lipstick",)),
    "full_lips": ({"Big_Lips": True}, ("full lips",)),
    "double_chin": ({"Double_Chin": True}, ("bit of a double chin",)),
    "earrings": ({"Wearing_Earrings": True}, ("earrings",)),
})

# Groups of statements that answer the same question (one per description). The witness states the
# one its memory holds; an error swaps it for another of the group (a wrong hair colour, age band).
GROUPS: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "sex": ("male", "female"),
    "age": ("young", "old"),
    "hair_colour": ("black_hair", "blond_hair", "brown_hair", "gray_hair"),
    "expression": ("smiling", "serious"),
})

# words that introduce a witness's correction; the parser lets the later statement win
CORRECTION_CUES = ("actually", "no wait", "I mean")


def statement_of(attrs: Mapping[str, bool], group: str) -> str | None:
    """The statement of `group` true of a face's 0/1 attributes (None when none holds)."""
    for sid in GROUPS[group]:
        if all(bool(attrs.get(a, False)) == v for a, v in STATEMENTS[sid][0].items()):
            return sid
    return None


def true_statements(attrs: Mapping[str, bool]) -> list[str]:
    """Every statement that holds for a face, in the order a witness tends to give them."""
    out = []
    for group in ("sex", "age", "hair_colour"):
        sid = statement_of(attrs, group)
        if sid:
            out.append(sid)
    male = bool(attrs.get("Male"))
    if attrs.get("Bald"):
        out = [s for s in out if s not in GROUPS["hair_colour"]] + ["bald"]
    if male:
        for sid in ("goatee", "mustache", "stubble"):
            if all(bool(attrs.get(a, False)) == v for a, v in STATEMENTS[sid][0].items()):
                out.append(sid)
                break
        else:
            out.append("beard" if not attrs.get("No_Beard", True) else "clean_shaven")
    for sid in ("glasses", "hat", "wavy_hair", "straight_hair", "bangs", "receding", "big_nose", "pointy_nose",
                "bushy_brows", "arched_brows", "chubby", "pale", "full_lips", "double_chin", "earrings"):
        if all(bool(attrs.get(a, False)) == v for a, v in STATEMENTS[sid][0].items()):
            out.append(sid)
    if not male:
        for sid in ("makeup", "lipstick"):
            if all(bool(attrs.get(a, False)) == v for a, v in STATEMENTS[sid][0].items()):
                out.append(sid)
    out.append(statement_of(attrs, "expression"))
    return [s for s in out if s]


def group_of(sid: str) -> str | None:
    return next((g for g, members in GROUPS.items() if sid in members), None)
