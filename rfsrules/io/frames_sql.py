"""DuckDB SQL writing each row of a table as the JSON text of the record :mod:`rfsrules.io.frames` reads from it."""

from __future__ import annotations

from functools import lru_cache
from typing import Any


def quote_ident(name: str) -> str:
    """A SQL identifier in double quotes."""
    return '"' + str(name).replace('"', '""') + '"'


def _sql_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _timestamp_text_sql(x: str, suffix: str) -> str:
    whole = _sql_text("%Y-%m-%dT%H:%M:%S" + suffix)
    fraction = _sql_text("%Y-%m-%dT%H:%M:%S.%f" + suffix)
    return f"(CASE WHEN microsecond({x}) % 1000000 = 0 THEN strftime({x}, {whole}) ELSE strftime({x}, {fraction}) END)"


@lru_cache(maxsize=1)
def _python_lambdas() -> bool:
    """Whether DuckDB takes ``lambda x: ...`` (1.3 and later; 2.0 refuses the older ``x -> ...``)."""
    import duckdb

    try:
        major, minor = (int(p) for p in duckdb.__version__.split(".")[:2])
    except ValueError:
        return True
    return (major, minor) >= (1, 3)


def _lambda(var: str, body: str) -> str:
    return f"lambda {var}: {body}" if _python_lambdas() else f"{var} -> {body}"


def _value_sql(x: str, typ: Any, depth: int) -> str | None:
    """DuckDB SQL turning ``x`` (of DuckDB type ``typ``) into the value ``frames.plain`` would give, or None
    when ``to_json`` already writes it so."""
    tid = typ.id
    if tid in ("timestamp_ns", "timestamptz_ns"):  # rounded down to the microsecond, as the Python readers do
        ns = f"epoch_ns({x})"
        micros = f"make_timestamp(({ns} - (({ns} % 1000) + 1000) % 1000) // 1000)"
        return _timestamp_text_sql(micros, "Z" if tid == "timestamptz_ns" else "")
    if tid in ("timestamp", "timestamp_s", "timestamp_ms"):
        return _timestamp_text_sql(f"CAST({x} AS TIMESTAMP)", "")
    if tid == "timestamp with time zone":
        return _timestamp_text_sql(f"timezone('UTC', {x})", "Z")
    if tid == "time":
        return _timestamp_text_sql(f"(DATE '2000-01-01' + {x})", "").replace("%Y-%m-%dT", "")
    if tid == "time_ns":  # its text has up to 9 digits after the point: keep 6, rounded down
        text = f"CAST({x} AS VARCHAR)"
        digits = f"substr(rpad({text}, 18, '0'), 10, 6)"
        return (f"(CASE WHEN length({text}) = 8 OR {digits} = '000000' THEN substr({text}, 1, 8) "
                f"ELSE substr({text}, 1, 8) || '.' || {digits} END)")
    if tid == "interval":
        return f"epoch({x})"
    if tid in ("float", "decimal"):
        return f"CAST({x} AS DOUBLE)"
    if tid == "struct":
        fields = [(name, _value_sql(f"struct_extract({x}, {_sql_text(name)})", child, depth))
                  for name, child in typ.children]
        if all(sub is None for _, sub in fields):
            return None
        parts = ", ".join(f"{quote_ident(name)} := {sub or f'struct_extract({x}, {_sql_text(name)})'}"
                          for name, sub in fields)
        return f"(CASE WHEN {x} IS NULL THEN NULL ELSE struct_pack({parts}) END)"
    if tid in ("list", "array"):
        var = f"rfs_e{depth}"
        sub = _value_sql(var, dict(typ.children)["child"], depth + 1)
        return None if sub is None else f"list_transform({x}, {_lambda(var, sub)})"
    if tid == "map":
        children = dict(typ.children)
        var = f"rfs_e{depth}"
        sub = _value_sql(f"{var}.value", children["value"], depth + 1)
        if sub is None:
            return None
        entry = _lambda(var, f"struct_pack(key := {var}.key, value := {sub})")
        return f"map_from_entries(list_transform(map_entries({x}), {entry}))"
    return None


def row_json_sql(columns: list[str], types: list, table: str, names: list[str] | None = None) -> str:
    """``SELECT raw`` (one JSON object text per row, in row order) over ``table`` with DuckDB columns
    ``columns`` of types ``types`` (``DuckDBPyType``), each value as ``frames.frame_rows`` reads it.

    ``names`` are the field names (default: ``columns``); DuckDB renames columns whose names differ only in
    case (``F`` next to ``f`` becomes ``F_1``), the record keeps the table's names.
    """
    pairs = []
    for key, column, typ in zip(names or columns, columns, types):
        q = quote_ident(column)
        pairs.append(f"{_sql_text(str(key))}, {_value_sql(q, typ, 0) or q}")
    return f"SELECT json_object({', '.join(pairs)})::VARCHAR AS raw FROM {table}"
