"""The ``fields:`` shorthand: one field's attributes become ordinary rules with ids ``<field>.<check>``."""

from __future__ import annotations

from typing import Any, Callable, Mapping

from ..errors import Issue
from . import codes
from .merge import RuleEntry
from .yamlsafe import Loc, Pos

RANGE_KEYS = ("min", "max", "exclusive_min", "exclusive_max")
LENGTH_KEYS = {"min_length": "min", "max_length": "max"}
SIMPLE = {"type": ("type", "type"), "pattern": ("pattern", "pattern"), "in": ("in", "values"),
          "not_in": ("not_in", "values"), "max_age": ("max_age", "max_age")}
"""attribute -> (check, parameter)."""


def attribute_checks(attrs: dict[str, Any]) -> list[tuple[str, str]]:
    """``(check, triggering attribute)`` pairs of one field, in the order the attributes are written."""
    out: list[tuple[str, str]] = []
    seen: set[str] = set()

    def add(check: str, attr: str) -> None:
        if check not in seen:
            seen.add(check)
            out.append((check, attr))

    for attr, value in attrs.items():
        if attr in SIMPLE:
            add(SIMPLE[attr][0], attr)
        elif attr == "required" and value is True:
            add("required", attr)
        elif attr == "nullable" and value is False and attrs.get("required") is not True:
            add("not_null", attr)
        elif attr == "unique" and value is True:
            add("unique", attr)
        elif attr in ("min", "max"):
            add("range", attr)
        elif attr in LENGTH_KEYS:
            add("length", attr)
    return out


def _params(check: str, attrs: dict[str, Any]) -> dict[str, str]:
    """parameter -> attribute it comes from, for one generated check."""
    if check in ("type", "pattern", "in", "not_in", "max_age"):
        attr = next(a for a, (c, _p) in SIMPLE.items() if c == check)
        return {SIMPLE[attr][1]: attr}
    if check == "required":
        return {"allow_null": "nullable"} if "nullable" in attrs else {}
    if check == "range":
        return {k: k for k in RANGE_KEYS if k in attrs}
    if check == "length":
        return {param: attr for attr, param in LENGTH_KEYS.items() if attr in attrs}
    return {}


def expand_fields(fields: Any, fields_loc: Loc | None, *, id_prefix: str, section_path: tuple, section: str,
                  order_of: Callable[[str], int], origin_of: Callable[[str], str],
                  skip: set[str], issues: list[Issue],
                  bad_attrs: Mapping[str, set[str]] | None = None) -> list[RuleEntry]:
    """Generated rule entries of a (merged) ``fields:`` mapping, fields in order, then attributes in order.

    ``skip`` names fields that generate nothing (their path is invalid); ``bad_attrs`` names, per
    field, the attributes that already failed validation: they are left out, and the field's other
    attributes are still expanded and checked, so a file's problems are all reported in one run.
    """
    if not isinstance(fields, dict) or fields_loc is None:
        return []
    out: list[RuleEntry] = []
    for name, attrs in fields.items():
        if name in skip or not isinstance(attrs, dict):
            continue
        field_loc = fields_loc.child(name) or fields_loc
        field_key = fields_loc.key_pos(name) or field_loc.pos
        for flag, bound in (("exclusive_min", "min"), ("exclusive_max", "max")):
            if flag in attrs and bound not in attrs:
                pos = field_loc.key_pos(flag) or field_loc.pos
                issues.append(Issue(pos.file, pos.line, pos.col,
                                    f"{flag} has no effect without {bound} in field {name!r}", codes.SCHEMA))
        bad = bad_attrs.get(name) if bad_attrs else None
        if bad:
            attrs = {k: v for k, v in attrs.items() if k not in bad}
        for check, trigger in attribute_checks(attrs):
            trigger_pos = field_loc.key_pos(trigger) or field_key
            data: dict[str, Any] = {"id": f"{id_prefix}{name}.{check}", "check": check, "field": name}
            children: dict[str, Loc] = {"id": Loc(trigger_pos), "check": Loc(trigger_pos), "field": Loc(field_key)}
            keys: dict[str, Pos] = {"id": trigger_pos, "check": trigger_pos, "field": field_key}
            for param, attr in _params(check, attrs).items():
                value = attrs[attr]
                data[param] = (value is True) if check == "required" else value
                children[param] = field_loc.child(attr) or Loc(trigger_pos)
                keys[param] = field_loc.key_pos(attr) or trigger_pos
            for extra in ("severity", "description"):
                if extra in attrs:
                    data[extra] = attrs[extra]
                    children[extra] = field_loc.child(extra) or Loc(trigger_pos)
                    keys[extra] = field_loc.key_pos(extra) or trigger_pos
            out.append(RuleEntry(data, Loc(trigger_pos, children, keys), trigger_pos, order_of(trigger_pos.file),
                                 origin_of(trigger_pos.file), section_path + (name,), section, trigger))
    return out
