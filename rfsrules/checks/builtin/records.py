"""Record checks: unique (single or composite key), json_schema and expression."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, Iterator, Mapping

from ...paths import MISSING, append_segment
from ...plugins.hookspecs import hookimpl
from ...results import Reason
from ..regex import check_pattern, compile_matcher
from ..spec import CheckFailure, CheckSpec, CompileContext
from ..types import describe_value, strict_key
from .common import composite_key_problems

# --- unique ----------------------------------------------------------------------------------------


SOURCE_SHIFT = 40
"""First lines of keys are kept as ``(source index << SOURCE_SHIFT) + line`` in a batch of several sources."""
LINE_MASK = (1 << SOURCE_SHIFT) - 1


class Unique:
    """Record test for ``unique``: each key (one field, or several as a composite key) occurs once.

    Called as ``test(record, line)``. It keeps the keys seen so far in :attr:`seen` (key -> line of the
    first occurrence; ``(line, concrete path)`` for ``[*]`` paths): compile one per batch. The Python
    engine reads single-field keys inline and merges :attr:`seen` of several processes; :meth:`key`
    and the ``*_failure`` methods build what the test itself would report.
    """

    def __init__(self, fields):
        if not fields:
            raise ValueError("unique needs at least one field")
        self.fields = tuple(fields)
        self.seen: dict[Any, Any] = {}
        if len(fields) == 1:
            self.mode = "elements" if fields[0].has_wildcard else "one"
        else:
            if any(f.has_wildcard for f in fields):
                raise ValueError("a composite unique key cannot use [*] paths; give one [*] path alone")
            self.mode = "composite"
        self.name = fields[0].text
        self.label = ", ".join(f.text for f in fields)
        self.getters = [f.getter() for f in fields] if self.mode != "elements" else []
        self.base = 0  # index of the source being read << SOURCE_SHIFT: first lines are kept as base + line
        self.labels: list = []  # the sources of a batch of several, by index (see :meth:`first_text`)

    def begin_source(self, index: int) -> None:
        """Keys seen from now on belong to source ``index`` of the batch (their first lines say so)."""
        self.base = index << SOURCE_SHIFT

    def first_text(self, first: int, current: int | None = None) -> str:
        """Where a key was first seen: ``line 7`` in the source being read (``current``, a base, defaults to
        the source being read), ``<source>:7`` in another source of the batch."""
        if type(first) is not int:
            return f"line {first}"
        index, line = first >> SOURCE_SHIFT, first & LINE_MASK
        here = (self.base if current is None else current) >> SOURCE_SHIFT
        if index == here or index >= len(self.labels) or self.labels[index] is None:
            return f"line {line}"
        return f"{self.labels[index]}:{line}"

    @staticmethod
    def key(value: Any) -> Any:
        """The dictionary key of one value (strings as themselves; type-strict for the rest)."""
        return value if type(value) is str else strict_key(value)

    def one_failure(self, value: Any, first: Any, current: int | None = None) -> list[CheckFailure]:
        """What a single-field key reports on a duplicate of the key first seen at ``first`` (see
        :meth:`first_text`; ``current`` is the base of the duplicate's source, default the one being read)."""
        return [CheckFailure(self.name, value, Reason.DUPLICATE_VALUE,
                             f"{describe_value(value)} is a duplicate of {self.first_text(first, current)}")]

    def element_failure(self, where: str, value: Any, first: tuple) -> CheckFailure:
        """What a ``[*]`` key reports at ``where`` for a key first seen at ``first = (line, path)``."""
        return CheckFailure(where, value, Reason.DUPLICATE_VALUE,
                            f"{describe_value(value)} is a duplicate of {self.first_text(first[0])} ({first[1]})")

    def composite_failure(self, values: list, first: Any) -> list[CheckFailure]:
        """What a composite key reports on a duplicate of the key first seen at ``first``."""
        shown = ", ".join(f"{f.text}={describe_value(v, 40)}" for f, v in zip(self.fields, values))
        return [CheckFailure(self.label, values, Reason.DUPLICATE_VALUE,
                             f"({shown}) is a duplicate of {self.first_text(first)}")]

    def __call__(self, record: Any, line: Any) -> list[CheckFailure] | None:
        seen = self.seen
        if self.mode == "one":
            value = self.getters[0](record)
            if value is None or value is MISSING:
                return None
            key = value if type(value) is str else strict_key(value)
            first = seen.get(key)
            if first is None:
                seen[key] = line + self.base if self.base else line
                return None
            return self.one_failure(value, first)
        if self.mode == "elements":
            failures = None
            for where, value in self.fields[0].iter_values(record):
                if value is None or value is MISSING:
                    continue
                key = strict_key(value)
                first = seen.get(key)
                if first is None:
                    seen[key] = (line + self.base if self.base else line, where)
                    continue
                failures = failures or []
                failures.append(self.element_failure(where, value, first))
            return failures
        values = [get(record) for get in self.getters]
        for value in values:
            if value is None or value is MISSING:
                return None
        key = tuple(strict_key(v) for v in values)
        first = seen.get(key)
        if first is None:
            seen[key] = line + self.base if self.base else line
            return None
        return self.composite_failure(values, first)


def build_unique(rule, ctx: CompileContext) -> Unique:
    """Record test for ``unique`` (see :class:`Unique`); it keeps the keys seen so far: compile one per batch."""
    return Unique(rule.fields)


# --- json_schema -----------------------------------------------------------------------------------

_DATA_KEYWORDS = frozenset({"enum", "const", "default", "examples"})


def _schema_patterns(schema: Any) -> Iterator[str]:
    """Every regular expression a JSON Schema uses (``pattern`` values, ``patternProperties`` keys)."""
    if isinstance(schema, Mapping):
        for key, value in schema.items():
            if key in _DATA_KEYWORDS:
                continue
            if key == "pattern" and isinstance(value, str):
                yield value
            elif key == "patternProperties" and isinstance(value, Mapping):
                yield from (k for k in value if isinstance(k, str))
            yield from _schema_patterns(value)
    elif isinstance(schema, list):
        for item in schema:
            yield from _schema_patterns(item)


def schema_problems(schema: Any) -> list[str]:
    """Why ``schema`` cannot be used: not a valid Draft 2020-12 schema, or a pattern RE2 rejects."""
    from jsonschema.exceptions import SchemaError

    try:
        _validator_class().check_schema(schema)
    except SchemaError as exc:
        where = "".join(f"/{p}" for p in exc.absolute_path) or "/"
        return [f"invalid JSON Schema at {where}: {exc.message}"]
    problems = []
    for pattern in _schema_patterns(schema):
        reason = check_pattern(pattern)
        if reason is not None:
            problems.append(f"pattern {pattern!r} is not supported by RE2: {reason}")
    return problems


def validate_json_schema(params: Mapping[str, Any]) -> list[tuple[str | None, str]]:
    """Exactly one of ``schema``/``schema_file``; an embedded schema must be valid and RE2-compatible."""
    has_schema, has_file = params.get("schema") is not None, params.get("schema_file") is not None
    if has_schema == has_file:
        return [(None, "give exactly one of schema, schema_file")]
    if has_schema:
        return [("schema", problem) for problem in schema_problems(params["schema"])]
    return []


@functools.cache
def _validator_class():
    """Draft 2020-12 with RE2 for ``pattern``/``patternProperties`` and ``integer`` meaning written without a fraction."""
    from jsonschema import Draft202012Validator, validators
    from jsonschema.exceptions import ValidationError

    def pattern(validator, patrn, instance, schema):
        if validator.is_type(instance, "string") and not compile_matcher(patrn)(instance):
            yield ValidationError(f"{instance!r} does not match {patrn!r}")

    def pattern_properties(validator, patterns, instance, schema):
        if not validator.is_type(instance, "object"):
            return
        for patrn, subschema in patterns.items():
            matches = compile_matcher(patrn)
            for key, value in instance.items():
                if matches(key):
                    yield from validator.descend(value, subschema, path=key, schema_path=patrn)

    type_checker = Draft202012Validator.TYPE_CHECKER.redefine("integer", lambda checker, v: type(v) is int)
    return validators.extend(
        Draft202012Validator,
        validators={"pattern": pattern, "patternProperties": pattern_properties},
        type_checker=type_checker,
    )


def validate_schema_file(param: str, path: str) -> list[str]:
    """The problems of a ``schema_file``: unreadable, not JSON/YAML, or not a usable JSON Schema."""
    try:
        schema = load_schema_file(path)
    except ValueError as exc:
        return [str(exc).replace("cannot read schema_file ", "cannot read ", 1)]
    return [f"{path!r}: {problem}" for problem in schema_problems(schema)]


def load_schema_file(path: str | Path) -> Any:
    """A JSON Schema read from a ``.json`` file, or from YAML otherwise."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
        if file.suffix.lower() == ".json":
            import json

            return json.loads(text)
        from ruamel.yaml import YAML

        return YAML(typ="safe", pure=True).load(text)
    except Exception as exc:
        raise ValueError(f"cannot read schema_file {str(path)!r}: {exc}") from exc


def _json_path(text: str) -> str:
    if not text:
        return "$"
    return "$" + text if text.startswith("[") else "$." + text


def build_json_schema(rule, ctx: CompileContext):
    """Record test for ``json_schema``: the record (or the value at ``field``) validates against the schema."""
    schema = rule.params.get("schema")
    if schema is None:
        schema = load_schema_file(rule.params["schema_file"])
    problems = schema_problems(schema)
    if problems:
        raise ValueError("; ".join(problems))
    iter_errors = _validator_class()(schema, format_checker=_validator_class().FORMAT_CHECKER).iter_errors

    def failure(base: str, err) -> CheckFailure:
        where = base
        for seg in err.absolute_path:
            where = append_segment(where, seg)
        return CheckFailure(where or None, err.instance, Reason.SCHEMA_MISMATCH,
                            f"{_json_path(where)}: {err.message}")

    if not rule.fields:
        def test_record(record, line):
            err = next(iter_errors(record), None)
            return None if err is None else [failure("", err)]
        return test_record

    path = rule.fields[0]
    if not path.has_wildcard:
        get = path.getter()
        base = path.text

        def test_field(record, line, _m=MISSING):
            value = get(record)
            if value is None or value is _m:
                return None
            err = next(iter_errors(value), None)
            return None if err is None else [failure(base, err)]
        return test_field

    def test_elements(record, line):
        failures = None
        for where, value in path.iter_values(record):
            if value is None or value is MISSING:
                continue
            err = next(iter_errors(value), None)
            if err is not None:
                failures = failures or []
                failures.append(failure(where, err))
        return failures
    return test_elements


# --- expression ------------------------------------------------------------------------------------

@functools.lru_cache(maxsize=256)
def _compiled_expression(text: str) -> tuple[Any, tuple]:
    """The evaluator of an expression and the getters of the fields it names, once per text (rules that
    repeat one expression, through YAML aliases or generated rulesets, share them: both are pure)."""
    from ... import expr as expressions

    tree = expressions.parse_expression(text)
    refs = tuple((ref.text, ref.getter()) for ref in expressions.field_refs(tree) if not ref.has_wildcard)
    return expressions.compile_python(tree), refs


def build_expression(rule, ctx: CompileContext):
    """Record test for ``expression``: a record violates the rule unless the expression is true."""
    text = rule.params["expr"]
    evaluate, refs = _compiled_expression(text)

    def test(record, line):
        outcome = evaluate(record)
        if outcome is True:
            return None
        values = {}
        for name, get in refs:
            value = get(record)
            if value is not MISSING:
                values[name] = value
        state = "false" if outcome is False else "null"
        return [CheckFailure(None, values, Reason.EXPRESSION_FALSE, f"expression is {state}: {text}")]
    return test


# --- declarations ----------------------------------------------------------------------------------

UNIQUE = CheckSpec(
    name="unique",
    level="record",
    fields="many",
    summary="No two records share a value (or, with several fields, a combination of values).",
    description=(
        "The first record with a key passes; every later record with the same key fails with reason "
        "`duplicate_value` and a message naming the line of the first occurrence "
        "(`\"evt_1\" is a duplicate of line 1`). The failure's value is the duplicated value (for a composite "
        "key, the list of its values).\n\n"
        "With several fields the key is their combination (a composite key), and a record is skipped "
        "when any part of its key is missing or null. With one field, records where it is missing "
        "or null are skipped too. Keys are type-strict: `1` and `\"1\"` differ, `true` and `1` differ, "
        "`1` and `1.0` are equal; objects and arrays compare by content.\n\n"
        "With a single `[*]` path (`items[*].sku`) every element value is a key, across and within "
        "records, and each failure names its element; a composite key cannot use `[*]` paths.\n\n"
        "Uniqueness is over the whole batch, in reading order. The keys seen are kept in memory."
    ),
    params={},
    default_severity="high",
    default_dimension="consistency",
    python=build_unique,
    validate_fields=composite_key_problems,
    example="id: unique-ids\ncheck: unique\nfield: id\n",
    failing_record={"id": "evt_1"},
    preceding_records=({"id": "evt_1"}, {"id": "evt_2"}),
)

JSON_SCHEMA = CheckSpec(
    name="json_schema",
    level="record",
    fields="optional",
    summary="The record (or the object at field) validates against a JSON Schema.",
    description=(
        "Validates the whole record, or with `field:` the value found there, against a JSON Schema "
        "(Draft 2020-12) given inline as `schema` or read from `schema_file` (JSON, or YAML; a path "
        "relative to the ruleset's directory). A record whose `field` is missing or null is not tested.\n\n"
        "A failing record gives one failure with reason `schema_mismatch`, for the first error found; "
        "the message names the place in the record (`$.data.value: -999 is less than the minimum of "
        "1`) and the failure's field is that path (`data.value`).\n\n"
        "Two deliberate differences from plain JSON Schema keep the semantics of the other checks: "
        "`pattern` and `patternProperties` use RE2 (linear time, no backreferences or lookaround; "
        "unsupported patterns are a lint error), and `type: integer` means an integer as written "
        "(`3.0` is not an integer). `format` is asserted (`date-time`, `date`, `email`, `uuid`, `ipv4`, "
        "... as far as the `jsonschema` library checks them). Remote `$ref`s are not fetched."
    ),
    params={
        "schema": {"type": ["object", "boolean"], "description": "The JSON Schema, inline."},
        "schema_file": {"type": "string", "description": "A JSON or YAML file holding the JSON Schema."},
    },
    default_severity="high",
    default_dimension="consistency",
    validate=validate_json_schema,
    python=build_json_schema,
    path_params=("schema_file",),
    validate_file=validate_schema_file,
    example=(
        "id: data-shape\ncheck: json_schema\nfield: data\nschema:\n  type: object\n  required: [value]\n"
        "  properties:\n    value: {type: integer, minimum: 1}\n    status: {enum: [active, inactive]}\n"
    ),
    failing_record={"data": {"value": -999, "status": "active"}},
)

EXPRESSION = CheckSpec(
    name="expression",
    level="record",
    fields="none",
    summary="A SQL-like boolean expression over the record's fields must be true.",
    description=(
        "Evaluates `expr`, a SQL-like expression (comparisons, `and`/`or`/`not`, arithmetic, "
        "`between`, `in (...)`, `like`, `is null`, functions: the language of `where:`) with "
        "the record's fields as columns (`data.value`, `items[0].sku`). The record violates the rule "
        "**unless the expression is true**: false fails, and so does null (SQL three-valued logic: a "
        "comparison with a missing or null field is null). The reason is `expression_false`; the "
        "message says whether the result was false or null, and the failure's value holds the fields "
        "the expression reads.\n\n"
        "Expressions are parsed and checked by `rfsrules lint` (syntax errors name the character); "
        "they are never executed as Python."
    ),
    params={"expr": {"type": "string", "description": "The expression that must be true."}},
    required=("expr",),
    default_severity="medium",
    default_dimension="accuracy",
    python=build_expression,
    example='id: total-adds-up\ncheck: expression\nexpr: "total = subtotal + tax"\n',
    failing_record={"total": 12, "subtotal": 10, "tax": 1},
)


@hookimpl
def rfsrules_register_checks() -> list[CheckSpec]:
    """The record checks."""
    return [UNIQUE, JSON_SCHEMA, EXPRESSION]
