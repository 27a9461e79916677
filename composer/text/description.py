"""A witness Description (dropdown choices + free text) -> Interpretation (caption + report).

The caption is always `render_caption(state)`, the canonical wording the text
encoder was trained on. The Interpretation also says what was understood, what
was not (and why), and every conflict and how it was settled, so that the artist
and the case file can see exactly how the words became a face:

* dropdown vs free text: the more recently edited one wins (`text_last`);
* inside the free text: the later mention wins ("blond ... black hair");
* hair colours (and hair textures) exclude each other, and a bald head excludes
  hair of a colour other than grey, a texture and bangs (CelebA has almost no
  bald faces with them; grey hair at the sides of a bald head is common): the
  loser is left unspecified, never silently set to False;
* statements that rarely go together but can (a woman with a beard, a bald
  woman) are both kept and reported, for the artist to check with the witness;
* a later mention in the free text that overrides an earlier one is kept as a
  `Correction` (earlier and later phrase, in order, and the cue such as
  "Correction:" or "actually" when the witness gave one); the later one wins.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Mapping, Optional

from composer.errors import DescriptionError
from composer.text import attributes as A
from composer.text.captions import render_caption
from composer.text.parse import CORRECTION_CUE, Match, Unknown, parse
from composer.text.schema import UNSPECIFIED, AttributeSchema, Group

__all__ = ["Description", "Interpretation", "Match", "Unknown", "Conflict", "Correction", "Choice",
           "interpret", "require_nonempty", "EMPTY_MESSAGE"]

EMPTY_MESSAGE = ("The description is empty: choose at least one attribute or type a "
                 "description of the face.")
_EXCLUSIVE = (tuple(A.HAIR_COLOUR), tuple(A.HAIR_TEXTURE))
# Present together on (almost) no CelebA face: the later statement wins.
_BALD_EXCLUDES = ("Black_Hair", "Blond_Hair", "Brown_Hair", "Wavy_Hair", "Straight_Hair", "Bangs")
# Rare but possible together: both are kept and the pair is reported.
_FACIAL_HAIR_PARTS = ("Goatee", "Mustache", "Sideburns", "5_o_Clock_Shadow")
_UNLIKELY: tuple[tuple[tuple[str, bool], tuple[str, bool], str], ...] = (
    *((("Male", False), (a, v), "CelebA has almost no women with facial hair")
      for a, v in (("No_Beard", False), *((p, True) for p in _FACIAL_HAIR_PARTS))),
    (("Male", False), ("Bald", True), "CelebA has almost no bald women"),
)
_LIST_LIMIT = 25  # items per line in report(); to_json() always has everything


@dataclass(frozen=True)
class Description:
    """What the artist entered: group id -> option id, free text, and which was edited last."""
    choices: Mapping[str, str] = field(default_factory=dict)
    free_text: str = ""
    text_last: bool = True

    def __post_init__(self):
        if not isinstance(self.choices, Mapping) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in self.choices.items()):
            raise DescriptionError("Description choices must map dropdown group ids to option "
                                   f"ids (text to text), got {self.choices!r}.")
        if not isinstance(self.free_text, str):
            raise DescriptionError("The free-text description must be text, not "
                                   f"{type(self.free_text).__name__}.")
        if not isinstance(self.text_last, bool):
            raise DescriptionError(f"text_last must be true or false, not {self.text_last!r}.")
        object.__setattr__(self, "choices", dict(self.choices))

    def to_json(self) -> dict:
        return {"choices": dict(sorted(self.choices.items())), "free_text": self.free_text,
                "text_last": self.text_last}

    @classmethod
    def from_json(cls, data: Any) -> "Description":
        if not isinstance(data, Mapping):
            raise DescriptionError(f"A saved description must be an object, got {data!r}.")
        return cls(choices=data.get("choices", {}), free_text=data.get("free_text", ""),
                   text_last=data.get("text_last", True))


@dataclass(frozen=True)
class Conflict:
    """Two statements about the face that cannot both hold, and which one was kept.

    `attribute` is the one the losing statement was about; `winner` is "free text",
    "dropdown" or "later mention" (a contradiction inside the free text)."""
    attribute: str
    dropdown_value: Optional[bool]
    text_value: Optional[bool]
    winner: str
    message: str


@dataclass(frozen=True)
class Correction:
    """A later statement in the free text that overrides an earlier one; both are kept, in
    text order, and the later one is used. `cue` is the word the witness introduced the
    correction with ("Correction", "actually", "no wait"), or "" when there was none."""
    attribute: str
    earlier: str
    earlier_value: bool
    earlier_start: int
    later_attribute: str
    later: str
    later_value: bool
    later_start: int
    cue: str
    message: str


@dataclass(frozen=True)
class Choice:
    """A dropdown option the artist picked (other than "unspecified")."""
    group: str
    option: str
    group_label: str
    option_label: str


@dataclass(frozen=True)
class Interpretation:
    caption: str
    state: dict[str, Optional[bool]]
    understood: tuple[Match, ...]
    not_understood: tuple[Unknown, ...]
    conflicts: tuple[Conflict, ...]
    implied_choices: dict[str, str]
    empty: bool
    filler: tuple[Unknown, ...] = ()      # words and punctuation read as carrying no attribute
    choices: tuple[Choice, ...] = ()      # dropdown options in effect
    schema_version: int = 0
    corrections: tuple[Correction, ...] = ()  # later free-text statements overriding earlier ones

    def report(self) -> str:
        """A short human-readable account of how the description was read."""
        if self.empty and not (self.not_understood or self.filler):
            return "Nothing described yet: " + EMPTY_MESSAGE.split(": ", 1)[1]
        lines = [f"Caption: {self.caption}"]
        if self.choices:
            lines.append("From the dropdowns: " + "; ".join(
                f"{c.group_label}: {c.option_label}" for c in self.choices))
        if self.understood:
            spans: dict[tuple[int, int, str], list[str]] = {}
            for m in self.understood:
                how = f" ({m.how})" if m.how.startswith("negated") else ""
                how += f" ({m.note})" if getattr(m, "note", "") else ""
                spans.setdefault((m.start, m.end, m.text), []).append(
                    f"{m.attribute} = {_yes_no(m.value)}{how}")
            items = [f"'{t}' -> {', '.join(v)}" for (_, _, t), v in spans.items()]
            lines.append("Understood: " + _limited(items))
        if self.not_understood:
            lines.append("Not understood: " + _limited(
                [f"'{u.text}' ({u.reason})" for u in self.not_understood]))
        shown = {c.message for c in self.corrections if c.cue}
        lines += [f"Correction: {c.message}" for c in self.corrections if c.cue]
        lines += [f"Conflict: {c.message}" for c in self.conflicts if c.message not in shown]
        words = list(dict.fromkeys(
            f.text.lower() for f in self.filler if f.reason != "punctuation"))
        if words:
            lines.append("Read as filler: " + _limited(words))
        if self.empty:
            lines.append("Nothing here sets a face attribute yet.")
        return "\n".join(lines)

    def to_json(self) -> dict:
        """JSON-safe dict with everything (for case files)."""
        return {
            "caption": self.caption,
            "state": dict(self.state),
            "understood": [asdict(m) for m in self.understood],
            "not_understood": [asdict(u) for u in self.not_understood],
            "filler": [asdict(f) for f in self.filler],
            "conflicts": [asdict(c) for c in self.conflicts],
            "corrections": [asdict(c) for c in self.corrections],
            "implied_choices": dict(self.implied_choices),
            "choices": [asdict(c) for c in self.choices],
            "empty": self.empty,
            "schema_version": self.schema_version,
        }


def interpret(description: Description, schema: AttributeSchema) -> Interpretation:
    """Resolve dropdowns and free text into one attribute state and its caption."""
    choices, dropdown = _dropdown_state(description, schema)
    parsed = parse(description.free_text)
    text, conflicts, corrections = _text_state(parsed.matches, parsed.filler, description.free_text)
    state: dict[str, Optional[bool]] = {name: None for name in A.ATTRIBUTES}
    said: dict[str, str] = {}  # attribute -> who said its value, for reports
    for name, (value, choice) in dropdown.items():
        state[name] = value
        said[name] = f"the {choice.group_label.lower()} dropdown says {choice.option_label}"
    for name, match in text.items():
        clash = _clash_with_dropdown(name, match, dropdown, description.text_last)
        conflicts += clash
        if not clash or description.text_last:
            state[name] = match.value
            said[name] = f"free text says '{match.text}'"
            for c in clash:
                if c.attribute != name:
                    state[c.attribute] = None
    conflicts += _remaining_clashes(state, said)
    return Interpretation(
        caption=render_caption(state), state=state, understood=parsed.matches,
        not_understood=parsed.unknown, conflicts=tuple(conflicts),
        implied_choices=_implied(text, schema), empty=all(v is None for v in state.values()),
        filler=parsed.filler, choices=tuple(choices), schema_version=schema.version,
        corrections=tuple(corrections))


def require_nonempty(interp: Interpretation) -> Interpretation:
    """Return `interp`, or raise DescriptionError if it specifies no attribute at all."""
    if not interp.empty:
        return interp
    if not interp.not_understood and not interp.filler:
        raise DescriptionError(EMPTY_MESSAGE)
    heard = ", ".join(f"'{u.text}'" for u in interp.not_understood[:10]) or "only filler words"
    raise DescriptionError(
        f"Nothing in the description sets a face attribute (not understood: {heard}): choose "
        "at least one attribute or describe the face with other words.")


def _dropdown_state(description: Description, schema: AttributeSchema):
    """Chosen options and attribute -> (value, Choice) from the dropdowns."""
    chosen, state = [], {}
    for gid, oid in description.choices.items():
        try:
            group = schema.group(gid)
        except KeyError:
            raise DescriptionError(
                f"Unknown dropdown group {gid!r}; known groups: "
                f"{', '.join(g.id for g in schema.groups)}. Was this saved with another "
                "attribute schema?") from None
        try:
            option = group.option(oid)
        except KeyError:
            raise DescriptionError(
                f"Unknown option {oid!r} for the {group.label} dropdown; choose one of: "
                f"{', '.join(o.id for o in group.options)}.") from None
        if option.id == UNSPECIFIED:
            continue
        choice = Choice(group.id, option.id, group.label, option.label)
        chosen.append(choice)
        for name, value in option.attributes.items():
            state[name] = (value, choice)
    order = {g.id: i for i, g in enumerate(schema.groups)}
    return sorted(chosen, key=lambda c: order[c.group]), state


def _rivals(name: str, value: bool = True) -> tuple[str, ...]:
    """Attributes that cannot be present when `name` is `value` (only presence excludes)."""
    if not value:
        return ()
    if name == "Bald":
        return _BALD_EXCLUDES
    colours = next((tuple(n for n in g if n != name) for g in _EXCLUSIVE if name in g), ())
    return colours + (("Bald",) if name in _BALD_EXCLUDES else ())


def _facial_hair_spans(matches: tuple[Match, ...]):
    """Spans of phrases that name a part of the facial hair ('moustache'), and of phrases that
    deny facial hair beyond a plain 'no beard' ('clean-shaven')."""
    parts = {(m.start, m.end) for m in matches if m.attribute in _FACIAL_HAIR_PARTS and m.value}
    shaven = {(m.start, m.end) for m in matches if m.attribute in _FACIAL_HAIR_PARTS and not m.value}
    return parts, shaven


def _said(m: Match, free_text: str) -> str:
    """The words of a statement: 'no glasses' for the match 'glasses' negated by 'no'."""
    if m.how.startswith("negated by '") and free_text:
        cue = m.how[len("negated by '"):-1]
        at = free_text.rfind(cue, 0, m.start)
        if at >= 0:
            return " ".join(free_text[at:m.end].split())
    return m.text


def _text_state(matches: tuple[Match, ...], filler: tuple[Unknown, ...] = (), free_text: str = ""):
    """Last mention wins inside the free text; contradictions are reported, and kept as
    corrections (earlier and later statement, with the witness's cue if any)."""
    state: dict[str, Match] = {}
    conflicts: list[Conflict] = []
    corrections: list[Correction] = []
    cues = [f for f in filler if f.reason == CORRECTION_CUE]
    parts, shaven = _facial_hair_spans(matches)

    def override(prev: Match, m: Match, message: str) -> None:
        message = message.replace(f"'{prev.text}'", f"'{_said(prev, free_text)}'", 1)
        message = message.replace(f"later '{m.text}'", f"later '{_said(m, free_text)}'", 1)
        cue = next((c.text.rstrip(":") for c in reversed(cues) if prev.end <= c.start < m.start), "")
        if cue:
            message = message.replace("and later", f"and later, after '{cue}',", 1)
        conflicts.append(Conflict(prev.attribute, None, prev.value, "later mention", message))
        corrections.append(Correction(prev.attribute, _said(prev, free_text), prev.value, prev.start,
                                      m.attribute, _said(m, free_text), m.value, m.start, cue, message))

    for m in matches:
        prev = state.get(m.attribute)
        if prev is not None and prev.value != m.value:
            if m.attribute == "No_Beard" and _beard_beside_part(prev, m, parts, shaven):
                # "no beard, just a moustache": CelebA labels a moustache face No_Beard = no
                state[m.attribute] = prev if not prev.value else m
                continue
            override(prev, m, (
                f"free text says '{prev.text}' ({m.attribute} = {_yes_no(prev.value)}) and later "
                f"'{m.text}' ({m.attribute} = {_yes_no(m.value)}); the later mention wins"))
        for other in _rivals(m.attribute, m.value):
            earlier = state.get(other)
            if earlier is not None and earlier.value:
                override(earlier, m, (
                    f"free text says '{earlier.text}' ({other}) and later '{m.text}' "
                    f"({m.attribute}); only one can be true, the later mention wins"))
                del state[other]
        state[m.attribute] = m
    return state, conflicts, corrections


def _beard_beside_part(a: Match, b: Match, parts, shaven) -> bool:
    """One says 'no beard' (plain), the other is the No_Beard = no that comes with a moustache,
    goatee, sideburns or stubble: not a contradiction."""
    def plain_no(m):
        return m.value and (m.start, m.end) not in shaven and (m.start, m.end) not in parts

    def from_part(m):
        return not m.value and (m.start, m.end) in parts
    return (plain_no(a) and from_part(b)) or (plain_no(b) and from_part(a))


def _remaining_clashes(state: Mapping[str, Optional[bool]], said: Mapping[str, str]) -> list[Conflict]:
    """Across attributes, in the final state: rare pairs (kept, reported) and exclusive pairs
    that both dropdowns set (kept: the dropdowns cannot say which was meant last)."""
    out, seen = [], set()
    pairs = [(a, v, b, w, why) for (a, v), (b, w), why in _UNLIKELY]
    pairs += [(a, True, b, True, "only one can be true") for a in A.ATTRIBUTES
              for b in _rivals(a) if a < b]
    for a, v, b, w, why in pairs:
        if state.get(a) is not v or state.get(b) is not w:
            continue
        key = (said.get(a), said.get(b))
        if key in seen:
            continue
        seen.add(key)
        out.append(Conflict(b, None, w, "both kept", (
            f"{said.get(a)} ({a} = {_yes_no(v)}) and {said.get(b)} ({b} = {_yes_no(w)}): "
            f"{why}; both are kept, check with the witness")))
    return out


def _clash_with_dropdown(name: str, match: Match, dropdown: Mapping, text_last: bool,
                         ) -> list[Conflict]:
    """Conflicts between one free-text statement and the dropdowns."""
    winner = "free text" if text_last else "dropdown"
    why = f"{'free text' if text_last else 'the dropdown'} wins because it was edited last"
    out = []
    said = f"free text says '{match.text}' ({name} = {_yes_no(match.value)})"
    if name in dropdown and dropdown[name][0] != match.value:
        value, choice = dropdown[name]
        out.append(Conflict(name, value, match.value, winner,
                            f"{said} but the {choice.group_label.lower()} dropdown says "
                            f"{choice.option_label}; {why}"))
    for other in _rivals(name, match.value):
        if other in dropdown and dropdown[other][0]:
            choice = dropdown[other][1]
            out.append(Conflict(other, True, None, winner,
                                f"{said} but the {choice.group_label.lower()} dropdown says "
                                f"{choice.option_label} ({other}); only one can be true, {why}"))
    return out


def _implied(text: Mapping[str, Match], schema: AttributeSchema) -> dict[str, str]:
    """For each group, the option that best fits what the free text says."""
    out = {}
    for group in schema.groups:
        best = _best_option(group, {n: m.value for n, m in text.items()})
        if best is not None:
            out[group.id] = best
    return out


def _best_option(group: Group, said: Mapping[str, bool]) -> Optional[str]:
    best, best_score = None, (0, 0, 0)
    for option in group.options:
        attrs = option.attributes
        if any(n in said and said[n] != v for n, v in attrs.items()):
            continue
        agree = sum(1 for n in attrs if n in said)
        extra_present = sum(1 for n, v in attrs.items() if n not in said and v)
        score = (agree, -extra_present, -(len(attrs) - agree))  # claim as little as possible
        if agree and (best is None or score > best_score):
            best, best_score = option.id, score
    return best


def _yes_no(value: Optional[bool]) -> str:
    return {True: "yes", False: "no", None: "unspecified"}[value]


def _limited(items: list[str]) -> str:
    more = len(items) - _LIST_LIMIT
    return "; ".join(items[:_LIST_LIMIT]) + (f"; ... and {more} more" if more > 0 else "")
