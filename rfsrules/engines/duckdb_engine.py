"""The DuckDB engine (``--engine duckdb``): compiles the rule IR to SQL and checks each source in one parallel scan.

Registered by ``rfsrules.engines.duckdb``, which imports this module only when the engine is used.

How a run goes (details in docs/engines.md):

1. ``unsupported()`` names rules whose check has no DuckDB builder, before any data is read.
2. The rules are compiled to one per-row projection (``duckdb_plan``): JSON fields extracted once per
   row, value kinds read as written, every rule's failure count, ``where`` results and keys.
3. Each source is scanned once into a small temporary table (``duckdb_exec.scan_source``); DuckDB
   spills it to disk under its memory limit.
4. The few rows SQL cannot decide exactly (odd timestamp forms, huge integers, JSON Schema,
   expressions outside the typed subset, text that may be NaN or a trailing comma) are decided by the
   checks' Python implementations.
5. Duplicates, counts per rule and dimension, batch aggregates and the positions of the first
   failures come from the stored columns; only the example rows are parsed again, by Python, which
   also writes their messages, so reports equal the Python engine's.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from typing import Any, Iterable

from ..checks.spec import CheckRegistry, CompileContext
from ..errors import InputError, UsageError
from ..io.lines import Malformed
from ..report import Report
from ..results import PARSE_RULE_ID, RuleResult, Violation
from ..ruleset.model import Ruleset
from .api import RunOptions
from .duckdb_exec import (
    POS_SHIFT, PythonRules, RuleErrors, SourceState, batch_values, count_all, create_view, decide_rows,
    fetch_rows, find_duplicates, malformed_of, parse_record, reject_failure, rescan_raw, scan_source,
)
from .duckdb_plan import ENGINE_NAME, CompiledRule, Plan, compile_plan, sql_context, unsupported_issues

MISSING_EXTRA = "the duckdb engine needs the 'duckdb' extra: pip install 'rfsrules[duckdb]'"
MEMORY_LIMIT_ENV = "RFSRULES_DUCKDB_MEMORY_LIMIT"
THREADS_ENV = "RFSRULES_DUCKDB_THREADS"
DEFAULT_MEMORY_LIMIT = "320MB"
"""DuckDB's buffer memory (tables, hash tables) for ordinary inputs; beyond it DuckDB spills to disk."""
BIG_MEMORY_LIMIT = "560MB"
DISK_THRESHOLD = 300 * 1024 * 1024
"""Inputs larger than this (bytes, gzip counted 6x) keep the per-row table in a compressed database file."""


def duckdb_error() -> type:
    """DuckDB's base exception class."""
    return import_duckdb().Error


def import_duckdb():
    """The ``duckdb`` module, imported on first use; a clear UsageError when the extra is not installed."""
    try:
        import duckdb
    except ImportError:
        raise UsageError(MISSING_EXTRA) from None
    return duckdb


class DuckDBEngine:
    """Runs rulesets with DuckDB; same Report as the Python engine (see docs/engines.md for the few differences)."""

    name = ENGINE_NAME

    def __init__(self, registry: CheckRegistry):
        self.registry = registry

    def unsupported(self, ruleset: Ruleset) -> list:
        """One issue per enabled rule whose check cannot run on DuckDB (located at the rule)."""
        return unsupported_issues(ruleset, self.registry)

    def run(self, ruleset: Ruleset, sources: Iterable[Any], options: RunOptions) -> Report:
        """Check ``sources`` as one batch and return the gated Report."""
        duckdb = import_duckdb()
        started = time.perf_counter()
        items = list(sources)
        tmpdir = tempfile.mkdtemp(prefix="rfsrules-duckdb-")
        try:
            con = _connect(duckdb, tmpdir, _input_bytes(items))
            try:
                return self._run(con, tmpdir, ruleset, items, options, started)
            finally:
                con.close()
        finally:
            shutil.rmtree(tmpdir, ignore_errors=True)

    def _run(self, con, tmpdir: str, ruleset: Ruleset, items: list, options: RunOptions, started: float) -> Report:
        from ..io.sources import is_path_like, resolve_sources
        from .duckdb_sources import SourceLoader

        resolve_sources([i for i in items if is_path_like(i)])  # missing files fail before any reading
        ctx = sql_context(ruleset, self.registry, options.ref_time)
        plan = compile_plan(ruleset, self.registry, ctx)
        errors = RuleErrors()
        python = PythonRules(plan, CompileContext(ref_time=options.ref_time, options={"engine": self.name}), errors,
                             self.registry, ruleset.rules)
        loader = SourceLoader(con, tmpdir, ruleset, options)
        states: list[SourceState] = []
        done, total = 0, sum(os.path.getsize(i) for i in items if is_path_like(i) and os.fspath(i) != "-")
        for index, item in enumerate(items):
            src = loader.load(item)
            try:
                states.append(scan_source(con, plan, index, src, options.max_line_bytes))
            except duckdb_error() as exc:
                first = next((line for line in str(exc).splitlines() if line.strip()), type(exc).__name__)
                raise InputError(f"cannot read {src.name!r} with DuckDB: {first.strip()}") from exc  # one line
            done += src.size
            if options.progress is not None:
                options.progress(done, max(total, done))
        create_view(con, states)
        decide_rows(con, plan, states, python, tmpdir, options.max_line_bytes)
        keys = find_duplicates(con, plan, states, options.max_examples)
        counts = count_all(con, plan, options.max_examples, keys)
        builder = _ReportBuilder(con, plan, states, python, options, ruleset, self.registry)
        return builder.build(counts, keys, started)


def _input_bytes(items: list) -> int:
    """Estimated uncompressed size of the inputs: files (gzip counted 6x) and in-memory tables (their
    own size estimate: Arrow ``nbytes``, Polars ``estimated_size()``, pandas ``memory_usage()``)."""
    total = 0
    for item in items:
        if isinstance(item, (str, os.PathLike)) and os.fspath(item) != "-":
            try:
                size = os.path.getsize(item)
            except OSError:
                continue
            total += size * (6 if os.fspath(item).lower().endswith(".gz") else 1)
        else:
            total += _table_bytes(item)
    return total


def _table_bytes(table: Any) -> int:
    """A table's in-memory size as the library estimates it; 0 when it gives none (relations, records)."""
    try:
        if isinstance(getattr(table, "nbytes", None), int):  # pyarrow Table / RecordBatch
            return int(table.nbytes)
        if callable(getattr(table, "estimated_size", None)):  # polars DataFrame
            return int(table.estimated_size())
        if callable(getattr(table, "memory_usage", None)):  # pandas DataFrame
            return int(table.memory_usage(index=False).sum())
    except Exception:  # noqa: BLE001 - an estimate only
        return 0
    return 0


def _connect(duckdb, tmpdir: str, input_bytes: int = 0):
    """A DuckDB connection: in memory for ordinary inputs; above ``DISK_THRESHOLD`` a database file in the
    temporary directory, so the per-row table is compressed and evicted instead of held in memory."""
    spill = os.path.join(tmpdir, "spill")
    os.makedirs(spill, exist_ok=True)
    big = input_bytes > DISK_THRESHOLD
    config = {
        "memory_limit": os.environ.get(MEMORY_LIMIT_ENV, BIG_MEMORY_LIMIT if big else DEFAULT_MEMORY_LIMIT),
        "temp_directory": spill,
        "preserve_insertion_order": True,
    }
    threads = os.environ.get(THREADS_ENV)
    if threads:
        config["threads"] = int(threads)
    con = duckdb.connect(os.path.join(tmpdir, "work.duckdb") if big else ":memory:", config=config)
    con.execute("SET TimeZone = 'UTC'")
    return con


class _ReportBuilder:
    """Turns counts and example positions into the Report (examples formatted by the Python checks)."""

    def __init__(self, con, plan: Plan, states: list[SourceState], python: PythonRules, options: RunOptions,
                 ruleset: Ruleset, registry: CheckRegistry):
        from .python_compile import Collector

        self.con, self.plan, self.states, self.python = con, plan, states, python
        self.registry = registry
        self.options, self.ruleset = options, ruleset
        self.collector = Collector([], max_examples=options.max_examples, context=options.context,
                                   record_id=ruleset.record_id)
        self.max_examples = options.max_examples

    def _room(self, examples: list) -> bool:
        return self.max_examples is None or len(examples) < self.max_examples

    def _state(self, rule: CompiledRule):
        from .python_compile import RuleState

        return RuleState(rule.rule, rule.spec, rule.index, True)

    # --- per-rule examples ---------------------------------------------------------------------------

    def _row_examples(self, rule: CompiledRule, positions: list[int], rows: dict[int, tuple]) -> list[Violation]:
        st = self._state(rule)
        out: list[Violation] = []
        for pos in positions:
            if not self._room(out):
                break
            src, rid, stored_line, raw = rows[pos]
            state = self.states[src]
            record = parse_record(raw, self.options.max_line_bytes, trusted=not state.source.raw_lines)
            if type(record) is not dict:
                continue
            line = state.line_of(rid, stored_line)
            try:
                found = self.python.failures(rule, record, line)
            except Exception as exc:  # noqa: BLE001
                self.python.errors.add(rule, exc)
                continue
            self.collector.source = state.source.label
            for fld, value, reason, message in found:
                if not self._room(out):
                    break
                out.append(self.collector.violation(st, fld, value, reason, message, record, line))
        return out

    def _key_examples(self, rule: CompiledRule, found: list[tuple]) -> list[Violation]:
        """Examples of a ``unique`` rule: its Python test sees the first occurrence, then the duplicate."""
        st = self._state(rule)
        wanted = {p for ex in found for p in (ex[0], ex[1])}
        rows = fetch_rows(self.con, wanted)
        synthetic = {} if rule.key.wildcard else self._key_records(rule, [p for p in wanted if rows[p][3] is None])
        missing: dict[int, set] = {}
        for pos in wanted:
            if rows[pos][3] is None and pos not in synthetic:
                missing.setdefault(rows[pos][0], set()).add(rows[pos][1])
        raws: dict[int, str] = {}
        for src, rids in missing.items():
            for rid, raw in rescan_raw(self.con, self.states[src], rids).items():
                raws[src * POS_SHIFT + rid] = raw
        out: list[Violation] = []
        for pos, first, ordinal, _first_ordinal in found:
            if not self._room(out):
                break
            records = []
            for p in (first, pos):
                src, rid, stored_line, raw = rows[p]
                if raw is None and p in synthetic:
                    record = synthetic[p]
                else:
                    record = parse_record(raw if raw is not None else raws.get(p, ""), self.options.max_line_bytes,
                                          trusted=not self.states[src].source.raw_lines)
                records.append((record, self.states[src].line_of(rid, stored_line), src))
            if any(type(r[0]) is not dict for r in records):
                continue
            test = self.python.fresh(rule)
            sources = len(self.states) > 1 and hasattr(test, "begin_source")
            if sources:  # as the Python engine reads a batch of several sources: keys remember theirs
                test.labels = [s.source.label for s in self.states]
            try:
                if first != pos:
                    if sources:
                        test.begin_source(records[0][2])
                    test(records[0][0], records[0][1])
                if sources:
                    test.begin_source(records[1][2])
                failures = test(records[1][0], records[1][1]) or []
            except Exception as exc:  # noqa: BLE001
                self.python.errors.add(rule, exc)
                continue
            if rule.key.wildcard:
                entries = list(rule.rule.fields[0].iter_values(records[1][0]))
                target = entries[ordinal - 1][0] if 0 < ordinal <= len(entries) else None
                failures = [f for f in failures if f[0] == target][:1]
            self.collector.source = self.states[records[1][2]].source.label
            for fld, value, reason, message in failures[:1]:
                out.append(self.collector.violation(st, fld, value, reason, message, records[1][0], records[1][1]))
        return out

    def _key_records(self, rule: CompiledRule, positions: list[int]) -> dict[int, dict]:
        """Records holding just the key fields (and the record id) of rows whose text stage 1 did not keep.

        Their key texts are the values' JSON texts (float keys, whose text is normalised, keep the row),
        so the unique test and the Violation see exactly the values of the real record.
        """
        import json

        if not positions:
            return {}
        rid_col = self.plan.record_id_source()
        cols = f"{rule.column}" + (f", {rid_col}" if rid_col else "")
        rows = self.con.execute(f"SELECT pos, {cols} FROM scans WHERE pos IN (SELECT unnest(?::BIGINT[]))",
                                [sorted(positions)]).fetchall()
        out: dict[int, dict] = {}
        paths = rule.rule.fields
        for row in rows:
            key = row[1]
            parts = [key] if len(paths) == 1 else list(key)
            record: dict = {}
            if rid_col and row[2] is not None:
                _set_path(record, self.ruleset.record_id.segments, json.loads(row[2]))
            for path, text in zip(paths, parts):
                _set_path(record, path.segments, json.loads(text))
            out[int(row[0])] = record
        return out

    def _batch_result(self, rule: CompiledRule, counts) -> tuple[int, int, list[Violation]]:
        st = self._state(rule)
        checked = counts.checked if rule.group is None else counts.group_checked.get(rule.group.index, 0)
        try:
            failures = list(rule.batch.finish(batch_values(self.con, self.plan, rule), checked) or [])
        except Exception as exc:  # noqa: BLE001
            self.python.errors.add(rule, exc)
            return 0, 0, []
        examples = []
        self.collector.source = None
        for fld, value, reason, message in failures:
            if self._room(examples):
                examples.append(self.collector.violation(st, fld, value, reason, message, None, None))
        return (1 if failures else 0), len(failures), examples

    # --- the parse rule ------------------------------------------------------------------------------

    def _parse_result(self, counts, rows: dict[int, tuple]) -> tuple[int, list[Violation]]:
        from .duckdb_sources import original_lines
        from .python import PARSE_DIMENSION, PARSE_SEVERITY

        max_bytes = self.options.max_line_bytes
        items: list[tuple[int, int, Any]] = []  # (source index, line, stored text | reject kind | Malformed)
        total = counts.malformed
        for pos in counts.parse_pos:
            src, rid, stored_line, raw = rows[pos]
            items.append((src, self.states[src].line_of(rid, stored_line), ("row", raw)))
        for state in self.states:
            total += len(state.source.rejects) + len(state.source.malformed)
            items += [(state.index, line, ("reject", kind)) for line, kind in state.source.rejects]
            items += [(state.index, line, malformed) for line, malformed in state.source.malformed]
        items.sort(key=lambda x: (x[0], x[1]))
        if self.max_examples is not None:
            items = items[:self.max_examples]
        originals: dict[int, dict[int, bytes]] = {}
        for state in self.states:
            src = state.source
            need = {line for s, line, info in items if s == state.index and not isinstance(info, Malformed)
                    and (src.translated or info[0] == "reject") and info[1] != "LINE SIZE OVER MAXIMUM"}
            originals[state.index] = original_lines(src, need) if need else {}
        examples = []
        for src, line, info in items:
            state = self.states[src]
            if isinstance(info, Malformed):
                malformed = info
            elif info[0] == "reject":
                malformed = reject_failure(info[1], originals[src].get(line), max_bytes)
            else:
                raw = originals[src].get(line) if state.source.translated else (
                    None if info[1] is None else info[1].encode("utf-8", "surrogatepass"))
                malformed = malformed_of(raw, max_bytes)
            examples.append(Violation(PARSE_RULE_ID, PARSE_SEVERITY, malformed.message, check=PARSE_RULE_ID,
                                      dimension=PARSE_DIMENSION, reason=malformed.reason, line=line,
                                      value=malformed.excerpt, source=state.source.label,
                                      context=self.options.context))
        return total, examples

    # --- the report ----------------------------------------------------------------------------------

    def build(self, counts, keys, started: float) -> Report:
        from .python import PARSE_DIMENSION, PARSE_SEVERITY

        plan = self.plan
        wanted = set(counts.parse_pos)
        for rule in plan.row_rules:
            wanted.update(counts.example_pos.get(rule.index, []))
        rows = fetch_rows(self.con, wanted)
        malformed_total, parse_examples = self._parse_result(counts, rows)
        results: list[RuleResult] = []
        for rule in plan.rules:
            violations = counts.violations.get(rule.index, 0)
            failures = counts.failures.get(rule.index, 0)
            examples: list[Violation] = []
            if rule.shape == "row" and violations:
                examples = self._row_examples(rule, counts.example_pos.get(rule.index, []), rows)
            elif rule.shape == "key" and violations:
                examples = self._key_examples(rule, keys[rule.index].examples)
            elif rule.shape == "batch":
                violations, failures, examples = self._batch_result(rule, counts)
            results.append(self._rule_result(rule, violations, failures, examples))
        records_total = sum(s.rows - s.blanks for s in self.states) + sum(
            len(s.source.rejects) + len(s.source.malformed) for s in self.states)
        parse = RuleResult(id=PARSE_RULE_ID, check=PARSE_RULE_ID, severity=PARSE_SEVERITY, dimension=PARSE_DIMENSION,
                           level="record", violations=malformed_total, failures=malformed_total,
                           examples=parse_examples, status="failed" if malformed_total else "passed",
                           description="Every input line must be a JSON object (or a well-formed CSV row).")
        return self._report(parse, results, counts, records_total, malformed_total, started)

    def _rule_result(self, rule: CompiledRule, violations: int, failures: int, examples: list) -> RuleResult:
        status, error, plugin = ("failed" if violations else "passed"), None, None
        if rule.shape == "skipped":
            status = "skipped"
        error = rule.error or self.python.errors.errors.get(rule.index)
        if error is not None:
            status, plugin = "error", rule.spec.plugin
        r = rule.rule
        return RuleResult(id=r.id, check=r.check, severity=rule.severity, dimension=rule.dimension,
                          level=rule.level, violations=violations, failures=failures, examples=examples,
                          status=status, error=error, plugin=plugin,
                          where=str(r.span) if r.span is not None else None, description=r.description)

    def _report(self, parse: RuleResult, results: list[RuleResult], counts, records_total: int,
                records_malformed: int, started: float) -> Report:
        from .python import PythonEngine, _rule_result
        from .reporting import assemble_report

        options, ruleset = self.options, self.ruleset
        ctx = CompileContext(ref_time=options.ref_time, options={"engine": ENGINE_NAME})
        # metadata rules check one mapping: the Python engine runs them (same code, same results)
        meta_plan, metadata_valid = PythonEngine(self.registry)._run_metadata(ruleset, ctx, options)
        measured = {r.dimension for r in self.plan.rules
                    if r.rule.enabled and r.level in ("value", "record") and r.dimension}
        return assemble_report(
            ruleset, options, engine=ENGINE_NAME, rules=[parse] + results,
            metadata_rules=[_rule_result(st) for st in meta_plan.states], records_total=records_total,
            records_checked=counts.checked, records_malformed=records_malformed, checked_failed=counts.records_failed,
            failed_by_dimension=counts.failed_by_dimension, measured=measured, metadata_valid=metadata_valid,
            duration=time.perf_counter() - started, sources=[s.source.name for s in self.states])


def _set_path(record: dict, segments: tuple, value: Any) -> None:
    """Put ``value`` at ``segments`` (keys and list indexes), creating the containers on the way."""
    node: Any = record
    for seg, nxt in zip(segments, segments[1:] + (None,)):
        leaf = nxt is None
        fresh: Any = value if leaf else ([] if type(nxt) is int else {})
        if type(seg) is int:
            size = seg + 1 if seg >= 0 else -seg
            while len(node) < size:
                node.append(None)
            if leaf or not isinstance(node[seg], (dict, list)):
                node[seg] = fresh
            node = node[seg]
        else:
            if leaf or not isinstance(node.get(seg), (dict, list)):
                node[seg] = fresh
            node = node[seg]
