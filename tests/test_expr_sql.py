"""SQL rendering of expressions, and agreement between the Python closures and DuckDB on typed columns."""

from __future__ import annotations

import math
import re
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from rfsrules.expr import FUNCTIONS, compile_python, default_column, parse_expression, to_sql
from rfsrules.expr.functions import round_float
from rfsrules.paths import parse_path

from expr_support import typed_expressions, typed_values

DOCS = Path(__file__).resolve().parents[1] / "docs" / "expressions.md"
COLUMNS = {"i": "BIGINT", "j": "BIGINT", "f": "DOUBLE", "s": "VARCHAR", "t": "VARCHAR", "b": "BOOLEAN"}
_CONNECTION: list = []


def connection() -> "duckdb.DuckDBPyConnection":
    if not _CONNECTION:
        con = duckdb.connect()
        con.execute("SET TimeZone = 'UTC'")
        _CONNECTION.append(con)
    return _CONNECTION[0]


def duckdb_value(sql: str, record: dict):
    """Evaluate ``sql`` in DuckDB over one row holding ``record`` in typed columns (missing = NULL)."""
    row = ", ".join(f'CAST(? AS {t}) AS "{c}"' for c, t in COLUMNS.items())
    return connection().execute(f"SELECT {sql} FROM (SELECT {row})", [record.get(c) for c in COLUMNS]).fetchone()[0]


def same(py, db) -> bool:
    if py is None or db is None:
        return py is None and db is None
    if isinstance(py, bool) or isinstance(db, bool):
        return type(py) is type(db) and py == db
    if isinstance(py, (int, float)) and isinstance(db, (int, float)):
        if py != py or db != db:
            return py != py and db != db
        return py == db or math.isclose(py, db, rel_tol=1e-12, abs_tol=1e-300)
    return py == db


# -- rendering -------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, sql", [
    ("x = 1", '("x" = 1)'),
    ("x != 'it''s'", "(\"x\" <> 'it''s')"),
    ("a and b or not c", '(("a" AND "b") OR (NOT "c"))'),
    ("x between 1 and 2.5", "(\"x\" BETWEEN 1 AND CAST('2.5' AS DOUBLE))"),
    ("x not between -1 and 1", '("x" NOT BETWEEN -1 AND 1)'),
    ("x in (1, null)", '("x" IN (1, NULL))'),
    ("x not in ('a')", "(\"x\" NOT IN ('a'))"),
    ("x is null", '("x" IS NULL)'),
    ("x is not null", '("x" IS NOT NULL)'),
    ("x like 'a%'", "(\"x\" LIKE 'a%')"),
    ("x not ilike 'a!%' escape '!'", "(\"x\" NOT ILIKE 'a!%' ESCAPE '!')"),
    ("a + b * c", '("a" + ("b" * "c"))'),
    ("a / b", '("a" / NULLIF("b", 0))'),
    ("a % 0", '("a" % NULLIF(0, 0))'),
    ("-x", '(- "x")'),
    ("- -5", "(- -5)"),
    ("true and false", "(TRUE AND FALSE)"),
    ("case when x > 1 then 'a' else 'b' end", "(CASE WHEN (\"x\" > 1) THEN 'a' ELSE 'b' END)"),
    ("case x when 1 then 2 end", '(CASE "x" WHEN 1 THEN 2 END)'),
    ("round(x, 2) = 1.5", "(round(\"x\", 2) = CAST('1.5' AS DOUBLE))"),
    ("coalesce(a, b, 0)", 'coalesce("a", "b", 0)'),
    ("year(ts) = 2024", "(year(TRY_CAST(\"ts\" AS TIMESTAMPTZ) AT TIME ZONE 'UTC') = 2024)"),
    ("regexp_matches(x, '^a''b')", "regexp_matches(\"x\", '^a''b')"),
    ("data.value = 1", "(\"data\"['value'] = 1)"),
    ("items[0].sku = 'a'", "(\"items\"[1]['sku'] = 'a')"),
    ("items[-1] = 1", '("items"[-1] = 1)'),
    ('"a""b" = 1', '("a""b" = 1)'),
    ("x = 12345678901234567890123", '("x" = 12345678901234567890123)'),
])
def test_to_sql(text, sql):
    assert to_sql(parse_expression(text)) == sql


def test_to_sql_uses_the_column_renderer():
    expr = parse_expression("data.value > 1 and lower(name) = 'x'")
    seen = []

    def column(path):
        seen.append(path.text)
        return f"col_{len(seen)}"

    assert to_sql(expr, column) == "((col_1 > 1) AND (lower(col_2) = 'x'))"
    assert seen == ["data.value", "name"]


def test_default_column():
    assert default_column(parse_path("a")) == '"a"'
    assert default_column(parse_path('meta["it\'s"][2]')) == "\"meta\"['it''s'][3]"


def test_every_function_has_a_sql_template():
    for name, spec in FUNCTIONS.items():
        args = [f"a{i}" for i in range(spec.min_args)]
        rendered = spec.render_sql(args)
        assert all(a in rendered for a in args), name


def test_string_literals_cannot_escape_their_quotes():
    con = duckdb.connect()
    con.execute("CREATE TABLE t (x VARCHAR)")
    con.execute("INSERT INTO t VALUES ('a'';drop table t;--')")
    expr = parse_expression("x = 'a'';drop table t;--'")
    assert con.execute(f"SELECT {to_sql(expr)} FROM t").fetchall() == [(True,)]
    assert con.execute("SELECT count(*) FROM t").fetchone() == (1,)


# -- Python and DuckDB agree -----------------------------------------------------------------------

AGREEMENT = [
    "i = j", "i != j", "i < f", "i between j and f", "i not between 1 and 10", "s = 'a'", "s < 'b'",
    "s like 'a%'", "s not like '_b%'", "s ilike 'A%'", "i in (1, 2, null)", "i not in (1, 2)", "s in ('a', 'b')",
    "b", "not b", "b and i > 0", "b or i > 0", "not (b or s = 'x')", "i is null", "s is not null",
    "i + j", "i - j * 2", "i / j", "i % j", "f % 2", "-i % 3", "i / 0", "i % 0", "f / j", "-f",
    "abs(i - 10)", "round(f, 1)", "round(f)", "round(i, -1)", "floor(f)", "ceil(f)", "length(s)", "lower(s)",
    "upper(s)", "trim(s)", "coalesce(i, j, 0)", "coalesce(s, 'none')", "regexp_matches(s, '^a')",
    "starts_with(s, 'a')", "ends_with(s, 'b')", "contains(s, 'ab')", "year(t)", "month(t)", "day(t)",
    "case when i > 2 then 'big' when i is null then 'none' else 'small' end", "case i when 1 then 'one' end",
    "i = 1.0", "f = 2", "b = true", "b < true", "i between 1 and null",
]
RECORDS = [
    {"i": 1, "j": 2, "f": 2.5, "s": "ab", "t": "2024-12-31T23:00:00-05:00", "b": True},
    {"i": -7, "j": 0, "f": -0.5, "s": "  Ab ", "t": "2024-02-29", "b": False},
    {"i": 5, "j": -3, "f": 2.0, "s": "é_b", "t": "not a time"},
    {"i": None, "j": 4, "s": None, "b": None},
    {},
    {"i": 2, "j": 2, "f": 1.25, "s": "a", "t": "2024-01-01T00:30:00+01:00", "b": True},
]


@pytest.mark.parametrize("text", AGREEMENT)
def test_python_and_duckdb_agree_on_a_table(text):
    expr = parse_expression(text)
    fn, sql = compile_python(expr), to_sql(expr)
    for record in RECORDS:
        py, db = fn(record), duckdb_value(sql, record)
        assert same(py, db), (text, record, py, db)


def test_nested_fields_agree_with_duckdb_structs():
    con = duckdb.connect()
    con.execute("CREATE TABLE t (data STRUCT(value BIGINT, status VARCHAR), items STRUCT(sku VARCHAR)[])")
    con.execute("INSERT INTO t VALUES ({'value': 5, 'status': 'active'}, [{'sku': 'A'}, {'sku': 'B'}]),"
                "({'value': -999, 'status': 'inactive'}, []), ({'value': NULL, 'status': 'active'}, NULL)")
    records = [{"data": {"value": 5, "status": "active"}, "items": [{"sku": "A"}, {"sku": "B"}]},
               {"data": {"value": -999, "status": "inactive"}, "items": []},
               {"data": {"value": None, "status": "active"}, "items": None}]
    for text in ["data.value between 1 and 1000 or data.status = 'inactive'", "items[0].sku = 'A'",
                 "items[-1].sku = 'B'", "items[5].sku is null"]:
        expr = parse_expression(text)
        db = [row[0] for row in con.execute(f"SELECT {to_sql(expr)} FROM t ORDER BY rowid").fetchall()]
        assert [compile_python(expr)(r) for r in records] == db, text


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(typed_expressions(), st.lists(typed_values(), min_size=1, max_size=3))
def test_python_and_duckdb_agree_on_generated_expressions(tree, rows):
    fn, sql = compile_python(tree), to_sql(tree)
    for record in rows:
        try:
            db = duckdb_value(sql, record)
        except duckdb.OutOfRangeException:  # 64-bit overflow in DuckDB; Python integers do not overflow
            assume(False)
        py = fn(record)
        assert same(py, db), (str(tree), sql, record, py, db)


@settings(max_examples=100, deadline=None)
@given(st.one_of(st.floats(-1e6, 1e6), st.integers(-10 ** 6, 10 ** 6).map(lambda n: n / 1000),
                 st.sampled_from([2.675, 1.005, 0.125, 0.285, 1.45, -2.5, 0.49999999999999994])),
       st.integers(-3, 6))
def test_round_agrees_with_duckdb(value, digits):
    db = connection().execute("SELECT round(CAST(? AS DOUBLE), ?)", [value, digits]).fetchone()[0]
    assert round_float(value, digits) == db


# -- docs ------------------------------------------------------------------------------------------

def test_every_function_is_documented():
    text = DOCS.read_text(encoding="utf-8")
    for name, spec in FUNCTIONS.items():
        assert re.search(rf"^\| `{re.escape(spec.signature)}` \|", text, re.M), name


def test_expressions_in_the_docs_parse():
    text = DOCS.read_text(encoding="utf-8")
    exprs = re.findall(r'^\s*(?:expr|where): "(.*)"\s*$', text, re.M)
    assert len(exprs) >= 5
    for expr in exprs:
        parse_expression(expr.replace('\\"', '"'))
