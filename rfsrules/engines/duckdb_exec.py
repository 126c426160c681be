"""Runs a compiled plan: stage 1 (one scan per source), Python decisions for the rows SQL left open,
duplicates, counts and aggregates (stage 2, over the stored columns), and the example rows."""

from __future__ import annotations

import bisect
import os
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator

from ..io.lines import BLANK, Malformed, decode_json_line, exact_loads, not_an_object, too_long
from ..paths import MISSING
from ..results import Reason
from .duckdb_plan import BLANK as BLANK_CODE, PYTHON_MALFORMED, SUSPECT, CompiledRule, Plan
from .duckdb_sources import ScanSource, max_line_size_for, raw_lines_sql

POS_SHIFT = 1 << 40
"""A row's position is ``source index * POS_SHIFT + rowid``: line order across the batch's sources."""

_FETCH = 10000
_DIGIT_RUN = b"0" * 19
_DIGITS_TO_ZERO = bytes.maketrans(b"123456789", b"000000000")


def _orjson_loads(data: bytes) -> Any:
    import orjson

    return orjson.loads(data)


@dataclass
class SourceState:
    """A scanned source: its stage-1 table and how row ids map to line numbers."""

    index: int
    source: ScanSource
    table: str
    reject_lines: list[int] = field(default_factory=list)  # sorted physical lines DuckDB rejected
    max_line_size: int = 0
    rows: int = 0
    blanks: int = 0

    def line_of(self, rid: int, stored_line: int | None = None) -> int:
        """The 1-based line number of row ``rid`` (rejected lines are not rows)."""
        if stored_line is not None:
            return int(stored_line)
        line = rid + 1
        while True:  # the (rid+1)-th line that was not rejected
            shifted = rid + 1 + bisect.bisect_right(self.reject_lines, line)
            if shifted == line:
                return line
            line = shifted


class RuleErrors:
    """The first error raised by each rule's Python implementation (the rule's status becomes ``error``)."""

    def __init__(self) -> None:
        self.errors: dict[int, str] = {}

    def add(self, rule: CompiledRule, exc: BaseException) -> None:
        self.errors.setdefault(rule.index, f"{type(exc).__name__}: {exc} (plugin {rule.spec.plugin})")


# --- stage 1 ---------------------------------------------------------------------------------------

def scan_source(con, plan: Plan, index: int, src: ScanSource, max_line_bytes: int) -> SourceState:
    """Create ``scan_<index>`` from the source in one parallel scan; collect rejected lines."""
    state = SourceState(index, src, f"scan_{index}")
    if src.raw_lines:
        limit = max_line_size_for(max_line_bytes)
        _stage1_raw(con, plan, state, limit, max_line_bytes, attempt=0)
        if any(t == "LINE SIZE OVER MAXIMUM" for _, t in src.rejects) and limit < max_line_bytes + 1:
            _stage1_raw(con, plan, state, max_line_bytes + 1, max_line_bytes, attempt=1)
    else:
        sql = plan.stage1_sql(src.sql, raw_lines=False, line_column=src.line_column, max_line_bytes=max_line_bytes)
        con.execute(f"CREATE TABLE {state.table} AS {sql}")
    rows, blanks = con.execute(
        f"SELECT count(*), count_if(bad = {BLANK_CODE}) FROM {state.table}").fetchone()
    state.rows, state.blanks = int(rows or 0), int(blanks or 0)
    return state


def _stage1_raw(con, plan: Plan, state: SourceState, limit: int, max_line_bytes: int, attempt: int) -> None:
    src = state.source
    rejects = f"rej_{state.index}_{attempt}"
    state.max_line_size = limit
    source_sql = raw_lines_sql(src.path, max_line_size=limit, rejects=rejects, longest_line=src.longest_line)
    sql = plan.stage1_sql(source_sql, raw_lines=True, line_column=False, max_line_bytes=max_line_bytes)
    con.execute(f"CREATE OR REPLACE TABLE {state.table} AS {sql}")
    found = con.execute(f"SELECT line, error_type FROM {rejects} ORDER BY line").fetchall()
    by_line: dict[int, str] = {}
    for line, kind in found:  # a line can be rejected twice (too long and not UTF-8): too long wins
        if line not in by_line or kind == "LINE SIZE OVER MAXIMUM":
            by_line[int(line)] = str(kind)
    src.rejects = sorted(by_line.items())
    state.reject_lines = [line for line, _ in src.rejects]


def create_view(con, states: list[SourceState]) -> None:
    """``scans``: every source's table with ``src``, ``rid``, ``pos`` and ``line`` columns."""
    parts = []
    for s in states:
        line = "" if s.source.line_column else "NULL::BIGINT AS line, "
        parts.append(f"SELECT {s.index} AS src, rowid AS rid, {s.index}::BIGINT * {POS_SHIFT} + rowid AS pos, "
                     f"{line}* FROM {s.table}")
    con.execute("CREATE OR REPLACE VIEW scans AS " + " UNION ALL ".join(parts))


# --- Python decisions ------------------------------------------------------------------------------

def parse_record(raw: str, max_line_bytes: int, trusted: bool = False) -> Any:
    """The record of a stored JSON text as the Python engine reads it (or a Malformed / BLANK).

    ``trusted`` texts were written by rfsrules or DuckDB from records (CSV, JSON arrays, in-memory data,
    tables): NaN and Infinity there are values the Python engine received as floats.
    """
    if trusted:
        import json

        return json.loads(raw)
    data = raw.encode("utf-8", "surrogatepass")
    try:  # as the Python engine reads a line: orjson first, the exact slow path when it refuses
        value = _orjson_loads(data)
    except Exception:  # noqa: BLE001 - any refusal means the slow path decides
        return decode_json_line(data, max_line_bytes)
    if _DIGIT_RUN in data.translate(_DIGITS_TO_ZERO):  # integers beyond 64 bits: parse exactly
        try:
            return exact_loads(data)
        except (ValueError, RecursionError):
            return value
    return value


class PythonRules:
    """The rules' Python implementations, built once, used for undecided rows and for examples."""

    def __init__(self, plan: Plan, ctx, errors: RuleErrors, registry=None, rules: tuple = ()):
        self.plan = plan
        self.ctx = ctx
        self.errors = errors
        self.registry = registry
        self.ruleset_rules = rules
        self._impls: dict[int, Any] = {}
        self._wheres: dict[int, Any] = {}
        self._orders: dict[int, dict] | None = None

    def impl(self, rule: CompiledRule) -> Any:
        if rule.index not in self._impls:
            self._impls[rule.index] = rule.spec.python(rule.rule, self.ctx)
        return self._impls[rule.index]

    def fresh(self, rule: CompiledRule) -> Any:
        return rule.spec.python(rule.rule, self.ctx)

    def where(self, group, record: dict) -> bool:
        fn = self._wheres.get(group.index)
        if fn is None:
            from ..expr import compile_python

            fn = self._wheres[group.index] = compile_python(group.expr)
        return fn(record) is True

    def field_order(self, rule: CompiledRule) -> tuple:
        """The rule's fields in the order the Python engine reports their failures within a record.

        The Python engine checks a record field by field, in the order the fields first appear in the
        rules of the rule's ``where`` group; its plan tells that order.
        """
        fields = rule.rule.fields
        if len(fields) < 2:
            return fields
        if self._orders is None:
            self._orders = {}
            try:
                from .python_compile import compile_rules

                compiled = compile_rules(self.ruleset_rules, self.registry, self.ctx, max_examples=0, context={},
                                         record_id=None, typed_decoder=False)
                for group in compiled.groups:
                    order = {text: n for n, text in enumerate(group.sections)}
                    for ri in group.rule_indexes:
                        self._orders[ri] = order
            except Exception:  # noqa: BLE001 - keep the declared order
                pass
        order = self._orders.get(rule.index)
        if not order:
            return fields
        return tuple(sorted(fields, key=lambda p: order.get(p.text, len(order))))

    def failures(self, rule: CompiledRule, record: dict, line: int, impl: Any = None) -> list[tuple]:
        """The rule's failures on one record: ``(field, value, reason, message)`` tuples."""
        test = impl if impl is not None else self.impl(rule)
        if rule.level == "value":
            out = []
            for path in self.field_order(rule):
                if path.has_wildcard:
                    pairs = path.iter_values(record)
                else:
                    pairs = ((path.text, path.getter()(record)),)
                for where, value in pairs:
                    if value is MISSING or value is None:
                        continue
                    found = test(value)
                    if found is not None:
                        out.append((where, value, found[0], found[1]))
            return out
        return [tuple(f) for f in (test(record, line) or [])]


def decide_rows(con, plan: Plan, states: list[SourceState], python: PythonRules, tmpdir: str,
                max_line_bytes: int) -> int:
    """Let Python decide what stage 1 left open (bits of ``q<m>``, NULL ``w<g>``) and whether suspect rows
    are malformed; the answers are written back before anything is counted. Returns the rows decided."""
    undecided = plan.undecided_sql()
    masks = plan.masks
    group_cols = [g.column for g in plan.groups]
    cols = group_cols + [f"q{m}" for m in range(masks)]
    sql = (f"SELECT src, rid, line, raw, bad{''.join(', ' + c for c in cols)} FROM scans "
           f"WHERE bad = {SUSPECT} OR (bad IS NULL AND ({undecided}))")
    by_state = {s.index: s for s in states}
    by_bit = {(r.mask, r.bit): r for r in plan.row_rules}
    groups = {g.column: g for g in plan.groups}
    fixes_path = os.path.join(tmpdir, "fixes.csv")
    count = 0
    with open(fixes_path, "w", encoding="utf-8") as out:
        for row in _stream(con, sql):
            src, rid, line, raw, bad = row[:5]
            values = dict(zip(cols, row[5:]))
            count += 1
            record = parse_record(raw, max_line_bytes, trusted=not by_state[src].source.raw_lines)
            if bad == SUSPECT:
                if type(record) is not dict:
                    out.write(f"{src},{rid},bad,{PYTHON_MALFORMED}\n")
                    continue
                out.write(f"{src},{rid},bad,null\n")
            if type(record) is not dict:
                continue
            line_no = by_state[src].line_of(rid, line)
            for column in group_cols:
                if values[column] is not None:
                    continue
                try:
                    keep = python.where(groups[column], record)
                except Exception as exc:  # noqa: BLE001 - a raising where fails its rules
                    keep = False
                    for rule in plan.rules:
                        if rule.group is groups[column]:
                            python.errors.add(rule, exc)
                out.write(f"{src},{rid},{column},{'true' if keep else 'false'}\n")
            for m in range(masks):
                open_bits = values[f"q{m}"] or 0
                if not open_bits:
                    continue
                fails = 0
                for bit in range(64):
                    if not open_bits >> bit & 1:
                        continue
                    rule = by_bit[(m, bit)]
                    try:
                        n = len(python.failures(rule, record, line_no))
                    except Exception as exc:  # noqa: BLE001 - a raising check is an error of its rule
                        python.errors.add(rule, exc)
                        n = 0
                    if n:
                        fails |= 1 << bit
                    if rule.count_column:
                        out.write(f"{src},{rid},{rule.count_column},{n}\n")
                out.write(f"{src},{rid},f{m},{fails}\n")
    if count:
        _apply_fixes(con, plan, fixes_path)
    return count


def _apply_fixes(con, plan: Plan, path: str) -> None:
    """Write Python's decisions into the stage-1 tables (failing bits are added, open bits cleared)."""
    con.execute(f"CREATE OR REPLACE TABLE fixes AS SELECT * FROM read_csv('{path}', "
                "columns={'src': 'INTEGER', 'rid': 'BIGINT', 'col': 'VARCHAR', 'val': 'VARCHAR'}, header=false, "
                "auto_detect=false, quote='', escape='')")
    types = {g.column: "BOOLEAN" for g in plan.groups}
    types.update({r.count_column: r.sql_type for r in plan.row_rules if r.count_column})
    types["bad"] = "UTINYINT"
    for src, col in con.execute("SELECT DISTINCT src, col FROM fixes").fetchall():
        table = f"scan_{int(src)}"
        where = f"FROM fixes f WHERE f.src = {int(src)} AND f.col = '{col}' AND {table}.rowid = f.rid"
        if col.startswith("f") and col[1:].isdigit():
            con.execute(f"UPDATE {table} SET {col} = {col} | CAST(f.val AS UBIGINT), q{col[1:]} = 0 {where}")
        else:
            con.execute(f"UPDATE {table} SET {col} = TRY_CAST(f.val AS {types[col]}) {where}")


def _stream(con, sql: str, params: list | None = None) -> Iterator[tuple]:
    cursor = con.execute(sql, params or [])
    while True:
        rows = cursor.fetchmany(_FETCH)
        if not rows:
            return
        yield from rows


# --- duplicates ------------------------------------------------------------------------------------

@dataclass
class KeyResult:
    """A ``unique`` rule: counts and its first duplicates ``(pos, first_pos, ordinal, first_ordinal)``."""

    violations: int = 0
    failures: int = 0
    examples: list[tuple] = field(default_factory=list)


def find_duplicates(con, plan: Plan, states: list[SourceState], max_examples: int | None) -> dict[int, KeyResult]:
    """For each ``unique`` rule: which rows repeat an earlier key (marked in ``d<i>``) and the first ones."""
    out: dict[int, KeyResult] = {}
    for rule in plan.key_rules:
        col, table = rule.column, f"dup_{rule.index}"
        checked = plan.checked(rule)
        if not rule.key.wildcard:
            # grouping fixed-size hashes first leaves only the rows of repeated hashes (a few) to group by key;
            # ``k`` is read twice rather than materialised (faster, and nothing to spill)
            con.execute(
                f"CREATE OR REPLACE TABLE {table} AS "
                f"WITH k AS NOT MATERIALIZED (SELECT src, rid, pos, {col} AS key, hash({col}) AS h FROM scans "
                f"WHERE {checked} AND {col} IS NOT NULL), "
                f"r AS (SELECT h FROM k GROUP BY h HAVING count(*) > 1), "
                f"c AS (SELECT * FROM k WHERE h IN (SELECT h FROM r)), "
                f"f AS (SELECT key, min(pos) AS first FROM c GROUP BY key HAVING count(*) > 1) "
                f"SELECT c.src, c.rid, c.pos, f.first, 0 AS ord, 0 AS first_ord FROM c JOIN f ON c.key = f.key "
                f"WHERE c.pos > f.first")
        else:
            con.execute(
                f"CREATE OR REPLACE TABLE {table} AS "
                f"WITH e AS (SELECT src, rid, pos, unnest({col}) AS key, generate_subscripts({col}, 1) AS ord "
                f"FROM scans WHERE {checked}), "
                f"k AS (SELECT *, pos::HUGEINT * 4294967296 + ord AS o FROM e WHERE key IS NOT NULL), "
                f"f AS (SELECT key, min(o) AS first FROM k GROUP BY key HAVING count(*) > 1) "
                f"SELECT k.src, k.rid, k.pos, (f.first // 4294967296)::BIGINT AS first, k.ord, "
                f"(f.first % 4294967296)::BIGINT AS first_ord FROM k JOIN f ON k.key = f.key WHERE k.o > f.first")
        failures, violations = con.execute(f"SELECT count(*), count(DISTINCT pos) FROM {table}").fetchone()
        result = KeyResult(int(violations), int(failures))
        if violations:
            limit = "" if max_examples is None else f" LIMIT {int(max_examples)}"
            result.examples = [tuple(r) for r in con.execute(
                f"SELECT pos, first, ord, first_ord FROM {table} ORDER BY pos, ord{limit}").fetchall()]
        out[rule.index] = result
    return out


# --- stage 2 ---------------------------------------------------------------------------------------

@dataclass
class Counts:
    """Everything stage 2 counts in one pass over the stored columns."""

    checked: int = 0
    malformed: int = 0
    records_failed: int = 0
    failed_by_dimension: dict[str, int] = field(default_factory=dict)
    violations: dict[int, int] = field(default_factory=dict)
    failures: dict[int, int] = field(default_factory=dict)
    example_pos: dict[int, list[int]] = field(default_factory=dict)
    parse_pos: list[int] = field(default_factory=list)
    group_checked: dict[int, int] = field(default_factory=dict)


GROUPED_POSITIONS_MAX = 20000
"""Up to this many distinct outcome groups, first failing positions are kept per group (then merged per
rule); beyond it, per rule over the failing rows, so the memory stays bounded by the rules, not the groups."""


def count_all(con, plan: Plan, max_examples: int | None, key_results: dict[int, KeyResult]) -> Counts:
    """Counts per rule, per dimension, records failed and the positions of the first failing rows.

    The rows are first grouped by what was stored about them (``bad``, the failing bits, the ``where``
    results, the duplicate marks) into table ``hist`` with each group's size; the counts are sums over
    these few groups instead of aggregates over every row.
    """
    keys = _outcome_keys(plan)
    joins = "".join(f" LEFT JOIN (SELECT DISTINCT pos FROM dup_{r.index}) d{r.index} ON d{r.index}.pos = scans.pos"
                    for r in plan.key_rules)
    sums = [f"sum({r.count_column}) AS {r.count_column}" for r in plan.row_rules if r.count_column]
    group_by = ", ".join(str(i) for i in range(1, len(keys) + 1))
    con.execute(f"CREATE OR REPLACE TEMP TABLE hist AS SELECT {', '.join(keys + sums)}, count(*) AS n "
                f"FROM scans{joins} GROUP BY {group_by}")

    def total(cond: str) -> str:
        return f"coalesce(sum(n) FILTER (WHERE {cond}), 0)"

    malformed = f"bad IS NOT NULL AND bad <> {BLANK_CODE}"
    exprs = [total("bad IS NULL"), total(malformed)]
    counted = [r for r in plan.rules if r.shape in ("row", "key")]
    for rule in plan.row_rules:
        fail = plan.failing(rule)
        failures = (f"coalesce(sum({rule.count_column}) FILTER (WHERE {plan.checked(rule)}), 0)"
                    if rule.count_column else total(fail))
        exprs += [total(fail), failures]
    for group in plan.groups:
        exprs.append(total(f"bad IS NULL AND {group.column}"))
    any_fail = " OR ".join(plan.failing(r) for r in counted) or "FALSE"
    exprs.append(total(f"bad IS NULL AND ({any_fail})"))
    dims = sorted({r.dimension for r in counted if r.dimension})
    for dim in dims:
        cond = " OR ".join(plan.failing(r) for r in counted if r.dimension == dim)
        exprs.append(total(f"bad IS NULL AND ({cond})"))
    it = iter(con.execute("SELECT " + ", ".join(exprs) + " FROM hist").fetchone())
    counts = Counts(checked=int(next(it) or 0), malformed=int(next(it) or 0))
    for rule in plan.row_rules:
        counts.violations[rule.index] = int(next(it) or 0)
        counts.failures[rule.index] = int(next(it) or 0)
    for group in plan.groups:
        counts.group_checked[group.index] = int(next(it) or 0)
    counts.records_failed = int(next(it) or 0)
    for dim in dims:
        counts.failed_by_dimension[dim] = int(next(it) or 0)
    for index, result in key_results.items():
        counts.violations[index] = result.violations
        counts.failures[index] = result.failures
    if max_examples is None or max_examples > 0:
        groups = int(con.execute("SELECT count(*) FROM hist").fetchone()[0])
        found = _first_positions(con, plan, max_examples, groups <= GROUPED_POSITIONS_MAX)
        counts.parse_pos = found[0]
        for rule, positions in zip(plan.row_rules, found[1:]):
            counts.example_pos[rule.index] = positions
    con.execute("DROP TABLE hist")
    return counts


def _outcome_keys(plan: Plan, duplicates: bool = True) -> list[str]:
    """What groups rows by outcome; rows that are not records (``bad`` set) keep only ``bad``."""
    keys = ["bad"]
    keys += [f"CASE WHEN bad IS NULL THEN f{m} END AS f{m}" for m in range(plan.masks)]
    keys += [f"CASE WHEN bad IS NULL THEN {g.column} END AS {g.column}" for g in plan.groups]
    if duplicates:
        keys += [f"d{r.index}.pos IS NOT NULL AS d{r.index}" for r in plan.key_rules]
    return keys


def _first_positions(con, plan: Plan, max_examples: int | None, grouped: bool) -> list[list[int]]:
    """Positions of the first malformed rows, then of the first failing rows of each row rule, read from
    the rows that are malformed or fail some rule only. ``grouped``: gather them per outcome group (few
    groups) and merge per rule, else aggregate them per rule directly."""
    conds = [f"bad IS NOT NULL AND bad <> {BLANK_CODE}"] + [plan.failing(r) for r in plan.row_rules]
    failing = " OR ".join(f"f{m} <> 0" for m in range(plan.masks)) or "FALSE"
    rows = f"(bad IS NOT NULL AND bad <> {BLANK_CODE}) OR (bad IS NULL AND ({failing}))"
    limit = "" if max_examples is None else f", {int(max_examples)}"
    if grouped:
        first = "list(scans.pos)" if max_examples is None else f"min(scans.pos{limit})"
        group_keys = _outcome_keys(plan, duplicates=False)  # positions of row rules ignore duplicates
        con.execute(f"CREATE OR REPLACE TEMP TABLE firsts AS SELECT {', '.join(group_keys)}, {first} AS first "
                    f"FROM scans WHERE {rows} GROUP BY {', '.join(str(i) for i in range(1, len(group_keys) + 1))}")
        merged = [f"list_sort(flatten(list(first) FILTER (WHERE {c})))" for c in conds]
        if max_examples is not None:
            merged = [f"list_slice({m}, 1{limit})" for m in merged]
        values = con.execute("SELECT " + ", ".join(merged) + " FROM firsts").fetchone()
        con.execute("DROP TABLE firsts")
    else:
        aggregate = "list(pos) FILTER" if max_examples is None else f"min(pos{limit}) FILTER"
        values = con.execute("SELECT " + ", ".join(f"{aggregate} (WHERE {c})" for c in conds)
                             + f" FROM scans WHERE {rows}").fetchone()
    return [_positions(v) for v in values]


def _positions(value: Any) -> list[int]:
    return sorted(int(v) for v in value) if value else []


def batch_values(con, plan: Plan, rule: CompiledRule) -> dict[str, Any]:
    """The aggregate values of a batch rule over the rows it checks."""
    batch = rule.batch
    names = rule.batch_columns
    aggs = {name: sql.format(**names) for name, sql in batch.aggregates.items()}
    select = ", ".join(f"{sql} AS {name}" for name, sql in aggs.items())
    where = plan.checked(rule)
    if batch.unnest and names:
        inner = ", ".join(f"unnest({col}) AS {col}" for col in names.values())
        sql = f"SELECT {select} FROM (SELECT {inner} FROM scans WHERE {where})"
    else:
        sql = f"SELECT {select} FROM scans WHERE {where}"
    row = con.execute(sql).fetchone()
    return dict(zip(aggs, row))


# --- example rows ----------------------------------------------------------------------------------

def fetch_rows(con, positions: Iterable[int]) -> dict[int, tuple]:
    """``pos -> (src, rid, line, raw)`` of the stored rows at ``positions``."""
    wanted = sorted(set(positions))
    if not wanted:
        return {}
    rows = con.execute("SELECT pos, src, rid, line, raw FROM scans WHERE pos IN (SELECT unnest(?::BIGINT[]))",
                       [wanted]).fetchall()
    return {int(r[0]): tuple(r[1:]) for r in rows}


def rescan_raw(con, state: SourceState, rids: Iterable[int]) -> dict[int, str]:
    """Raw texts of rows whose text stage 1 did not keep: a plain re-read of the source (no JSON work)."""
    wanted = sorted(set(rids))
    if not wanted:
        return {}
    src = state.source
    if src.raw_lines:
        source_sql = raw_lines_sql(src.path, max_line_size=state.max_line_size, rejects=None, skip_errors=True,
                                   longest_line=src.longest_line)
    else:
        source_sql = src.sql
    rows = con.execute(f"SELECT rid, raw FROM (SELECT row_number() OVER () - 1 AS rid, raw FROM {source_sql}) "
                       f"WHERE rid IN (SELECT unnest(?::BIGINT[]))", [wanted]).fetchall()
    return {int(r[0]): r[1] for r in rows}


def malformed_of(raw: bytes | None, max_line_bytes: int) -> Malformed:
    """The Python engine's Malformed for a line it rejects (``raw`` is the line's original bytes)."""
    if raw is None:
        return Malformed(Reason.MALFORMED_JSON.value, "invalid JSON")
    value = decode_json_line(raw, max_line_bytes)
    if isinstance(value, Malformed):
        return value
    if value is BLANK:
        return Malformed(Reason.MALFORMED_JSON.value, "invalid JSON", raw.decode("utf-8", "replace")[:80])
    if isinstance(value, dict):  # Python's parser accepts what DuckDB's refused (a lone surrogate escape)
        return Malformed(Reason.MALFORMED_JSON.value, "invalid JSON for DuckDB (an unpaired UTF-16 surrogate "
                         "escape?)", raw.decode("utf-8", "replace")[:80])
    return not_an_object(value, raw)


def reject_failure(kind: str, raw: bytes | None, max_line_bytes: int) -> Malformed:
    """The Python engine's Malformed for a line DuckDB rejected (too long, not UTF-8, a control byte)."""
    if kind == "LINE SIZE OVER MAXIMUM":
        return too_long(max_line_bytes)
    found = malformed_of(raw, max_line_bytes)
    if raw is None:
        return Malformed(Reason.INVALID_ENCODING.value, "invalid UTF-8")
    return found
