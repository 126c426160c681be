"""Second validation stage: each rule against its check, field modes, paths, expressions → ``Rule``."""

from __future__ import annotations

import copy
import os
from typing import Any, Callable, Mapping

from ..checks.spec import CheckRegistry, CheckSpec
from ..errors import Issue, UnknownNameError, did_you_mean
from ..paths import WILDCARD, FieldPath, PathSyntaxError, parse_path
from . import codes
from .merge import RuleEntry
from .model import Rule, Span, frozen_mapping
from .schema import COMMON_RULE_KEYS, check_rule_schema, common_rule_properties
from .validation import make_validator, schema_issues
from .yamlsafe import Pos

EXPRESSION_PARAMS = ("expr",)
"""Check parameters holding an expression (parsed and checked like ``where:``)."""


def issue_at(pos: Pos, message: str, code: str) -> Issue:
    """An ``Issue`` at ``pos``."""
    return Issue(pos.file, pos.line, pos.col, message, code)


def path_issue(pos: Pos, text: str, exc: PathSyntaxError) -> Issue:
    """An invalid field path, located at the offending character when the scalar allows it."""
    return issue_at(pos.at(exc.offset), str(exc), codes.INVALID_PATH)


def _norm(segments: tuple) -> tuple:
    return tuple(WILDCARD if isinstance(s, int) else s for s in segments)


class DeclaredFields:
    """The paths a ``fields:`` section declares, for checking the fields expressions name."""

    def __init__(self, fields: Mapping[str, Any]):
        self.types: dict[tuple, Any] = {}
        self.texts: list[str] = []
        for name, attrs in fields.items():
            try:
                path = parse_path(name)
            except PathSyntaxError:
                continue
            self.types[_norm(path.segments)] = attrs.get("type") if isinstance(attrs, dict) else None
            self.texts.append(name)

    def declares(self, path: FieldPath) -> bool:
        """True when ``path`` or an ancestor of type object (or without a type) is declared."""
        segs = _norm(path.segments)
        if segs in self.types:
            return True
        for end in range(len(segs) - 1, 0, -1):
            prefix = segs[:end]
            if prefix in self.types:
                kind = self.types[prefix]
                kinds = kind if isinstance(kind, list) else [kind]
                if kind is None or "object" in kinds:
                    return True
        return False


class RuleCompiler:
    """Validates rule entries against their checks and builds ``Rule`` objects.

    :param registry: the checks.
    :param declared: ``section -> DeclaredFields`` (None when that section has no ``fields:``).
    :param resolve_file: ``(value, pos) -> (resolved_path | None, problem | None)`` for path parameters.
    """

    def __init__(self, registry: CheckRegistry, declared: Mapping[str, DeclaredFields | None],
                 resolve_file: Callable[[str, Pos], tuple[str | None, str | None]]):
        self.registry = registry
        self.declared = declared
        self.resolve_file = resolve_file
        self._validators: dict[tuple[str, bool], Any] = {}
        self._parsed: dict[str, tuple[bool, Any]] = {}  # expression text -> (parsed?, AST or exception)
        self._common = make_validator({"type": "object", "properties": common_rule_properties(),
                                       "required": ["id", "check"]})

    def _validator(self, spec: CheckSpec, generated: bool):
        """The rule schema of ``spec``; generated ids carry the field path as written (``items[*].sku.type``)."""
        validator = self._validators.get((spec.name, generated))
        if validator is None:
            schema = check_rule_schema(spec)
            if generated:
                schema["properties"]["id"] = {"type": "string"}
            validator = self._validators[(spec.name, generated)] = make_validator(schema)
        return validator

    def compile(self, entry: RuleEntry, issues: list[Issue]) -> Rule | None:
        """The ``Rule`` of ``entry``, or None when it has problems (appended to ``issues``)."""
        data, loc = entry.data, entry.loc
        before = len(issues)
        check = data.get("check")
        spec = self.registry.get(check) if isinstance(check, str) and check in self.registry else None
        if spec is None:
            issues.extend(i for _p, i in schema_issues(self._common, data, loc, prefix=entry.path))
            if isinstance(check, str) and check:
                pos = loc.locate(("check",))
                if entry.generated:
                    message = (f"fields attribute {entry.trigger!r} needs the check {check!r}, "
                               "which is not registered")
                else:
                    message = str(UnknownNameError("check", check, self.registry.names()))
                issues.append(issue_at(pos, message, codes.UNKNOWN_CHECK))
            return None
        known = list(COMMON_RULE_KEYS) + [p for p in spec.params if p not in COMMON_RULE_KEYS]
        found = schema_issues(self._validator(spec, entry.generated), data, loc, prefix=entry.path, known_keys=known)
        issues.extend(i for _p, i in found)
        bad_keys = {p[len(entry.path)] for p, _i in found if len(p) > len(entry.path)}
        fields = self._fields(entry, spec, issues)
        params = self._params(entry, spec, bad_keys, issues)
        where = self._expression(entry, "where", issues)
        for name in EXPRESSION_PARAMS:
            if name in spec.params and name not in bad_keys:
                self._expression(entry, name, issues)
        if len(issues) > before or fields is None or params is None:
            return None
        span = entry.span
        return Rule(
            id=data["id"],
            check=spec.name,
            level=spec.level,
            fields=fields,
            params=frozen_mapping(params),
            severity=data.get("severity", spec.default_severity),
            dimension=data.get("dimension", spec.default_dimension),
            message=data.get("message"),
            where=where,
            where_text=data.get("where"),
            enabled=data.get("enabled", True),
            description=data.get("description"),
            tags=tuple(data.get("tags", ())),
            span=Span(span.file, span.line, span.col),
            origin=entry.origin,
        )

    # -- fields --------------------------------------------------------------------------------
    def _fields(self, entry: RuleEntry, spec: CheckSpec, issues: list[Issue]) -> tuple[FieldPath, ...] | None:
        data, loc = entry.data, entry.loc
        single, many = data.get("field"), data.get("fields")
        if not isinstance(single, str):
            single = None
        if not (isinstance(many, list) and all(isinstance(f, str) and f for f in many)):
            many = None
        mode = spec.fields

        def at(key: str) -> Pos:
            return loc.locate((key,), key=True)

        if "field" in data and "fields" in data:
            issues.append(issue_at(at("fields"), "give either 'field' or 'fields', not both", codes.FIELD_MODE))
            return None
        if mode == "none":
            for key in ("field", "fields"):
                if key in data:
                    issues.append(issue_at(at(key), f"check {spec.name!r} takes no field; remove {key!r}",
                                           codes.FIELD_MODE))
                    return None
            return ()
        if "field" not in data and "fields" not in data:
            if mode == "optional":
                return ()
            needs = "a 'field'" if mode == "one" else "'field' or 'fields'"
            issues.append(issue_at(entry.span, f"check {spec.name!r} needs {needs}", codes.FIELD_MODE))
            return None
        if mode in ("one", "optional") and many is not None and len(many) > 1:
            issues.append(issue_at(at("fields"), f"check {spec.name!r} takes one field, got {len(many)}; use 'field'",
                                   codes.FIELD_MODE))
            return None
        texts = [single] if single is not None else many
        if texts is None:
            return None  # wrong type, reported by the schema
        key = "field" if single is not None else "fields"
        out: list[FieldPath] = []
        for index, text in enumerate(texts):
            rel = (key,) if key == "field" else (key, index)
            try:
                out.append(parse_path(text))
            except PathSyntaxError as exc:
                if not entry.generated:  # a generated rule's path is reported once, at its fields: key
                    issues.append(path_issue(loc.locate(rel), text, exc))
                return None
        if spec.validate_fields is not None:
            try:
                problems = list(spec.validate_fields(tuple(out)) or [])
            except Exception as exc:  # a check's validate_fields() must not crash the loader
                problems = [f"check {spec.name!r} could not validate its fields: {type(exc).__name__}: {exc}"]
            for message in problems:
                issues.append(issue_at(at(key), f"{key}: {message}", codes.FIELD_MODE))
            if problems:
                return None
        return tuple(out)

    # -- parameters ----------------------------------------------------------------------------
    def _params(self, entry: RuleEntry, spec: CheckSpec, bad_keys: set, issues: list[Issue]) -> dict | None:
        data, loc = entry.data, entry.loc
        params: dict[str, Any] = {}
        for name, schema in spec.params.items():
            if name in data and name not in COMMON_RULE_KEYS:
                params[name] = data[name]
            elif isinstance(schema, Mapping) and "default" in schema:
                params[name] = copy.deepcopy(schema["default"])
        if bad_keys & (set(spec.params) | {"check"}):
            return None
        ok = True
        if spec.validate is not None:
            try:
                problems = list(spec.validate(params) or [])
            except Exception as exc:  # a check's validate() must not crash the loader
                problems = [(None, f"check {spec.name!r} could not validate its parameters: "
                                   f"{type(exc).__name__}: {exc}")]
            for problem in problems:
                param, message = problem[0], problem[1]
                code = problem[2] if len(problem) > 2 else _code_for(param, message)
                pos = loc.locate((param,)) if param in data else entry.span
                issues.append(issue_at(pos, f"{param}: {message}" if param and not message.startswith(param)
                                       else message, code))
                ok = False
        for name in spec.path_params:
            value = params.get(name)
            if not isinstance(value, str) or name not in data:
                continue
            pos = loc.locate((name,))
            resolved, problem = self.resolve_file(value, pos)
            if problem is not None:
                issues.append(issue_at(pos, f"{name}: {problem}", codes.FILE_REFERENCE))
                ok = False
                continue
            params[name] = resolved
            for message in self._file_problems(spec, name, resolved):
                issues.append(issue_at(pos, f"{name}: {message}", codes.FILE_REFERENCE))
                ok = False
        return params if ok else None

    @staticmethod
    def _file_problems(spec: CheckSpec, name: str, path: str) -> list[str]:
        """What the check says of the contents of the file a path parameter names (``validate_file``)."""
        if spec.validate_file is None:
            return []
        try:
            return list(spec.validate_file(name, path) or [])
        except Exception as exc:  # a check's validate_file() must not crash the loader
            return [f"check {spec.name!r} could not validate {path}: {type(exc).__name__}: {exc}"]

    # -- expressions ---------------------------------------------------------------------------
    def _parse(self, text: str) -> Any:
        """``parse_expression(text)``, once per text: a ruleset may repeat a long expression in many
        rules (merge keys, ``fields:`` of many files), and the AST is immutable, so rules share it."""
        hit = self._parsed.get(text)
        if hit is None:
            from .. import expr as exprlib

            try:
                hit = (True, exprlib.parse_expression(text))
            except Exception as exc:  # raised again below for every rule that has this text
                hit = (False, exc)
            self._parsed[text] = hit
        if hit[0]:
            return hit[1]
        raise hit[1].with_traceback(None)

    def _expression(self, entry: RuleEntry, key: str, issues: list[Issue]) -> Any:
        text = entry.data.get(key)
        if not isinstance(text, str):
            return None
        from .. import expr as exprlib

        pos = entry.loc.locate((key,))
        try:
            parsed = self._parse(text)
        except exprlib.ExprError as exc:
            offset = exc.offset if isinstance(getattr(exc, "offset", None), int) else 0
            message = getattr(exc, "message", None) or str(exc)
            code = codes.UNKNOWN_FUNCTION if message.startswith("unknown function") else codes.EXPRESSION_ERROR
            issues.append(issue_at(pos.at(offset), f"{key}: {message}", code))
            return None
        except (RecursionError, ValueError, TypeError) as exc:  # never let a parser bug escape as a crash
            issues.append(issue_at(pos, f"{key}: cannot parse the expression: {exc}", codes.EXPRESSION_ERROR))
            return None
        known = {name.lower(): name for name in exprlib.FUNCTIONS}
        for name in dict.fromkeys(exprlib.function_names(parsed)):
            if name.lower() not in known:
                hint = did_you_mean(name.lower(), known)
                extra = f" (did you mean {', '.join(repr(h) for h in hint)}?)" if hint else ""
                offset = text.lower().find(name.lower())
                issues.append(issue_at(pos.at(offset), f"{key}: unknown function {name!r}{extra}",
                                       codes.UNKNOWN_FUNCTION))
        declared = self.declared.get(entry.section)
        if declared is not None:
            offsets = exprlib.field_offsets(parsed)
            for ref in exprlib.field_refs(parsed):
                if declared.declares(ref):
                    continue
                hint = did_you_mean(ref.text, declared.texts)
                extra = f" (did you mean {', '.join(repr(h) for h in hint)}?)" if hint else ""
                offset = offsets.get(ref.text)
                if offset is None:
                    offset = max(0, text.find(ref.text))
                issues.append(issue_at(pos.at(offset),
                                       f"{key}: unknown field {ref.text!r}{extra}; declare it under fields:",
                                       codes.UNKNOWN_FIELD_IN_EXPRESSION))
        return parsed


def _code_for(param: str | None, message: str) -> str:
    lower = message.lower()
    if param == "pattern" or "regular expression" in lower or "regex" in lower:
        return codes.INVALID_REGEX
    if "greater than" in lower and "min" in lower and "max" in lower:
        return codes.MIN_GREATER_THAN_MAX
    return codes.SCHEMA


def resolve_relative(value: str, base_dir: str, root: str | None) -> tuple[str | None, str | None]:
    """``value`` resolved against ``base_dir``; a problem when it is missing or outside ``root``."""
    resolved = os.path.realpath(os.path.join(base_dir, value))
    if root is not None and not inside_root(resolved, root):
        return None, (f"{value!r} resolves outside the project root {root} "
                      "(files outside it are refused unless --allow-outside-root is given, or --root names a directory holding them)")
    if not os.path.isfile(resolved):
        return None, f"file not found: {value!r} (looked for {resolved})"
    return resolved, None


def inside_root(path: str, root: str) -> bool:
    """True when the real path ``path`` lies in directory ``root``."""
    root = os.path.realpath(root)
    try:
        return os.path.commonpath([path, root]) == root
    except ValueError:  # different drives
        return False
