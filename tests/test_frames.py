"""Tables as sources (pandas, Polars, PyArrow, DuckDB relations) on both engines, against the same JSON Lines."""

from __future__ import annotations

import json
import math
import subprocess
import sys
import tempfile
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
from test_engine_duckdb_helpers import REF_TIME, diff, normalised, ruleset

from rfsrules.engines.auto import ENV_MIN_ROWS
from rfsrules.errors import InputError
from rfsrules.hof import apply_rules_to
from rfsrules.io import frames
from rfsrules.runner import check

ENGINES = ("python", "duckdb")
RULES = """\
record_id: id
fields:
  id: {type: integer, required: true, unique: true}
  name: {type: string, required: true, pattern: '^[a-z]+$'}
  score: {type: number, min: 0, max: 100}
  ok: {type: boolean}
  at: {type: timestamp, required: true, max_age: 1h}
  day: {type: timestamp, max_age: 1d}
  data.value: {type: integer, min: 1, max: 1000}
  data.status: {type: string, in: [ok, warn]}
  tags[*]: {type: string, pattern: '^[a-z]+$'}
rules:
  - id: low-score-or-ok
    check: expression
    expr: "score < 50 OR ok"
    where: "name IS NOT NULL"
  - {id: enough-rows, check: row_count, min: 10}
  - {id: names-present, check: null_rate, field: name, max: 0.1}
  - {id: score-mean, check: statistic, field: score, stat: mean, min: 0, max: 40}
"""
ROWS = [
    {"id": 1, "name": "ann", "score": 10.5, "ok": True, "at": "2026-01-15T11:30:00Z", "day": "2026-01-15T00:00:00",
     "data": {"value": 5, "status": "ok"}, "tags": ["a", "b"]},
    {"id": 2, "name": None, "score": None, "ok": False, "at": "2026-01-15T09:00:00.250000Z",
     "day": "2026-01-10T12:00:00", "data": {"value": 0, "status": "bad"}, "tags": []},
    {"id": 2, "name": "Bob", "score": 150.0, "ok": None, "at": None, "day": None,
     "data": {"value": None, "status": None}, "tags": None},
    {"id": 4, "name": "cy", "score": 70.0, "ok": False, "at": "2026-01-15T11:59:59.999999Z",
     "day": "2026-01-15T11:00:00.500000", "data": {"value": 1001, "status": "warn"}, "tags": ["x", "Y1"]},
    {"id": 5, "name": "dee", "score": -1.0, "ok": True, "at": "2026-01-15T12:30:00Z", "day": "2026-01-14T12:00:00",
     "data": {"value": 7, "status": None}, "tags": ["ok", None]},
]
SCHEMA = {"id": pl.Int64, "name": pl.String, "score": pl.Float64, "ok": pl.Boolean, "at": pl.Datetime("us", "UTC"),
          "day": pl.Datetime("us"), "data": pl.Struct({"value": pl.Int64, "status": pl.String}),
          "tags": pl.List(pl.String)}
ARROW_SCHEMA = pa.schema([("id", pa.int64()), ("name", pa.string()), ("score", pa.float64()), ("ok", pa.bool_()),
                          ("at", pa.timestamp("us", "UTC")), ("day", pa.timestamp("us")),
                          ("data", pa.struct([("value", pa.int64()), ("status", pa.string())])),
                          ("tags", pa.list_(pa.string()))])


def _moment(text: str | None) -> datetime | None:
    if text is None:
        return None
    return datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)


def _typed_rows() -> list[dict]:
    return [{**row, "at": _moment(row["at"]), "day": _moment(row["day"])} for row in ROWS]


def _pandas(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame({
        "id": pd.Series([r["id"] for r in rows], dtype="int64"),
        "name": pd.Series([r["name"] for r in rows], dtype=object),
        "score": pd.Series([r["score"] for r in rows], dtype="float64"),
        "ok": pd.Series([r["ok"] for r in rows], dtype="boolean"),
        "at": pd.to_datetime(pd.Series([r["at"] for r in rows], dtype=object), utc=True).astype("datetime64[us, UTC]"),
        "day": pd.Series([r["day"] for r in rows], dtype="datetime64[us]"),
        "data": pd.Series([r["data"] for r in rows], dtype=object),
        "tags": pd.Series([r["tags"] for r in rows], dtype=object),
    })


def make_table(kind: str, rows: list[dict] | None = None):
    """The ROWS (timestamps as datetimes) as a table of ``kind``."""
    rows = _typed_rows() if rows is None else rows
    if kind == "pandas":
        return _pandas(rows)
    if kind in ("polars", "lazy"):
        df = pl.DataFrame(rows, schema=SCHEMA)
        return df.lazy() if kind == "lazy" else df
    table = pa.Table.from_pylist(rows, schema=ARROW_SCHEMA)
    if kind == "arrow":
        return table
    if kind == "batch":
        return table.combine_chunks().to_batches()[0]
    con = duckdb.connect()
    con.register("src", table)
    return con.sql("SELECT * FROM src")


def _without_sources(report) -> dict:
    data = normalised(report)
    data["summary"]["sources"] = []
    for rule in data["rules"]:
        for example in rule["examples"]:
            example["source"] = None
    return data


def _run(data, rules: str = RULES, engine: str = "python", **kwargs):
    kwargs.setdefault("max_examples", None)
    return check(data, ruleset(rules), engine=engine, ref_time=REF_TIME, **kwargs)


@pytest.fixture(scope="module")
def jsonl_report(tmp_path_factory):
    path = tmp_path_factory.mktemp("frames") / "rows.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in ROWS))
    return _without_sources(_run(str(path)))


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("kind", ["pandas", "polars", "lazy", "arrow", "batch", "relation"])
def test_a_table_gives_the_report_of_the_same_rows_as_json_lines(kind, engine, jsonl_report):
    report = _run(make_table(kind), engine=engine)
    got = _without_sources(report)
    assert got == jsonl_report, diff(jsonl_report, got)
    assert report.summary.sources == ["<memory>"]
    # the report checks something: every kind of rule fails somewhere, with the row number as line
    failing = {r.id: [v.line for v in r.examples] for r in report.rules if r.violations}
    assert failing == {
        "id.unique": [3], "name.required": [2], "name.pattern": [3], "score.range": [3, 5], "at.required": [3],
        "at.max_age": [2], "day.max_age": [2], "data.value.range": [2, 4], "data.status.in": [2],
        "tags[*].pattern": [4], "low-score-or-ok": [3, 4], "enough-rows": [None], "score-mean": [None],
        "names-present": [None],
    }


def test_timestamps_are_iso_text_naive_as_written_and_aware_in_utc():
    paris = timezone(timedelta(hours=1))
    rows = [{"at": datetime(2026, 1, 15, 12, 30, tzinfo=paris), "day": datetime(2026, 1, 15, 11, 0, 0, 250000)},
            {"at": None, "day": None}]
    expected = [{"at": "2026-01-15T11:30:00Z", "day": "2026-01-15T11:00:00.250000"}, {"at": None, "day": None}]
    tables = {
        "pandas": pd.DataFrame({"at": pd.Series([r["at"] for r in rows]).dt.tz_convert("Europe/Paris"),
                                "day": pd.Series([r["day"] for r in rows], dtype="datetime64[ns]")}),
        "polars": pl.DataFrame(rows, schema={"at": pl.Datetime("ns", "Europe/Paris"), "day": pl.Datetime("ms")}),
        "arrow": pa.Table.from_pylist(rows, schema=pa.schema([("at", pa.timestamp("s", "Asia/Tokyo")),
                                                             ("day", pa.timestamp("us"))])),
    }
    rules = "fields:\n  at: {type: timestamp, max_age: 20m}\n  day: {type: timestamp, max_age: 30m}\n"
    for name, table in tables.items():
        assert list(frames.frame_rows(table)) == expected, name
        reports = [_run(table, rules, engine) for engine in ENGINES]
        assert normalised(reports[0]) == normalised(reports[1]), name
        examples = [(v.rule_id, v.line, v.value, v.message) for r in reports[0].rules for v in r.examples]
        assert examples == [
            ("at.max_age", 1, "2026-01-15T11:30:00Z", "timestamp 2026-01-15T11:30:00Z is older than 20m (age 30m)"),
            ("day.max_age", 1, "2026-01-15T11:00:00.250000",
             "timestamp 2026-01-15T11:00:00.250000 is older than 30m (age 1h)"),
        ], name


def test_nan_is_null_in_numpy_backed_pandas_columns_and_a_float_elsewhere():
    rules = "fields:\n  x: {type: number, required: true}\n"
    values = [1.5, float("nan"), None]
    tables = {
        "pandas": pd.DataFrame({"x": values}),
        "pandas object": pd.DataFrame({"x": pd.Series(values, dtype=object)}),
        "polars": pl.DataFrame({"x": values}, nan_to_null=False),
        "arrow": pa.table({"x": pa.array(values, from_pandas=False)}),
    }
    outcomes = {}
    for name, table in tables.items():
        reports = [_run(table, rules, engine) for engine in ENGINES]
        assert normalised(reports[0]) == normalised(reports[1]), name
        outcomes[name] = [(v.rule_id, v.line, v.reason, v.message) for r in reports[0].rules for v in r.examples]
    both_null = [("x.required", 2, "null_value", "field is null"), ("x.required", 3, "null_value", "field is null")]
    nan = [("x.type", 2, "wrong_type", "expected number, got NaN"), ("x.required", 3, "null_value", "field is null")]
    assert outcomes == {"pandas": both_null, "pandas object": both_null, "polars": nan, "arrow": nan}


def test_integers_stay_integers_except_in_a_numpy_float_column():
    rules = "fields:\n  n: {type: integer}\n"
    nullable = pd.DataFrame({"n": pd.array([1, None, 3], dtype="Int64")})
    float_column = pd.DataFrame({"n": [1, None, 3]})  # pandas stores ints with a missing value as float64
    big = pl.DataFrame({"n": pl.Series([2**63 - 1, None], dtype=pl.Int64)})
    unsigned = pa.table({"n": pa.array([2**64 - 1, 0], pa.uint64())})
    for table in (nullable, big, unsigned):
        for engine in ENGINES:
            assert _run(table, rules, engine).rule("n.type").violations == 0
    for engine in ENGINES:
        rule = _run(float_column, rules, engine).rule("n.type")
        assert [(v.line, v.value, v.message) for v in rule.examples] == [
            (1, 1.0, "expected integer, got number"), (3, 3.0, "expected integer, got number")]


def _duckdb_rows(table) -> list:
    """The records the DuckDB engine reads from a table (the JSON texts of its per-row SQL, parsed)."""
    from rfsrules.engines.duckdb_sources import SourceLoader

    con = duckdb.connect()
    src = SourceLoader(con, tempfile.mkdtemp(), None, None).load(table)
    return [json.loads(raw) for (raw,) in con.sql(f"SELECT raw FROM {src.sql}").fetchall()]


def _same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return a == b


def _wide_arrow() -> pa.Table:
    ns = np.array(["2026-01-15T10:00:00.123456789", "1969-12-31T23:59:59.9999995"], dtype="datetime64[ns]")
    return pa.table({
        "i8": pa.array([-3, None], pa.int8()), "u64": pa.array([2**64 - 1, None], pa.uint64()),
        "f32": pa.array([0.1, float("nan")], pa.float32()), "flag": pa.array([True, None]),
        "cat": pa.array(["a", None]).dictionary_encode(), "text": pa.array(['é"\\', None], pa.large_string()),
        "ts_ns": pa.array(ns), "tz_ms": pa.array([0, None], pa.timestamp("ms", "America/New_York")),
        "day": pa.array([date(2026, 1, 15), None], pa.date32()),
        "clock": pa.array([time(10, 0, 0, 250000), time(0, 0)], pa.time64("ns")),
        "dur": pa.array([timedelta(seconds=1.5), timedelta(days=-1)], pa.duration("us")),
        "dec": pa.array([Decimal("1.50"), Decimal("-12")], pa.decimal128(10, 2)),
        "blob": pa.array([b'\x00a"\'\\\xff', b""]),
        "st": pa.array([{"a": 1, "t": datetime(2026, 1, 15, 10)}, None],
                       pa.struct([("a", pa.int64()), ("t", pa.timestamp("us", "UTC"))])),
        "lst": pa.array([[datetime(2026, 1, 15), None], []], pa.list_(pa.timestamp("us"))),
        "map": pa.array([[("k", 1)], None], pa.map_(pa.string(), pa.int64())),
        "nothing": pa.array([None, None], pa.null()),
    })


WIDE_EXPECTED = [
    {"i8": -3, "u64": 2**64 - 1, "f32": 0.10000000149011612, "flag": True, "cat": "a", "text": 'é"\\',
     "ts_ns": "2026-01-15T10:00:00.123456", "tz_ms": "1970-01-01T00:00:00Z", "day": "2026-01-15",
     "clock": "10:00:00.250000", "dur": 1.5, "dec": 1.5, "blob": "\\x00a\\x22\\x27\\x5C\\xFF",
     "st": {"a": 1, "t": "2026-01-15T10:00:00Z"}, "lst": ["2026-01-15T00:00:00", None], "map": {"k": 1},
     "nothing": None},
    {"i8": None, "u64": None, "f32": float("nan"), "flag": None, "cat": None, "text": None,
     "ts_ns": "1969-12-31T23:59:59.999999", "tz_ms": None, "day": None, "clock": "00:00:00", "dur": -86400.0,
     "dec": -12.0, "blob": "", "st": None, "lst": [], "map": None, "nothing": None},
]


@pytest.mark.parametrize("kind", ["arrow", "batch", "polars", "pandas-arrow", "relation"])
def test_every_column_type_reads_the_same_in_python_and_in_duckdb(kind):
    table = _wide_arrow()
    expected = [dict(row) for row in WIDE_EXPECTED]
    if kind == "batch":
        table = table.combine_chunks().to_batches()[0]
    elif kind == "polars":
        table = pl.from_arrow(table.drop_columns(["u64", "map"]))
        for row in expected:
            del row["u64"], row["map"]
    elif kind == "pandas-arrow":
        table = table.drop_columns(["nothing"]).to_pandas(types_mapper=pd.ArrowDtype)
        for row in expected:
            del row["nothing"]
    elif kind == "relation":
        con = duckdb.connect()
        con.execute("SET TimeZone = 'Asia/Kolkata'")  # the relation's connection's zone does not matter
        con.register("wide", table)
        table = con.sql("SELECT * FROM wide")
    python_rows = list(frames.frame_rows(table, chunk_rows=1))
    assert _same(python_rows, expected), python_rows
    assert _same(_duckdb_rows(table), expected)


def test_numpy_backed_pandas_columns_read_the_same_in_python_and_in_duckdb():
    ns = pd.to_datetime(["2026-01-15 10:00:00.123456789", "1969-12-31 23:59:59.9999995", None], format="ISO8601")
    df = pd.DataFrame({
        "i": [1, 2, 3], "u": np.array([2**64 - 1, 0, 1], dtype=np.uint64), "f": [1.5, np.nan, None],
        "f32": np.array([0.1, np.nan, 1], dtype=np.float32), "I": pd.array([1, None, 3], dtype="Int64"),
        "F": pd.array([1.5, None, 2], dtype="Float64"), "B": pd.array([True, None, False], dtype="boolean"),
        "S": pd.array(["a", None, "c"], dtype="string"), "obj": ["x", None, np.nan], "objb": [True, None, False],
        "ts": ns.astype("datetime64[ns]"), "tz": ns.tz_localize("UTC").tz_convert("Asia/Tokyo"),
        "td": pd.to_timedelta([1.5, None, -2], unit="s"), "cat": pd.Categorical(["x", None, "y"]),
    })
    df.columns = [0, *df.columns[1:]]  # a non-string name is a field named by its text
    assert frames.duckdb_reads_pandas(df)
    expected = [
        {"0": 1, "u": 2**64 - 1, "f": 1.5, "f32": 0.10000000149011612, "I": 1, "F": 1.5, "B": True, "S": "a",
         "obj": "x", "objb": True, "ts": "2026-01-15T10:00:00.123456", "tz": "2026-01-15T10:00:00.123456Z",
         "td": 1.5, "cat": "x"},
        {"0": 2, "u": 0, "f": None, "f32": None, "I": None, "F": None, "B": None, "S": None, "obj": None,
         "objb": None, "ts": "1969-12-31T23:59:59.999999", "tz": "1970-01-01T00:00:00Z", "td": None, "cat": None},
        {"0": 3, "u": 1, "f": None, "f32": 1.0, "I": 3, "F": 2.0, "B": False, "S": "c", "obj": None,
         "objb": False, "ts": None, "tz": None, "td": -2.0, "cat": "y"},
    ]
    assert list(frames.frame_rows(df)) == expected
    assert _duckdb_rows(df) == expected


def test_pandas_object_columns_of_python_values_are_read_row_by_row():
    cells = [{"t": datetime(2026, 1, 15, 10, tzinfo=timezone.utc), "n": np.int64(7)}, [1, "x", None], 3, np.nan,
             pd.NaT, Decimal("2.5"), date(2026, 1, 1), b"\x01", pd.Timestamp("2026-01-15 10:00:00.123456789")]
    df = pd.DataFrame({"o": pd.Series(cells, dtype=object)})
    assert not frames.duckdb_reads_pandas(df)
    expected = [{"t": "2026-01-15T10:00:00Z", "n": 7}, [1, "x", None], 3, None, None, 2.5, "2026-01-01", "\\x01",
                "2026-01-15T10:00:00.123456"]
    assert [row["o"] for row in frames.frame_rows(df)] == expected
    assert [row["o"] for row in _duckdb_rows(df)] == expected


@pytest.mark.parametrize("engine", ENGINES)
def test_empty_tables_have_no_records(engine):
    rules = "fields:\n  a: {type: integer}\nrules:\n  - {id: some, check: row_count, min: 1}\n"
    con = duckdb.connect()
    empty = [pd.DataFrame({"a": pd.Series([], dtype="int64")}), pl.DataFrame({"a": []}, schema={"a": pl.Int64}),
             pa.table({"a": pa.array([], pa.int64())}), con.sql("SELECT 1 AS a WHERE false"), pd.DataFrame()]
    for table in empty:
        report = _run(table, rules, engine)
        assert (report.summary.records_total, report.rule("some").violations) == (0, 1)
    no_columns = _run(pd.DataFrame(index=range(3)), rules, engine)
    assert (no_columns.summary.records_total, no_columns.rule("some").violations) == (3, 0)


def test_objects_that_are_not_tables_are_refused_naming_what_is_accepted():
    accepted = ("a path, a list of paths, '-', an iterable of records, a pandas or Polars DataFrame, "
                "a Polars LazyFrame, a PyArrow Table or RecordBatch, or a DuckDB relation")
    cases = [(42, "int"), (pd.Series([1]), "a pandas Series (use series.to_frame())"),
             (pl.Series([1]), "a Polars Series (use series.to_frame())"),
             (pa.array([1]), "a PyArrow array (use pyarrow.table({'name': array}))"),
             (pa.table({"a": [1]}).to_reader(), "a PyArrow RecordBatchReader (use reader.read_all())"),
             ({"a": 1}, "a single mapping")]
    for data, what in cases:
        with pytest.raises(InputError) as info:
            _run(data, "fields:\n  a: {type: integer}\n")
        assert str(info.value) == f"data must be {accepted}, not {what}"


@pytest.mark.parametrize("engine", ENGINES)
def test_duplicate_column_names_are_refused(engine):
    tables = [(pd.DataFrame([[1, 2]], columns=["a", "a"]), "pandas DataFrame"),
              (pd.DataFrame([[1, 2]], columns=[1, "1"]), "pandas DataFrame"),
              (pa.table([pa.array([1]), pa.array([2])], names=["a", "a"]), "PyArrow table")]
    for table, label in tables:
        with pytest.raises(InputError) as info:
            _run(table, "fields:\n  a: {type: integer}\n", engine)
        assert "has two columns named" in str(info.value) and label in str(info.value)


def test_several_tables_make_one_batch_numbered_per_table():
    first = pl.DataFrame({"id": [1, 2]})
    second = pd.DataFrame({"id": [2, 3]})
    for engine in ENGINES:
        report = _run([first, second], "fields:\n  id: {unique: true}\n", engine)
        assert report.summary.records_total == 4
        assert [(v.line, v.message) for v in report.rule("id.unique").examples] == [(1, "2 is a duplicate of line 2")]


def test_auto_reads_large_tables_and_relations_with_duckdb(monkeypatch):
    rules = "fields:\n  a: {type: integer}\n"
    small = pl.DataFrame({"a": [1, 2, 3]})
    assert _run(small, rules, "auto").to_dict()["summary"]["engine_reason"] == (
        "3 table rows, below the 30,000 from which DuckDB is faster")
    con = duckdb.connect()
    choices = {
        "relation": con.sql("SELECT 1 AS a"), "lazy": small.lazy(),
    }
    for table in choices.values():
        report = _run(table, rules, "auto")
        assert report.summary.engine == "duckdb"
    assert _run(choices["relation"], rules, "auto").summary.engine_reason == "a DuckDB relation is read by DuckDB"
    assert _run(small.lazy(), rules, "auto").summary.engine_reason == "a Polars LazyFrame is read by DuckDB"
    monkeypatch.setenv(ENV_MIN_ROWS, "3")
    report = _run([small, pa.table({"a": [4]})], rules, "auto")
    assert (report.summary.engine, report.summary.engine_reason) == (
        "duckdb", "4 table rows, at least the 3 from which DuckDB is faster")
    nested = pd.DataFrame({"a": [1, 2, 3], "b": [{"x": 1}, [], None]})
    report = _run(nested, rules, "auto")
    assert (report.summary.engine, report.summary.engine_reason) == (
        "python", "a pandas DataFrame with object columns of dicts, lists or mixed values is read row by row by "
                  "the Python engine")


def test_apply_rules_to_a_table_reads_its_rows():
    table = make_table("polars")
    expected = _run(make_table("arrow")).violations()
    got = apply_rules_to(table).using(ruleset(RULES), ref_time=REF_TIME).collect_violations().collect()
    assert [v.to_dict() for v in got] == [v.to_dict() for v in expected]
    seen = []
    record = lambda r: seen.append((r["id"], r["at"], r["data"]))  # noqa: E731
    apply_rules_to(make_table("pandas")).using(record).collect_violations().collect()
    assert seen[:2] == [(1, "2026-01-15T11:30:00Z", {"value": 5, "status": "ok"}),
                        (2, "2026-01-15T09:00:00.250000Z", {"value": 0, "status": "bad"})]
    lines = apply_rules_to(table).using(lambda r: "no name" if r["name"] is None else None).collect_violations()
    assert [(v.line, v.message) for v in lines] == [(2, "no name")]


def test_rows_are_converted_a_chunk_at_a_time(monkeypatch):
    sizes = []
    convert = frames._pandas_values
    monkeypatch.setattr(frames, "_pandas_values", lambda s: sizes.append(len(s)) or convert(s))
    rows = frames.frame_rows(pd.DataFrame({"a": range(5), "b": range(5)}), chunk_rows=2)
    assert sizes == []  # nothing is converted before the first row is read
    assert next(rows) == {"a": 0, "b": 0}
    assert sizes == [2, 2]
    assert list(rows) == [{"a": i, "b": i} for i in range(1, 5)]
    assert sizes == [2, 2, 2, 2, 1, 1]


def test_duckdb_reads_polars_without_pyarrow():
    script = (
        "import sys; sys.modules['pyarrow'] = None\n"
        "import polars as pl\n"
        "from rfsrules.ruleset.loader import load_ruleset_text\n"
        "from rfsrules.runner import check\n"
        "rs = load_ruleset_text('rfsrules: 1\\nname: a\\nversion: 1.0.0\\nfields:\\n  a: {type: integer, min: 2}\\n')\n"
        "df = pl.DataFrame({'a': [1, 2, None], 'n': [None, None, None]})\n"
        "r = check(df, rs, engine='duckdb')\n"
        "print(r.summary.records_total, [(v.line, v.value) for v in r.rule('a.range').examples])\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                          cwd=Path(__file__).resolve().parent.parent)
    assert done.stdout.strip() == "3 [(1, 1)]", done.stderr


def test_table_sizes_count_towards_the_duckdb_database_choice():
    import pandas as pd
    import polars as pl
    import pyarrow as pa

    from rfsrules.engines.duckdb_engine import _input_bytes

    rows = {"id": list(range(1000)), "v": [1.5] * 1000}
    assert _input_bytes([pa.table(rows)]) == pa.table(rows).nbytes > 0
    assert _input_bytes([pl.DataFrame(rows)]) == pl.DataFrame(rows).estimated_size() > 0
    assert _input_bytes([pd.DataFrame(rows)]) == 16000
    assert _input_bytes([[{"id": 1}]]) == 0


@pytest.mark.parametrize("engine", ["python", "duckdb"])
def test_in_memory_records_read_other_libraries_values_as_tables_do(engine):
    """A database driver's row (Decimal, datetime, UUID, nested Decimal) checks as its JSON export would."""
    from uuid import UUID

    from rfsrules import check, load_ruleset_text

    rs = load_ruleset_text("rfsrules: 1\nname: d\nversion: 1.0.0\nfields:\n  n: {type: number, min: 0}\n"
                           "  t: {type: timestamp}\n  u: {type: uuid}\n  x.y: {type: number, max: 1}\n", env={})
    records = [{"n": Decimal("1.5"), "t": datetime(2026, 1, 1, tzinfo=timezone.utc), "u": UUID(int=5),
                "x": {"y": Decimal("3")}}, {"n": Decimal("-2")}, {"n": Decimal("NaN")}]
    report = check(records, rs, engine=engine, ref_time=REF_TIME)
    found = {r.id: [(e.line, e.message) for e in r.examples] for r in report.rules if r.violations}
    assert found == {"n.type": [(3, "expected number, got NaN")],
                     "n.range": [(2, "value -2.0 is below the minimum 0"),
                                 (3, "value NaN is out of range (allowed: >= 0)")],
                     "x.y.range": [(1, "value 3.0 is above the maximum 1")]}
    assert records[0]["n"] == Decimal("1.5")  # the caller's records are not changed
    json_only = {"a": [1, {"b": None}], "c": "x"}
    assert frames.plain_record(records[1]) is not records[1] and frames.plain_record(json_only) is json_only
