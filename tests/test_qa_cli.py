"""QA of ``rfsrules check`` and its inputs and outputs (issue 2, deliverables 6 and 8), from the outside in:
each test runs the CLI (or a reader) on a small input and asserts exact counts, lines, messages and exit
codes. Engine-dependent behaviour is checked on both engines."""

from __future__ import annotations

import io
import json
import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rfsrules.cli.app import app
from rfsrules.io.csvfile import iter_csv
from rfsrules.io.jsonarray import iter_json_array
from rfsrules.io.lines import Malformed

try:
    import duckdb  # noqa: F401

    ENGINES = ["python", "duckdb"]
except ImportError:  # pragma: no cover - the duckdb extra is not installed
    ENGINES = ["python"]

RULES = """\
rfsrules: 1
name: qa
version: 1.0.0
record_id: id
fields:
  id: {type: integer, required: true, unique: true}
  name: {type: string, required: true}
  score: {type: number, min: 0, max: 100}
"""

REF = "2026-01-15T12:00:00Z"


def invoke(*args: str, input: str | bytes | None = None):
    return CliRunner().invoke(app, list(args), input=input)


def write(tmp_path: Path, name: str, content: str | bytes) -> str:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return str(path)


def json_report(tmp_path: Path, *args: str, engine: str = "python") -> tuple[int, dict]:
    rules = write(tmp_path, "rules.yaml", RULES) if "-r" not in args else None
    extra = ["-r", rules] if rules else []
    result = invoke("check", *args, *extra, "--ref-time", REF, "-f", "json", "-e", engine)
    assert result.exit_code in (0, 1), result.stderr
    return result.exit_code, json.loads(result.stdout)


def counts(report: dict) -> tuple[int, int, int]:
    s = report["summary"]
    assert s["records_total"] == s["records_checked"] + s["records_malformed"]
    return s["records_total"], s["records_checked"], s["records_malformed"]


def examples(report: dict, rule_id: str) -> list[tuple]:
    rule = next(r for r in report["rules"] if r["id"] == rule_id)
    return [(e["line"], e["field"], e["reason"]) for e in rule["examples"]]


# --- .json arrays: invalid UTF-8 in one element loses no other record ---------------------------------

@pytest.mark.parametrize("chunk_size", [3, 7, 16, 1 << 16])
def test_json_array_reading_goes_on_after_an_element_with_invalid_utf8(chunk_size):
    data = b'[{"a": "\xff"},\n {"b": "x\xc3"} , {"c": 3}, {"d": "\xe2\x82\xac"}]'
    got = list(iter_json_array(io.BytesIO(data), max_line_bytes=1 << 20, chunk_size=chunk_size))
    assert got == [
        (1, Malformed("invalid_encoding", "invalid UTF-8 at character 8 of the element")),
        (2, Malformed("invalid_encoding", "invalid UTF-8 at character 9 of the element")),
        (3, {"c": 3}),
        (4, {"d": "\u20ac"}),
    ]


def test_json_array_still_stops_after_invalid_json():
    got = list(iter_json_array(io.BytesIO(b'[{"a": 1}, {"b": oops}, {"c": 3}]'), max_line_bytes=1 << 20))
    assert [(i, getattr(v, "reason", v)) for i, v in got] == [(1, {"a": 1}), (2, "malformed_json")]


@pytest.mark.parametrize("engine", ENGINES)
def test_cli_json_array_with_invalid_utf8_counts_every_element(tmp_path, engine):
    data = write(tmp_path, "b.json", b'[{"id": 1, "name": "\xff"}, {"id": 2, "name": "b"}, {"id": 2, "name": "c"}]')
    code, report = json_report(tmp_path, data, engine=engine)
    assert code == 1
    assert counts(report) == (3, 2, 1)
    assert examples(report, "parse") == [(1, None, "invalid_encoding")]
    assert examples(report, "id.unique") == [(3, "id", "duplicate_value")]


# --- CSV: a dotted column fills the nested field the ruleset names ------------------------------------

NESTED = """\
rfsrules: 1
name: nested
version: 1.0.0
record_id: meta.id
fields:
  data.value: {type: integer, required: true, min: 1}
  data.ok: {type: boolean}
  flat: {type: integer}
"""


def test_csv_dotted_columns_become_nested_fields_typed_by_the_ruleset():
    text = b"meta.id,data.value,data.ok,flat,other.x\nm1,5,true,7,x\nm2,,FALSE,,\n"
    types = {"flat": ("integer",), ("data", "value"): ("integer",), ("data", "ok"): ("boolean",),
             ("meta", "id"): ()}
    got = list(iter_csv(io.BytesIO(text), field_types=types, max_line_bytes=1 << 20))
    assert got == [
        (2, {"meta": {"id": "m1"}, "data": {"value": 5, "ok": True}, "flat": 7, "other.x": "x"}),
        (3, {"meta": {"id": "m2"}, "data": {"value": None, "ok": False}, "flat": None, "other.x": None}),
    ]


def test_csv_dotted_column_stays_flat_next_to_its_parent_column_or_a_top_level_declaration():
    types = {("data", "value"): ("integer",), "a.b": ("integer",), ("a", "b"): ("integer",)}
    text = b"data,data.value,a.b\n{},5,6\n"
    got = list(iter_csv(io.BytesIO(text), field_types=types, max_line_bytes=1 << 20))
    assert got == [(2, {"data": "{}", "data.value": "5", "a.b": 6})]


@pytest.mark.parametrize("engine", ENGINES)
def test_cli_csv_with_dotted_columns_checks_the_nested_rules(tmp_path, engine):
    rules = write(tmp_path, "nested.yaml", NESTED)
    data = write(tmp_path, "b.csv", "meta.id,data.value,data.ok,flat\nm1,5,true,1\nm2,0,maybe,2\nm3,,,x\n")
    code, report = json_report(tmp_path, data, "-r", rules, engine=engine)
    assert code == 1
    assert counts(report) == (3, 3, 0)
    assert examples(report, "data.value.required") == [(4, "data.value", "null_value")]
    assert examples(report, "data.value.range") == [(3, "data.value", "out_of_range")]
    assert examples(report, "data.ok.type") == [(3, "data.ok", "wrong_type")]
    assert examples(report, "flat.type") == [(4, "flat", "wrong_type")]
    rule = next(r for r in report["rules"] if r["id"] == "data.value.range")
    assert rule["examples"][0]["record_id"] == "m2"


# --- options --------------------------------------------------------------------------------------

def test_output_dash_is_stdout_and_quiet_still_prints_nothing(tmp_path):
    rules = write(tmp_path, "rules.yaml", RULES)
    data = write(tmp_path, "b.jsonl", '{"id": 1, "name": "a"}\n')
    quiet = invoke("check", data, "-r", rules, "-o", "-", "-q")
    assert (quiet.exit_code, quiet.stdout, quiet.stderr) == (0, "", "")
    loud = invoke("check", data, "-r", rules, "-o", "-", "-f", "json")
    assert loud.exit_code == 0 and json.loads(loud.stdout)["summary"]["records_total"] == 1


def test_empty_output_name_is_a_usage_error(tmp_path):
    rules = write(tmp_path, "rules.yaml", RULES)
    data = write(tmp_path, "b.jsonl", '{"id": 1, "name": "a"}\n')
    result = invoke("check", data, "-r", rules, "-o", "")
    assert result.exit_code == 2
    assert result.stderr == "rfsrules: error: --output needs a file name ('-' for stdout)\n"


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_a_report_that_cannot_be_written_to_stdout_is_one_error_line(tmp_path):
    import subprocess
    import sys

    rules = write(tmp_path, "rules.yaml", RULES)
    data = write(tmp_path, "b.jsonl", '{"id": 1, "name": "a"}\n')
    with open("/dev/full", "w") as full:
        proc = subprocess.run([sys.executable, "-m", "rfsrules", "check", data, "-r", rules], stdout=full,
                              stderr=subprocess.PIPE, text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr == "rfsrules: error: cannot write the report to stdout: No space left on device\n"


@pytest.mark.parametrize("text", ["2026-01-15T12:00:00z", "2026-01-15T12:00:00Z", "2026-01-15T12:00:00+00:00",
                                  "2026-01-15 12:00:00"])
def test_ref_time_accepts_what_the_python_api_accepts(tmp_path, text):
    rules = write(tmp_path, "rules.yaml", RULES)
    data = write(tmp_path, "b.jsonl", '{"id": 1, "name": "a"}\n')
    result = invoke("check", data, "-r", rules, "--ref-time", text, "-f", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["summary"]["ref_time"] == "2026-01-15T12:00:00+00:00"


def test_engine_name_is_matched_case_insensitively_like_format(tmp_path):
    rules = write(tmp_path, "rules.yaml", RULES)
    data = write(tmp_path, "b.jsonl", '{"id": 1, "name": "a"}\n')
    result = invoke("check", data, "-r", rules, "-e", "PYTHON", "-f", "JSON")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["summary"]["engine"] == "python"
    unknown = invoke("check", data, "-r", rules, "-e", "Pyton")
    assert (unknown.exit_code, unknown.stderr) == (2, "rfsrules: error: unknown engine 'Pyton' (did you mean 'python'?)\n")


def test_jobs_help_names_the_real_parallel_threshold():
    from rfsrules.engines.auto import PARALLEL_MIN_BYTES

    result = CliRunner().invoke(app, ["check", "--help"])
    assert f"every CPU for {PARALLEL_MIN_BYTES // 2**20} MiB or more of .jsonl input" in " ".join(result.stdout.split())
    docs = (Path(__file__).parent.parent / "docs" / "cli.md").read_text(encoding="utf-8")
    assert f"every CPU from {PARALLEL_MIN_BYTES // 2**20} MiB of `.jsonl` input" in docs


def test_rule_that_could_not_run_is_reported_in_one_stderr_line(tmp_path):
    write(tmp_path, "boom.py", '''
from rfsrules import CheckSpec, hookimpl
RFSRULES_PLUGIN_API = 1

def build(rule, ctx):
    def test(value):
        if value == 13:
            raise RuntimeError("unlucky\\nsecond line")
    return test

@hookimpl
def rfsrules_register_checks():
    return [CheckSpec(name="qa.boom", level="value", fields="many", summary="Raises on 13.", python=build,
                      default_severity="low", default_dimension="accuracy",
                      example="id: b\\ncheck: qa.boom\\nfield: v\\n", failing_record={"v": 13})]
''')
    rules = write(tmp_path, "rules.yaml", "rfsrules: 1\nname: boom\nversion: 1.0.0\nplugins: [boom.py]\n"
                                          "rules:\n  - id: b\n    check: qa.boom\n    field: v\n")
    data = write(tmp_path, "b.jsonl", '{"v": 1}\n{"v": 13}\n')
    result = invoke("check", data, "-r", rules, "-q")
    assert result.exit_code == 2
    assert re.fullmatch(r"rfsrules: error: rule 'b' could not run: RuntimeError: unlucky\\nsecond line "
                        r"\(plugin \S*boom\.py\) \(use --keep-going to report this as a failed check instead\)\n",
                        result.stderr), result.stderr
    assert invoke("check", data, "-r", rules, "-q", "--keep-going").exit_code == 1


def test_per_file_progress_bar_goes_once_from_zero_to_the_total(tmp_path, monkeypatch):
    """With --per-file every file is a run that reports its own (done, total); the bar adds them up."""
    import sys

    import rich.progress

    import rfsrules.cli.check as check_cli

    first = write(tmp_path, "a.jsonl", '{"id": 1, "name": "a"}\n' * 300)
    second = write(tmp_path, "b.jsonl", '{"id": 2, "name": "b"}\n' * 100)
    sizes = [os.path.getsize(first), os.path.getsize(second)]

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    seen: list[tuple[int, int]] = []
    original = rich.progress.Progress.update

    def update(self, task, *, completed=None, total=None, **kw):
        if completed is not None:
            seen.append((completed, total))
        return original(self, task, completed=completed, total=total, **kw)

    monkeypatch.setattr(sys, "stderr", Terminal())
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setattr(check_cli, "PROGRESS_MIN_BYTES", 0)
    monkeypatch.setattr(rich.progress.Progress, "update", update)
    with check_cli._progress([first, second], enabled=True, per_file=True) as progress:
        assert progress is not None
        for done in (0, sizes[0] // 2, sizes[0]):
            progress(done, sizes[0])
        for done in (sizes[1] // 3, sizes[1]):
            progress(done, sizes[1])
    total = sum(sizes)
    assert seen == [(0, total), (sizes[0] // 2, total), (sizes[0], total),
                    (sizes[0] + sizes[1] // 3, total), (total, total)]


# --- the brief's matrix: malformed input in every format, both engines, exact lines --------------------

@pytest.mark.parametrize("engine", ENGINES)
def test_malformed_lines_of_a_multi_file_batch_keep_their_file_and_line(tmp_path, engine):
    a = write(tmp_path, "a.jsonl", b'{"id": 1, "name": "a"}\n{bad\n\n[1]\n{"id": 1, "name": "\xff"}\n'
                                   + b'{"id": 3, "name": "' + b"x" * 2000 + b'"}\n{"id": 4}')
    b = write(tmp_path, "b.csv", 'id,name,score\n5,e,1\n6,f\n"7,g,1\n')
    c = write(tmp_path, "c.json", '[{"id": 1, "name": "dup"}, 8]')
    d = write(tmp_path, "d.jsonl", "")
    rules = write(tmp_path, "rules.yaml", RULES)
    result = invoke("check", a, b, c, d, "-r", rules, "-f", "json", "-e", engine, "--max-line-bytes", "1KiB",
                    "--ref-time", REF)
    assert result.exit_code == 1, result.stderr
    report = json.loads(result.stdout)
    assert counts(report) == (11, 4, 7)
    parse = next(r for r in report["rules"] if r["id"] == "parse")
    assert [(Path(e["source"]).name, e["line"], e["reason"]) for e in parse["examples"]] == [
        ("a.jsonl", 2, "malformed_json"), ("a.jsonl", 4, "not_an_object"), ("a.jsonl", 5, "invalid_encoding"),
        ("a.jsonl", 6, "line_too_long"), ("b.csv", 3, "malformed_csv"), ("b.csv", 4, "malformed_csv"),
        ("c.json", 2, "not_an_object")]
    unique = next(r for r in report["rules"] if r["id"] == "id.unique")
    assert [(Path(e["source"]).name, e["line"], e["message"]) for e in unique["examples"]] == [
        ("c.json", 1, f"1 is a duplicate of {a}:1")]


@pytest.mark.parametrize("fmt", ["text", "json", "junit", "markdown"])
def test_quality_below_minimum_fails_with_only_low_rules_failing_in_every_format(tmp_path, fmt):
    rules = write(tmp_path, "low.yaml", "rfsrules: 1\nname: low\nversion: 1.0.0\nfields:\n"
                                        "  v: {type: integer, min: 10, severity: low}\n"
                                        "thresholds: {quality_score_min: 0.9, error_rate_max: 0.99}\n")
    data = write(tmp_path, "b.jsonl", '{"v": 1}\n{"v": 2}\n{"v": 30}\n')
    result = invoke("check", data, "-r", rules, "-f", fmt, "--fail-on", "none")
    assert result.exit_code == 1, result.stderr
    if fmt == "json":
        assert json.loads(result.stdout)["summary"]["passed"] is False
    elif fmt == "junit":
        root = ET.fromstring(result.stdout)
        cases = list(root.iter("testcase"))
        assert [c.get("name") for c in cases] == ["parse", "v.type", "v.range", "thresholds"]
        assert [c.get("name") for c in cases if c.find("failure") is not None] == ["v.range", "thresholds"]
        props = {p.get("name"): p.get("value") for p in root.iter("property")}
        assert props["passed"] == "false"
    else:
        assert re.search(r"FAILED\*{0,2} \(fail-on none\): quality score below its minimum", result.stdout)


# --- a documented engine difference (docs/engines.md, "Differences") ---

@pytest.mark.skipif("duckdb" not in ENGINES, reason="needs the duckdb extra")
def test_duckdb_reports_an_unpaired_surrogate_line_as_malformed_json(tmp_path):
    data = write(tmp_path, "b.jsonl", '{"id": 1, "name": "\\ud800"}\n')
    _, report = json_report(tmp_path, data, engine="duckdb")
    assert examples(report, "parse") == [(1, None, "malformed_json")]  # docs/engines.md, "Differences"


def test_root_and_allow_outside_root_flags(tmp_path):
    """Issue 2: extends may not escape the project root 'unless allowed by a flag'."""
    (tmp_path / "shared").mkdir()
    (tmp_path / "proj" / "sub").mkdir(parents=True)
    write(tmp_path / "shared", "base.yaml", "rfsrules: 1\nname: base\nversion: 1.0.0\n"
                                            "fields:\n  id: {type: string, required: true}\n")
    top = write(tmp_path / "proj" / "sub", "top.yaml", "rfsrules: 1\nname: top\nversion: 1.0.0\n"
                                                       "extends: ../../shared/base.yaml\nfields:\n  n: {type: integer}\n")
    data = write(tmp_path, "d.jsonl", '{"n": 1}\n')
    refused = invoke("lint", top)
    assert refused.exit_code == 2
    assert f"{top}:4:10: RFL010 extends: '../../shared/base.yaml' resolves outside the project root" in refused.stdout
    assert "unless --allow-outside-root is given, or --root names a directory holding them" in refused.stdout
    assert invoke("lint", top, "--allow-outside-root").exit_code == 0
    assert invoke("lint", top, "--root", str(tmp_path)).exit_code == 0
    assert invoke("check", data, "-r", top, "-q").exit_code == 2
    gated = invoke("check", data, "-r", top, "--root", str(tmp_path), "-f", "json")
    assert gated.exit_code == 1  # the base's required id is missing: the base was loaded
    assert {r["id"]: r["violations"] for r in json.loads(gated.stdout)["rules"]}["id.required"] == 1
    assert invoke("check", data, "-r", top, "--allow-outside-root", "-q").exit_code == 1
    bad = invoke("check", data, "-r", top, "--root", str(tmp_path / "nope"), "-q")
    assert bad.exit_code == 2 and "--root" in bad.stderr and "is not a directory" in bad.stderr


def test_a_plugin_calling_sys_exit_never_passes_the_gate(tmp_path, monkeypatch):
    """sys.exit(0) in plugin code (on import, or while checking) must not end `check` with exit 0."""
    write(tmp_path, "exiting.py", "import sys\nsys.exit(0)\n")
    rules = write(tmp_path, "r.yaml", "rfsrules: 1\nname: p\nversion: 1.0.0\nplugins: [./exiting.py]\n"
                                      "fields:\n  id: {type: string, required: true}\n")
    data = write(tmp_path, "d.jsonl", '{"x": 1}\n')
    result = invoke("check", data, "-r", rules)
    assert result.exit_code == 2
    assert f"r.yaml:4:11: plugin '{tmp_path / 'exiting.py'}' failed in import: SystemExit: 0" in result.stderr
    linted = invoke("lint", rules)
    assert linted.exit_code == 2 and "exiting.py' failed in import: SystemExit: 0" in linted.stdout

    import rfsrules.runner

    def exits(*args, **kwargs):
        raise SystemExit(0)

    monkeypatch.setattr(rfsrules.runner, "check", exits)
    plain = write(tmp_path, "plain.yaml", "rfsrules: 1\nname: p\nversion: 1.0.0\nfields:\n  x: {type: integer}\n")
    during = invoke("check", data, "-r", plain)
    assert during.exit_code == 2
    assert "a plugin or check called sys.exit(0) while the command ran" in during.stderr


def test_an_engine_from_the_rulesets_own_plugins_runs_from_the_cli(tmp_path):
    write(tmp_path, "leng.py", "from rfsrules import hookimpl\nfrom rfsrules.engines.api import EngineSpec\n"
                               "from rfsrules.engines.python import PythonEngine\n\n"
                               "@hookimpl\ndef rfsrules_register_engines():\n"
                               "    return [EngineSpec(name='localeng', factory=PythonEngine, summary='local')]\n")
    rules = write(tmp_path, "r.yaml", "rfsrules: 1\nname: leng\nversion: 1.0.0\nplugins: [leng.py]\n"
                                      "fields:\n  user: {required: true}\n")
    data = write(tmp_path, "d.jsonl", '{"user": "a"}\n{"x": 1}\n')
    result = invoke("check", data, "-r", rules, "--engine", "LocalEng", "-f", "json")
    assert result.exit_code == 1, result.stderr
    report = json.loads(result.stdout)
    assert report["summary"]["engine"] == "python"  # the local engine is the reference engine under another name
    assert {r["id"]: r["violations"] for r in report["rules"]}["user.required"] == 1
    assert invoke("check", data, "-r", rules, "--engine", "nope").exit_code == 2


def test_per_file_report_hooks_get_each_files_own_text(tmp_path):
    write(tmp_path, "hook.py", "import json\nfrom rfsrules import hookimpl\nSEEN = []\n\n@hookimpl\n"
                               "def rfsrules_report_rendered(report, format, output):\n"
                               "    with open(__file__ + '.log', 'a') as log:\n"
                               "        log.write(json.dumps([report.summary.sources, output.count('\"ruleset\"')]) + '\\n')\n")
    rules = write(tmp_path, "r.yaml", "rfsrules: 1\nname: h\nversion: 1.0.0\nplugins: [hook.py]\n"
                                      "fields:\n  user: {required: true}\n")
    a = write(tmp_path, "a.jsonl", '{"user": "a"}\n')
    b = write(tmp_path, "b.jsonl", '{"x": 1}\n')
    result = invoke("check", a, b, "-r", rules, "--per-file", "-f", "json")
    assert result.exit_code == 1, result.stderr
    logged = [json.loads(line) for line in (tmp_path / "hook.py.log").read_text().splitlines()]
    assert logged == [[[a], 1], [[b], 1]]


@pytest.mark.parametrize("engine", ENGINES)
def test_csv_cells_may_be_as_long_as_a_record(tmp_path, engine):
    """The csv module's default 128 KiB cell limit made a 200,000-character cell malformed (and a quoted
    multi-line one threw the reader off for every later row)."""
    rules = write(tmp_path, "r.yaml", "rfsrules: 1\nname: c\nversion: 1.0.0\nfields:\n"
                                      "  id: {type: integer, required: true}\n  note: {type: string, max_length: 10}\n")
    data = write(tmp_path, "d.csv", "id,note\n1,ok\n2," + "y" * 200_000 + '\n3,"multi\n' + "z" * 200_000
                 + '"\n4,fine\n')
    result = invoke("check", data, "-r", rules, "-f", "json", "--engine", engine)
    report = json.loads(result.stdout)
    assert (report["summary"]["records_total"], report["summary"]["records_malformed"]) == (4, 0)
    note = next(r for r in report["rules"] if r["id"] == "note.length")
    assert [(e["line"], e["reason"]) for e in note["examples"]] == [(3, "too_long"), (4, "too_long")]


@pytest.mark.skipif("duckdb" not in ENGINES, reason="needs the duckdb extra")
def test_a_duckdb_error_is_one_line_on_stderr(tmp_path):
    """Issue 2: exit 2 with a one-line message. DuckDB's errors span lines (LINE 1: ..., Possible solutions)."""
    rules = write(tmp_path, "r.yaml", "rfsrules: 1\nname: n\nversion: 1.0.0\nrules:\n"
                                      "  - {id: r, check: type, field: b, type: integer, where: 'null between a and 1'}\n")
    data = write(tmp_path, "d.jsonl", '{"a": 1, "b": 2}\n')
    result = invoke("check", data, "-r", rules, "-e", "duckdb")
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("rfsrules: error: cannot read") and "with DuckDB: " in lines[0]
