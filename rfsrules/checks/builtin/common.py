"""Parameter and field checks shared by the built-in checks (bounds given, ordered, satisfiable; keys)."""

from __future__ import annotations

import math
from typing import Any, Mapping

from ..types import format_number


def bounds_problems(params: Mapping[str, Any], *, exclusive: bool = False) -> list[tuple[str | None, str]]:
    """Problems with ``min``/``max``: neither given, NaN, min above max, or (with ``exclusive``) an empty range.

    ``exclusive`` means the check has ``exclusive_min``/``exclusive_max`` flags to consider.
    """
    lo, hi = params.get("min"), params.get("max")
    if lo is None and hi is None:
        return [(None, "give at least one of min, max")]
    problems: list[tuple[str | None, str]] = []
    for key, bound in (("min", lo), ("max", hi)):
        if type(bound) is float and math.isnan(bound):
            problems.append((key, f"{key} must be a number, not NaN"))
    if problems or not _is_number(lo) or not _is_number(hi):
        return problems
    if lo > hi:
        problems.append(("min", f"min ({format_number(lo)}) is greater than max ({format_number(hi)})"))
    elif lo == hi and exclusive and (params.get("exclusive_min") or params.get("exclusive_max")):
        problems.append(("min", f"min equals max ({format_number(lo)}) with an exclusive bound: no value can pass"))
    return problems


def _is_number(v: Any) -> bool:
    return type(v) is int or type(v) is float


def composite_key_problems(fields) -> list[str]:
    """``validate_fields`` of checks keyed by one field or a combination of fields (``unique``, ``duplicate_rate``):
    a ``[*]`` path gives many keys per record, so it can only be the whole key."""
    if len(fields) > 1 and any(f.has_wildcard for f in fields):
        return ["a composite key cannot use [*] paths; give one [*] path alone"]
    return []
