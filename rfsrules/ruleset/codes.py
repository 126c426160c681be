"""Stable lint codes of ruleset issues (``rfsrules lint`` prints them; never renumber one)."""

from __future__ import annotations

UNKNOWN_KEY = "RFL001"
SCHEMA = "RFL002"
UNKNOWN_CHECK = "RFL003"
DUPLICATE_RULE_ID = "RFL004"
INVALID_REGEX = "RFL005"
MIN_GREATER_THAN_MAX = "RFL006"
EXPRESSION_ERROR = "RFL007"
UNKNOWN_FIELD_IN_EXPRESSION = "RFL008"
UNKNOWN_FUNCTION = "RFL009"
EXTENDS_ERROR = "RFL010"
YAML_ERROR = "RFL011"
ENV_VAR = "RFL012"
LIMITS = "RFL013"
INVALID_PATH = "RFL014"
FIELD_MODE = "RFL015"
FILE_REFERENCE = "RFL016"
PLUGIN_ERROR = "RFL017"

CODES: dict[str, tuple[str, str]] = {
    UNKNOWN_KEY: ("unknown-key", "a key the format (or the rule's check) does not know; did-you-mean suggests close names"),
    SCHEMA: ("schema", "a value of the wrong type, outside its range, not one of the allowed values, or a missing key"),
    UNKNOWN_CHECK: ("unknown-check", "`check:` names no registered check"),
    DUPLICATE_RULE_ID: ("duplicate-rule-id", "two rules (explicit or generated from `fields:`) share an id"),
    INVALID_REGEX: ("invalid-regex", "a `pattern` is not valid RE2 syntax"),
    MIN_GREATER_THAN_MAX: ("min-greater-than-max", "a lower bound above its upper bound, or quality levels not descending"),
    EXPRESSION_ERROR: ("expression-error", "a `where:` or `expr:` expression does not parse"),
    UNKNOWN_FIELD_IN_EXPRESSION: ("unknown-field-in-expression", "an expression names a field not declared under `fields:`"),
    UNKNOWN_FUNCTION: ("unknown-function", "an expression calls a function the expression language does not have"),
    EXTENDS_ERROR: ("extends-error", "an `extends:` file is missing, outside the project root or part of a cycle"),
    YAML_ERROR: ("yaml-error", "the file cannot be read or is not valid YAML (syntax, tags, duplicate keys, encoding)"),
    ENV_VAR: ("env-var-missing", "a `${VAR}` without default names an unset variable, or a reference is malformed"),
    LIMITS: ("limits", "the file is too large, too deeply nested or expands too many aliases"),
    INVALID_PATH: ("invalid-path", "a field path does not parse"),
    FIELD_MODE: ("field-mode", "a check got a field it does not take, no field where it needs one, several where it takes one, or fields it cannot combine"),
    FILE_REFERENCE: ("file-reference", "a file named by a check parameter is missing or outside the project root"),
    PLUGIN_ERROR: ("plugin-error", "a `plugins:` entry cannot be loaded: bad name, missing file, outside the ruleset's directory, import error or name clash"),
}
"""Code -> (short name, what it means)."""
