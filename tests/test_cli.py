"""The ``rfsrules`` command in-process (typer's CliRunner): exit codes, options, formats, errors."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from rfsrules.cli.app import app
from rfsrules.cli.common import parse_assignments
from rfsrules.cli.exitcodes import ExitCode

REF = "2026-01-15T12:00:00Z"

MINI = """\
rfsrules: 1
name: mini
version: 1.0.0
record_id: id
fields:
  id: {type: string, required: true}
  value: {type: integer, min: 1, max: 10}
rules:
  - id: score-low
    check: range
    field: score
    max: 5
    severity: low
thresholds:
  quality_score_min: 0.0
  error_rate_max: 1.0
"""

WITH_METADATA = MINI + """\
metadata_rules:
  fields:
    source_system: {type: string, required: true}
    expected_records: {type: integer, min: 1}
  completion:
    expected_field: expected_records
"""

BAD_RULESET = """\
rfsrules: 1
name: bad
version: 1.0.0
rules:
  - id: r1
    check: rnage
    field: x
  - id: r2
    check: required
    field: y
    severity: urgent
"""

GOOD = [{"id": "a", "value": 3, "score": 1}, {"id": "b", "value": 10, "score": 5},
        {"id": "c", "value": 1, "score": 2}]
HIGH = [{"id": "a", "value": 3}, {"value": 4}, {"id": "c", "value": 99, "score": 9}]  # id.required is high
MEDIUM = [{"id": "a", "value": 3}, {"id": "b", "value": 0}]  # value.range is medium
LOW = [{"id": "a", "value": 3, "score": 6}]  # score-low is low


def jsonl(records) -> str:
    return "".join(json.dumps(r) + "\n" for r in records)


@pytest.fixture()
def work(tmp_path, monkeypatch):
    """A directory holding the mini ruleset and data files; it is the working directory."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("RFSRULES_DEBUG", raising=False)
    (tmp_path / "mini.yaml").write_text(MINI)
    (tmp_path / "meta-rules.yaml").write_text(WITH_METADATA)
    (tmp_path / "bad.yaml").write_text(BAD_RULESET)
    for name, records in {"good": GOOD, "high": HIGH, "medium": MEDIUM, "low": LOW}.items():
        (tmp_path / f"{name}.jsonl").write_text(jsonl(records))
    return tmp_path


def cli(*args: str, input: str | None = None, env: dict | None = None):
    return CliRunner().invoke(app, list(args), input=input, env=env)


def check(*args: str, **kwargs):
    return cli("check", *args, "--ref-time", REF, **kwargs)


# --- exit codes -------------------------------------------------------------------------------

def test_exit_codes_are_fixed():
    assert [int(c) for c in ExitCode] == [0, 1, 2]
    assert [c.name for c in ExitCode] == ["OK", "CHECK_FAILED", "ERROR"]


def test_clean_batch_passes(work):
    result = check("good.jsonl", "-r", "mini.yaml")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == "PASSED (fail-on high)"
    assert "records:     3 total, 3 checked, 0 malformed, 0 failed" in result.stdout
    assert result.stderr == ""


def test_failing_batch_exits_1(work):
    result = check("high.jsonl", "-r", "mini.yaml")
    assert result.exit_code == 1, result.output
    assert result.stdout.splitlines()[-1].startswith("FAILED (fail-on high): 1 failing rule at or above high")
    # the failing record has no id, so the example shows no id=...; a missing field shows no value
    assert re.search(r"^  id\.required \[high\]: 1 violation$", result.stdout, re.M)
    assert re.search(r"^    line 2  id  \S", result.stdout, re.M)


@pytest.mark.parametrize(("data", "fail_on", "code"), [
    ("medium.jsonl", "high", 0), ("medium.jsonl", "medium", 1), ("medium.jsonl", "low", 1),
    ("medium.jsonl", "none", 0), ("low.jsonl", "medium", 0), ("low.jsonl", "low", 1),
    ("high.jsonl", "critical", 0), ("high.jsonl", "high", 1), ("high.jsonl", "none", 0),
])
def test_fail_on_changes_the_outcome(work, data, fail_on, code):
    result = check(data, "-r", "mini.yaml", "--fail-on", fail_on)
    assert result.exit_code == code, result.output
    assert f"(fail-on {fail_on})" in result.stdout


def test_bad_ruleset_prints_every_issue_and_exits_2(work):
    result = check("good.jsonl", "-r", "bad.yaml")
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert any(line.startswith("bad.yaml:6:12: ") and "rnage" in line and "'range'" in line for line in lines)
    assert any(line.startswith("bad.yaml:11:15: ") and "urgent" in line for line in lines)
    assert lines[-1] == f"rfsrules: error: {len(lines) - 1} problems in the ruleset; nothing was checked"
    assert "Traceback" not in result.stderr


def test_missing_data_file_is_one_line(work):
    result = check("nope.jsonl", "-r", "mini.yaml")
    assert result.exit_code == 2
    assert result.stderr == "rfsrules: error: cannot read 'nope.jsonl': No such file or directory\n"
    assert result.stdout == ""


def test_missing_ruleset_is_one_line(work):
    result = check("good.jsonl", "-r", "nope.yaml")
    assert result.exit_code == 2
    assert result.stderr == "rfsrules: error: cannot read ruleset 'nope.yaml': No such file or directory\n"


def test_unknown_engine_suggests(work):
    result = check("good.jsonl", "-r", "mini.yaml", "--engine", "pyton")
    assert result.exit_code == 2
    assert result.stderr == "rfsrules: error: unknown engine 'pyton' (did you mean 'python'?)\n"


def test_bad_fail_on_is_a_usage_error(work):
    result = check("good.jsonl", "-r", "mini.yaml", "--fail-on", "urgent")
    assert result.exit_code == 2
    assert "--fail-on" in result.stderr and "urgent" in result.stderr


def test_bad_ref_time(work):
    result = cli("check", "good.jsonl", "-r", "mini.yaml", "--ref-time", "yesterday")
    assert result.exit_code == 2
    assert result.stderr == ("rfsrules: error: invalid --ref-time 'yesterday': expected an ISO-8601 "
                             "date-time such as 2026-01-15T12:00:00Z\n")


def test_missing_ruleset_option_is_a_usage_error(work):
    result = cli("check", "good.jsonl")
    assert result.exit_code == 2
    assert "--ruleset" in result.stderr


def test_unknown_command_and_option_exit_2(work):
    assert cli("frobnicate").exit_code == 2
    assert check("good.jsonl", "-r", "mini.yaml", "--no-such-option").exit_code == 2


def test_stdin_twice_is_refused(work):
    result = check("-", "-", "-r", "mini.yaml", input="")
    assert result.exit_code == 2
    assert result.stderr == "rfsrules: error: '-' (stdin) may be given only once\n"


# --- options ----------------------------------------------------------------------------------

def test_quiet_prints_nothing(work):
    result = check("high.jsonl", "-r", "mini.yaml", "--quiet")
    assert result.exit_code == 1
    assert result.stdout == "" and result.stderr == ""
    assert check("good.jsonl", "-r", "mini.yaml", "-q").exit_code == 0


def test_output_file_keeps_stdout_empty(work):
    result = check("high.jsonl", "-r", "mini.yaml", "--format", "json", "--output", "report.json")
    assert result.exit_code == 1
    assert result.stdout == ""
    data = json.loads((work / "report.json").read_text())
    assert data["summary"]["passed"] is False
    assert data["summary"]["sources"] == ["high.jsonl"]


def test_output_to_unwritable_place(work):
    result = check("good.jsonl", "-r", "mini.yaml", "--output", "no/such/dir/report.txt")
    assert result.exit_code == 2
    assert result.stderr.startswith("rfsrules: error: cannot write 'no/such/dir/report.txt': ")


def test_stdin(work):
    result = check("-", "-r", "mini.yaml", "--format", "json", input=jsonl(HIGH))
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    assert data["summary"]["records_total"] == 3
    assert data["summary"]["sources"] == ["<stdin>"]
    assert data["rules"][[r["id"] for r in data["rules"]].index("id.required")]["violations"] == 1


def test_several_files_are_one_batch(work):
    data = json.loads(check("good.jsonl", "high.jsonl", "-r", "mini.yaml", "-f", "json").stdout)
    assert data["summary"]["records_total"] == 6
    assert data["summary"]["sources"] == ["good.jsonl", "high.jsonl"]
    example = next(r for r in data["rules"] if r["id"] == "id.required")["examples"][0]
    assert (example["source"], example["line"]) == ("high.jsonl", 2)


def test_per_file_reports_and_worst_exit_code(work):
    result = check("good.jsonl", "high.jsonl", "-r", "mini.yaml", "--per-file", "--format", "json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["format"] == "rfsrules.reports/1"
    assert [r["summary"]["sources"] for r in data["reports"]] == [["good.jsonl"], ["high.jsonl"]]
    assert [r["summary"]["passed"] for r in data["reports"]] == [True, False]
    text = check("good.jsonl", "high.jsonl", "-r", "mini.yaml", "--per-file")
    assert text.stdout.splitlines()[-1] == "2 reports: 1 passed, 1 failed"
    assert check("good.jsonl", "good.jsonl", "-r", "mini.yaml", "--per-file", "-q").exit_code == 0


def test_metadata_file_and_meta_overrides(work):
    (work / "meta.json").write_text(json.dumps({"source_system": "user_events", "expected_records": 4}))
    result = check("good.jsonl", "-r", "meta-rules.yaml", "--metadata", "meta.json", "-f", "json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)["summary"]
    assert summary["metadata_valid"] is True
    assert summary["completion_rate"] == 0.75
    result = check("good.jsonl", "-r", "meta-rules.yaml", "--metadata", "meta.json",
                   "--meta", "expected_records=3", "--meta", "source_system=42", "-f", "json")
    data = json.loads(result.stdout)
    assert data["summary"]["completion_rate"] == 1.0
    assert data["summary"]["metadata_valid"] is False  # 42 parsed as JSON: a number, not a string
    assert result.exit_code == 1
    failed = [r["id"] for r in data["metadata_rules"] if r["status"] == "failed"]
    assert failed == ["metadata.source_system.type"]


def test_metadata_yaml_file(work):
    (work / "meta.yaml").write_text("source_system: user_events\nexpected_records: 3\n")
    result = check("good.jsonl", "-r", "meta-rules.yaml", "--metadata", "meta.yaml", "-f", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["summary"]["completion_rate"] == 1.0


def test_metadata_errors(work):
    (work / "list.json").write_text("[1, 2]")
    result = check("good.jsonl", "-r", "mini.yaml", "--metadata", "list.json")
    assert result.exit_code == 2
    assert result.stderr == ("rfsrules: error: metadata file 'list.json' must hold a mapping "
                             "(a JSON object), not a list\n")
    result = check("good.jsonl", "-r", "mini.yaml", "--metadata", "absent.json")
    assert result.exit_code == 2
    assert result.stderr == ("rfsrules: error: cannot read metadata file 'absent.json': "
                             "No such file or directory\n")
    result = check("good.jsonl", "-r", "mini.yaml", "--meta", "novalue")
    assert result.exit_code == 2
    assert result.stderr == "rfsrules: error: --meta expects KEY=VALUE, got 'novalue'\n"


def test_context_reaches_violations_and_report(work):
    result = check("high.jsonl", "-r", "mini.yaml", "-f", "json", "--context", "batch_id=b7",
                   "--context", "attempt=2")
    data = json.loads(result.stdout)
    assert data["context"] == {"batch_id": "b7", "attempt": 2}


def test_max_examples(work):
    many = [{"value": 3} for _ in range(30)]
    (work / "many.jsonl").write_text(jsonl(many))
    data = json.loads(check("many.jsonl", "-r", "mini.yaml", "-f", "json").stdout)
    rule = next(r for r in data["rules"] if r["id"] == "id.required")
    assert (rule["violations"], len(rule["examples"])) == (30, 20)
    data = json.loads(check("many.jsonl", "-r", "mini.yaml", "-f", "json", "--max-examples", "3").stdout)
    rule = next(r for r in data["rules"] if r["id"] == "id.required")
    assert (rule["violations"], len(rule["examples"])) == (30, 3)
    text = check("many.jsonl", "-r", "mini.yaml").stdout
    assert "id.required [high]: 30 violations, first 5 shown" in text
    assert len(re.findall(r"^    line \d+  id  field is missing$", text, re.M)) == 5
    text = check("many.jsonl", "-r", "mini.yaml", "--max-examples", "2").stdout
    assert "id.required [high]: 30 violations, first 2 shown" in text
    assert check("many.jsonl", "-r", "mini.yaml", "--max-examples", "-1").exit_code == 2


def test_no_progress_bar_or_ansi_when_not_a_terminal(work):
    result = check("high.jsonl", "-r", "mini.yaml")
    assert "\x1b[" not in result.output and "\r" not in result.output


# --- formats ----------------------------------------------------------------------------------

def documented_json_keys() -> set[str]:
    """Key paths listed in docs/output-formats.md's report table."""
    doc = (Path(__file__).resolve().parents[1] / "docs" / "output-formats.md").read_text()
    section = doc.split("### Report object", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `([^`]+)` \|", section, re.M))


def key_paths(data, prefix="") -> set[str]:
    out = set()
    if isinstance(data, dict):
        for key, value in data.items():
            path = f"{prefix}.{key}" if prefix else key
            out.add(path)
            if prefix.endswith("context") or path == "context":
                continue
            out |= key_paths(value, path)
    elif isinstance(data, list):
        for item in data:
            out |= key_paths(item, prefix + "[]")
    return out


def test_json_has_every_documented_key_and_nothing_undocumented(work):
    (work / "meta.json").write_text(json.dumps({"source_system": "s", "expected_records": 3}))
    result = check("high.jsonl", "-r", "meta-rules.yaml", "--metadata", "meta.json", "-f", "json")
    data = json.loads(result.stdout)
    data["summary"]["thresholds_breached"] = [
        {"name": "error_rate_max", "metric": "error_rate", "value": 0.5, "threshold": 0.05, "severity": "high"}]
    found = key_paths(data)
    documented = documented_json_keys()
    metadata_keys = {k for k in found if k.startswith("metadata_rules[]")}
    found -= metadata_keys
    assert found == documented, (found - documented, documented - found)


def test_junit_format(work):
    result = check("high.jsonl", "-r", "meta-rules.yaml", "--meta", "source_system=s", "-f", "junit")
    assert result.exit_code == 1
    root = ET.fromstring(result.stdout)
    data = json.loads(check("high.jsonl", "-r", "meta-rules.yaml", "--meta", "source_system=s",
                            "-f", "json").stdout)
    cases = root.findall("testsuite/testcase")
    assert len(cases) == len(data["rules"]) + len(data["metadata_rules"]) + 1
    assert cases[-1].get("name") == "thresholds"
    failed = {c.get("name") for c in cases if c.find("failure") is not None}
    gate = {"thresholds"} if data["summary"]["thresholds_breached"] else set()
    assert failed == {r["id"] for r in data["rules"] + data["metadata_rules"] if r["status"] == "failed"} | gate


def test_markdown_format(work):
    result = check("high.jsonl", "-r", "mini.yaml", "-f", "markdown")
    assert result.exit_code == 1
    out = result.stdout
    assert out.startswith("## ❌ rfsrules: mini@1.0.0 failed\n")
    assert "| Rule | Check | Severity | Dimension | Status | Violations |" in out
    assert "| `id.required` | required | high | completeness | ❌ failed | 1 |" in out
    assert "<details>" in out


# --- errors and --debug -----------------------------------------------------------------------

def test_internal_error_is_one_line_without_debug(work, monkeypatch):
    import rfsrules.runner

    def boom(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(rfsrules.runner, "check", boom)
    result = check("good.jsonl", "-r", "mini.yaml")
    assert result.exit_code == 2
    assert result.stderr == ("rfsrules: error: internal error: RuntimeError: boom "
                             "(run with --debug or RFSRULES_DEBUG=1 for the traceback)\n")
    for args, env in ((("--debug",), None), ((), {"RFSRULES_DEBUG": "1"})):
        result = cli(*args, "check", "good.jsonl", "-r", "mini.yaml", env=env)
        assert result.exit_code == 2
        assert "Traceback (most recent call last)" in result.stderr
        assert result.stderr.splitlines()[-1] == "rfsrules: error: internal error: RuntimeError: boom"
    result = check("good.jsonl", "-r", "mini.yaml", "--debug")
    assert "Traceback" in result.stderr


def _report_with_error_rule(*args, **kwargs):
    from rfsrules.report import Report, Summary
    from rfsrules.results import RuleResult

    report = Report("mini", "1.0.0", Summary(records_total=1, records_checked=1, sources=["good.jsonl"]),
                    [RuleResult("boom", "range", "medium", "accuracy", status="error",
                                error="ZeroDivisionError: division by zero (plugin demo)")])
    report.gate(kwargs.get("fail_on", "high"))
    return [report] if kwargs.get("per_file") else report


def test_rule_that_could_not_run(work, monkeypatch):
    import rfsrules.runner

    monkeypatch.setattr(rfsrules.runner, "check", _report_with_error_rule)
    result = check("good.jsonl", "-r", "mini.yaml")
    assert result.exit_code == 2
    assert result.stderr == ("rfsrules: error: rule 'boom' could not run: ZeroDivisionError: division by "
                             "zero (plugin demo) (use --keep-going to report this as a failed check instead)\n")
    assert "boom: could not run: ZeroDivisionError" in result.stdout
    result = check("good.jsonl", "-r", "mini.yaml", "--keep-going")
    assert result.exit_code == 1
    assert result.stderr == ""
    assert result.stdout.splitlines()[-1] == "FAILED (fail-on high): 1 rule could not run"


# --- lint, schema, explain, version -----------------------------------------------------------

def test_lint_good_and_bad(work):
    result = cli("lint", "mini.yaml")
    assert result.exit_code == 0
    assert result.stdout == "no problems in 1 file\n"
    result = cli("lint", "bad.yaml", "mini.yaml")
    assert result.exit_code == 2
    lines = result.stdout.splitlines()
    assert re.fullmatch(r"bad\.yaml:6:12: RFL003 unknown check 'rnage' \(did you mean 'range'\?\)", lines[0])
    assert re.fullmatch(r"bad\.yaml:11:15: RFL\d{3} .*urgent.*", lines[1])
    assert lines[-1] == f"{len(lines) - 1} problems in 2 files"


def test_lint_json(work):
    result = cli("lint", "bad.yaml", "--format", "json")
    assert result.exit_code == 2
    data = json.loads(result.stdout)
    assert data["format"] == "rfsrules.lint/1" and data["files"] == ["bad.yaml"]
    assert data["count"] == len(data["issues"]) >= 2
    assert set(data["issues"][0]) == {"path", "line", "col", "code", "message"}
    assert json.loads(cli("lint", "mini.yaml", "-f", "json").stdout)["count"] == 0


def test_lint_missing_file(work):
    result = cli("lint", "absent.yaml")
    assert result.exit_code == 2
    assert result.stdout.startswith("absent.yaml:1:1: ")


def test_explain(work):
    result = cli("explain", "range")
    assert result.exit_code == 0
    assert "range" in result.stdout and "min" in result.stdout and "max" in result.stdout
    result = cli("explain", "rnage")
    assert result.exit_code == 2
    assert result.stderr == "rfsrules: error: unknown check 'rnage' (did you mean 'range'?)\n"
    listing = cli("explain", "--list")
    assert listing.exit_code == 0
    names = [line.split()[0] for line in listing.stdout.splitlines()]
    assert {"required", "range", "unique", "row_count", "expression"} <= set(names)
    assert names == sorted(names)
    assert cli("explain").exit_code == 2


def test_version():
    from rfsrules import __version__

    for args in (["version"], ["--version"]):
        result = cli(*args)
        assert result.exit_code == 0
        assert result.stdout == f"rfsrules {__version__}\n"


def test_no_arguments_shows_help():
    result = cli()
    assert "Usage: rfsrules" in result.output
    assert "check" in result.output and "lint" in result.output


SHIPPED_RULESETS = ["rulesets/pipeline-events.yaml", "rulesets/orders-contract.yaml",
                    "rulesets/base/common.yaml", "examples/orders-basic.yaml"]


def test_schema_is_a_json_schema_that_accepts_the_shipped_rulesets(tmp_path):
    import jsonschema
    from ruamel.yaml import YAML

    result = cli("schema")
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    root = Path(__file__).resolve().parents[1]
    for name in SHIPPED_RULESETS:
        data = YAML(typ="safe", pure=True).load((root / name).read_text())
        errors = [e.message for e in validator.iter_errors(data)]
        assert errors == [], (name, errors)
    bad = YAML(typ="safe", pure=True).load(BAD_RULESET)
    assert list(validator.iter_errors(bad))
    out = tmp_path / "schema.json"
    result = cli("schema", "--output", str(out))
    assert result.exit_code == 0 and result.stdout == ""
    assert json.loads(out.read_text()) == schema


def test_shipped_rulesets_lint_clean(monkeypatch):
    monkeypatch.chdir(Path(__file__).resolve().parents[1])
    result = cli("lint", *SHIPPED_RULESETS)
    assert result.exit_code == 0, result.stdout
    assert result.stdout == "no problems in 4 files\n"


# --- helpers ----------------------------------------------------------------------------------

def test_progress_bar_only_on_a_terminal_for_large_inputs(monkeypatch, tmp_path):
    import io

    from rfsrules.cli import check as check_module

    small = tmp_path / "small.jsonl"
    small.write_text("{}\n")
    with check_module._progress([str(small)], enabled=True) as progress:
        assert progress is None  # not a terminal
    fake_err = io.StringIO()
    fake_err.isatty = lambda: True
    monkeypatch.setattr("sys.stderr", fake_err)
    monkeypatch.delenv("CI", raising=False)
    with check_module._progress([str(small)], enabled=True) as progress:
        assert progress is None  # too small
    monkeypatch.setattr(check_module, "_total_bytes", lambda data: check_module.PROGRESS_MIN_BYTES + 1)
    import threading

    before = threading.active_count()
    with check_module._progress([str(small)], enabled=True) as progress:
        assert callable(progress)
        progress(10, 100)
        assert threading.active_count() == before  # no refresh thread: --jobs can still fork
    assert "checking" in fake_err.getvalue()
    with check_module._progress([str(small)], enabled=False) as progress:
        assert progress is None  # --quiet
    monkeypatch.setenv("CI", "true")
    with check_module._progress([str(small)], enabled=True) as progress:
        assert progress is None


json_values = st.recursive(st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.text(max_size=5),
                           lambda inner: st.lists(inner, max_size=3), max_leaves=5)


@given(st.dictionaries(st.from_regex(r"[a-z_][a-z0-9_.]{0,8}", fullmatch=True), json_values, max_size=4))
def test_assignments_are_typed_as_json(mapping):
    items = [f"{k}={json.dumps(v)}" for k, v in mapping.items()]
    assert parse_assignments(items, "--meta") == mapping


def test_assignments_that_are_not_json_stay_strings():
    assert parse_assignments(["a=hello", "b=2026-01-15", "c=", "d=x=y", " e =1"], "--meta") == {
        "a": "hello", "b": "2026-01-15", "c": "", "d": "x=y", "e": 1}


def test_global_plugin_options_apply_and_reset():
    from rfsrules.plugins import manager

    def names(*args):
        result = cli(*args, "explain", "--list")
        assert result.exit_code == 0, result.output
        return {line.split()[0] for line in result.stdout.splitlines()}

    builtin = {"required", "not_null", "type", "range", "length", "pattern", "in", "not_in", "max_age",
               "unique", "json_schema", "expression", "row_count", "null_rate", "duplicate_rate", "statistic"}
    assert names("--no-plugins") == builtin
    assert manager.plugin_config()["entry_points"] is False
    everything = names()
    assert builtin <= everything
    assert manager.plugin_config() == {"disabled": (), "entry_points": True}
    installed = {n.split(".")[0] for n in everything - builtin}
    for plugin in installed:
        assert not any(n.startswith(plugin + ".") for n in names("-p", f"no:{plugin}"))
    names()  # back to the default for the other tests
