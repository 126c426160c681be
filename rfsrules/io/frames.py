"""DataFrames, Arrow tables and DuckDB relations as sources: detecting them and reading their rows as records."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any, Callable, Iterator
from uuid import UUID

from ..errors import InputError

CHUNK_ROWS = 4096
"""Rows converted at a time: one chunk of dicts is alive at once, never a copy of the whole table."""
ACCEPTED = ("a path, a list of paths, '-', an iterable of records, a pandas or Polars DataFrame, "
            "a Polars LazyFrame, a PyArrow Table or RecordBatch, or a DuckDB relation")

_KINDS = {
    ("pandas", "DataFrame"): "pandas",
    ("polars", "DataFrame"): "polars",
    ("polars", "LazyFrame"): "polars-lazy",
    ("pyarrow", "Table"): "arrow",
    ("pyarrow", "RecordBatch"): "arrow",
    ("duckdb", "DuckDBPyRelation"): "duckdb",
}
_NOT_TABLES = {
    ("pandas", "Series"): "a pandas Series (use series.to_frame())",
    ("polars", "Series"): "a Polars Series (use series.to_frame())",
    ("pyarrow", "Array"): "a PyArrow array (use pyarrow.table({'name': array}))",
    ("pyarrow", "ChunkedArray"): "a PyArrow array (use pyarrow.table({'name': array}))",
    ("pyarrow", "RecordBatchReader"): "a PyArrow RecordBatchReader (use reader.read_all())",
    ("duckdb", "DuckDBPyConnection"): "a DuckDB connection (pass a relation, e.g. con.sql('SELECT ...'))",
}
LABELS = {"pandas": "pandas DataFrame", "polars": "Polars DataFrame", "polars-lazy": "Polars LazyFrame",
          "arrow": "PyArrow table", "duckdb": "DuckDB relation"}
_UTC = timezone.utc


def _lookup(obj: Any, table: dict) -> Any:
    for cls in type(obj).__mro__:
        root = (cls.__module__ or "").split(".")[0].lstrip("_")
        found = table.get((root, cls.__name__))
        if found is not None:
            return found
    return None


def frame_kind(obj: Any) -> str | None:
    """``pandas``, ``polars``, ``polars-lazy``, ``arrow`` or ``duckdb`` for a table object, else None
    (found from the class names, without importing any of those libraries)."""
    return _lookup(obj, _KINDS)


def not_a_table(obj: Any) -> str | None:
    """A description of a column-like object of those libraries that is not a table (e.g. a Series)."""
    return _lookup(obj, _NOT_TABLES)


def column_names(obj: Any, kind: str | None = None) -> list[str]:
    """The field names of a table's rows; raises :class:`InputError` for names that cannot be fields."""
    kind = kind or frame_kind(obj)
    label = LABELS.get(kind or "", "table")
    if kind == "pandas":
        if getattr(obj.columns, "nlevels", 1) > 1:
            raise InputError(f"the {label} has MultiIndex columns; flatten them first "
                             f"(e.g. df.columns = ['_'.join(map(str, c)) for c in df.columns])")
        names = [str(c) for c in obj.columns]
    elif kind == "polars-lazy":
        names = list(obj.collect_schema().names())
    elif kind == "arrow":
        names = list(obj.schema.names)
    else:
        names = list(obj.columns)
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise InputError(f"the {label} has two columns named {name!r}; a record cannot have two fields "
                             f"of the same name")
        seen.add(name)
    return names


def frame_rows(obj: Any, chunk_rows: int = CHUNK_ROWS) -> Iterator[dict]:
    """The rows of a table object as records (dicts), converted ``chunk_rows`` at a time.

    The columns are checked at once (:class:`InputError` for duplicate names); rows are read lazily.
    Each column is a field (a missing value is JSON null; the pandas index is not a field), and a cell is

    * integers, booleans, strings (also categorical/dictionary/enum values): themselves;
    * floats: themselves; NaN stays NaN in Polars, Arrow and DuckDB data, but in a pandas column backed by
      NumPy (``float64``, ``object``) NaN is pandas' missing value and reads as null, as ``NaT``/``pd.NA`` do;
    * decimals: floats; durations: seconds as a float;
    * timestamps: ISO-8601 text with microseconds when not zero: naive ones as written (``2026-01-15T10:00:00``,
      which the checks read as UTC), time-zone aware ones in UTC with ``Z`` (``2026-01-15T09:00:00.250000Z``);
      digits below the microsecond are dropped; dates ``2026-01-15``; times ``10:00:00``;
    * binary: text, printable ASCII as is and other bytes (and ``"``, ``'``, ``\\``) as ``\\xHH``;
    * structs and maps: objects (map keys as text); lists and arrays: arrays.

    :func:`rfsrules.io.frames_sql.row_json_sql` is the same mapping in DuckDB SQL (the DuckDB engine).
    Nothing here imports pandas, Polars, PyArrow or DuckDB before such an object is given.
    """
    kind = frame_kind(obj)
    if kind is None:
        raise InputError(f"data must be {ACCEPTED}, not {type(obj).__name__}")
    names = column_names(obj, kind)
    readers = {"pandas": _pandas_rows, "polars": _polars_rows, "polars-lazy": _polars_rows,
               "arrow": _arrow_rows, "duckdb": _duckdb_rows}
    return readers[kind](obj, names, max(1, int(chunk_rows)))


def _rows(names: list[str], columns: list[list]) -> Iterator[dict]:
    for values in zip(*columns):
        yield dict(zip(names, values))


# --- values ------------------------------------------------------------------------------------------

def iso_datetime(value: datetime) -> str:
    """ISO-8601 text of a timestamp: naive as written, aware in UTC with ``Z``; microseconds when not zero."""
    if type(value) is not datetime:  # pandas.Timestamp: drop nanoseconds, as every reader does
        value = datetime(value.year, value.month, value.day, value.hour, value.minute, value.second,
                         value.microsecond, value.tzinfo)
    if value.tzinfo is None or value.utcoffset() is None:
        return value.isoformat()
    return value.astimezone(_UTC).replace(tzinfo=None).isoformat() + "Z"


def _iso_naive(value: datetime) -> str:
    return value.isoformat()


def _iso_utc(value: datetime) -> str:
    return value.isoformat() + "Z"


_BLOB_PLAIN = frozenset(range(0x20, 0x7F)) - {0x22, 0x27, 0x5C}


def blob_text(value: bytes) -> str:
    """Binary as text, as DuckDB writes a BLOB: printable ASCII as is, other bytes and ``"'\\`` as ``\\xHH``."""
    return "".join(chr(b) if b in _BLOB_PLAIN else f"\\x{b:02X}" for b in value)


def _key_text(key: Any) -> str:
    if key is True or key is False:
        return "true" if key else "false"
    return key if type(key) is str else str(plain(key))


def _seconds(value: timedelta) -> float:
    return value.total_seconds()


def plain(value: Any) -> Any:
    """A cell value of any library as a JSON-like value (see the module docstring); unknown objects as is."""
    t = type(value)
    if t is str or t is int or t is float or t is bool or value is None:
        return value
    if t is dict:
        return {k: plain(v) for k, v in value.items()}
    if t is list or t is tuple:
        return [plain(v) for v in value]
    name = t.__name__
    if name in ("NaTType", "NAType"):
        return None
    if isinstance(value, datetime):
        return iso_datetime(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return blob_text(bytes(value))
    if isinstance(value, UUID):
        return str(value)
    if t.__module__ == "numpy":
        if hasattr(value, "tolist"):  # scalars and arrays
            return plain(value.tolist())
    return value


_JSON_SCALARS = frozenset({str, int, float, bool, type(None)})


def plain_record(rec: dict) -> dict:
    """An in-memory record with the values of other libraries (``Decimal``, ``datetime``, ``UUID``, NumPy
    scalars...) mapped as table cells are (:func:`plain`), so that both engines read it alike; ``rec`` itself
    when it holds JSON types only (the common case: one type test per value)."""
    for value in rec.values():
        t = type(value)
        if t in _JSON_SCALARS or ((t is dict or t is list) and _json_only(value)):
            continue
        return {key: plain(v) for key, v in rec.items()}
    return rec


def _json_only(value: Any) -> bool:
    items = value.values() if type(value) is dict else value
    for item in items:
        t = type(item)
        if t in _JSON_SCALARS or ((t is dict or t is list) and _json_only(item)):
            continue
        return False
    return True


def _pandas_cell(value: Any) -> Any:
    """A pandas object cell: NaN (pandas' missing value) is null, the rest as :func:`plain`."""
    if type(value) is float and value != value:
        return None
    return plain(value)


# --- pandas ------------------------------------------------------------------------------------------

def _pandas_rows(df: Any, names: list[str], chunk: int) -> Iterator[dict]:
    n = len(df)
    if not names:
        for _ in range(n):
            yield {}
        return
    series = [df.iloc[:, i] for i in range(len(names))]
    for start in range(0, n, chunk):
        yield from _rows(names, [_pandas_values(s.iloc[start:start + chunk]) for s in series])


def _datetime_texts(values: Any, suffix: str) -> list:
    import numpy as np

    texts = np.datetime_as_string(values.astype("datetime64[us]"), unit="us").tolist()
    return [None if t == "NaT" else (t[:-7] if t.endswith(".000000") else t) + suffix for t in texts]


def _pandas_values(s: Any) -> list:
    import numpy as np
    import pandas as pd

    dtype = s.dtype
    if isinstance(dtype, np.dtype):
        kind = dtype.kind
        if kind in "biu":
            return s.to_numpy().tolist()
        if kind == "f":
            values = s.to_numpy()
            out = values.tolist()
            missing = np.isnan(values)
            if missing.any():
                for i in np.flatnonzero(missing).tolist():
                    out[i] = None
            return out
        if kind == "M":
            return _datetime_texts(s.to_numpy(), "")
        if kind == "m":
            values = s.to_numpy().astype("timedelta64[us]")
            seconds = (values.view("int64") / 1e6).tolist()
            return [None if nat else v for v, nat in zip(seconds, np.isnat(values).tolist())]
    elif isinstance(dtype, pd.DatetimeTZDtype):
        values = s.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy()
        if values.dtype == np.dtype("datetime64[ns]"):  # DuckDB's pandas scan cuts these towards zero
            ns = values.view("int64")
            micros = ns // 1000
            micros[(ns < 0) & (ns % 1000 != 0) & ~np.isnat(values)] += 1
            values = np.where(np.isnat(values), np.datetime64("NaT", "us"), micros.astype("datetime64[us]"))
        return _datetime_texts(values, "Z")
    elif isinstance(dtype, pd.ArrowDtype):
        import pyarrow as pa

        return arrow_values(pa.array(s.array))
    values = s.to_numpy(dtype=object, na_value=None).tolist()
    if _plain_extension(dtype):  # Python ints, floats, bools or strings already
        return [None if v != v else v for v in values] if dtype.kind == "f" else values
    return [_pandas_cell(v) for v in values]


def _plain_extension(dtype: Any) -> bool:
    import pandas as pd
    from pandas.api.types import infer_dtype

    if isinstance(dtype, pd.StringDtype) or str(dtype) in _PANDAS_NATIVE_EXTENSIONS:
        return True
    return isinstance(dtype, pd.CategoricalDtype) and infer_dtype(dtype.categories, skipna=True) == "string"


_PANDAS_NATIVE_EXTENSIONS = frozenset({
    "Int8", "Int16", "Int32", "Int64", "UInt8", "UInt16", "UInt32", "UInt64", "Float32", "Float64", "boolean",
})


def duckdb_reads_pandas(df: Any) -> bool:
    """Whether DuckDB's own pandas scan reads every column of ``df`` as :func:`frame_rows` does.

    True for NumPy bool/int/float/datetime/timedelta columns, time-zone aware datetimes, nullable
    integer/float/boolean and string dtypes, string categoricals, and ``object`` columns holding only
    strings or only booleans (and missing values). Other columns (``object`` columns of dicts, lists,
    mixed or other Python values, periods, intervals, ...) would be typed by DuckDB's sampling, so such
    a frame is read by :func:`frame_rows` instead.
    """
    import numpy as np
    import pandas as pd
    from pandas.api.types import infer_dtype

    for i in range(len(df.columns)):
        s = df.iloc[:, i]
        dtype = s.dtype
        if isinstance(dtype, np.dtype):
            if dtype.kind in "biuMm" or (dtype.kind == "f" and dtype.itemsize >= 4):
                continue
            if dtype.kind == "O" and infer_dtype(s, skipna=True) in ("string", "boolean", "empty"):
                continue
            return False
        if isinstance(dtype, pd.DatetimeTZDtype) or _plain_extension(dtype):
            continue
        return False
    return True


# --- Polars ------------------------------------------------------------------------------------------

def _polars_rows(df: Any, names: list[str], chunk: int) -> Iterator[dict]:
    if frame_kind(df) == "polars-lazy":
        df = df.collect()
    if not names:
        for _ in range(df.height):
            yield {}
        return
    for part in df.iter_slices(chunk):
        yield from _rows(names, [_polars_values(s) for s in part.get_columns()])


def _polars_values(s: Any) -> list:
    import polars as pl

    dtype = s.dtype
    if dtype.is_integer() or dtype.is_float() or dtype in (pl.Boolean, pl.String, pl.Null) \
            or isinstance(dtype, (pl.Categorical, pl.Enum)):
        return s.to_list()
    if isinstance(dtype, pl.Datetime):  # vectorised: 5x faster than a datetime per value
        suffix = ""
        if dtype.time_unit == "ns":
            s = s.dt.truncate("1us")  # round down to the microsecond
        if dtype.time_zone:
            s = s.dt.convert_time_zone("UTC").dt.replace_time_zone(None)
            suffix = "Z"
        texts = s.dt.strftime("%Y-%m-%dT%H:%M:%S%.6f" + suffix).str.replace(r"\.000000" + suffix + "$", suffix)
        return texts.to_list()
    return [None if v is None else plain(v) for v in s.to_list()]


class ArrowStream:
    """A Polars DataFrame seen through the Arrow PyCapsule stream interface (DuckDB then reads it
    without PyArrow, and afresh for every scan)."""

    def __init__(self, frame: Any):
        self.frame = frame

    def __arrow_c_stream__(self, requested_schema: Any = None) -> Any:
        return self.frame.__arrow_c_stream__(requested_schema)


def duckdb_view(frame: Any, kind: str) -> Any:
    """The object to register with DuckDB for a pandas/Polars/Arrow table (Polars through
    :class:`ArrowStream`, its all-null ``Null`` columns as nullable integers, which DuckDB's Arrow scan takes)."""
    if kind != "polars":
        return frame
    import polars as pl

    nulls = [name for name, dtype in frame.schema.items() if dtype == pl.Null]
    if nulls:
        frame = frame.with_columns(pl.col(nulls).cast(pl.Int8))
    return ArrowStream(frame)


# --- Arrow -------------------------------------------------------------------------------------------

def _arrow_rows(table: Any, names: list[str], chunk: int) -> Iterator[dict]:
    if hasattr(table, "to_batches"):
        batches: Any = table.to_batches(max_chunksize=chunk)
    else:  # a RecordBatch
        batches = (table.slice(start, chunk) for start in range(0, table.num_rows, chunk))
    for batch in batches:
        if not names:
            for _ in range(batch.num_rows):
                yield {}
            continue
        yield from _rows(names, [arrow_values(batch.column(i)) for i in range(batch.num_columns)])


def arrow_values(array: Any) -> list:
    """The values of an Arrow array as JSON-like Python values (see the module docstring)."""
    import pyarrow.types as pt

    original = array.type
    target = _plain_arrow_type(original)
    if pt.is_timestamp(original) and original.unit == "ns":
        import pyarrow.compute as pc  # a cast cuts towards zero: round down, as DuckDB and NumPy do

        array = pc.floor_temporal(array, unit="microsecond")
    if target is not None:
        array = array.cast(target, safe=False)
    if pt.is_timestamp(original):  # the common case, vectorised (4x faster than a datetime per value)
        texts = _arrow_timestamp_texts(array, "Z" if original.tz is not None else "")
        if texts is not None:
            return texts
    values = array.to_pylist()
    convert = _arrow_converter(array.type, original)
    if convert is None:
        return values
    return [None if v is None else convert(v) for v in values]


def _arrow_timestamp_texts(array: Any, suffix: str) -> list | None:
    """ISO texts of a naive microsecond timestamp array through NumPy (None without NumPy)."""
    try:
        values = array.to_numpy(zero_copy_only=False)
    except ImportError:
        return None
    return _datetime_texts(values, suffix)


def _plain_arrow_type(typ: Any) -> Any:
    """The type to cast to before ``to_pylist()`` (microsecond timestamps, times and durations, decoded
    dictionaries, time zones dropped: the values stay UTC), or None when ``typ`` needs no cast."""
    import pyarrow as pa
    import pyarrow.types as pt

    if pt.is_timestamp(typ):
        return None if typ.unit == "us" and typ.tz is None else pa.timestamp("us")
    if pt.is_time64(typ) and typ.unit == "ns":
        return pa.time64("us")
    if pt.is_duration(typ) and typ.unit != "us":
        return pa.duration("us")
    if pt.is_dictionary(typ):
        return _plain_arrow_type(typ.value_type) or typ.value_type
    if pt.is_struct(typ):
        fields = [typ.field(i) for i in range(typ.num_fields)]
        subs = [_plain_arrow_type(f.type) for f in fields]
        if all(s is None for s in subs):
            return None
        return pa.struct([pa.field(f.name, s or f.type, f.nullable) for f, s in zip(fields, subs)])
    if pt.is_list(typ) or pt.is_large_list(typ) or pt.is_fixed_size_list(typ):
        sub = _plain_arrow_type(typ.value_type)
        if sub is None:
            return None
        field = pa.field(typ.value_field.name, sub, typ.value_field.nullable)
        if pt.is_fixed_size_list(typ):
            return pa.list_(field, typ.list_size)
        return pa.large_list(field) if pt.is_large_list(typ) else pa.list_(field)
    if pt.is_map(typ):
        sub = _plain_arrow_type(typ.item_type)
        return None if sub is None else pa.map_(typ.key_type, sub)
    return None


def _arrow_converter(typ: Any, original: Any) -> Callable[[Any], Any] | None:
    """A per-value conversion for values of ``typ`` (after :func:`_plain_arrow_type`), None when identity.
    ``original`` is the type before the cast (time zones)."""
    import pyarrow.types as pt

    if pt.is_dictionary(original):
        original = original.value_type
    if pt.is_timestamp(typ):
        return _iso_utc if pt.is_timestamp(original) and original.tz is not None else _iso_naive
    if pt.is_date(typ) or pt.is_time(typ):
        return _isoformat
    if pt.is_duration(typ):
        return _seconds
    if pt.is_decimal(typ):
        return float
    if pt.is_binary(typ) or pt.is_large_binary(typ) or pt.is_fixed_size_binary(typ) \
            or getattr(pt, "is_binary_view", lambda _t: False)(typ):
        return blob_text
    if pt.is_struct(typ):
        names = [typ.field(i).name for i in range(typ.num_fields)]
        subs = [_arrow_converter(typ.field(i).type, original.field(i).type) for i in range(typ.num_fields)]
        if all(s is None for s in subs):
            return None
        pairs = list(zip(names, subs))
        return lambda d: {k: (v if c is None or v is None else c(v)) for (k, c), v in zip(pairs, d.values())}
    if pt.is_list(typ) or pt.is_large_list(typ) or pt.is_fixed_size_list(typ):
        sub = _arrow_converter(typ.value_type, original.value_type)
        if sub is None:
            return None
        return lambda items: [None if v is None else sub(v) for v in items]
    if pt.is_map(typ):
        sub = _arrow_converter(typ.item_type, original.item_type)
        return lambda pairs: {_key_text(k): (v if sub is None or v is None else sub(v)) for k, v in pairs}
    if isinstance(typ, _extension_type()):
        return plain
    return None


def _isoformat(value: Any) -> str:
    return value.isoformat()


def _extension_type() -> type:
    import pyarrow as pa

    return pa.ExtensionType if hasattr(pa, "ExtensionType") else type(None)


# --- DuckDB relations --------------------------------------------------------------------------

def _duckdb_rows(relation: Any, names: list[str], chunk: int) -> Iterator[dict]:
    """A DuckDB relation, through the same SQL as the DuckDB engine (JSON text per row, parsed by Python)."""
    from .frames_sql import row_json_sql

    sql = row_json_sql(list(relation.columns), list(relation.types), "rfs_rel")
    result = relation.query("rfs_rel", sql)
    loads = json.loads
    iter_rows = getattr(result, "iter_rows", None)  # DuckDB 2: relations stream rows this way
    if iter_rows is not None:
        for (text,) in iter_rows(chunk):
            yield loads(text)
        return
    while True:  # DuckDB 1: a relation fetches as a cursor
        rows = result.fetchmany(chunk)
        if not rows:
            return
        for (text,) in rows:
            yield loads(text)
