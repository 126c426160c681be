"""The Python reference engine: compiles the rule IR once and checks files, stdin, records and tables in one pass."""

from __future__ import annotations

import time
from typing import Any, Iterable, Mapping

from ..checks.spec import CheckRegistry, CompileContext
from ..plugins.hookspecs import hookimpl
from ..report import Report
from ..results import PARSE_RULE_ID, RuleResult, Violation
from ..ruleset.model import Ruleset
from .api import EngineSpec, RunOptions
from .python_compile import Collector, Plan, RuleState, compile_rules
from .reporting import assemble_report

PARSE_SEVERITY = "critical"
PARSE_DIMENSION = "consistency"
_FLUSH_EVERY = 4096
"""Records between two hand-overs of collected batch values (readers other than JSON Lines)."""


class _ParseTracker:
    """The built-in ``parse`` rule: every malformed record violates it.

    ``deferred`` (worker processes of a ``--jobs`` run) keeps examples as ``(line, malformed, source)``
    until the parent knows the line offset; :meth:`example` builds the Violation.
    """

    def __init__(self, max_examples: int | None, context: Mapping[str, Any], deferred: bool = False):
        self.max_examples = max_examples
        self.context = dict(context or {})
        self.count = 0
        self.examples: list = []
        self.deferred = deferred

    def add(self, line: int | None, malformed, source: str | None) -> None:
        self.count += 1
        if self.max_examples is None or len(self.examples) < self.max_examples:
            if self.deferred:
                self.examples.append((line, malformed, source))
            else:
                self.examples.append(self.example(line, malformed, source))

    def example(self, line: int | None, malformed, source: str | None) -> Violation:
        return Violation(PARSE_RULE_ID, PARSE_SEVERITY, malformed.message, check=PARSE_RULE_ID,
                         dimension=PARSE_DIMENSION, reason=malformed.reason, line=line, value=malformed.excerpt,
                         source=source, context=self.context)

    def result(self) -> RuleResult:
        return RuleResult(id=PARSE_RULE_ID, check=PARSE_RULE_ID, severity=PARSE_SEVERITY, dimension=PARSE_DIMENSION,
                          level="record", violations=self.count, failures=self.count, examples=self.examples,
                          status="failed" if self.count else "passed",
                          description="Every input line must be a JSON object (or a well-formed CSV row).")


class _Counts:
    __slots__ = ("total", "bytes_done", "bytes_total", "extra_peak")

    def __init__(self, bytes_total: int):
        self.total = 0
        self.bytes_done = 0
        self.bytes_total = bytes_total
        self.extra_peak = 0  # peak RSS of worker processes (--jobs), added to this process's own


class PythonEngine:
    """Runs every check in-process. ``run()`` compiles the ruleset, reads each source once, returns a Report."""

    name = "python"
    typed_decoder = True
    """Use the msgspec pre-decoder of JSON lines where the rules allow it (speed only; tests turn it off
    to compare)."""

    def __init__(self, registry: CheckRegistry):
        self.registry = registry

    def unsupported(self, ruleset: Ruleset) -> list:
        """The reference engine runs every check."""
        return []

    def run(self, ruleset: Ruleset, sources: Iterable[Any], options: RunOptions) -> Report:
        """Check ``sources`` (paths, ``-`` for stdin, or iterables of records) as one batch."""
        from ..io.sources import resolve_sources

        started = time.perf_counter()
        resolved = resolve_sources(sources)
        ctx = CompileContext(ref_time=options.ref_time, options={"engine": self.name})
        plan = self.compile(ruleset, ctx, options, multi_source=len(resolved) > 1)
        if len(resolved) > 1:
            plan.set_sources([s.label for s in resolved])
        parse = _ParseTracker(options.max_examples, options.context)
        counts = _Counts(sum(s.size for s in resolved))
        ran_parallel = False
        if options.jobs > 1:
            from .parallel import run_parallel

            ran_parallel = run_parallel(self, ruleset, resolved, options, plan, parse, counts)
        if not ran_parallel:
            for index, src in enumerate(resolved):
                plan.begin_source(src.label, index)
                self._read_source(src, ruleset, plan, parse, counts, options)
        records_total = counts.total
        records_malformed = parse.count
        records_checked = records_total - records_malformed
        _finish_batch(plan, records_checked)
        meta_plan, metadata_valid = self._run_metadata(ruleset, ctx, options)
        duration = time.perf_counter() - started
        return _build_report(ruleset, options, plan, meta_plan, parse, resolved, records_total, records_checked,
                             metadata_valid, duration, counts.extra_peak)

    def compile(self, ruleset: Ruleset, ctx: CompileContext, options: RunOptions, multi_source: bool = False) -> Plan:
        """The compiled plan of ``ruleset``'s data rules (fresh state: one per run or worker);
        ``multi_source`` for a batch of several sources (unique keys then remember theirs)."""
        return compile_rules(ruleset.rules, self.registry, ctx, max_examples=options.max_examples,
                             context=options.context, record_id=ruleset.record_id,
                             typed_decoder=self.typed_decoder, multi_source=multi_source)

    # --- reading -----------------------------------------------------------------------------------

    def read_range(self, src, start: int, end: int, plan: Plan, parse: _ParseTracker, counts: _Counts,
                   options: RunOptions, progress=None, on_block=None) -> None:
        """Check the lines of a plain JSON Lines file from byte ``start`` (a line start) to ``end``; lines are
        numbered from 1 at ``start``. ``on_block()`` is called after each block of lines."""
        with open(src.path, "rb") as stream:
            stream.seek(start)
            self._read_jsonl(stream, stream.tell, src, plan, parse, counts, options, progress,
                             skip_bom=start == 0, limit=end - start, on_block=on_block)

    def _read_source(self, src, ruleset: Ruleset, plan: Plan, parse: _ParseTracker, counts: _Counts,
                     options: RunOptions) -> None:
        from ..io import csvfile, jsonarray
        from ..io.sources import GZIP_ERRORS, open_binary, unreadable

        if src.kind == "records":
            self._read_records(src, plan, parse, counts)
            return
        progress = None
        if options.progress is not None:
            base, report = counts.bytes_done, options.progress
            total = counts.bytes_total

            def progress(position: int) -> None:
                report(base + position, total)
        with open_binary(src) as (stream, position):
            try:
                if src.format == "csv":
                    from ..io.sources import declared_csv_types

                    rows = csvfile.iter_csv(stream, field_types=declared_csv_types(ruleset),
                                            max_line_bytes=options.max_line_bytes, progress=progress,
                                            position=position)
                    self._read_items(rows, src, plan, parse, counts)
                elif src.format == "json":
                    items = jsonarray.iter_json_array(stream, max_line_bytes=options.max_line_bytes,
                                                      on_read=_throttled(progress, position))
                    self._read_items(items, src, plan, parse, counts)
                else:
                    self._read_jsonl(stream, position, src, plan, parse, counts, options, progress)
            except GZIP_ERRORS as exc:
                counts.total += 1
                parse.add(src.lines_read + 1, unreadable(exc), src.label)
        counts.bytes_done += src.size

    def _read_jsonl(self, stream, position, src, plan: Plan, parse: _ParseTracker, counts: _Counts,
                    options: RunOptions, progress, *, skip_bom: bool = True, limit: int | None = None,
                    on_block=None) -> None:
        """The hot loop: split blocks of lines and run the generated block function over each."""
        from ..io.lines import BLANK, LineBlocks, Malformed, decode_json_line, not_an_object

        max_bytes = options.max_line_bytes
        label = src.label
        blanks = [0]
        line = 0

        def slow(raw: bytes, at: int) -> None:
            rec = decode_json_line(raw, max_bytes)
            if rec is BLANK:
                blanks[0] += 1
            elif type(rec) is Malformed:
                parse.add(at, rec, label)
            elif type(rec) is dict:
                plan.process_exact(rec, at)
            else:
                parse.add(at, not_an_object(rec, raw), label)

        def notobj(rec: Any, raw: bytes, at: int) -> None:
            parse.add(at, not_an_object(rec, raw), label)

        blocks = LineBlocks(stream, max_line_bytes=max_bytes, progress=progress, position=position,
                            skip_bom=skip_bom, limit=limit)
        try:
            for block in blocks:
                plan.records_seen += len(block)
                before = blanks[0]
                # the plan may have regenerated its code (see Plan.rebuild): read the function per block
                line = plan.process_block(block, line, slow, notobj)
                counts.total += len(block) - (blanks[0] - before)
                plan.flush()
                plan.judge_fast_path()
                if on_block is not None:
                    on_block()
        finally:
            src.lines_read = line

    def _read_items(self, items, src, plan: Plan, parse: _ParseTracker, counts: _Counts) -> None:
        """Records from the JSON-array and CSV readers: ``(line, dict | Malformed | other value)``."""
        from ..io.lines import Malformed, not_an_object

        label = src.label
        line = 0
        try:
            for line, rec in items:
                counts.total += 1
                plan.records_seen += 1
                if type(rec) is dict:
                    plan.process_exact(rec, line)
                elif isinstance(rec, Malformed):
                    parse.add(line, rec, label)
                else:
                    parse.add(line, not_an_object(rec), label)
                if plan.records_seen % _FLUSH_EVERY == 0:
                    plan.flush()
        finally:
            src.lines_read = line
            plan.flush()

    def _read_records(self, src, plan: Plan, parse: _ParseTracker, counts: _Counts) -> None:
        """In-memory records: ``line`` is the 1-based position; mappings are copied into dicts. A table
        (DataFrame, Arrow table, DuckDB relation) arrives here as its rows, converted in chunks by
        :func:`rfsrules.io.frames.frame_rows` (see :func:`rfsrules.io.sources.resolve_sources`)."""
        from ..io.frames import plain_record
        from ..io.lines import not_an_object

        label = src.label
        total = 0
        try:
            for rec in src.records:
                total += 1
                plan.records_seen += 1
                if type(rec) is dict:
                    plan.process_exact(plain_record(rec), total)
                elif isinstance(rec, Mapping):
                    plan.process_exact(plain_record(dict(rec)), total)
                else:
                    parse.add(total, not_an_object(rec), label)
                if total % _FLUSH_EVERY == 0:
                    plan.flush()
        finally:
            counts.total += total
            plan.flush()

    # --- metadata ----------------------------------------------------------------------------------

    def _run_metadata(self, ruleset: Ruleset, ctx: CompileContext, options: RunOptions):
        plan = compile_rules(ruleset.metadata_rules, self.registry, ctx, max_examples=options.max_examples,
                             context=options.context, record_id=None, track_records=False,
                             typed_decoder=False)
        if options.metadata is None:
            for st in plan.states:
                if st.status != "error":
                    st.status = "skipped"
            return plan, None
        plan.collector.begin_source(None)
        plan.process_exact(dict(options.metadata), 1)
        _finish_batch(plan, 1)
        return plan, not any(st.status in ("failed", "error") for st in plan.states)


def _throttled(progress, position):
    """An ``on_read`` callback calling ``progress(position())`` at most 10 times a second."""
    if progress is None or position is None:
        return None
    last = [0.0]

    def on_read(_n: int) -> None:
        now = time.monotonic()
        if now - last[0] >= 0.1:
            last[0] = now
            progress(position())

    return on_read


def _finish_batch(plan: Plan, records_checked: int) -> None:
    plan.flush()
    collector: Collector = plan.collector
    for st, acc, count in plan.batch_rules():
        n = records_checked if count is None else count
        try:
            failures = list(acc.finish(n) or [])
        except Exception as exc:
            collector.error(st.index, exc)
            continue
        if not failures:
            continue
        st.violations = 1
        st.failures += len(failures)
        for fld, value, reason, message in failures:
            if collector.max_examples is None or len(st.examples) < collector.max_examples:
                saved = collector.source
                collector.source = None
                st.examples.append(collector.violation(st, fld, value, reason, message, None, None))
                collector.source = saved
    for st in plan.states:
        if st.status not in ("error", "skipped"):
            st.status = "failed" if st.violations else "passed"


def _rule_result(st: RuleState) -> RuleResult:
    rule = st.rule
    return RuleResult(id=rule.id, check=rule.check, severity=st.severity, dimension=st.dimension, level=st.level,
                      violations=st.violations, failures=st.failures, examples=st.examples, status=st.status,
                      error=st.error, plugin=st.plugin, where=str(rule.span) if rule.span is not None else None,
                      description=rule.description, error_count=st.error_count)


def _build_report(ruleset: Ruleset, options: RunOptions, plan: Plan, meta_plan: Plan, parse: _ParseTracker,
                  sources, records_total: int, records_checked: int, metadata_valid: bool | None,
                  duration: float, extra_peak: int = 0) -> Report:
    collector = plan.collector
    measured = {st.dimension for st in plan.states
                if st.rule.enabled and st.level in ("value", "record") and st.dimension}
    return assemble_report(
        ruleset, options, engine=PythonEngine.name, rules=[parse.result()] + [_rule_result(st) for st in plan.states],
        metadata_rules=[_rule_result(st) for st in meta_plan.states], records_total=records_total,
        records_checked=records_checked, records_malformed=parse.count, checked_failed=collector.records_failed,
        failed_by_dimension=collector.failed_by_dimension, measured=measured, metadata_valid=metadata_valid,
        duration=duration, sources=[s.name for s in sources], extra_memory=extra_peak)


@hookimpl
def rfsrules_register_engines():
    """Register the reference engine as ``python``."""
    return [EngineSpec(name="python", factory=PythonEngine,
                       summary="reference engine: every check, streaming JSONL/JSON/CSV, exact semantics")]
