"""The dropdown schema: groups of options, each option a setting of CelebA attributes.

The schema lives in `resources/attributes.yaml` so that the wording of the
description panel can change without touching code. It is validated strictly on
load: a typo in an attribute name would otherwise silently drop part of a
witness's description from the caption.
"""
from __future__ import annotations

import importlib.resources
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Optional

import yaml

from composer.errors import ComposerError
from composer.text.attributes import ATTRIBUTES

SCHEMA_VERSION = 1
UNSPECIFIED = "unspecified"
# Attributes a sketch artist must never be offered: they describe the photo or a
# judgement, not the face.
NOT_FORENSIC = frozenset({"Attractive", "Blurry"})
_FILE_NAME = "attributes.yaml"


class SchemaError(ComposerError):
    """The attribute schema file is missing or invalid."""


@dataclass(frozen=True)
class Option:
    """One dropdown entry and the attribute settings it stands for."""
    id: str
    label: str
    attributes: Mapping[str, bool]


@dataclass(frozen=True)
class Group:
    """One dropdown: an id, a label and its options ("unspecified" first or anywhere)."""
    id: str
    label: str
    options: tuple[Option, ...]

    def option(self, option_id: str) -> Option:
        for option in self.options:
            if option.id == option_id:
                return option
        raise KeyError(option_id)

    @property
    def attributes(self) -> frozenset[str]:
        """Every attribute any option of this group sets."""
        return frozenset(a for o in self.options for a in o.attributes)


@dataclass(frozen=True)
class AttributeSchema:
    """All dropdown groups, in display order."""
    version: int
    groups: tuple[Group, ...]
    source: str = "<memory>"

    def group(self, group_id: str) -> Group:
        for group in self.groups:
            if group.id == group_id:
                return group
        raise KeyError(group_id)

    def group_of(self, attribute: str) -> Optional[Group]:
        """The group whose options set `attribute`, if any."""
        for group in self.groups:
            if attribute in group.attributes:
                return group
        return None


def default_schema_path() -> Path:
    """Where the shipped attributes.yaml is: the repository's resources/ folder, or,
    for an installed package, `composer/resources/` package data."""
    candidates = [Path(__file__).resolve().parents[2] / "resources" / _FILE_NAME]
    try:
        packaged = importlib.resources.files("composer") / "resources" / _FILE_NAME
        candidates.append(Path(str(packaged)))
    except (ModuleNotFoundError, TypeError):  # pragma: no cover - exotic loaders
        pass
    for path in candidates:
        if path.is_file():
            return path
    raise SchemaError(
        f"Cannot find {_FILE_NAME}; looked in: " + ", ".join(str(p) for p in candidates)
        + ". Reinstall Composer or pass the schema path explicitly.")


def load_schema(path: Optional[Path] = None) -> AttributeSchema:
    """Read and validate a schema file (the shipped one when `path` is None)."""
    path = Path(path) if path is not None else default_schema_path()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SchemaError(f"Cannot read the attribute schema {path}: {exc}. "
                          "Check the path and file permissions.") from exc
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise SchemaError(f"The attribute schema {path} is not valid YAML: {exc}") from exc
    return parse_schema(data, str(path))


def parse_schema(data: Any, source: str = "<memory>") -> AttributeSchema:
    """Validate already-parsed YAML data; errors name `source`."""
    def fail(msg: str) -> SchemaError:
        return SchemaError(f"Invalid attribute schema {source}: {msg}")

    if not isinstance(data, Mapping):
        raise fail("the top level must be a mapping with 'version' and 'groups'")
    version = data.get("version")
    if version != SCHEMA_VERSION or isinstance(version, bool):
        raise fail(f"unsupported version {version!r} "
                   f"(this Composer reads version {SCHEMA_VERSION})")
    raw_groups = data.get("groups")
    if not isinstance(raw_groups, list) or not raw_groups:
        raise fail("'groups' must be a non-empty list")
    groups = tuple(_parse_group(g, i, fail) for i, g in enumerate(raw_groups))
    _check_unique([g.id for g in groups], "group id", fail)
    owner: dict[str, str] = {}
    for group in groups:
        for attribute in group.attributes:
            if attribute in owner:
                raise fail(f"attribute {attribute!r} is set by both groups {owner[attribute]!r} "
                           f"and {group.id!r}; each attribute may belong to one group only")
            owner[attribute] = group.id
    return AttributeSchema(version=version, groups=groups, source=source)


def _parse_group(raw: Any, index: int, fail) -> Group:
    if not isinstance(raw, Mapping):
        raise fail(f"group #{index + 1} must be a mapping with id, label and options")
    gid = _text(raw, "id", f"group #{index + 1}", fail)
    label = _text(raw, "label", f"group {gid!r}", fail)
    raw_options = raw.get("options")
    if not isinstance(raw_options, list) or not raw_options:
        raise fail(f"group {gid!r} needs a non-empty 'options' list")
    options = tuple(_parse_option(o, gid, fail) for o in raw_options)
    _check_unique([o.id for o in options], f"option id in group {gid!r}", fail)
    seen: dict[frozenset, str] = {}
    for o in options:
        same = seen.setdefault(frozenset(o.attributes.items()), o.id)
        if same != o.id:
            raise fail(f"options {same!r} and {o.id!r} of group {gid!r} set the same attributes")
    unspecified = [o for o in options if o.id == UNSPECIFIED]
    if not unspecified:
        raise fail(f"group {gid!r} has no {UNSPECIFIED!r} option")
    if unspecified[0].attributes:
        raise fail(f"the {UNSPECIFIED!r} option of group {gid!r} must set no attributes")
    return Group(id=gid, label=label, options=options)


def _parse_option(raw: Any, gid: str, fail) -> Option:
    if not isinstance(raw, Mapping):
        raise fail(f"an option of group {gid!r} is not a mapping with id, label and attributes")
    oid = _text(raw, "id", f"an option of group {gid!r}", fail)
    where = f"option {oid!r} of group {gid!r}"
    label = _text(raw, "label", where, fail)
    attrs = raw.get("attributes") or {}
    if not isinstance(attrs, Mapping):
        raise fail(f"{where}: 'attributes' must map attribute names to true/false")
    settings: dict[str, bool] = {}
    for name, value in attrs.items():
        if name not in ATTRIBUTES:
            raise fail(f"{where}: unknown attribute {name!r} (expected one of the 40 CelebA names, "
                       "for example 'Black_Hair')")
        if name in NOT_FORENSIC:
            raise fail(f"{where}: {name!r} is not a forensic attribute and may not be offered")
        if not isinstance(value, bool):
            raise fail(f"{where}: attribute {name!r} must be true or false, not {value!r}")
        settings[name] = value
    return Option(id=oid, label=label, attributes=settings)


def _text(raw: Mapping, key: str, where: str, fail) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not value.strip():
        raise fail(f"{where} needs a non-empty text {key!r}")
    return value


def _check_unique(ids: list[str], what: str, fail) -> None:
    seen: set[str] = set()
    for i in ids:
        if i in seen:
            raise fail(f"duplicate {what} {i!r}")
        seen.add(i)
