"""Compiles a ruleset's rule IR into the DuckDB engine's one-scan SQL (the per-row projection of stage 1).

Stage 1 reads every record once and stores, per row, a handful of small columns: the malformed code
``bad``; the failing bits ``f<m>`` and undecided bits ``q<m>`` of up to 64 value/record rules each (a
rule's failure count ``r<i>`` is computed per row and kept as ``c<i>`` only when it can exceed one);
one boolean ``w<g>`` per ``where:`` group (NULL: Python decides); one key ``u<i>`` per ``unique``
rule; the columns of batch rules; and the raw JSON text only for rows that are malformed, failing or
undecided. Everything after that (counts, duplicates, aggregates, examples) reads this table.
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

# Codes stored in ``bad`` (UTINYINT; NULL for a well-formed record). Blank lines are not records;
# SUSPECT rows parse in DuckDB but may not in Python, which decides before anything is counted.
BLANK, MALFORMED_JSON, NOT_AN_OBJECT, SUSPECT, PYTHON_MALFORMED, TOO_LONG = 1, 2, 3, 4, 5, 6

# Whitespace of Python's ``bytes.strip()`` (``\r`` was turned into ``\t`` and ``\n`` splits lines).
_BLANK_CHARS = "' ' || chr(9) || chr(11) || chr(12)"

_HUGE = r"\d+(?:\.\d*)?[eE]\+?\d{3}|\d{210}"
# A number can overflow a double only with a positive exponent of 3+ digits or, the exponent being
# below 100, with 210+ digits before the point (10^209 * 10^99 < 1.8e308): DuckDB reads it as infinity.
SUSPICIOUS = (
    r":\s*-?(?:[Nn][Aa]|[Ii][Nn]|" + _HUGE + ")",
    r",\s*(?:-?(?:[Nn][Aa]|[Ii][Nn]|" + _HUGE + r")|[}\]])",
    r"\[\s*-?(?:[Nn][Aa]|[Ii][Nn]|" + _HUGE + ")",
)
"""Text DuckDB's JSON parser accepts but Python's may not (NaN/Infinity literals, trailing commas,
numbers too large for a double).

Each pattern starts with a literal byte, so RE2 skips ahead with memchr; rows matching one are
re-checked with Python's parser (strings containing such text are false alarms, decided exactly).
"""

DEEP_NESTING = 900
"""Lines with at least this many ``[``/``{`` may be nested beyond Python's recursion limit: Python decides."""


def builder_for(spec: CheckSpec) -> Callable[..., Any] | None:
    """The DuckDB builder of a check: the built-in table, ``spec.engines['duckdb']`` (a callable or
    ``"module:attribute"``), or None when the check cannot run on DuckDB."""
    if ENGINE_NAME in spec.unsupported:
        return None
    impl = spec.engines.get(ENGINE_NAME) if spec.engines else None
    if impl is None and (spec.plugin.startswith(BUILTIN_PREFIX) or spec.plugin == "rfsrules"):
        impl = BUILDERS.get(spec.name)  # built-ins (untagged specs are core ones too)
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
    column: str | None = None  # r<i> (row: computed, not stored) or u<i> (key: stored)
    sql: str | None = None
    sql_type: str = "INTEGER"  # of the count column: UTINYINT when a row can fail at most 255 times
    max_failures: int | None = None  # per row; 1 means the failure count equals the violation
    mask: int = 0  # row rules: which f<mask>/q<mask> column holds the rule's bit
    bit: int = 0

    @property
    def bit_value(self) -> int:
        return 1 << self.bit

    @property
    def count_column(self) -> str | None:
        """``c<i>``: the row's failure count, stored only when a row can fail more than once."""
        return None if self.max_failures == 1 else f"c{self.index}"
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
    record_id_column: str | None = None  # SQL of the record id's JSON text, stored as rid_text
    record_id_key: str | None = None  # a unique rule's key column that already holds it

    @property
    def row_rules(self) -> list[CompiledRule]:
        return [r for r in self.rules if r.shape == "row"]

    @property
    def key_rules(self) -> list[CompiledRule]:
        return [r for r in self.rules if r.shape == "key"]

    @property
    def batch_rules(self) -> list[CompiledRule]:
        return [r for r in self.rules if r.shape == "batch"]

    def record_id_source(self) -> str | None:
        """The stored column holding the record id's JSON text (``rid_text``, or a unique key on it)."""
        if self.record_id_column:
            return "rid_text"
        return self.record_id_key

    def checked(self, rule: CompiledRule, alias: str = "") -> str:
        """SQL: the row is a well-formed record the rule looks at (its ``where`` is true)."""
        cond = f"{alias}bad IS NULL"
        if rule.group is not None:
            cond += f" AND {alias}{rule.group.column}"
        return cond

    def failing(self, rule: CompiledRule, alias: str = "") -> str:
        """SQL: the rule fails on the row (value/record and unique rules; ``d<i>`` marks a duplicate)."""
        if rule.shape == "row":
            return f"({self.checked(rule, alias)} AND ({alias}f{rule.mask} & {rule.bit_value}::UBIGINT) <> 0)"
        return f"{alias}d{rule.index}"

    @property
    def masks(self) -> int:
        """How many f<m>/q<m> UBIGINT columns hold the failing/undecided bits of the row rules."""
        rows = self.row_rules
        return (max(r.mask for r in rows) + 1) if rows else 0

    def computed_columns(self) -> list[str]:
        """Per-row values computed in the last layer of stage 1 (``AS name`` definitions)."""
        out = [f"{g.sql} AS {g.column}" for g in self.groups]
        out += [f"({r.sql})::{r.sql_type} AS {r.column}" for r in self.row_rules]
        for rule in self.key_rules:
            out.append(f"{rule.sql} AS {rule.column}")
            if rule.key.floats:
                out.append(f"({rule.key.floats}) AS kf{rule.index}")
        for rule in self.batch_rules:
            for name, sql in rule.batch.columns.items():
                out.append(f"{sql} AS {rule.batch_columns[name]}")
        if self.record_id_column:
            out.append(f"{self.record_id_column} AS rid_text")
        return out

    def stored_columns(self) -> list[str]:
        """What stage 1 keeps per row (after ``bad``), computed from :meth:`computed_columns`.

        Row rules are packed: bit ``1 << bit`` of ``f<mask>`` says the rule fails on the row, the same
        bit of ``q<mask>`` that only Python can tell. Few columns keep DuckDB's order-preserving insert
        parallel (it limits its threads by the width of the table it writes).
        """
        out = [g.column for g in self.groups]
        rows = self.row_rules
        for m in range(self.masks):
            mine = [r for r in rows if r.mask == m]
            fails = " + ".join(f"(CASE WHEN {r.column} > 0 THEN {r.bit_value} ELSE 0 END)" for r in mine)
            undecided = " + ".join(f"(CASE WHEN {r.column} IS NULL THEN {r.bit_value} ELSE 0 END)" for r in mine)
            out += [f"({fails})::UBIGINT AS f{m}", f"({undecided})::UBIGINT AS q{m}"]
        out += [f"{r.column} AS {r.count_column}" for r in rows if r.count_column]
        out += [r.column for r in self.key_rules]
        out += [col for r in self.batch_rules for col in r.batch_columns.values()]
        if self.record_id_column:
            out.append("rid_text")
        return out

    def undecided_sql(self) -> str:
        """SQL over stored columns: some decision is open (Python must decide)."""
        parts = [f"{g.column} IS NULL" for g in self.groups]
        parts += [f"q{m} <> 0" for m in range(self.masks)]
        return " OR ".join(parts) if parts else "FALSE"

    def undecided_computed_sql(self) -> str:
        """The same, over the computed (not stored) per-rule columns of stage 1."""
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
            # the common case (a valid object starting with '{') is decided by the first branch
            pre = (f"CASE WHEN strlen(raw) <= {int(max_line_bytes)} AND starts_with(j, '{{') AND json_valid(j) "
                   f"THEN NULL WHEN raw IS NULL THEN {BLANK} "
                   f"WHEN strlen(raw) > {int(max_line_bytes)} THEN {TOO_LONG} "
                   f"WHEN json_valid(j) THEN (CASE WHEN json_type(j) = 'OBJECT' THEN NULL ELSE {NOT_AN_OBJECT} END) "
                   f"WHEN trim(raw, {_BLANK_CHARS}) = '' THEN {BLANK} ELSE {MALFORMED_JSON} END")
            sus = " OR ".join(f"regexp_matches(j, '{p}')" for p in SUSPICIOUS)
            # Python's parser gives up on nesting deeper than about 1000 levels; DuckDB's does not
            sus += (f" OR (strlen(j) > {2 * DEEP_NESTING} AND strlen(j) - "
                    f"strlen(replace(replace(j, '[', ''), '{{', '')) >= {DEEP_NESTING})")
            bad = f"(CASE WHEN pre IS NULL AND ({sus}) THEN {SUSPECT} ELSE pre END)::UTINYINT"
        else:
            j = "raw"
            pre = (f"CASE WHEN starts_with(j, '{{') AND json_valid(j) THEN NULL "
                   f"WHEN json_valid(j) THEN (CASE WHEN json_type(j) = 'OBJECT' THEN NULL ELSE {NOT_AN_OBJECT} END) "
                   f"ELSE {MALFORMED_JSON} END")
            bad = "pre::UTINYINT"
        model = self.model
        # malformed rows are parsed as an empty object (json_extract fails on invalid JSON); their columns are
        # never read, and a CASE around the input is cheaper than one around the extracted list
        extraction = model.extraction_sql("CASE WHEN pre IS NULL THEN j ELSE '{}' END")
        elements = model.element_columns()
        layers = [", ".join(["l2.*"] + elements) if elements else "l2.*"]
        layers += [", ".join([f"d{n}.*"] + defs) for n, defs in enumerate(model.derived_layers())]
        float_keys = [f"kf{r.index}" for r in self.key_rules if r.key.floats]
        keep = f"bad IS NOT NULL OR {self.undecided_computed_sql()} OR {self.failing_any_sql()}"
        if float_keys:  # a float key's text is normalised (1.0 -> 1): keep the row for its examples
            keep += " OR " + " OR ".join(float_keys)
        l5 = ", ".join([f"{line}raw", f"{bad} AS bad"] + self.computed_columns())
        select = ", ".join([f"{line}bad"] + self.stored_columns() + [f"CASE WHEN {keep} THEN raw END AS raw"])
        derived = " ".join(f"d{n} AS (SELECT {cols} FROM {'l2' if n == 0 else f'd{n - 1}'})," for n, cols in enumerate(layers))
        last = f"d{len(layers) - 1}"
        return (
            f"WITH l0 AS (SELECT {line}raw, {j} AS j FROM {source_sql}), "
            f"l1 AS (SELECT {line}raw, j, {pre} AS pre FROM l0), "
            f"l2 AS (SELECT l1.*, "
            f"{extraction} AS ex FROM l1), "
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
    for n, rule in enumerate(plan.row_rules):
        rule.mask, rule.bit = divmod(n, 64)
    rid = ruleset.record_id
    if rid is not None and not rid.has_wildcard and any(not r.key.wildcard for r in plan.key_rules):
        same = [r for r in plan.key_rules if not r.key.wildcard and len(r.rule.fields) == 1
                and r.rule.fields[0].text == rid.text]
        if same:
            plan.record_id_key = same[0].column
        else:
            plan.record_id_column = model.value(rid).elem
    return plan


def _apply(item: CompiledRule, built: Any, ctx: SqlContext) -> None:
    rule = item.rule
    if isinstance(built, ValueSql):
        parts = [_value_failures(built, path, ctx) for path in rule.fields]
        item.shape, item.column = "row", f"r{item.index}"
        item.sql = "(" + (" + ".join(parts) if parts else "0") + ")"
        if not any(p.has_wildcard for p in rule.fields) and len(rule.fields) <= 255:
            item.sql_type, item.max_failures = "UTINYINT", max(1, len(rule.fields))
    elif isinstance(built, RowSql):
        item.shape, item.column = "row", f"r{item.index}"
        item.sql = f"({built.failures})"
        if built.max_failures is not None and built.max_failures <= 255:
            item.sql_type, item.max_failures = "UTINYINT", max(1, built.max_failures)
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
