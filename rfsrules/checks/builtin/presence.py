"""Presence checks: ``required`` (not missing, not null) and ``not_null`` (not null)."""

from __future__ import annotations

from typing import Any, Callable

from ...paths import MISSING, FieldPath
from ...plugins.hookspecs import hookimpl
from ...results import Reason
from ..spec import CheckFailure, CheckSpec, CompileContext

FIELD_IS_MISSING = "field is missing"
FIELD_IS_NULL = "field is null"


def _failing_value(value: Any, fail_missing: bool, fail_null: bool) -> tuple[Reason, str] | None:
    if value is MISSING:
        return (Reason.MISSING_FIELD, FIELD_IS_MISSING) if fail_missing else None
    if value is None and fail_null:
        return Reason.NULL_VALUE, FIELD_IS_NULL
    return None


def _compile_presence(fields: tuple[FieldPath, ...], fail_missing: bool, fail_null: bool) -> Callable:
    """A record test reporting each of ``fields`` that is missing (if ``fail_missing``) or null (if ``fail_null``).

    Plain paths report the rule's path (``data.value``); ``[*]`` paths report each concrete element path
    (``items[1].sku``), or the first absent part once (``items``) when the array itself is not there.
    """
    if len(fields) == 1 and not fields[0].has_wildcard:
        get = fields[0].getter()
        name = fields[0].text
        missing = CheckFailure(name, None, Reason.MISSING_FIELD, FIELD_IS_MISSING)
        null = CheckFailure(name, None, Reason.NULL_VALUE, FIELD_IS_NULL)

        if fail_missing and fail_null:
            def test_one(record, line, _m=MISSING):
                value = get(record)
                if value is None:
                    return [null]
                if value is _m:
                    return [missing]
                return None
        elif fail_missing:
            def test_one(record, line, _m=MISSING):
                return [missing] if get(record) is _m else None
        else:
            def test_one(record, line):
                return [null] if get(record) is None else None
        return test_one

    plain = [(f.text, None if f.has_wildcard else f.getter(), f) for f in fields]

    def test_many(record, line):
        failures = None
        for name, get, path in plain:
            if get is not None:
                found = _failing_value(get(record), fail_missing, fail_null)
                if found is not None:
                    failures = failures or []
                    failures.append(CheckFailure(name, None, found[0], found[1]))
                continue
            for where, value in path.iter_values(record):
                found = _failing_value(value, fail_missing, fail_null)
                if found is not None:
                    failures = failures or []
                    failures.append(CheckFailure(where, None, found[0], found[1]))
        return failures

    return test_many


def build_required(rule, ctx: CompileContext):
    """Record test for ``required``: missing fails, null fails unless ``allow_null``."""
    return _compile_presence(rule.fields, True, not rule.params.get("allow_null", False))


def build_not_null(rule, ctx: CompileContext):
    """Record test for ``not_null``: null fails, missing passes."""
    return _compile_presence(rule.fields, False, True)


REQUIRED = CheckSpec(
    name="required",
    level="record",
    fields="many",
    summary="The field must be present, and not null unless allow_null.",
    description=(
        "Fails for each listed field that is **missing** from the record (reason `missing_field`, "
        "message `field is missing`) or that is **null** (reason `null_value`, message `field is null`); "
        "with `allow_null: true` a null value passes and only a missing field fails.\n\n"
        "Empty strings, `0`, `false`, `[]` and `{}` are present values and pass. "
        "A nested path such as `data.value` is missing when any part of it is absent, and also when "
        "`data` is not an object; the failure names the path as written (`data.value`).\n\n"
        "With a `[*]` path such as `items[*].sku` every element of the array is checked and each failure "
        "names its element (`items[1].sku`); an empty array has no elements and passes; when `items` "
        "itself is missing (or not an array) the record fails once, at `items`.\n\n"
        "With several fields, a record failing on two of them counts as one violation and two failures."
    ),
    params={
        "allow_null": {
            "type": "boolean", "default": False,
            "description": "Let a present null value pass; only a missing field fails.",
        },
    },
    default_severity="high",
    default_dimension="completeness",
    python=build_required,
    example="id: core-fields\ncheck: required\nfields: [id, timestamp, data]\n",
    failing_record={"id": "user_events_1_1", "data": None},
)

NOT_NULL = CheckSpec(
    name="not_null",
    level="record",
    fields="many",
    summary="The field must not be null (a missing field passes).",
    description=(
        "Fails with reason `null_value` (message `field is null`) for each listed field that is present "
        "with the value null. A **missing** field passes: use `required` to demand presence.\n\n"
        "With a `[*]` path every element is checked and each failure names its element "
        "(`items[1].sku`); elements without the key, and a missing array, pass."
    ),
    params={},
    default_severity="high",
    default_dimension="completeness",
    python=build_not_null,
    example="id: status-not-null\ncheck: not_null\nfield: data.status\n",
    failing_record={"data": {"value": 5, "status": None}},
)


@hookimpl
def rfsrules_register_checks() -> list[CheckSpec]:
    """The presence checks."""
    return [REQUIRED, NOT_NULL]
