"""Registers the DuckDB engine (``--engine duckdb``); its modules are imported only when it is used."""

from __future__ import annotations

from ..plugins.hookspecs import hookimpl
from .api import EngineSpec

ENGINE_NAME = "duckdb"


def duckdb_engine(registry):
    """The engine (``rfsrules.engines.duckdb_engine.DuckDBEngine``) for ``registry``."""
    from .duckdb_engine import DuckDBEngine

    return DuckDBEngine(registry)


@hookimpl
def rfsrules_register_engines():
    """Register the DuckDB engine as ``duckdb`` (needs the ``duckdb`` extra; imported only when used)."""
    return [EngineSpec(name=ENGINE_NAME, factory=duckdb_engine, extra="duckdb",
                       summary="DuckDB: one parallel scan per source, SQL-compiled rules, exact types, spills to disk")]
