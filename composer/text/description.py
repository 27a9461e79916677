"""A witness Description (dropdown choices + free text) -> Interpretation (caption + report).

The caption is always `render_caption(state)`, the canonical wording the text
encoder was trained on. The Interpretation also says what was understood, what
was not (and why), and every conflict and how it was settled, so that the artist
and the case file can see exactly how the words became a face:

* dropdown vs free text: the more recently edited one wins (`text_last`);
* inside the free text: the later mention wins ("blond ... black hair");
* hair colours (and hair textures) exclude each other: the loser is left
  unspecified, never silently set to False.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Mapping, Optional

from composer.errors import DescriptionError
from composer.text import attributes as A
from composer.text.captions import render_caption
from composer.text.parse import Match, Unknown, parse
from composer.text.schema import UNSPECIFIED, AttributeSchema, Group

__all__ = ["Description", "Interpretation", "Match", "Unknown", "Conflict", "Choice",
           "interpret", "require_nonempty", "EMPTY_MESSAGE"]

EMPTY_MESSAGE = ("The description is empty: choose at least one attribute or type a "
                 "description of the face.")
_EXCLUSIVE = (tuple(A.HAIR_COLOUR), tuple(A.HAIR_TEXTURE))
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
                spans.setdefault((m.start, m.end, m.text), []).append(
                    f"{m.attribute} = {_yes_no(m.value)}{how}")
            items = [f"'{t}' -> {', '.join(v)}" for (_, _, t), v in spans.items()]
            lines.append("Understood: " + _limited(items))
        if self.not_understood:
            lines.append("Not understood: " + _limited(
                [f"'{u.text}' ({u.reason})" for u in self.not_understood]))
        lines += [f"Conflict: {c.message}" for c in self.conflicts]
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
            "implied_choices": dict(self.implied_choices),
            "choices": [asdict(c) for c in self.choices],
            "empty": self.empty,
            "schema_version": self.schema_version,
        }


def interpret(description: Description, schema: AttributeSchema) -> Interpretation:
    """Resolve dropdowns and free text into one attribute state and its caption."""
    choices, dropdown = _dropdown_state(description, schema)
    parsed = parse(description.free_text)
    text, conflicts = _text_state(parsed.matches)
    state: dict[str, Optional[bool]] = {name: None for name in A.ATTRIBUTES}
    for name, (value, _) in dropdown.items():
        state[name] = value
    for name, match in text.items():
        clash = _clash_with_dropdown(name, match, dropdown, description.text_last)
        conflicts += clash
        if not clash or description.text_last:
            state[name] = match.value
            for c in clash:
                if c.attribute != name:
                    state[c.attribute] = None
    return Interpretation(
        caption=render_caption(state), state=state, understood=parsed.matches,
        not_understood=parsed.unknown, conflicts=tuple(conflicts),
        implied_choices=_implied(text, schema), empty=all(v is None for v in state.values()),
        filler=parsed.filler, choices=tuple(choices), schema_version=schema.version)


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


def _rivals(name: str) -> tuple[str, ...]:
    for group in _EXCLUSIVE:
        if name in group:
            return tuple(n for n in group if n != name)
    return ()


def _text_state(matches: tuple[Match, ...]) -> tuple[dict[str, Match], list[Conflict]]:
    """Last mention wins inside the free text; contradictions are reported."""
    state: dict[str, Match] = {}
    conflicts: list[Conflict] = []
    for m in matches:
        prev = state.get(m.attribute)
        if prev is not None and prev.value != m.value:
            conflicts.append(Conflict(
                m.attribute, None, prev.value, "later mention",
                f"free text says '{prev.text}' ({m.attribute} = {_yes_no(prev.value)}) and later "
                f"'{m.text}' ({m.attribute} = {_yes_no(m.value)}); the later mention wins"))
        if m.value:
            for other in _rivals(m.attribute):
                earlier = state.get(other)
                if earlier is not None and earlier.value:
                    conflicts.append(Conflict(
                        other, None, True, "later mention",
                        f"free text says '{earlier.text}' ({other}) and later '{m.text}' "
                        f"({m.attribute}); only one can be true, the later mention wins"))
                    del state[other]
        state[m.attribute] = m
    return state, conflicts


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
    for other in _rivals(name) if match.value else ():
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
