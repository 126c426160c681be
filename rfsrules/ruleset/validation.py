"""JSON Schema validation of ruleset data with readable, located messages (``Issue`` with lint codes)."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Iterable

from ..errors import Issue, did_you_mean
from . import codes
from .quickschema import is_valid
from .schema import PATTERN_HINTS
from .yamlsafe import Loc

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator

CODE_UNKNOWN_KEY = codes.UNKNOWN_KEY
CODE_SCHEMA = codes.SCHEMA

_TYPE_WORDS = {"object": "a mapping", "array": "a list", "string": "a string", "integer": "an integer",
               "number": "a number", "boolean": "a boolean (true or false)", "null": "null"}


@lru_cache(maxsize=1)
def ruleset_validator_class() -> type[Draft202012Validator]:
    """Draft 2020-12 where ``integer`` means a YAML integer (``3.0`` is a number, not an integer).

    Built on first use: valid rulesets are accepted by :mod:`.quickschema` without jsonschema.
    """
    from jsonschema import Draft202012Validator, validators

    checker = Draft202012Validator.TYPE_CHECKER.redefine(
        "integer", lambda _checker, value: isinstance(value, int) and not isinstance(value, bool))
    return validators.extend(Draft202012Validator, type_checker=checker)


class SchemaValidator:
    """A schema with its jsonschema validator, which is created only when an instance needs it."""

    __slots__ = ("schema", "_validator")

    def __init__(self, schema: dict[str, Any]):
        self.schema = schema
        self._validator: Draft202012Validator | None = None

    @property
    def jsonschema(self) -> Draft202012Validator:
        """The jsonschema validator (Draft 2020-12, YAML-aware integers)."""
        if self._validator is None:
            self._validator = ruleset_validator_class()(self.schema)
        return self._validator


def make_validator(schema: dict[str, Any]) -> SchemaValidator:
    """A validator for ``schema`` (Draft 2020-12, YAML-aware integers)."""
    return SchemaValidator(schema)


def describe(value: Any) -> str:
    """A short description of a value's type and content for messages (``integer 3``, ``a list``)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"boolean {str(value).lower()}"
    if isinstance(value, int):
        return f"integer {value}"
    if isinstance(value, float):
        return f"number {value}"
    if isinstance(value, str):
        return f"string {_short(value)}"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value[:limit] if isinstance(value, str) else value)
    return text if len(text) <= limit else text[: limit - 4] + "...'"


def label(path: tuple) -> str:
    """How a data path is named in messages: its last key plus any indexes after it (``tags[1]``)."""
    if not path:
        return "ruleset"
    parts: list[str] = []
    for part in reversed(path):
        if isinstance(part, int):
            parts.insert(0, f"[{part}]")
            continue
        parts.insert(0, str(part))
        break
    return "".join(parts)


def container_name(path: tuple) -> str:
    """What the mapping at ``path`` is called in ``unknown key ... in <name>`` messages."""
    if not path:
        return "ruleset"
    if len(path) >= 2 and isinstance(path[-1], int) and path[-2] == "rules":
        return "rule"
    if len(path) >= 2 and path[-2] == "fields" and isinstance(path[-1], str):
        return f"field {path[-1]!r}"
    if len(path) >= 3 and path[-3:-1] == ("anomalies", "patterns"):
        return f"anomaly pattern {path[-1]!r}"
    if len(path) >= 2 and path[-2] == "channels" and isinstance(path[-1], int):
        return "alert channel"
    return ".".join(str(p) for p in path if isinstance(p, str))


def schema_issues(checker: SchemaValidator, data: Any, loc: Loc, *, prefix: tuple = (),
                  known_keys: Iterable[str] | None = None) -> list[tuple[tuple, Issue]]:
    """Every schema error of ``data`` as ``(data_path, Issue)``; ``prefix`` is the data's own path.

    ``known_keys``, when given, replaces the schema's property names as did-you-mean candidates for
    unknown keys at the top of ``data``.
    """
    if is_valid(checker.schema, data):
        return []
    validator = checker.jsonschema
    out: list[tuple[tuple, Issue]] = []
    seen: set[Issue] = set()
    try:
        for error in _unshadowed(list(validator.iter_errors(data))):
            for path, issue in _translate(validator, error, loc, prefix, known_keys):
                if issue not in seen:  # `required` reports the whole list once per missing key
                    seen.add(issue)
                    out.append((path, issue))
    except Exception as exc:  # a plugin check may declare a parameter schema jsonschema cannot use
        out.append((prefix, _issue(loc, (), f"cannot validate {container_name(prefix)} against its schema: "
                                            f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}")))
    return out


def _unshadowed(errors: list) -> list:
    """``errors`` without those about a value that also has the wrong type (``stat: null`` is one
    problem, "expected a string", not also "None is not one of mean, ...")."""
    wrong_type = {tuple(e.absolute_path) for e in errors if e.validator == "type"}
    return [e for e in errors if e.validator == "type" or tuple(e.absolute_path) not in wrong_type]


def _show(value: Any) -> str:
    """A value as written in YAML for messages: ``null``, ``true``, ``5``, ``'text'``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return str(value).lower()
    return _short(value)


def _issue(loc: Loc, rel: tuple, message: str, code: str = CODE_SCHEMA, *, key: bool = False) -> Issue:
    pos = loc.locate(rel, key=key)
    return Issue(pos.file, pos.line, pos.col, message, code)


def _translate(validator, error, loc: Loc, prefix: tuple, known_keys) -> list[tuple[tuple, Issue]]:
    rel = tuple(error.absolute_path)
    path = prefix + rel
    kind = error.validator
    value = error.instance
    name = label(path)
    if kind == "additionalProperties" and isinstance(value, dict):
        allowed = set(error.schema.get("properties", {}))
        extras = [k for k in value if k not in allowed
                  and not any(re.search(p, k) for p in error.schema.get("patternProperties", {}))]
        candidates = list(known_keys) if (known_keys is not None and not rel) else sorted(allowed)
        found = []
        for key in extras:
            hint = did_you_mean(key, candidates)
            extra = f" (did you mean {', '.join(repr(h) for h in hint)}?)" if hint else ""
            message = f"unknown key {key!r} in {container_name(path)}{extra}"
            found.append((path + (key,), _issue(loc, rel + (key,), message, CODE_UNKNOWN_KEY, key=True)))
        return found
    if kind == "required":
        missing = [k for k in error.validator_value if isinstance(value, dict) and k not in value]
        return [(path, _issue(loc, rel, f"missing required key {k!r}{_where(path)}")) for k in missing]
    if kind in ("anyOf", "oneOf"):
        return _translate_any_of(validator, error, loc, prefix, known_keys)
    return [(path, _issue(loc, rel, _message(kind, error, value, name, path)))]


def _where(path: tuple) -> str:
    name = container_name(path)
    return "" if name in ("rule", "ruleset") else f" in {name}"


def _message(kind: str, error, value: Any, name: str, path: tuple) -> str:
    if kind == "type":
        if not path and not isinstance(value, dict):
            if value is None:
                return "the ruleset is empty; it needs at least rfsrules, name and version"
            return f"a ruleset must be a mapping, got {describe(value)}"
        if path == ("version",):
            return f"version: expected a version string like 1.2.0 (quote it), got {describe(value)}"
        extra = ""
        if value is None and "null" in (error.schema.get("enum") or ()):
            extra = " (quote it, 'null', to name the null type)"
        return f"{name}: expected {_types(error.validator_value)}, got {describe(value)}{extra}"
    if kind == "enum":
        options = error.validator_value
        hint = did_you_mean(str(value), [str(o) for o in options]) if isinstance(value, str) else []
        extra = f" (did you mean {', '.join(repr(h) for h in hint)}?)" if hint else ""
        return f"{name}: {_show(value)} is not one of {', '.join(str(o) for o in options)}{extra}"
    if kind == "const":
        if path == ("rfsrules",):
            return (f"rfsrules: unsupported format version {_show(value)} "
                    f"(this version of rfsrules reads format {error.validator_value})")
        return f"{name}: expected {_show(error.validator_value)}, got {_show(value)}"
    template = _LIMIT_MESSAGES.get(kind)
    if template is not None:
        return f"{name}: " + template.format(value=value, limit=error.validator_value)
    if kind == "pattern":
        hint = PATTERN_HINTS.get(error.validator_value)
        if hint:
            return f"{name}: {_short(value)} is not {hint}"
        return f"{name}: {_short(value)} does not match {error.validator_value}"
    if kind == "minLength":
        if error.validator_value == 1:
            return f"{name}: must not be empty"
        return f"{name}: must be at least {error.validator_value} characters long"
    return f"{name}: {error.message}"


_LIMIT_MESSAGES = {
    "minimum": "{value} is less than the minimum of {limit}",
    "maximum": "{value} is greater than the maximum of {limit}",
    "exclusiveMinimum": "{value} must be greater than {limit}",
    "exclusiveMaximum": "{value} must be less than {limit}",
    "maxLength": "must be at most {limit} characters long",
    "minItems": "needs at least {limit} item(s)",
    "maxItems": "allows at most {limit} item(s)",
    "uniqueItems": "items must be unique",
    "multipleOf": "{value} is not a multiple of {limit}",
    "minProperties": "needs at least {limit} key(s)",
}
"""jsonschema keywords whose issue is a fixed sentence about the value and the keyword's limit."""


def _types(types: Any) -> str:
    if isinstance(types, str):
        types = [types]
    words = [_TYPE_WORDS.get(t, t) for t in types]
    return " or ".join(words)


def _branch_types(branch: dict) -> list[str] | None:
    t = branch.get("type")
    if isinstance(t, str):
        return [t]
    if isinstance(t, list):
        return list(t)
    if "const" in branch or "enum" in branch:
        values = [branch["const"]] if "const" in branch else list(branch["enum"])
        kinds = {"boolean" if isinstance(v, bool) else "integer" if isinstance(v, int) else
                 "number" if isinstance(v, float) else "string" if isinstance(v, str) else
                 "null" if v is None else "array" if isinstance(v, list) else "object" for v in values}
        return sorted(kinds)
    return None


def _translate_any_of(validator, error, loc: Loc, prefix: tuple, known_keys) -> list[tuple[tuple, Issue]]:
    rel = tuple(error.absolute_path)
    path = prefix + rel
    value = error.instance
    branches = error.validator_value
    types = [_branch_types(b) if isinstance(b, dict) else None for b in branches]
    if all(t is not None for t in types):
        matching = [i for i, ts in enumerate(types) if any(validator.is_type(value, t) for t in ts)]
        if not matching:
            words: list[str] = []
            for ts in types:
                for t in ts:
                    w = _TYPE_WORDS.get(t, t)
                    if w not in words:
                        words.append(w)
            extra = ""
            if value is None and any(isinstance(b, dict) and "null" in (b.get("enum") or ()) for b in branches):
                extra = " (quote it, 'null', to name the null type)"
            return [(path, _issue(loc, rel, f"{label(path)}: expected {' or '.join(words)}, got {describe(value)}"
                                            f"{extra}"))]
        sub = [e for e in error.context if e.relative_schema_path and e.relative_schema_path[0] in matching]
        if sub:
            best = min(sub, key=lambda e: (-len(e.absolute_path), len(e.relative_schema_path)))
            group = [e for e in sub if e.relative_schema_path[0] == best.relative_schema_path[0]]
            out: list[tuple[tuple, Issue]] = []
            for e in _unshadowed(group):
                out.extend(_translate(validator, e, loc, prefix, known_keys))
            return out
    from jsonschema.exceptions import best_match

    best = best_match(error.context) if error.context else None
    if best is not None:
        return _translate(validator, best, loc, prefix, known_keys)
    return [(path, _issue(loc, rel, f"{label(path)}: {error.message}"))]
