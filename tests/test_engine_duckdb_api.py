"""DuckDB engine integration: registration, unsupported checks, plugin builders, the missing extra, SQL pieces."""

from __future__ import annotations

import builtins
import json
from datetime import datetime, timezone

import pytest

pytest.importorskip("duckdb")

from test_engine_duckdb_helpers import REF_TIME, assert_same, write_lines  # noqa: E402

from rfsrules.checks.builtin import builtin_registry  # noqa: E402
from rfsrules.checks.spec import CheckFailure, CheckRegistry, CheckSpec  # noqa: E402
from rfsrules.engines.duckdb_engine import DuckDBEngine, import_duckdb  # noqa: E402
from rfsrules.engines.duckdb_checks import BUILDERS  # noqa: E402
from rfsrules.engines.duckdb_plan import ENGINE_UNSUPPORTED, compile_plan, sql_context  # noqa: E402
from rfsrules.engines.duckdb_sql import KIND_INT, RowSql, ValueSql, json_path, sql_string  # noqa: E402
from rfsrules.errors import EngineUnsupportedError, UsageError  # noqa: E402
from rfsrules.plugins.manager import get_plugin_manager  # noqa: E402
from rfsrules.results import Reason  # noqa: E402
from rfsrules.ruleset.loader import load_ruleset_text  # noqa: E402
from rfsrules.runner import check  # noqa: E402


def test_engine_is_registered_with_its_extra():
    spec = get_plugin_manager().engines["duckdb"]
    assert spec.extra == "duckdb"
    assert isinstance(spec.factory(builtin_registry()), DuckDBEngine)
    assert isinstance(get_plugin_manager().engine("duckdb"), DuckDBEngine)


def test_every_builtin_check_has_a_builder():
    assert sorted(BUILDERS) == sorted(spec.name for spec in builtin_registry())


def test_missing_duckdb_is_a_usage_error(monkeypatch):
    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name == "duckdb":
            raise ImportError("No module named 'duckdb'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    with pytest.raises(UsageError, match=r"pip install 'rfsrules\[duckdb\]'"):
        import_duckdb()


def test_importing_the_engine_does_not_import_duckdb():
    import subprocess
    import sys

    code = "import sys, rfsrules.engines.duckdb, rfsrules.engines.duckdb_checks; print('duckdb' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_registering_the_engine_imports_none_of_its_modules():
    import subprocess
    import sys

    code = ("import sys, rfsrules.engines.duckdb; "
            "print(sorted(m for m in sys.modules if m.startswith('rfsrules.engines.duckdb_')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# --- plugin checks ----------------------------------------------------------------------------------

def _even(rule, ctx):
    def test(v):
        if type(v) is int and v % 2 == 0:
            return None
        return Reason.OUT_OF_RANGE, f"{v!r} is not an even integer"
    return test


def build_even_duckdb(rule, q):
    """A plugin's DuckDB builder: SQL decides integers, Python decides the rest (NULL)."""
    return ValueSql(lambda v: f"(CASE WHEN {v.kind} = {KIND_INT} AND NOT {v.big} THEN ({v.number} % 2 <> 0)::INTEGER END)")


def _no_vowels(rule, ctx):
    def test(record, line):
        name = record.get("name")
        if isinstance(name, str) and any(c in "aeiou" for c in name):
            return [CheckFailure("name", name, Reason.PATTERN_MISMATCH, f"{name} has vowels")]
        return None
    return test


def _registry(*specs: CheckSpec) -> CheckRegistry:
    registry = builtin_registry()
    for spec in specs:
        registry.add(spec.with_plugin("tests.acme"))
    return registry


EVEN = CheckSpec(name="acme.even", level="value", fields="many", summary="even integers", python=_even,
                 engines={"duckdb": build_even_duckdb})
EVEN_BY_NAME = CheckSpec(name="acme.even2", level="value", fields="many", summary="even integers", python=_even,
                         engines={"duckdb": "test_engine_duckdb_api:build_even_duckdb"})
NO_VOWELS = CheckSpec(name="acme.no_vowels", level="record", fields="none", summary="no vowels", python=_no_vowels)
REFUSED = CheckSpec(name="acme.refused", level="record", fields="none", summary="never on duckdb", python=_no_vowels,
                    unsupported={"duckdb": "needs the acme service"})


def test_plugin_builders_run_and_undecided_rows_go_to_python(tmp_path):
    registry = _registry(EVEN, EVEN_BY_NAME)
    text = ("rfsrules: 1\nname: p\nversion: 1.0.0\nrules:\n  - {id: even, check: acme.even, field: n}\n"
            "  - {id: even2, check: acme.even2, field: n}\n")
    rs = load_ruleset_text(text, registry=registry)
    path = write_lines(tmp_path / "n.jsonl", [json.dumps({"n": v}) for v in (2, 3, "4", 4.0, 10**30, 10**30 + 1, None)])
    report = assert_same(str(path), rs, registry=registry)
    assert [v.line for v in report.rule("even").examples] == [2, 3, 4, 6]
    assert report.rule("even2").violations == 4


def test_unsupported_rules_are_reported_before_reading(tmp_path):
    registry = _registry(NO_VOWELS, REFUSED)
    text = ("rfsrules: 1\nname: p\nversion: 1.0.0\nrules:\n  - {id: ok, check: required, field: a}\n"
            "  - {id: nv, check: acme.no_vowels}\n  - {id: nope, check: acme.refused}\n")
    rs = load_ruleset_text(text, path="rules.yaml", registry=registry)
    issues = DuckDBEngine(registry).unsupported(rs)
    spans = [rs.rule("nv").span, rs.rule("nope").span]
    assert [(i.path, i.line, i.col, i.code) for i in issues] == [
        (sp.path, sp.line, sp.col, ENGINE_UNSUPPORTED) for sp in spans]
    assert [i.line for i in issues] == [6, 7]
    assert issues[0].message == "check 'acme.no_vowels' is not supported by engine duckdb"
    assert issues[1].message == "check 'acme.refused' is not supported by engine duckdb: needs the acme service"
    with pytest.raises(EngineUnsupportedError) as err:
        check(str(tmp_path / "does-not-matter.jsonl"), rs, engine="duckdb", registry=registry)
    assert err.value.issues == issues


def test_a_raising_builder_is_an_error_of_its_rule_only(tmp_path):
    def broken(rule, q):
        raise RuntimeError("no SQL today")

    registry = _registry(CheckSpec(name="acme.broken", level="value", fields="many", summary="x", python=_even,
                                   engines={"duckdb": broken}))
    rs = load_ruleset_text("rfsrules: 1\nname: p\nversion: 1.0.0\nrules:\n  - {id: b, check: acme.broken, field: n}\n"
                           "  - {id: r, check: required, field: n}\n", registry=registry)
    path = write_lines(tmp_path / "n.jsonl", ['{"n": 1}', "{}"])
    report = check(str(path), rs, engine="duckdb", registry=registry, ref_time=REF_TIME)
    assert report.rule("b").status == "error"
    assert report.rule("b").error == "RuntimeError: no SQL today (plugin tests.acme)"
    assert report.rule("r").violations == 1
    assert report.has_errors and not report.summary.passed


def test_a_raising_python_check_on_undecided_rows_is_an_error(tmp_path):
    def explode(rule, ctx):
        def test(v):
            raise ValueError("boom")
        return test

    registry = _registry(CheckSpec(name="acme.explode", level="value", fields="many", summary="x", python=explode,
                                   engines={"duckdb": lambda rule, q: ValueSql(lambda v: "NULL")}))
    rs = load_ruleset_text("rfsrules: 1\nname: p\nversion: 1.0.0\nrules:\n  - {id: x, check: acme.explode, field: n}\n",
                           registry=registry)
    path = write_lines(tmp_path / "n.jsonl", ['{"n": 1}'])
    report = check(str(path), rs, engine="duckdb", registry=registry)
    assert report.rule("x").status == "error"
    assert report.rule("x").error == "ValueError: boom (plugin tests.acme)"


def test_row_sql_builders(tmp_path):
    def long_name(rule, q):
        v = q.value(rule.fields[0])
        return RowSql(f"(CASE WHEN {v.kind} = 5 THEN (length({v.string}) > 3)::INTEGER ELSE 0 END)")

    def long_name_py(rule, ctx):
        def test(record, line):
            name = record.get("name")
            if isinstance(name, str) and len(name) > 3:
                return [CheckFailure("name", name, Reason.TOO_LONG, "long")]
            return None
        return test

    registry = _registry(CheckSpec(name="acme.long", level="record", fields="one", summary="x",
                                   python=long_name_py, engines={"duckdb": long_name}))
    rs = load_ruleset_text("rfsrules: 1\nname: p\nversion: 1.0.0\nrules:\n  - {id: l, check: acme.long, field: name}\n",
                           registry=registry)
    path = write_lines(tmp_path / "n.jsonl", ['{"name": "ab"}', '{"name": "abcd"}', '{"name": 12345}'])
    report = assert_same(str(path), rs, registry=registry)
    assert [v.line for v in report.rule("l").examples] == [2]


# --- SQL pieces --------------------------------------------------------------------------------------

@pytest.mark.parametrize("segments, expected", [
    (("a",), "$.a"), (("data", "value"), "$.data.value"), (("a.b",), '$."a.b"'), (("we ird",), '$."we ird"'),
    (('q"t',), '$."q\\"t"'), (("items", 0, "sku"), "$.items[0].sku"), (("items", -1), "$.items[#-1]"),
])
def test_json_paths(segments, expected):
    assert json_path(segments) == expected


def test_json_paths_reach_odd_keys(tmp_path):
    recs = [{"x": {"a.b": 1, "we ird": "x", 'q"t': True, "back\\slash": None},
             "items": [{"sku": "s"}, {"sku": 7}]}, {"x": {"a.b": None}}, {}]
    path = write_lines(tmp_path / "k.jsonl", [json.dumps(r) for r in recs])
    report = assert_same(str(path), r"""
rules:
  - {id: r, check: required, fields: ['x["a.b"]', 'x["we ird"]', 'x[''q"t'']', "items[0].sku", "items[-1].sku", 'x["back\slash"]']}
  - {id: t, check: type, fields: ["items[1].sku", "items[-1].sku"], type: string}
""")
    assert report.rule("r").failures == 1 + 6 + 6


def test_sql_string_literals_are_safe():
    assert sql_string("it's") == "'it''s'"
    assert sql_string("a\x00b") == "('a' || chr(0) || 'b')"
    import duckdb

    con = duckdb.connect()
    assert con.execute(f"SELECT {sql_string(chr(0) + 'x' + chr(39))}").fetchone()[0] == "\x00x'"


def test_the_plan_reads_each_field_once():
    rs = load_ruleset_text("""\
rfsrules: 1
name: p
version: 1.0.0
fields:
  id: {type: string, required: true, unique: true, pattern: '^a'}
  data.value: {type: integer, min: 1, max: 10}
""")
    ctx = sql_context(rs, builtin_registry(), datetime(2026, 1, 15, tzinfo=timezone.utc))
    plan = compile_plan(rs, builtin_registry(), ctx)
    assert list(plan.model.paths) == [("id",), ("data", "value")]
    sql = plan.stage1_sql("src", raw_lines=True, line_column=False, max_line_bytes=100)
    assert sql.count("json_extract(") == 1 and "['$.id', '$.data.value']" in sql


def test_large_inputs_use_a_database_file(tmp_path, monkeypatch):
    import rfsrules.engines.duckdb_engine as engine

    monkeypatch.setattr(engine, "DISK_THRESHOLD", 0)
    seen = []
    real_connect = engine._connect

    def spy(duckdb, tmpdir, input_bytes=0):
        con = real_connect(duckdb, tmpdir, input_bytes)
        seen.append(con.execute("SELECT database_name, path FROM duckdb_databases() WHERE NOT internal").fetchall())
        return con

    monkeypatch.setattr(engine, "_connect", spy)
    monkeypatch.setenv("RFSRULES_DUCKDB_THREADS", "1")
    path = write_lines(tmp_path / "d.jsonl", [json.dumps({"id": i % 7, "v": i}) for i in range(500)] + ["bad"])
    assert_same(str(path), "rules:\n  - {id: u, check: unique, field: id}\n  - {id: r, check: range, field: v, max: 100}\n")
    assert seen and seen[0][0][1].endswith("work.duckdb")
