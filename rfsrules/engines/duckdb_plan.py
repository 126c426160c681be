"""Compiles a ruleset's rule IR into the DuckDB engine's one-scan SQL (the per-row projection of stage 1).

Stage 1 reads every record once and stores, per row, a handful of small columns: the malformed code
``bad``, one failure count ``r<i>`` per value/record rule (NULL: Python decides), one boolean ``w<g>``
per ``where:`` group, one key ``u<i>`` per ``unique`` rule, the columns of batch rules, and the raw
JSON text only for rows that are malformed, failing, or undecided. Everything after that (counts,
duplicates, aggregates, examples) reads this table, not the data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from ..checks.spec import CheckRegistry, CheckSpec
from ..errors import Issue
from ..ruleset.model import Rule, Ruleset
from .duckdb_checks import BUILDERS, composite_key
from .duckdb_sql import BatchSql, KeySql, RowModel, RowSql, SqlContext, Value, ValueSql

ENGINE_NAME = "duckdb"
ENGINE_UNSUPPORTED = "RFE001"
"""Issue code of a rule the DuckDB engine cannot run."""

BUILTIN_PREFIX = "rfsrules.checks.builtin."

# Malformed codes stored in ``bad`` (blank lines are not records).
BLANK, MALFORMED_JSON, NOT_AN_OBJECT, PYTHON_MALFORMED = "b", "j", "o", "p"

# Whitespace of Python's ``bytes.strip()`` (``\r`` was turned into ``\t`` and ``\n`` splits lines).
_BLANK_CHARS = "' ' || chr(9) || chr(11) || chr(12)"

SUSPICIOUS = (
    r":\s*-?(?:[Nn][Aa]|[Ii][Nn])",
    r",\s*(?:-?(?:[Nn][Aa]|[Ii][Nn])|[}\]])",
    r"\[\s*-?(?:[Nn][Aa]|[Ii][Nn])",
)
"""Text DuckDB's JSON parser accepts but Python's may not (NaN/Infinity literals, trailing commas).

Each pattern starts with a literal byte, so RE2 skips ahead with memchr; rows matching one are
re-checked with Python's parser (strings containing such text are false alarms, decided exactly).
"""


def builder_for(spec: CheckSpec) -> Callable[..., Any] | None:
    """The DuckDB builder of a check: the built-in table, ``spec.engines['duckdb']`` (a callable or
    ``"module:attribute"``), or None when the check cannot run on DuckDB."""
    if ENGINE_NAME in spec.unsupported:
        return None
    impl = spec.engines.get(ENGINE_NAME) if spec.engines else None
    if impl is None and spec.plugin.startswith(BUILTIN_PREFIX):
        impl = BUILDERS.get(spec.name)
    if isinstance(impl, str):
        import importlib

        module, _, attr = impl.partition(":")
        impl = getattr(importlib.import_module(module), attr)
    return impl if callable(impl) else None


def unsupported_issues(ruleset: Ruleset, registry: CheckRegistry) -> list[Issue]:
    """One issue per enabled data rule whose check has no DuckDB implementation, at the rule's span."""
    issues = []
    for rule in ruleset.rules:
        if not rule.enabled:
            continue
        spec = registry.get(rule.check)
        if builder_for(spec) is None:
            span = rule.span
            reason = spec.unsupported.get(ENGINE_NAME)
            message = f"check '{rule.check}' is not supported by engine duckdb" + (f": {reason}" if reason else "")
            issues.append(Issue(span.path if span else ruleset.source, span.line if span else 1,
                                span.col if span else 1, message, ENGINE_UNSUPPORTED))
    return issues


@dataclass
class WhereGroup:
    """Rules sharing one ``where:`` expression; ``column`` holds TRUE/FALSE (NULL: Python decides)."""

    index: int
    expr: Any
    column: str
    sql: str


@dataclass
class CompiledRule:
    """One rule of the IR and what stage 1 stores for it."""

    index: int
    rule: Rule
    spec: CheckSpec
    severity: str
    dimension: str | None
    level: str
    shape: str  # row | key | batch | skipped | error
    group: WhereGroup | None = None
    column: str | None = None  # r<i> (row) or u<i> (key)
    sql: str | None = None
    key: KeySql | None = None
    batch: BatchSql | None = None
    batch_columns: dict[str, str] = field(default_factory=dict)  # batch column name -> stored column
    error: str | None = None


@dataclass
class Plan:
    """The compiled ruleset: the row model, the rules and the ``where`` groups."""

    model: RowModel
    rules: list[CompiledRule]
    groups: list[WhereGroup]
    record_id_column: str | None = None

    @property
    def row_rules(self) -> list[CompiledRule]:
        return [r for r in self.rules if r.shape == "row"]

    @property
    def key_rules(self) -> list[CompiledRule]:
        return [r for r in self.rules if r.shape == "key"]

    @property
    def batch_rules(self) -> list[CompiledRule]:
        return [r for r in self.rules if r.shape == "batch"]

    def checked(self, rule: CompiledRule, alias: str = "") -> str:
        """SQL: the row is a well-formed record the rule looks at (its ``where`` is true)."""
        cond = f"{alias}bad IS NULL"
        if rule.group is not None:
            cond += f" AND {alias}{rule.group.column}"
        return cond

    def failing(self, rule: CompiledRule, alias: str = "") -> str:
        """SQL: the rule fails on the row (value/record and unique rules)."""
        if rule.shape == "row":
            return f"({self.checked(rule, alias)} AND {alias}{rule.column} > 0)"
        return f"coalesce({alias}d{rule.index}, FALSE)"

    def stage1_columns(self) -> list[str]:
        """The stored columns (after ``bad``), in order."""
        out = []
        for group in self.groups:
            out.append(f"{group.sql} AS {group.column}")
        for rule in self.rules:
            if rule.shape == "row":
                out.append(f"{rule.sql} AS {rule.column}")
            elif rule.shape == "key":
                out.append(f"{rule.sql} AS {rule.column}")
                out.append(f"NULL::BOOLEAN AS d{rule.index}")
                if rule.key.floats:
                    out.append(f"({rule.key.floats}) AS kf{rule.index}")
            elif rule.shape == "batch":
                for name, sql in rule.batch.columns.items():
                    out.append(f"{sql} AS {rule.batch_columns[name]}")
        if self.record_id_column:
            out.append(f"{self.record_id_column} AS rid_text")
        return out

    def undecided_sql(self) -> str:
        """SQL: some stored decision is NULL (Python must decide)."""
        parts = [f"{g.column} IS NULL" for g in self.groups]
        parts += [f"{r.column} IS NULL" for r in self.row_rules]
        return " OR ".join(parts) if parts else "FALSE"

    def failing_any_sql(self) -> str:
        """SQL (stage 1): some value/record rule fails on the row, whatever its ``where``."""
        parts = [f"{r.column} > 0" for r in self.row_rules]
        return " OR ".join(parts) if parts else "FALSE"

    def stage1_sql(self, source_sql: str, *, raw_lines: bool, line_column: bool, max_line_bytes: int) -> str:
        """The SELECT producing stage 1's table from ``source_sql`` (columns ``raw`` [, ``line``])."""
        line = "line, " if line_column else ""
        if raw_lines:
            j = "(CASE WHEN starts_with(raw, chr(65279)) THEN substr(raw, 2) ELSE raw END)"
            pre = (f"CASE WHEN raw IS NULL THEN '{BLANK}' "
                   f"WHEN strlen(raw) > {int(max_line_bytes)} THEN 'l' "
                   f"WHEN json_valid(j) THEN (CASE WHEN starts_with(j, '{{') OR json_type(j) = 'OBJECT' THEN NULL "
                   f"ELSE '{NOT_AN_OBJECT}' END) "
                   f"WHEN trim(raw, {_BLANK_CHARS}) = '' THEN '{BLANK}' ELSE '{MALFORMED_JSON}' END")
            sus = " OR ".join(f"regexp_matches(j, '{p}')" for p in SUSPICIOUS)
            sus_sql = f"(pre IS NULL AND ({sus}))"
        else:
            j = "raw"
            pre = (f"CASE WHEN json_valid(j) THEN (CASE WHEN starts_with(j, '{{') OR json_type(j) = 'OBJECT' "
                   f"THEN NULL ELSE '{NOT_AN_OBJECT}' END) ELSE '{MALFORMED_JSON}' END")
            sus_sql = "FALSE"
        model = self.model
        elements = model.element_columns()
        layers = [", ".join(["l2.*"] + elements) if elements else "l2.*"]
        layers += [", ".join([f"d{n}.*"] + defs) for n, defs in enumerate(model.derived_layers())]
        stored = self.stage1_columns()
        names = [c.rsplit(" AS ", 1)[1] for c in stored]
        keep = f"bad IS NOT NULL OR sus OR {self.undecided_sql()} OR {self.failing_any_sql()}"
        float_keys = [f"kf{r.index}" for r in self.key_rules if r.key.floats]
        if float_keys:  # a float key's text is normalised (1.0 -> 1): keep the row for its examples
            keep += " OR " + " OR ".join(float_keys)
        l5 = ", ".join([f"{line}raw", "pre AS bad", "sus"] + stored)
        line_out = "line" if line_column else "NULL::BIGINT AS line"
        select = ", ".join([line_out, "bad", "sus"] + names + [f"CASE WHEN {keep} THEN raw END AS raw"])
        derived = " ".join(f"d{n} AS (SELECT {cols} FROM {'l2' if n == 0 else f'd{n - 1}'})," for n, cols in enumerate(layers))
        last = f"d{len(layers) - 1}"
        return (
            f"WITH l0 AS (SELECT {line}raw, {j} AS j FROM {source_sql}), "
            f"l1 AS (SELECT {line}raw, j, {pre} AS pre FROM l0), "
            f"l2 AS (SELECT l1.*, {sus_sql} AS sus, "
            f"CASE WHEN pre IS NULL THEN {model.extraction_sql('j')} END AS ex FROM l1), "
            f"{derived} "
            f"l5 AS (SELECT {l5} FROM {last}) "
            f"SELECT {select} FROM l5"
        )


def compile_plan(ruleset: Ruleset, registry: CheckRegistry, ctx: SqlContext) -> Plan:
    """Build every enabled rule's SQL; a rule whose builder raises gets shape ``error``."""
    from .duckdb_expr import NoFastPath, compile_expression

    model = ctx.model
    groups: dict[Any, WhereGroup] = {}
    compiled: list[CompiledRule] = []
    for index, rule in enumerate(ruleset.rules):
        spec = registry.get(rule.check)
        severity = str(rule.severity or spec.default_severity)
        dimension = rule.dimension or spec.default_dimension
        item = CompiledRule(index, rule, spec, severity, dimension, spec.level, "skipped")
        compiled.append(item)
        if not rule.enabled:
            continue
        try:
            if rule.where is not None:
                key = rule.where_text or id(rule.where)
                group = groups.get(key)
                if group is None:
                    try:
                        expr_sql = compile_expression(rule.where, model, ctx.options.get("kind_hints"))
                        sql = f"(CASE WHEN {expr_sql.guard} THEN coalesce({expr_sql.truth}, FALSE) END)"
                    except NoFastPath:
                        sql = "NULL::BOOLEAN"
                    group = groups[key] = WhereGroup(len(groups), rule.where, f"w{len(groups)}", sql)
                item.group = group
            builder = builder_for(spec)
            if builder is None:
                raise ValueError(f"check '{rule.check}' is not supported by engine duckdb")
            _apply(item, builder(rule, ctx), ctx)
        except Exception as exc:  # noqa: BLE001 - a rule that cannot be compiled is an error of that rule
            item.shape = "error"
            item.error = f"{type(exc).__name__}: {exc} (plugin {spec.plugin})"
    plan = Plan(model, compiled, list(groups.values()))
    if ruleset.record_id is not None and plan.key_rules and not ruleset.record_id.has_wildcard:
        plan.record_id_column = model.value(ruleset.record_id).elem
    return plan


def _apply(item: CompiledRule, built: Any, ctx: SqlContext) -> None:
    rule = item.rule
    if isinstance(built, ValueSql):
        parts = [_value_failures(built, path, ctx) for path in rule.fields]
        item.shape, item.column = "row", f"r{item.index}"
        item.sql = "(" + (" + ".join(parts) if parts else "0") + ")::INTEGER"
    elif isinstance(built, RowSql):
        item.shape, item.column = "row", f"r{item.index}"
        item.sql = f"({built.failures})::INTEGER"
    elif isinstance(built, KeySql):
        item.shape, item.column, item.key = "key", f"u{item.index}", built
        item.sql = built.parts[0] if built.wildcard else composite_key(built.parts)
    elif isinstance(built, BatchSql):
        item.shape, item.batch = "batch", built
        item.batch_columns = {name: f"b{item.index}_{n}" for n, name in enumerate(built.columns)}
    else:
        raise TypeError(f"a DuckDB builder returned {type(built).__name__}")


def _value_failures(built: ValueSql, path, ctx: SqlContext) -> str:
    """SQL: failures of a value check on one field (NULL when some value needs Python)."""
    if not path.has_wildcard:
        v = ctx.value(path)
        return f"(CASE WHEN {v.kind} >= 2 THEN {built.decide(v)} ELSE 0 END)"
    lv = ctx.values(path)

    def decided(v: Value) -> str:
        return f"(CASE WHEN {v.kind} >= 2 THEN {built.decide(v)} ELSE 0 END)"
    fails = lv.count(lambda v: f"{decided(v)} = 1")
    return f"(CASE WHEN {lv.any_null(decided)} THEN NULL ELSE {fails} END)"


def python_factory(registry: CheckRegistry) -> Callable[[str], Callable[..., Any]]:
    """``name -> spec.python`` for builders that reuse a check's Python implementation."""
    return lambda name: registry.get(name).python


def sql_context(ruleset: Ruleset, registry: CheckRegistry, ref_time, extra: Mapping[str, Any] | None = None) -> SqlContext:
    """The builder context for ``ruleset``: a fresh row model, the reference time, kind hints."""
    from .duckdb_expr import kind_hints

    options = {"python_factory": python_factory(registry), "kind_hints": kind_hints(ruleset), "engine": ENGINE_NAME}
    options.update(extra or {})
    return SqlContext(RowModel(), ref_time, options)


__all__ = ["Plan", "CompiledRule", "WhereGroup", "compile_plan", "unsupported_issues", "builder_for", "sql_context"]
