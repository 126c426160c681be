"""``--engine auto`` (the default): pick the engine for a batch from its inputs, its size and the ruleset's checks.

The Python engine streams and starts at once, so it runs small batches, stdin and in-memory records;
without ``--jobs`` it uses every CPU for plain JSON Lines input of :data:`PARALLEL_MIN_BYTES` or more.
DuckDB scans large files in parallel, so it runs batches of files at least :data:`DUCKDB_MIN_BYTES`
large (the crossover measured with ``benchmarks/run_check.py``, see docs/performance.md) when its
extra is installed and it supports every rule of the ruleset. Parquet files only DuckDB reads. Tables
(pandas/Polars DataFrames, Arrow tables) DuckDB reads natively: they go to DuckDB from
:data:`DUCKDB_MIN_ROWS` rows, DuckDB relations and Polars LazyFrames always.
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
DUCKDB_MIN_BYTES = 512 * 1024 * 1024
"""Total input size from which DuckDB runs file inputs (about 3.4 million seed-like events). Below it the
Python engine with every CPU is as fast or faster on the 2-CPU development machine; above it both are about
as fast, and DuckDB keeps memory bounded where the Python engine's ``unique`` keys grow (674 MiB at 3M,
2.1 GiB at 10M records; see docs/performance.md)."""
ENV_MIN_BYTES = "RFSRULES_AUTO_DUCKDB_MIN_BYTES"
DUCKDB_MIN_ROWS = 30_000
"""Rows of in-memory tables from which DuckDB is faster than the Python engine (which converts each row to a
dict), measured on the 2-CPU development machine (see docs/engines.md)."""
ENV_MIN_ROWS = "RFSRULES_AUTO_DUCKDB_MIN_ROWS"
PARALLEL_MIN_BYTES = 8 * 1024 * 1024
"""Plain JSON Lines input from which the Python engine uses every CPU when ``--jobs`` is not given."""
_PARQUET = (".parquet", ".pq")


@dataclass(frozen=True)
class EngineChoice:
    """The engine ``auto`` picked and the reason, as shown in reports."""

    engine: str
    reason: str


def _mib(size: int) -> str:
    return f"{size / 2**20:.1f} MiB"


def _env_int(name: str, default: int) -> int:
    text = os.environ.get(name, "").strip()
    try:
        return int(text) if text else default
    except ValueError:
        return default


def threshold() -> int:
    """:data:`DUCKDB_MIN_BYTES`, or the ``RFSRULES_AUTO_DUCKDB_MIN_BYTES`` environment override."""
    return _env_int(ENV_MIN_BYTES, DUCKDB_MIN_BYTES)


def row_threshold() -> int:
    """:data:`DUCKDB_MIN_ROWS`, or the ``RFSRULES_AUTO_DUCKDB_MIN_ROWS`` environment override."""
    return _env_int(ENV_MIN_ROWS, DUCKDB_MIN_ROWS)


def _table_rows(item: Any, kind: str) -> int:
    if kind == "pandas":
        return len(item)
    if kind == "polars":
        return int(item.height)
    return int(item.num_rows)  # arrow


def duckdb_installed() -> bool:
    """Whether the ``duckdb`` module (the extra) can be imported, without importing it."""
    try:
        return importlib.util.find_spec("duckdb") is not None
    except (ImportError, ValueError):
        return False


def choose_engine(items: Iterable[Any], ruleset: Any, engines: dict, registry: Any) -> EngineChoice:
    """Pick ``python`` or ``duckdb`` for checking ``items`` (paths, ``-``, tables, record iterables) with ``ruleset``.

    ``engines`` maps registered engine names to their :class:`~rfsrules.engines.api.EngineSpec`;
    ``registry`` is the check registry the engine would be built with.
    """
    from ..io.frames import LABELS, duckdb_reads_pandas, frame_kind
    from ..io.sources import STDIN, is_path_like

    items = list(items)
    kinds = [frame_kind(i) for i in items]
    paths = [os.fspath(i) for i in items if is_path_like(i)]
    if any(kind is None and not is_path_like(item) for item, kind in zip(items, kinds)):
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
    tables = [(item, kind) for item, kind in zip(items, kinds) if kind is not None]
    for item, kind in tables:
        if kind == "pandas" and not duckdb_reads_pandas(item):
            return EngineChoice(PYTHON, "a pandas DataFrame with object columns of dicts, lists or mixed values "
                                        "is read row by row by the Python engine")
    lazy = [kind for _, kind in tables if kind in ("duckdb", "polars-lazy")]
    rows = sum(_table_rows(item, kind) for item, kind in tables if kind not in ("duckdb", "polars-lazy"))
    min_rows = row_threshold()
    if lazy:
        wanted = f"a {LABELS[lazy[0]]} is read by DuckDB"
    elif parquet:
        wanted = "Parquet input is read by DuckDB"
    elif tables and rows >= min_rows:
        wanted = f"{rows:,} table rows, at least the {min_rows:,} from which DuckDB is faster"
    elif paths and size >= limit:
        wanted = f"{_mib(size)} of input, at least the {_mib(limit)} from which DuckDB runs files"
    elif tables:
        return EngineChoice(PYTHON, f"{rows:,} table rows, below the {min_rows:,} from which DuckDB is faster")
    else:
        return EngineChoice(PYTHON, f"{_mib(size)} of input, below the {_mib(limit)} from which DuckDB runs files")
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
    return EngineChoice(DUCKDB, wanted)


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
