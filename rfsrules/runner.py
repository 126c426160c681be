"""``rfsrules.check()``: load a ruleset if needed, pick an engine, run it over the data, return the Report."""

from __future__ import annotations

import os
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Callable, Mapping

from .errors import EngineUnsupportedError, UsageError

if TYPE_CHECKING:  # pragma: no cover
    from .checks.spec import CheckRegistry
    from .report import Report
    from .ruleset.model import Ruleset


def parse_ref_time(value: datetime | str | None) -> datetime:
    """A timezone-aware reference time: now (UTC) when None; ISO-8601 strings accept ``Z``; naive means UTC."""
    if value is None:
        return datetime.now(timezone.utc)
    if isinstance(value, str):
        text = value.strip()
        try:
            value = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text)
        except ValueError:
            raise UsageError(f"invalid reference time {text!r}: expected ISO-8601, e.g. 2026-01-15T12:00:00Z") from None
    if not isinstance(value, datetime):
        raise UsageError(f"invalid reference time {value!r}: expected a datetime or an ISO-8601 string")
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value


def resolve_ruleset(ruleset: "Ruleset | str | os.PathLike", registry: "CheckRegistry | None" = None) -> "Ruleset":
    """A loaded :class:`Ruleset`: returned as is, or loaded from a path with the loader."""
    if isinstance(ruleset, (str, os.PathLike)):
        from .ruleset.loader import load_ruleset

        return load_ruleset(os.fspath(ruleset), registry=registry)
    return ruleset


def check(
    data: Any,
    ruleset: "Ruleset | str | os.PathLike",
    *,
    engine: str = "auto",
    ref_time: datetime | str | None = None,
    metadata: Mapping[str, Any] | None = None,
    context: Mapping[str, Any] | None = None,
    max_examples: int | None = 20,
    fail_on: str = "high",
    registry: "CheckRegistry | None" = None,
    keep_going: bool = True,
    per_file: bool = False,
    progress: Callable[[int, int], None] | None = None,
    max_line_bytes: int | None = None,
    measure_resources: bool = True,
    jobs: int | None = None,
) -> "Report | list[Report]":
    """Check ``data`` against ``ruleset`` and return the gated :class:`~rfsrules.report.Report`.

    :param data: a path (``.jsonl``/``.ndjson``/``.json``/``.csv``, optionally ``.gz``), a list of paths,
        ``"-"`` for JSON Lines on stdin, an iterable of dicts (``line`` is then the 1-based position), or a
        table (pandas/Polars DataFrame, Polars LazyFrame, PyArrow Table or RecordBatch, DuckDB relation; a
        list may mix tables and paths): each row is a record, read alike by every engine
        (``rfsrules.io.frames``).
    :param ruleset: a loaded :class:`~rfsrules.ruleset.model.Ruleset` or a path to a YAML ruleset.
    :param engine: ``auto`` (default: DuckDB for large files and tables when installed and able to run every
        rule, else Python; see ``rfsrules.engines.auto``) or a registered engine name (``python``, ``duckdb``,
        plugins). ``report.summary.engine`` names the engine that ran, ``engine_reason`` says why.
    :param ref_time: reference time for freshness checks (datetime or ISO string; default now, UTC).
    :param metadata: the batch metadata mapping checked by ``metadata_rules``.
    :param context: merged into every violation and the report.
    :param max_examples: examples kept per rule; None keeps every failure. Counts are always exact.
    :param fail_on: lowest severity that fails the gate (``low``..``critical`` or ``none``).
    :param registry: the check registry (default: the process-wide plugin manager's).
    :param keep_going: recorded in the options; a raising check always leaves the others running.
    :param per_file: one report per source (returns a list) instead of one batch.
    :param progress: ``progress(bytes_read, bytes_total)``, called at most ~10 times a second.
    :param jobs: processes the Python engine may use: plain JSON Lines files are split into byte ranges
        at line boundaries and checked in parallel, with the same report as one process (other inputs,
        and rulesets with plugin record checks, run in one process). None: every CPU for inputs of
        ``rfsrules.engines.auto.PARALLEL_MIN_BYTES`` or more, else 1.
    :raises InputError: a file cannot be read (``cannot read 'x.jsonl': No such file or directory``).
    :raises EngineUnsupportedError: the engine cannot run some rule; raised before any data is read.
    """
    from .engines.api import RunOptions
    from .io.sources import as_source_items, is_path_like, resolve_sources
    from .plugins.manager import get_plugin_manager

    manager = get_plugin_manager()
    loaded = resolve_ruleset(ruleset, registry)
    if registry is None:
        from .plugins.local import manager_for_ruleset

        manager = manager_for_ruleset(loaded, base=manager)
        registry = manager.checks
    items = as_source_items(data)
    reason = "requested explicitly"
    if engine == "auto":
        from .engines.auto import choose_engine

        choice = choose_engine(items, loaded, manager.engines, registry)
        engine, reason = choice.engine, choice.reason
    if jobs is None:
        from .engines.auto import choose_jobs

        jobs = choose_jobs(items) if engine == "python" else 1
        if jobs > 1:
            reason += f"; {jobs} processes"
    if engine in manager.engines and registry is not manager.checks:
        runner = manager.engines[engine].factory(registry)
    else:
        runner = manager.engine(engine)
    issues = runner.unsupported(loaded)
    if issues:
        raise EngineUnsupportedError(engine, issues)
    if fail_on != "none":
        from .results import Severity

        try:
            Severity.parse(fail_on)
        except ValueError:
            raise UsageError(f"invalid fail_on {fail_on!r}: expected low, medium, high, critical or none") from None
    options = RunOptions(
        ref_time=parse_ref_time(ref_time), max_examples=max_examples, fail_on=fail_on,
        metadata=dict(metadata) if metadata is not None else None, context=dict(context or {}),
        keep_going=keep_going, progress=progress, measure_resources=measure_resources, jobs=max(1, int(jobs)),
        **({"max_line_bytes": max_line_bytes} if max_line_bytes is not None else {}))
    resolve_sources([item for item in items if is_path_like(item)])  # every file readable before any is read
    reports = [runner.run(loaded, [item], options) for item in items] if per_file else [runner.run(loaded, items, options)]
    for report in reports:
        report.summary.engine_reason = reason
        redact_sensitive_values(report, registry, loaded)
        manager.notify_batch_checked(report, loaded)
    return reports if per_file else reports[0]


def redact_sensitive_values(report: "Report", registry: "CheckRegistry", ruleset: "Ruleset | None" = None) -> None:
    """Replace example values of checks declared ``redact_values`` (e.g. PII checks) by a marker; when
    such a rule reads the ruleset's ``record_id`` field, the record id of every example is sensitive too.

    Done here, once for every engine, before any hook or output sees the report.
    """
    from .checks.spec import REDACTED_VALUE

    sensitive = [r for r in (ruleset.rules if ruleset is not None else ())
                 if r.check in registry and registry.get(r.check).redact_values]
    id_text = ruleset.record_id.text if ruleset is not None and ruleset.record_id is not None else None
    hide_ids = id_text is not None and any(f.text == id_text for r in sensitive for f in r.fields)
    for result in report.rules + report.metadata_rules:
        redact = result.check in registry and registry.get(result.check).redact_values
        for violation in result.examples:
            if redact:
                violation.value = REDACTED_VALUE
            if hide_ids and violation.record_id is not None:
                violation.record_id = REDACTED_VALUE
