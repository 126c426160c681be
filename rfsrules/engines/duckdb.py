"""The DuckDB engine (``--engine duckdb``): compiles the rule IR to SQL and checks each source in one parallel scan.

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
from ..errors import UsageError
from ..io.lines import Malformed
from ..paths import MISSING
from ..plugins.hookspecs import hookimpl
from ..quality import compute_breaches, compute_quality
from ..report import Report, Summary
from ..results import PARSE_RULE_ID, RuleResult, Violation
from ..ruleset.model import Ruleset
from .api import EngineSpec, RunOptions
from .duckdb_exec import (
    POS_SHIFT, PythonRules, RuleErrors, SourceState, batch_values, count_all, create_view, decide_rows,
    fetch_rows, find_duplicates, parse_failure, parse_record, reject_failure, rescan_raw, scan_source,
)
from .duckdb_plan import ENGINE_NAME, CompiledRule, Plan, compile_plan, sql_context, unsupported_issues

MISSING_EXTRA = "the duckdb engine needs the 'duckdb' extra: pip install 'rfsrules[duckdb]'"
MEMORY_LIMIT_ENV = "RFSRULES_DUCKDB_MEMORY_LIMIT"
THREADS_ENV = "RFSRULES_DUCKDB_THREADS"
DEFAULT_MEMORY_LIMIT = "320MB"
"""DuckDB's buffer memory (tables, hash tables); beyond it the scan table spills to the temp directory."""


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
        tmpdir = tempfile.mkdtemp(prefix="rfsrules-duckdb-")
        try:
            con = _connect(duckdb, tmpdir)
            try:
                return self._run(con, tmpdir, ruleset, list(sources), options, started)
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
        python = PythonRules(plan, CompileContext(ref_time=options.ref_time, options={"engine": self.name}), errors)
        loader = SourceLoader(con, tmpdir, ruleset, options)
        states: list[SourceState] = []
        total_bytes = 0
        for index, item in enumerate(items):
            src = loader.load(item)
            states.append(scan_source(con, plan, index, src, options.max_line_bytes))
            total_bytes += src.size
            if options.progress is not None:
                options.progress(total_bytes, total_bytes)
        create_view(con, states)
        decide_rows(con, plan, states, python, tmpdir, options.max_line_bytes)
        keys = find_duplicates(con, plan, states, options.max_examples)
        counts = count_all(con, plan, options.max_examples, keys)
        builder = _ReportBuilder(con, plan, states, python, options, ruleset, self.registry)
        return builder.build(counts, keys, started)


def _connect(duckdb, tmpdir: str):
    spill = os.path.join(tmpdir, "spill")
    os.makedirs(spill, exist_ok=True)
    config = {
        "memory_limit": os.environ.get(MEMORY_LIMIT_ENV, DEFAULT_MEMORY_LIMIT),
        "temp_directory": spill,
        "preserve_insertion_order": True,
    }
    threads = os.environ.get(THREADS_ENV)
    if threads:
        config["threads"] = int(threads)
    con = duckdb.connect(":memory:", config=config)
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
            record = parse_record(raw, self.options.max_line_bytes)
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
        st = self._state(rule)
        wanted = {p for ex in found for p in (ex[0], ex[1])}
        rows = fetch_rows(self.con, wanted)
        missing: dict[int, set] = {}
        for pos in wanted:
            if rows[pos][3] is None:
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
                record = parse_record(raw if raw is not None else raws.get(p, ""), self.options.max_line_bytes)
                records.append((record, self.states[src].line_of(rid, stored_line), src))
            if any(type(r[0]) is not dict for r in records):
                continue
            test = self.python.fresh(rule)
            try:
                if first != pos:
                    test(records[0][0], records[0][1])
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
        from .python import PARSE_DIMENSION, PARSE_SEVERITY

        max_bytes = self.options.max_line_bytes
        items: list[tuple[int, int, Malformed]] = []  # (source index, line, malformed)
        total = counts.malformed
        for pos in counts.parse_pos:
            src, rid, stored_line, raw = rows[pos]
            state = self.states[src]
            items.append((src, state.line_of(rid, stored_line), None, pos))
        for state in self.states:
            total += len(state.source.rejects) + len(state.source.malformed)
            for line, byte_position, kind in state.source.rejects:
                items.append((state.index, line, (byte_position, kind), None))
            for line, malformed in state.source.malformed:
                items.append((state.index, line, malformed, None))
        items.sort(key=lambda x: (x[0], x[1]))
        examples = []
        for src, line, info, pos in items:
            if not self._room(examples):
                break
            state = self.states[src]
            if pos is not None:
                malformed = parse_failure(state, rows[pos][3], "", max_bytes)
            elif isinstance(info, Malformed):
                malformed = info
            else:
                malformed = reject_failure(state, info[0], info[1], max_bytes)
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
        from .python import PythonEngine, _rule_result, peak_memory_bytes

        options, ruleset = self.options, self.ruleset
        ctx = CompileContext(ref_time=options.ref_time, options={"engine": ENGINE_NAME})
        # metadata rules check one mapping: the Python engine runs them (same code, same results)
        meta_plan, metadata_valid = PythonEngine(self.registry)._run_metadata(ruleset, ctx, options)
        meta_results = [_rule_result(st) for st in meta_plan.states]
        measured = {r.dimension for r in self.plan.rules
                    if r.rule.enabled and r.level in ("value", "record") and r.dimension}
        quality = compute_quality(records_total=records_total, records_malformed=records_malformed,
                                  failed_by_dimension=counts.failed_by_dimension, measured=measured,
                                  config=ruleset.quality)
        records_failed = counts.records_failed + records_malformed
        error_rate = records_failed / records_total if records_total else 0.0
        completion_rate = None
        if options.metadata is not None:
            expected = options.metadata.get(ruleset.completion.expected_field, MISSING)
            if isinstance(expected, (int, float)) and not isinstance(expected, bool) and expected > 0:
                completion_rate = records_total / expected
        duration = time.perf_counter() - started
        memory = peak_memory_bytes() if options.measure_resources else None
        breaches = compute_breaches(
            quality=quality, error_rate=error_rate, thresholds=ruleset.thresholds,
            processing_time=duration if options.measure_resources else None, memory_usage=memory,
            completion_rate=completion_rate, completion_min=ruleset.completion.min,
            completion_severity=ruleset.completion.severity)
        rules = [parse] + results
        everything = rules + meta_results
        summary = Summary(
            records_total=records_total, records_checked=counts.checked, records_malformed=records_malformed,
            records_failed=records_failed, violations_total=sum(r.violations for r in everything),
            failures_total=sum(r.failures for r in everything), quality=quality, error_rate=error_rate,
            completion_rate=completion_rate, metadata_valid=metadata_valid, breaches=breaches,
            engine=ENGINE_NAME, duration_seconds=duration, peak_memory_bytes=memory,
            ref_time=options.ref_time.isoformat(), sources=[s.source.name for s in self.states])
        report = Report(ruleset_name=ruleset.name, ruleset_version=ruleset.version, summary=summary, rules=rules,
                        metadata_rules=meta_results, context=dict(options.context or {}))
        report.gate(options.fail_on)
        return report


@hookimpl
def rfsrules_register_engines():
    """Register the DuckDB engine as ``duckdb`` (needs the ``duckdb`` extra; imported only when used)."""
    return [EngineSpec(name=ENGINE_NAME, factory=DuckDBEngine, extra="duckdb",
                       summary="DuckDB: one parallel scan per source, SQL-compiled rules, exact types, spills to disk")]
