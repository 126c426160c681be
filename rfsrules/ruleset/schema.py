"""The JSON Schema (Draft 2020-12) of ruleset format v1, built from the check registry.

:func:`ruleset_json_schema` is the full schema for editors. The loader validates with the same
building blocks in two stages (the document with rules as plain mappings, then each rule against
its check's parameters) so that errors read well and name the check's own parameters.
"""

from __future__ import annotations

import copy
from typing import Any

from ..checks.spec import CheckRegistry, CheckSpec
from ..results import DIMENSIONS, SEVERITIES
from ..units import DURATION_PATTERN, SIZE_PATTERN

FORMAT_VERSION = 1
SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
RULE_ID_PATTERN = r"^[A-Za-z0-9_.:-]+$"
SEMVER_PATTERN = r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$"

PATTERN_HINTS = {
    RULE_ID_PATTERN: "an id made of ASCII letters, digits and _ . : -",
    SEMVER_PATTERN: "a semantic version like 1.2.0",
    DURATION_PATTERN: "a duration like 30s, 5m, 1h30m or 2d",
    SIZE_PATTERN: "a size like 512MiB, 1GB or 100KB",
}
"""Readable descriptions of the patterns used in the schema (for error messages)."""

THRESHOLD_NAMES = ("quality_score_min", "anomaly_score_max", "processing_time_max",
                   "memory_usage_max", "error_rate_max")
LEVEL_NAMES = ("excellent", "good", "acceptable", "poor")

FIELD_ATTRIBUTES = ("type", "required", "nullable", "unique", "min", "max", "exclusive_min", "exclusive_max",
                    "min_length", "max_length", "pattern", "in", "not_in", "max_age", "severity", "description")
"""Keys of a ``fields:`` entry, in documentation order."""

COMMON_RULE_KEYS = ("id", "check", "field", "fields", "severity", "dimension", "message", "where",
                    "enabled", "description", "tags")
"""Keys every rule may have, whatever its check; the check's own parameters come next to them."""


def _fraction(description: str) -> dict[str, Any]:
    return {"type": "number", "minimum": 0, "maximum": 1, "description": description}


def _duration(description: str) -> dict[str, Any]:
    return {"type": "string", "pattern": DURATION_PATTERN, "description": description}


def severity_schema() -> dict[str, Any]:
    """A severity name."""
    return {"type": "string", "enum": list(SEVERITIES), "description": "low, medium, high or critical"}


def dimension_schema() -> dict[str, Any]:
    """A quality dimension name."""
    return {"type": "string", "enum": list(DIMENSIONS),
            "description": "completeness, consistency, accuracy or timeliness"}


def common_rule_properties(registry: CheckRegistry | None = None) -> dict[str, Any]:
    """JSON Schema properties shared by every rule (``id``, ``check``, ``field``, ``severity``, ...)."""
    check: dict[str, Any] = {"type": "string", "minLength": 1, "description": "the name of a registered check"}
    if registry is not None and len(registry):
        check["enum"] = registry.names()
    return {
        "id": {"type": "string", "pattern": RULE_ID_PATTERN, "description": "unique rule id"},
        "check": check,
        "field": {"type": "string", "minLength": 1, "description": "the field path the check applies to"},
        "fields": {"type": "array", "items": {"type": "string", "minLength": 1}, "minItems": 1,
                   "description": "several field paths (checks that take many fields)"},
        "severity": severity_schema(),
        "dimension": dimension_schema(),
        "message": {"type": "string",
                    "description": "violation message template: {field}, {value}, {rule_id} and parameter names"},
        "where": {"type": "string", "description": "expression; only records where it is true are checked"},
        "enabled": {"type": "boolean", "description": "false switches the rule off"},
        "description": {"type": "string"},
        "tags": {"type": "array", "items": {"type": "string"}},
    }


def check_rule_schema(spec: CheckSpec, registry: CheckRegistry | None = None) -> dict[str, Any]:
    """The complete schema of a rule using check ``spec``: common keys plus its parameters, nothing else."""
    props = common_rule_properties(registry)
    for name, schema in spec.params.items():
        if name not in props:
            props[name] = copy.deepcopy(dict(schema))
    props["check"] = {"const": spec.name}
    return {"type": "object", "properties": props, "required": ["id", "check", *spec.required],
            "additionalProperties": False}


def _param(registry: CheckRegistry | None, check: str, param: str, fallback: dict[str, Any]) -> dict[str, Any]:
    if registry is not None and check in registry:
        schema = registry.get(check).params.get(param)
        if schema is not None:
            return copy.deepcopy(dict(schema))
    return fallback


def field_attributes_schema(registry: CheckRegistry | None = None) -> dict[str, Any]:
    """The schema of one ``fields:`` entry (shorthand attributes); parameter shapes come from the checks."""
    type_names = ["string", "integer", "number", "boolean", "object", "array", "timestamp", "date", "uuid",
                  "email", "null"]
    type_fallback = {"anyOf": [{"type": "string", "enum": type_names},
                               {"type": "array", "items": {"type": "string", "enum": type_names}, "minItems": 1}]}
    props = {
        "type": _param(registry, "type", "type", type_fallback),
        "required": {"type": "boolean", "description": "true adds a `required` rule"},
        "nullable": {"type": "boolean", "description": "false forbids null (`not_null`, or required without allow_null)"},
        "unique": {"type": "boolean", "description": "true adds a `unique` rule"},
        "min": _param(registry, "range", "min", {"type": "number"}),
        "max": _param(registry, "range", "max", {"type": "number"}),
        "exclusive_min": _param(registry, "range", "exclusive_min", {"type": "boolean"}),
        "exclusive_max": _param(registry, "range", "exclusive_max", {"type": "boolean"}),
        "min_length": _param(registry, "length", "min", {"type": "integer", "minimum": 0}),
        "max_length": _param(registry, "length", "max", {"type": "integer", "minimum": 0}),
        "pattern": _param(registry, "pattern", "pattern", {"type": "string"}),
        "in": _param(registry, "in", "values", {"type": "array"}),
        "not_in": _param(registry, "not_in", "values", {"type": "array"}),
        "max_age": _param(registry, "max_age", "max_age", _duration("maximum age")),
        "severity": severity_schema(),
        "description": {"type": "string"},
    }
    for schema in props.values():
        schema.pop("default", None)
    return {"type": ["object", "null"], "properties": props, "additionalProperties": False}


def quality_schema() -> dict[str, Any]:
    """``quality:`` — dimension weights, level cut-offs and the treatment of malformed/unmeasured."""
    return {
        "type": "object",
        "properties": {
            "weights": {"type": "object", "additionalProperties": False,
                        "properties": {d: {"type": "number", "minimum": 0} for d in DIMENSIONS}},
            "levels": {"type": "object", "additionalProperties": False,
                       "properties": {name: _fraction(f"lowest overall score rated {name}") for name in LEVEL_NAMES}},
            "malformed": {"type": "string", "enum": ["fail_all", "ignore"]},
            "unmeasured": {"type": "string", "enum": ["exclude", "perfect"]},
        },
        "additionalProperties": False,
    }


def thresholds_schema() -> dict[str, Any]:
    """``thresholds:`` — batch-level alert thresholds and their severities."""
    return {
        "type": "object",
        "properties": {
            "quality_score_min": _fraction("overall quality below this is a breach"),
            "anomaly_score_max": _fraction("anomaly scores above this are a breach"),
            "processing_time_max": {"anyOf": [_duration("longest acceptable processing time"),
                                              {"type": "number", "minimum": 0}]},
            "memory_usage_max": {"anyOf": [{"type": "string", "pattern": SIZE_PATTERN},
                                           {"type": "integer", "minimum": 0}]},
            "error_rate_max": _fraction("share of records with violations above this is a breach"),
            "severities": {"type": "object", "additionalProperties": False,
                           "properties": {name: severity_schema() for name in THRESHOLD_NAMES}},
        },
        "additionalProperties": False,
    }


def completion_schema() -> dict[str, Any]:
    """``metadata_rules.completion:`` — records received versus the metadata's expected count."""
    return {
        "type": "object",
        "properties": {
            "expected_field": {"type": "string", "minLength": 1},
            "min": _fraction("lowest acceptable completion rate"),
            "severity": severity_schema(),
        },
        "additionalProperties": False,
    }


def anomalies_schema() -> dict[str, Any]:
    """``anomalies:`` (reserved) — anomaly patterns and their detectors."""
    pattern = {
        "type": "object",
        "properties": {
            "detector": {"type": "string", "minLength": 1},
            "field": {"type": "string", "minLength": 1},
            "fields": {"type": "array", "items": {"type": "string", "minLength": 1}},
            "base_score": _fraction("score of a detection before scaling"),
            "severity": severity_schema(),
            "enabled": {"type": "boolean"},
            "params": {"type": "object"},
        },
        "required": ["detector"],
        "additionalProperties": False,
    }
    return {
        "type": "object",
        "properties": {
            "enabled": {"type": "boolean"},
            "score_threshold": _fraction("anomalies scoring above this are reported"),
            "patterns": {"type": "object", "additionalProperties": pattern},
        },
        "additionalProperties": False,
    }


def alerts_schema() -> dict[str, Any]:
    """``alerts:`` (reserved) — channels, throttling and the severity policy."""
    channel = {
        "type": "object",
        "properties": {
            "type": {"type": "string", "minLength": 1},
            "name": {"type": "string", "minLength": 1},
            "min_severity": severity_schema(),
        },
        "required": ["type"],
        "additionalProperties": True,
    }
    return {
        "type": "object",
        "properties": {
            "enabled": {"type": "boolean"},
            "throttle": _duration("minimum time between two alerts of the same kind"),
            "channels": {"type": "array", "items": channel},
            "policy": {
                "type": "object",
                "properties": {
                    "critical_anomaly_score": _fraction("an anomaly scoring above this makes the alert critical"),
                    "high_issue_count": {"type": "integer", "minimum": 0},
                },
                "additionalProperties": False,
            },
        },
        "additionalProperties": False,
    }


def report_schema() -> dict[str, Any]:
    """``report:`` (reserved) — report template, formats, output and schedule."""
    return {
        "type": "object",
        "properties": {
            "template": {"type": "string"},
            "formats": {"type": "array", "items": {"type": "string"}},
            "output": {"type": "string"},
            "schedule": {"type": "string"},
        },
        "additionalProperties": False,
    }


def document_schema(registry: CheckRegistry | None, rule: dict[str, Any]) -> dict[str, Any]:
    """The schema of a whole ruleset document with ``rule`` as the schema of each rule."""
    fields = {"type": "object", "additionalProperties": {"$ref": "#/$defs/field"}}
    rules = {"type": "array", "items": {"$ref": "#/$defs/rule"}}
    return {
        "$schema": SCHEMA_DIALECT,
        "title": "rfsrules ruleset (format 1)",
        "type": "object",
        "properties": {
            "rfsrules": {"const": FORMAT_VERSION, "description": "format version of the file"},
            "name": {"type": "string", "minLength": 1},
            "version": {"type": "string", "pattern": SEMVER_PATTERN},
            "description": {"type": "string"},
            "owner": {"type": "string"},
            "record_id": {"type": "string", "minLength": 1},
            "extends": {"anyOf": [{"type": "string", "minLength": 1},
                                  {"type": "array", "items": {"type": "string", "minLength": 1}}]},
            "plugins": {"type": "array", "items": {"type": "string", "minLength": 1}},
            "fields": fields,
            "rules": rules,
            "metadata_rules": {
                "type": "object",
                "properties": {"fields": fields, "rules": rules, "completion": completion_schema()},
                "additionalProperties": False,
            },
            "quality": quality_schema(),
            "thresholds": thresholds_schema(),
            "anomalies": anomalies_schema(),
            "alerts": alerts_schema(),
            "report": report_schema(),
        },
        "required": ["rfsrules", "name", "version"],
        "additionalProperties": False,
        "$defs": {"field": field_attributes_schema(registry), "rule": rule},
    }


def editor_rule_schema(registry: CheckRegistry) -> dict[str, Any]:
    """The schema of one rule for editors: one ``if``/``then`` branch per registered check.

    A rule without ``check`` is only valid as an override of a rule of an ``extends:`` base; it may
    change the common keys and the base check's parameters (``- {id: r, max: 50}``), which the loader
    validates once the override is merged (the schema cannot know the base's check).
    """
    common = common_rule_properties(registry)
    branches: list[dict[str, Any]] = [{
        "if": {"not": {"required": ["check"]}},
        "then": {"properties": {k: v for k, v in common.items() if k != "check"}},
    }]
    for spec in registry:
        full = check_rule_schema(spec, registry)
        branches.append({
            "if": {"required": ["check"], "properties": {"check": {"const": spec.name}}},
            "then": {"properties": full["properties"], "required": list(spec.required),
                     "additionalProperties": False},
        })
    return {"type": "object", "properties": common, "required": ["id"], "allOf": branches}


ENV_REF_PATTERN = r"\$\{[A-Za-z_][A-Za-z0-9_]*(:-[^}]*)?\}"
"""A ``${VAR}`` / ``${VAR:-default}`` reference anywhere in a string (JSON Schema ``pattern`` searches)."""

_VALUE_SLOTS = ("properties", "patternProperties", "$defs")
"""Keywords whose members are the schemas of values (``items`` and ``additionalProperties`` are single)."""


def _accepts_any_string(schema: dict[str, Any]) -> bool:
    restricting = ("pattern", "enum", "const", "minLength", "maxLength", "format", "anyOf", "oneOf", "allOf", "not")
    return schema.get("type") == "string" and not any(k in schema for k in restricting)


def _scalar_possible(schema: dict[str, Any]) -> bool:
    """False for a schema that only accepts mappings or lists (a ``${VAR}`` never becomes one)."""
    kind = schema.get("type")
    kinds = [kind] if isinstance(kind, str) else kind if isinstance(kind, list) else None
    return kinds is None or any(k not in ("object", "array") for k in kinds)


def allow_env_refs(schema: Any, *, value: bool = False) -> Any:
    """``schema`` where every scalar value may also be a string holding a ``${VAR}`` reference.

    The loader substitutes ``${VAR}`` / ``${VAR:-default}`` before it validates (``min: ${MIN:-1}``
    is the integer 1), so an editor validating the file as written must accept the reference in
    place of any scalar. ``if`` conditions are left alone: they select a branch, they do not validate.
    """
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, sub in schema.items():
        if key in _VALUE_SLOTS and isinstance(sub, dict):
            out[key] = {name: allow_env_refs(s, value=key != "$defs") for name, s in sub.items()}
        elif key in ("items", "additionalProperties") and isinstance(sub, dict):
            out[key] = allow_env_refs(sub, value=True)
        elif key in ("allOf", "anyOf", "oneOf") and isinstance(sub, list):
            out[key] = [allow_env_refs(s) for s in sub]
        elif key == "then":
            out[key] = allow_env_refs(sub)
        else:
            out[key] = sub
    if value and "$ref" not in out and _scalar_possible(out) and not _accepts_any_string(out):
        description = out.pop("description", None)
        wrapped: dict[str, Any] = {"anyOf": [out, {"type": "string", "pattern": ENV_REF_PATTERN}]}
        if description is not None:
            wrapped["description"] = description
        return wrapped
    return out


def ruleset_json_schema(registry: CheckRegistry) -> dict[str, Any]:
    """The full JSON Schema (Draft 2020-12) of ruleset format 1 for editors and external tools.

    Checks registered by plugins appear automatically: each contributes an ``if``/``then`` branch that
    allows exactly its parameters. A scalar value may be written as a ``${VAR}`` reference anywhere,
    as the loader substitutes environment variables before it validates.
    """
    return allow_env_refs(document_schema(registry, editor_rule_schema(registry)))
