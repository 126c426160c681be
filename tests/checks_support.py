"""Helpers for the check-catalogue tests: build rules directly and run a check's implementation."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Iterable, Mapping

from rfsrules.checks.builtin import builtin_registry
from rfsrules.checks.docs import run_check
from rfsrules.checks.spec import CompileContext
from rfsrules.paths import parse_path
from rfsrules.ruleset.model import Rule, frozen_mapping

REGISTRY = builtin_registry()
REF_TIME = datetime(2026, 1, 15, 12, 0, 0, tzinfo=timezone.utc)
CTX = CompileContext(ref_time=REF_TIME)


def make_rule(check: str, fields: str | Iterable[str] = (), **params: Any) -> Rule:
    """A Rule for ``check`` on ``fields`` with the declared parameter defaults applied."""
    spec = REGISTRY.get(check)
    if isinstance(fields, str):
        fields = [fields]
    full = {k: s["default"] for k, s in spec.params.items() if "default" in s}
    full.update(params)
    return Rule(id=f"t-{check}", check=check, level=spec.level,
                fields=tuple(parse_path(f) for f in fields), params=frozen_mapping(full))


def compile_check(check: str, fields: str | Iterable[str] = (), ctx: CompileContext = CTX, **params: Any):
    """The compiled Python implementation (value test, record test or accumulator)."""
    return REGISTRY.get(check).python(make_rule(check, fields, **params), ctx)


def run(check: str, records: Iterable[Mapping[str, Any]], fields: str | Iterable[str] = (),
        ctx: CompileContext = CTX, **params: Any) -> list[tuple[int | None, Any]]:
    """``(line, CheckFailure)`` pairs of the check over ``records`` as one batch."""
    spec = REGISTRY.get(check)
    return run_check(spec, make_rule(check, fields, **params), list(records), ctx)


def lines(failures) -> list[int | None]:
    return [line for line, _ in failures]


def reasons(failures) -> list[str]:
    return [str(f.reason) for _, f in failures]


def messages(failures) -> list[str]:
    return [f.message for _, f in failures]


def validate(check: str, **params: Any) -> list[tuple[str | None, str]]:
    spec = REGISTRY.get(check)
    return list(spec.validate(params)) if spec.validate else []
