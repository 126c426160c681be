"""Inline fast paths of built-in value checks for the Python engine's generated code.

A built-in value test may carry ``test.fast`` (a dict written by the check itself, see
``rfsrules/checks/builtin/values.py``). For a value of a known Python type, :func:`inline_form`
turns it into generated code: a few statements and a condition. The contract is one-sided: the
condition true means the test passes; false means "call the real test", which then decides and
writes the message. A fast path can therefore only ever skip work, never change an answer, as long as
``ok`` is true only for values the test accepts (the tests in ``tests/test_engine_inline.py`` check
exactly that against the real tests).

Like the rest of the generated code, these lines hold only identifiers and operators written here;
every ruleset value (bounds, sets, tables, reference times) is bound into the namespace.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Callable

ISO = "iso"
"""A prelude the str branch runs once when a test needs the value parsed as an ISO timestamp (into ``d``)."""


def surely_passing(fast: dict | None) -> frozenset:
    """Python types for which a built-in test passes whatever the value (``str`` for ``type: string``)."""
    if not fast or fast.get("kind") != "type":
        return frozenset()
    out: set[type] = set()
    for name in fast["names"]:
        if name == "string":
            out.add(str)
        elif name == "integer":
            out.add(int)
        elif name == "number":
            out.add(int)
            if fast.get("allow_nan"):
                out.add(float)
        elif name == "boolean":
            out.add(bool)
        elif name == "object":
            out.add(dict)
        elif name == "array":
            out.add(list)
    return frozenset(out)


def needs(fast: dict | None, py_type: type | None) -> set[str]:
    """The preludes (:data:`ISO`) the inline form of ``fast`` needs for values of ``py_type``."""
    if not fast or py_type is not str:
        return set()
    kind = fast.get("kind")
    if kind == "max_age" or (kind == "type" and "timestamp" in fast["names"]):
        return {ISO}
    return set()


def iso_prelude(v: str, pad: str, bind: Callable[[str, Any], str]) -> list[str]:
    """Parse ``v`` (a str) once into ``d``: an aware or naive datetime, or None when it is no timestamp.

    Mirrors ``rfsrules.checks.timeparse.parse_iso_timestamp``: at most 10 characters is never a
    timestamp (a date alone), otherwise ``datetime.fromisoformat`` decides.
    """
    parse = bind("fromiso", datetime.fromisoformat)
    return [f"{pad}if len({v}) > 10:", f"{pad}    try:", f"{pad}        d = {parse}({v})",
            f"{pad}    except ValueError:", f"{pad}        d = None", f"{pad}else:", f"{pad}    d = None"]


def inline_form(fast: dict | None, py_type: type | None, v: str, pad: str,
                bind: Callable[[str, Any], str]) -> tuple[list[str], str] | None:
    """``(statements, condition)`` for a value ``v`` of exactly ``py_type``; None when there is no fast path.

    ``bind(prefix, obj)`` puts ``obj`` into the namespace and returns its name.
    """
    if not fast:
        return None
    kind = fast.get("kind")
    if kind == "type":
        return _type(fast, py_type, v)
    if kind == "range" and py_type in (int, float):
        return _range(fast, v, bind)
    if py_type is not str:
        return None
    if kind == "length":
        lo, hi = fast["min"], fast["max"]
        if lo >= 0 and hi != float("inf"):
            return [], f"{bind('lmin', lo)} <= len({v}) <= {bind('lmax', hi)}"
        if lo >= 0:
            return [], f"{bind('lmin', lo)} <= len({v})"
        return [], f"len({v}) <= {bind('lmax', hi)}"
    if kind == "in":
        return [], f"{v} in {bind('allowed', fast['strings'])}"
    if kind == "not_in":
        return [], f"{v} not in {bind('forbidden', fast['strings'])}"
    if kind == "pattern":
        return _pattern(fast, v, pad, bind), "ok"
    if kind == "max_age":
        return _max_age(fast, bind)
    return None


def _type(fast: dict, py_type: type | None, v: str) -> tuple[list[str], str] | None:
    names = fast["names"]
    if py_type is str and "timestamp" in names:
        return [], "d is not None"
    if py_type is float and "number" in names and not fast.get("allow_nan"):
        return [], f"{v} == {v}"  # NaN is not a number
    return None


def _range(fast: dict, v: str, bind) -> tuple[list[str], str]:
    lo, hi = fast["min"], fast["max"]
    low = None if lo is None else f"{bind('lo', lo)} {'<' if fast['exclusive_min'] else '<='} "
    high = None if hi is None else f" {'<' if fast['exclusive_max'] else '<='} {bind('hi', hi)}"
    # NaN compares false: the real test decides
    if low is not None and high is not None:
        return [], f"{low}{v}{high}"
    if low is not None:
        return [], f"{low}{v}"
    if high is not None:
        return [], f"{v}{high}"
    return [], "True"


def _pattern(fast: dict, v: str, pad: str, bind) -> list[str]:
    get, lookup = bind("pget", fast["get"]), bind("plookup", fast["lookup"])
    table = fast.get("table")
    if table is None:
        lines = [f"{pad}ok = {get}({v})"]
    else:
        tbl = bind("ptable", table)
        lines = [f"{pad}try:", f"{pad}    ok = {get}({v}.encode().translate({tbl}))",
                 f"{pad}except UnicodeEncodeError:", f"{pad}    ok = False"]
    return lines + [f"{pad}if ok is None:", f"{pad}    ok = {lookup}({v})"]


def _max_age(fast: dict, bind) -> tuple[list[str], str] | None:
    oldest: datetime = fast["oldest"]
    newest: datetime | None = fast["newest"]
    try:  # a naive timestamp means UTC: compare it with the UTC wall-clock bounds
        old_naive = oldest.astimezone(timezone.utc).replace(tzinfo=None)
        new_naive = None if newest is None else newest.astimezone(timezone.utc).replace(tzinfo=None)
    except (OverflowError, ValueError):  # bounds at the ends of the datetime range: no fast path
        return None
    old_a, old_n = bind("olda", oldest), bind("oldn", old_naive)
    if newest is None:
        naive, aware = f"{old_n} <= d", f"{old_a} <= d"
    else:
        new_a, new_n = bind("newa", newest), bind("newn", new_naive)
        naive, aware = f"{old_n} <= d <= {new_n}", f"{old_a} <= d <= {new_a}"
    return [], f"d is not None and (({naive}) if d.tzinfo is None else ({aware}))"
