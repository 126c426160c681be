"""``--engine auto`` (the default): pick the engine for a batch from its inputs, its size and the ruleset's checks.

The Python engine streams and starts at once, so it runs small batches, stdin and in-memory records;
without ``--jobs`` it uses every CPU for plain JSON Lines input of :data:`PARALLEL_MIN_BYTES` or more.
DuckDB scans large files in parallel, so it runs batches of files at least :data:`DUCKDB_MIN_BYTES`
large (the crossover measured with ``benchmarks/run_check.py``, see docs/performance.md) when its
extra is installed and it supports every rule of the ruleset. Parquet files only DuckDB reads.
The choice and why it was made are reported as ``summary.engine`` and ``summary.engine_reason``.
"""

from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass
from typing import Any, Iterable

AUTO = "auto"
DUCKDB = "duckdb"
PYTHON = "python"
DUCKDB_MIN_BYTES = 180 * 1024 * 1024
"""Total input size from which DuckDB is faster than the Python engine using every CPU (about 1.2 million
seed-like events on the 2-CPU development machine; see docs/performance.md)."""
ENV_MIN_BYTES = "RFSRULES_AUTO_DUCKDB_MIN_BYTES"
PARALLEL_MIN_BYTES = 16 * 1024 * 1024
"""Plain JSON Lines input from which the Python engine uses every CPU when ``--jobs`` is not given."""
_PARQUET = (".parquet", ".pq")


@dataclass(frozen=True)
class EngineChoice:
    """The engine ``auto`` picked and the reason, as shown in reports."""

    engine: str
    reason: str


def _mib(size: int) -> str:
    return f"{size / 2**20:.1f} MiB"


def threshold() -> int:
    """:data:`DUCKDB_MIN_BYTES`, or the ``RFSRULES_AUTO_DUCKDB_MIN_BYTES`` environment override."""
    text = os.environ.get(ENV_MIN_BYTES, "").strip()
    try:
        return int(text) if text else DUCKDB_MIN_BYTES
    except ValueError:
        return DUCKDB_MIN_BYTES


def duckdb_installed() -> bool:
    """Whether the ``duckdb`` module (the extra) can be imported, without importing it."""
    try:
        return importlib.util.find_spec("duckdb") is not None
    except (ImportError, ValueError):
        return False


def choose_engine(items: Iterable[Any], ruleset: Any, engines: dict, registry: Any) -> EngineChoice:
    """Pick ``python`` or ``duckdb`` for checking ``items`` (paths, ``-``, record iterables) with ``ruleset``.

    ``engines`` maps registered engine names to their :class:`~rfsrules.engines.api.EngineSpec`;
    ``registry`` is the check registry the engine would be built with.
    """
    from ..io.sources import STDIN, is_path_like

    items = list(items)
    paths = [os.fspath(i) for i in items if is_path_like(i)]
    if len(paths) < len(items):
        return EngineChoice(PYTHON, "in-memory records are checked by the Python engine")
    if STDIN in paths:
        return EngineChoice(PYTHON, "stdin is streamed by the Python engine")
    parquet = any(p.lower().endswith(_PARQUET) for p in paths)
    size = 0
    for path in paths:
        try:
            size += os.path.getsize(path)
        except OSError:
            pass
    limit = threshold()
    if not parquet and size < limit:
        return EngineChoice(PYTHON, f"{_mib(size)} of input, below the {_mib(limit)} from which DuckDB is faster")
    if DUCKDB not in engines:
        return EngineChoice(PYTHON, "the duckdb engine is not registered")
    if not duckdb_installed():
        return EngineChoice(PYTHON, "the duckdb extra is not installed (pip install 'rfsrules[duckdb]')")
    try:
        issues = engines[DUCKDB].factory(registry).unsupported(ruleset)
    except Exception as exc:  # a broken engine plugin must not stop the run
        return EngineChoice(PYTHON, f"the duckdb engine failed to start: {type(exc).__name__}: {exc}")
    if issues:
        first = issues[0]
        more = f" (and {len(issues) - 1} more)" if len(issues) > 1 else ""
        return EngineChoice(PYTHON, f"DuckDB cannot run every rule: {first.message}{more}")
    if parquet:
        return EngineChoice(DUCKDB, "Parquet input is read by DuckDB")
    return EngineChoice(DUCKDB, f"{_mib(size)} of input, at least the {_mib(limit)} from which DuckDB is faster")


def cpu_count() -> int:
    """CPUs this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def choose_jobs(items: Iterable[Any]) -> int:
    """Processes for the Python engine when ``--jobs`` is not given: every CPU for at least
    :data:`PARALLEL_MIN_BYTES` of plain JSON Lines files, else 1 (other inputs are not split anyway)."""
    from ..io.sources import STDIN, detect_format, is_path_like

    items = list(items)
    if not items or not all(is_path_like(i) and os.fspath(i) != STDIN for i in items):
        return 1
    size = 0
    for item in items:
        path = os.fspath(item)
        if detect_format(path) != ("jsonl", False):
            return 1
        try:
            size += os.path.getsize(path)
        except OSError:
            return 1
    return cpu_count() if size >= PARALLEL_MIN_BYTES else 1
