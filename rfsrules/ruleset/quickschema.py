"""A fast yes-or-don't-know JSON Schema check, so that valid rulesets never need jsonschema imported."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

# is_valid() answers True only when jsonschema (Draft 2020-12 with ``integer`` meaning a YAML integer,
# as rfsrules.ruleset.validation validates) would report no error; is_valid_schema() answers True only
# when Draft202012Validator.check_schema would accept the schema. Both mirror jsonschema's definitions
# of the keywords the ruleset format and its checks use, and say False ("ask jsonschema") for anything
# else: other keywords or references, values of other Python types, invalid or unusual schemas. A False
# never changes a result: the caller then runs jsonschema, which reports the located messages.

_UNSURE = None
_PLAIN = (type(None), bool, int, float, str, list, dict)
_ANNOTATIONS = frozenset(("$schema", "$comment", "$defs", "title", "description", "default", "examples",
                          "deprecated", "readOnly", "writeOnly", "format"))
"""Keywords that never make an instance invalid (``format`` only asserts with a format checker,
which the ruleset validator does not use)."""
_DEF_REF = re.compile(r"#/\$defs/[A-Za-z0-9_.-]+")


@lru_cache(maxsize=256)
def _regex(pattern: str) -> re.Pattern | None:
    try:
        return re.compile(pattern)
    except (re.error, RecursionError, OverflowError):
        return None


def _is_type(value: Any, name: Any) -> bool | None:
    if name == "string":
        return type(value) is str
    if name == "object":
        return type(value) is dict
    if name == "array":
        return type(value) is list
    if name == "integer":
        return type(value) is int
    if name == "number":
        return type(value) is int or type(value) is float
    if name == "boolean":
        return type(value) is bool
    if name == "null":
        return value is None
    return _UNSURE  # jsonschema raises UnknownType for other names


def _unbool(value: Any) -> Any:
    return ("bool", value) if type(value) is bool else value


def _equal(one: Any, two: Any) -> bool | None:
    """``jsonschema._utils.equal`` for plain values; None for other types."""
    if type(one) not in _PLAIN or type(two) not in _PLAIN:
        return _UNSURE
    if one is two:
        return True
    if type(one) is str or type(two) is str:
        return one == two
    if type(one) is list and type(two) is list:
        if len(one) != len(two):
            return False
        results = [_equal(a, b) for a, b in zip(one, two)]
        return _UNSURE if _UNSURE in results else all(results)
    if type(one) is dict and type(two) is dict:
        if len(one) != len(two):
            return False
        if any(key not in two for key in one):
            return False
        results = [_equal(value, two[key]) for key, value in one.items()]
        return _UNSURE if _UNSURE in results else all(results)
    if type(one) in (list, dict) or type(two) in (list, dict):
        return False
    return _unbool(one) == _unbool(two)


def is_valid(schema: Any, instance: Any) -> bool:
    """True when ``instance`` is certainly valid against ``schema``; False when it is not or unsure."""
    try:
        return _check(schema, instance, schema) is True
    except (TypeError, ValueError, KeyError, IndexError, AttributeError, RecursionError):
        return False


def _check(schema: Any, value: Any, root: Any) -> bool | None:
    """True valid, False invalid, None unsure (as jsonschema would judge, when it would not raise)."""
    if schema is True:
        return True
    if schema is False:
        return False
    if type(schema) is not dict or type(value) not in _PLAIN:
        return _UNSURE
    outcome: bool | None = True
    for key, arg in schema.items():
        if key in _ANNOTATIONS:
            continue
        check = _KEYWORDS.get(key)
        result = check(arg, value, schema, root) if check is not None else _UNSURE
        if result is _UNSURE:
            return _UNSURE
        if result is False:
            outcome = False
    return outcome


def _all(results: Any) -> bool | None:
    outcome: bool | None = True
    for result in results:
        if result is _UNSURE:
            return _UNSURE
        if result is False:
            outcome = False
    return outcome


def _k_type(arg: Any, value: Any, schema: dict, root: Any) -> bool | None:
    for name in arg if type(arg) is list else [arg]:  # jsonschema stops at the first match
        result = _is_type(value, name)
        if result is not False:
            return result
    return False


def _k_enum(arg: Any, value: Any, schema: dict, root: Any) -> bool | None:
    if type(arg) is not list:
        return _UNSURE
    results = [_equal(each, value) for each in arg]
    if True in results:
        return True
    return _UNSURE if _UNSURE in results else False


def _k_const(arg: Any, value: Any, schema: dict, root: Any) -> bool | None:
    return _equal(value, arg)


def _k_properties(arg: Any, value: Any, schema: dict, root: Any) -> bool | None:
    if type(value) is not dict:
        return True
    if type(arg) is not dict:
        return _UNSURE
    return _all(_check(sub, value[name], root) for name, sub in arg.items() if name in value)


def _k_pattern_properties(arg: Any, value: Any, schema: dict, root: Any) -> bool | None:
    if type(value) is not dict:
        return True
    if type(arg) is not dict or any(type(k) is not str for k in value):
        return _UNSURE
    results = []
    for pattern, sub in arg.items():
        regex = _regex(pattern) if type(pattern) is str else None
        if regex is None:
            return _UNSURE
        results.extend(_check(sub, v, root) for k, v in value.items() if regex.search(k))
    return _all(results)


def _k_additional_properties(arg: Any, value: Any, schema: dict, root: Any) -> bool | None:
    if type(value) is not dict:
        return True
    properties = schema.get("properties", {})
    patterns = schema.get("patternProperties", {})
    if type(properties) is not dict or type(patterns) is not dict or any(type(k) is not str for k in value):
        return _UNSURE
    regex = None
    if patterns:
        if any(type(p) is not str for p in patterns):
            return _UNSURE
        regex = _regex("|".join(patterns))
        if regex is None:
            return _UNSURE
    extras = [k for k in value if k not in properties and not (regex is not None and regex.search(k))]
    if type(arg) is dict:
        return _all(_check(arg, value[k], root) for k in extras)
    if type(arg) is bool:
        return arg or not extras
    return _UNSURE


def _k_required(arg: Any, value: Any, schema: dict, root: Any) -> bool | None:
    if type(value) is not dict:
        return True
    if type(arg) is not list:
        return _UNSURE
    return all(name in value for name in arg)


def _k_items(arg: Any, value: Any, schema: dict, root: Any) -> bool | None:
    if type(value) is not list:
        return True
    if "prefixItems" in schema or type(arg) not in (dict, bool):
        return _UNSURE
    if arg is False:
        return not value
    return _all(_check(arg, item, root) for item in value)


def _k_unique_items(arg: Any, value: Any, schema: dict, root: Any) -> bool | None:
    if not arg or type(value) is not list:
        return True
    if all(type(item) is str for item in value):
        return len(set(value)) == len(value)
    return _UNSURE


def _number_limit(compare):
    def check(arg: Any, value: Any, schema: dict, root: Any) -> bool | None:
        if type(value) is not int and type(value) is not float:
            return True
        if type(arg) is not int and type(arg) is not float:
            return _UNSURE
        return compare(value, arg)
    return check


def _size_limit(kind: type, compare):
    def check(arg: Any, value: Any, schema: dict, root: Any) -> bool | None:
        if type(value) is not kind:
            return True
        if type(arg) is not int:
            return _UNSURE
        return compare(len(value), arg)
    return check


def _k_pattern(arg: Any, value: Any, schema: dict, root: Any) -> bool | None:
    if type(value) is not str:
        return True
    regex = _regex(arg) if type(arg) is str else None
    return _UNSURE if regex is None else regex.search(value) is not None


def _k_any_of(arg: Any, value: Any, schema: dict, root: Any) -> bool | None:
    if type(arg) is not list or not arg:
        return _UNSURE
    for sub in arg:  # jsonschema stops at the first valid branch
        result = _check(sub, value, root)
        if result is not False:
            return result
    return False


def _k_one_of(arg: Any, value: Any, schema: dict, root: Any) -> bool | None:
    if type(arg) is not list or not arg:
        return _UNSURE
    results = [_check(sub, value, root) for sub in arg]
    return _UNSURE if _UNSURE in results else results.count(True) == 1


def _k_all_of(arg: Any, value: Any, schema: dict, root: Any) -> bool | None:
    if type(arg) is not list or not arg:
        return _UNSURE
    return _all(_check(sub, value, root) for sub in arg)


def _k_not(arg: Any, value: Any, schema: dict, root: Any) -> bool | None:
    result = _check(arg, value, root)
    return _UNSURE if result is _UNSURE else not result


def _k_ref(arg: Any, value: Any, schema: dict, root: Any) -> bool | None:
    if type(arg) is not str or type(root) is not dict or "$id" in root:
        return _UNSURE
    if arg == "#":
        return _check(root, value, root)
    if not _DEF_REF.fullmatch(arg):
        return _UNSURE
    defs = root.get("$defs")
    name = arg[len("#/$defs/"):]
    if type(defs) is not dict or name not in defs:
        return _UNSURE
    return _check(defs[name], value, root)


_KEYWORDS = {
    "type": _k_type,
    "enum": _k_enum,
    "const": _k_const,
    "properties": _k_properties,
    "patternProperties": _k_pattern_properties,
    "additionalProperties": _k_additional_properties,
    "required": _k_required,
    "items": _k_items,
    "uniqueItems": _k_unique_items,
    "minimum": _number_limit(lambda v, limit: not v < limit),
    "maximum": _number_limit(lambda v, limit: not v > limit),
    "exclusiveMinimum": _number_limit(lambda v, limit: not v <= limit),
    "exclusiveMaximum": _number_limit(lambda v, limit: not v >= limit),
    "minLength": _size_limit(str, lambda n, limit: not n < limit),
    "maxLength": _size_limit(str, lambda n, limit: not n > limit),
    "minItems": _size_limit(list, lambda n, limit: not n < limit),
    "maxItems": _size_limit(list, lambda n, limit: not n > limit),
    "minProperties": _size_limit(dict, lambda n, limit: not n < limit),
    "maxProperties": _size_limit(dict, lambda n, limit: not n > limit),
    "pattern": _k_pattern,
    "anyOf": _k_any_of,
    "oneOf": _k_one_of,
    "allOf": _k_all_of,
    "not": _k_not,
    "$ref": _k_ref,
}


# --- the schemas themselves (Draft 2020-12 meta-schema) ---------------------------------------

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
_SIMPLE_TYPES = frozenset(("array", "boolean", "integer", "null", "number", "object", "string"))
_SUBSCHEMA = frozenset(("items", "additionalProperties", "not", "propertyNames", "contains", "if", "then",
                        "else", "unevaluatedItems", "unevaluatedProperties"))
_SUBSCHEMA_MAPS = frozenset(("properties", "patternProperties", "$defs"))
_SUBSCHEMA_LISTS = frozenset(("anyOf", "oneOf", "allOf", "prefixItems"))
_STRINGS = frozenset(("title", "description", "$comment", "format"))
_NUMBERS = frozenset(("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"))
_COUNTS = frozenset(("minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties"))
_BOOLEANS = frozenset(("uniqueItems", "deprecated", "readOnly", "writeOnly"))


def is_valid_schema(schema: Any) -> bool:
    """True when ``schema`` certainly passes ``Draft202012Validator.check_schema``; False when unsure."""
    try:
        return _schema_ok(schema)
    except (TypeError, ValueError, RecursionError):
        return False


def _unique_strings(value: Any) -> bool:
    return type(value) is list and all(type(v) is str for v in value) and len(set(value)) == len(value)


def _schema_ok(schema: Any) -> bool:
    if type(schema) is bool:
        return True
    if type(schema) is not dict:
        return False
    for key, value in schema.items():
        if key in _SUBSCHEMA:
            ok = _schema_ok(value)
        elif key in _SUBSCHEMA_MAPS:
            ok = type(value) is dict and all(type(k) is str for k in value) \
                and all(_schema_ok(v) for v in value.values()) \
                and (key != "patternProperties" or all(_regex(k) is not None for k in value))
        elif key in _SUBSCHEMA_LISTS:
            ok = type(value) is list and len(value) > 0 and all(_schema_ok(v) for v in value)
        elif key in _STRINGS:
            ok = type(value) is str
        elif key in _NUMBERS:
            ok = type(value) is int or type(value) is float
        elif key in _COUNTS:
            ok = type(value) is int and value >= 0
        elif key in _BOOLEANS:
            ok = type(value) is bool
        elif key in ("const", "default"):
            ok = True
        elif key in ("enum", "examples"):
            ok = type(value) is list
        elif key == "type":
            ok = value in _SIMPLE_TYPES if type(value) is str else (
                _unique_strings(value) and len(value) > 0 and all(v in _SIMPLE_TYPES for v in value))
        elif key == "required":
            ok = _unique_strings(value)
        elif key == "pattern":
            ok = type(value) is str and _regex(value) is not None
        elif key == "multipleOf":
            ok = (type(value) is int or type(value) is float) and value > 0
        elif key == "$ref":
            ok = type(value) is str and (value == "#" or _DEF_REF.fullmatch(value) is not None)
        elif key == "$schema":
            ok = value == SCHEMA_DIALECT
        else:
            ok = False  # any other keyword: let jsonschema judge
        if not ok:
            return False
    return True
