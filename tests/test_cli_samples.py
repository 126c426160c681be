"""The CLI on the committed samples: real subprocess runs, golden JSON reports, CLI == runner.check.

Regenerate the golden files (and the README output blocks) after an intended change with
``RFSRULES_UPDATE_GOLDEN=1`` and review the diff.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from rfsrules.cli.app import app

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).resolve().parent / "golden"
REF = "2026-01-15T12:00:00Z"
UPDATE = os.environ.get("RFSRULES_UPDATE_GOLDEN") == "1"

DEMO = {
    "events-clean": ["examples/events-clean.jsonl", "-r", "rulesets/pipeline-events.yaml",
                     "--metadata", "examples/events-clean.meta.json"],
    "events-problems": ["examples/events-problems.jsonl", "-r", "rulesets/pipeline-events.yaml",
                        "--metadata", "examples/events-problems.meta.json"],
    "orders": ["examples/orders.jsonl", "-r", "rulesets/orders-contract.yaml"],
    "orders-csv": ["examples/orders.csv", "-r", "rulesets/orders-contract.yaml"],
}


def rfsrules(*args: str, input: bytes | None = None) -> subprocess.CompletedProcess:
    """Run ``python -m rfsrules`` in a real process from the repository root."""
    env = {k: v for k, v in os.environ.items() if k not in ("RFSRULES_DEBUG", "NO_COLOR")}
    return subprocess.run([sys.executable, "-m", "rfsrules", *args], cwd=ROOT, input=input,
                          capture_output=True, timeout=120, env=env)


@pytest.fixture()
def at_root(monkeypatch):
    monkeypatch.chdir(ROOT)
    monkeypatch.delenv("RFSRULES_DEBUG", raising=False)


def normalise(data: dict) -> dict:
    """Zero the fields that change from run to run (timing and memory)."""
    summaries = [r["summary"] for r in data["reports"]] if "reports" in data else [data["summary"]]
    for summary in summaries:
        summary["duration_seconds"] = 0.0
        if summary.get("peak_memory_bytes") is not None:
            summary["peak_memory_bytes"] = 0
        summary["thresholds_breached"] = [b for b in summary["thresholds_breached"]
                                          if b["name"] not in ("processing_time_max", "memory_usage_max")]
    return data


# --- real processes ---------------------------------------------------------------------------

def test_demo_clean_batch_passes():
    proc = rfsrules("check", *DEMO["events-clean"], "--ref-time", REF)
    out = proc.stdout.decode()
    assert proc.returncode == 0, out + proc.stderr.decode()
    assert out.splitlines()[-1] == "PASSED (fail-on high)"
    assert "records:     200 total, 200 checked, 0 malformed, 0 failed" in out
    assert proc.stderr == b""


def test_demo_problem_batch_fails_with_clear_violations():
    proc = rfsrules("check", *DEMO["events-problems"], "--ref-time", REF, "--max-examples", "3")
    out = proc.stdout.decode()
    assert proc.returncode == 1, out + proc.stderr.decode()
    assert "records:     200 total, 199 checked, 1 malformed" in out
    assert "timestamp.required [high]: 10 violations, first 3 shown" in out
    assert "data.value.range [medium]: 11 violations, first 3 shown" in out
    assert "id.unique [high]: 2 violations" in out
    assert "parse [critical]: 1 violation" in out
    assert "    line 19  id=transaction_logs_8_18  timestamp  " in out
    assert out.splitlines()[-1].startswith("FAILED (fail-on high): ")
    assert "\x1b[" not in out


def test_subprocess_bad_ruleset_exits_2_without_traceback(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("rfsrules: 1\nname: x\nversion: 1.0.0\nrules:\n  - id: a\n    check: rnage\n    field: v\n")
    proc = rfsrules("check", "examples/events-clean.jsonl", "-r", str(bad))
    err = proc.stderr.decode()
    assert proc.returncode == 2
    assert proc.stdout == b""
    assert err.splitlines()[0].startswith(f"{bad}:6:12: unknown check 'rnage'")
    assert "Traceback" not in err


def test_subprocess_missing_input_and_stdin():
    proc = rfsrules("check", "missing.jsonl", "-r", "rulesets/pipeline-events.yaml")
    assert proc.returncode == 2
    assert proc.stderr.decode() == "rfsrules: error: cannot read 'missing.jsonl': No such file or directory\n"
    data = (ROOT / "examples/events-clean.jsonl").read_bytes()
    proc = rfsrules("check", "-", "-r", "rulesets/pipeline-events.yaml", "--ref-time", REF, "-q", input=data)
    assert proc.returncode == 0, proc.stderr.decode()
    assert proc.stdout == b""


def test_subprocess_version_and_usage_error():
    proc = rfsrules("--version")
    assert proc.returncode == 0 and proc.stdout.decode().startswith("rfsrules ")
    proc = rfsrules("check", "examples/events-clean.jsonl", "-r", "rulesets/pipeline-events.yaml",
                    "--fail-on", "urgent")
    assert proc.returncode == 2
    assert b"Traceback" not in proc.stderr


# --- golden JSON reports ----------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(DEMO))
def test_golden_json(name, at_root):
    result = CliRunner().invoke(app, ["check", *DEMO[name], "--ref-time", REF, "--format", "json"])
    assert result.exit_code in (0, 1), result.output
    data = normalise(json.loads(result.stdout))
    golden = GOLDEN / f"{name}.json"
    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    if UPDATE or not golden.exists():
        if not UPDATE:
            pytest.fail(f"{golden} is missing; run with RFSRULES_UPDATE_GOLDEN=1 to create it")
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(text)
    assert data == json.loads(golden.read_text()), (
        f"{name}: output differs from {golden}; if intended, rerun with RFSRULES_UPDATE_GOLDEN=1")


def _rule_counts(data: dict) -> dict[str, tuple[str, int, int]]:
    return {r["id"]: (r["status"], r["violations"], r["failures"])
            for r in data["rules"] + data["metadata_rules"]}


def test_problem_batch_counts_match_what_was_injected(at_root):
    data = json.loads(CliRunner().invoke(
        app, ["check", *DEMO["events-problems"], "--ref-time", REF, "-f", "json"]).stdout)
    counts = {k: v[1] for k, v in _rule_counts(data).items() if v[1]}
    # 10 missing timestamps, 10 values of -999 plus the string "68" (not comparable), 2 duplicate ids,
    # 1 string-typed value, 1 truncated line; the problem batch expects 220 records (completion 0.909).
    assert counts == {"parse": 1, "timestamp.required": 10, "id.unique": 2, "data.value.type": 1,
                      "data.value.range": 11}
    assert [b["name"] for b in data["summary"]["thresholds_breached"]] == ["error_rate_max", "completion_min"]
    assert data["summary"]["records_failed"] == 24
    assert data["summary"]["passed"] is False


def test_orders_contract_finds_the_injected_violations(at_root):
    data = json.loads(CliRunner().invoke(
        app, ["check", *DEMO["orders"], "--ref-time", REF, "-f", "json"]).stdout)
    counts = {k: v[1] for k, v in _rule_counts(data).items() if v[1]}
    assert counts == {"customer_email.type": 1, "status.in": 1, "currency.pattern": 1, "total-adds-up": 1,
                      "items[*].quantity.range": 1, "shipping-address-shape": 1}
    batch = next(r for r in data["rules"] if r["id"] == "batch-not-empty")
    assert batch["defined_at"].startswith("rulesets/orders-contract.yaml:")  # the override, not the base
    assert data["summary"]["passed"] is False  # total-adds-up is high


def test_orders_csv_checks_the_flat_columns(at_root):
    data = json.loads(CliRunner().invoke(
        app, ["check", *DEMO["orders-csv"], "--ref-time", REF, "-f", "json"]).stdout)
    counts = {k: v[1] for k, v in _rule_counts(data).items() if v[1]}
    assert counts == {"customer_email.type": 1, "status.in": 1, "currency.pattern": 1, "total-adds-up": 1}
    assert data["summary"]["records_total"] == 40


# --- the CLI reports what the library computes ------------------------------------------------

MINI = """\
rfsrules: 1
name: prop
version: 1.0.0
fields:
  id: {type: string, required: true, unique: true}
  value: {type: integer, min: 1, max: 10}
rules:
  - id: few-nulls
    check: null_rate
    field: value
    max: 0.5
"""

ids = st.one_of(st.sampled_from(["a", "b", "c"]), st.integers(0, 2), st.none())
values = st.one_of(st.integers(-3, 14), st.text(max_size=2), st.none(), st.booleans())
records = st.lists(st.fixed_dictionaries({}, optional={"id": ids, "value": values}), max_size=12)
lines = st.lists(st.one_of(records.map(lambda rs: [json.dumps(r) for r in rs]),
                           st.just(["{not json"]), st.just(["[1, 2]"])), max_size=3)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines)
def test_cli_counts_equal_runner_counts(chunks):
    from rfsrules.runner import check

    body = "".join(line + "\n" for chunk in chunks for line in chunk)
    with tempfile.TemporaryDirectory() as tmp:
        data, rules = Path(tmp, "batch.jsonl"), Path(tmp, "rules.yaml")
        data.write_text(body)
        rules.write_text(MINI)
        result = CliRunner().invoke(app, ["check", str(data), "-r", str(rules), "--ref-time", REF, "-f", "json"])
        assert result.exit_code in (0, 1), result.output
        cli_data = json.loads(result.stdout)
        report = check(str(data), str(rules), ref_time=REF)
    library = report.to_dict()
    assert _rule_counts(cli_data) == _rule_counts(library)
    for key in ("records_total", "records_checked", "records_malformed", "records_failed",
                "violations_total", "failures_total", "passed"):
        assert cli_data["summary"][key] == library["summary"][key], key


# --- the README shows real output ---------------------------------------------------------------

def test_readme_output_blocks_are_real(at_root):
    """Each ``<!-- output: CMD -->`` comment in README.md is followed by CMD's actual text output
    (only the ``ref time:`` line, which shows the current time, is left out of the comparison)."""
    import re
    import shlex

    path = ROOT / "README.md"
    readme = path.read_text()
    found = re.findall(r"<!-- output: (.+?) -->\n```text\n(.*?)```\n", readme, re.S)
    assert found, "README.md has no output block"

    def strip(text: str) -> str:
        return re.sub(r"^ref time: .*\n", "", text, flags=re.M)

    for command, shown in found:
        args = shlex.split(command)
        assert args[0] == "rfsrules"
        result = CliRunner().invoke(app, args[1:])
        assert result.exit_code in (0, 1), result.output
        if UPDATE and strip(result.stdout) != strip(shown):
            old_ref = re.search(r"^ref time: .*\n", shown, re.M)
            fresh = re.sub(r"^ref time: .*\n", old_ref.group(0), result.stdout, flags=re.M) if old_ref \
                else result.stdout
            readme = readme.replace(f"<!-- output: {command} -->\n```text\n{shown}```\n",
                                    f"<!-- output: {command} -->\n```text\n{fresh}```\n")
            path.write_text(readme)
            continue
        assert strip(result.stdout) == strip(shown), (
            f"README output of {command!r} is stale; rerun with RFSRULES_UPDATE_GOLDEN=1 to refresh it")


def test_committed_samples_are_what_the_generator_writes(tmp_path):
    """examples/make_samples.py reproduces the committed sample files byte for byte."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_samples", ROOT / "examples" / "make_samples.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    where = module.write_all(tmp_path)
    names = ["events-clean.jsonl", "events-clean.meta.json", "events-problems.jsonl",
             "events-problems.meta.json", "orders.jsonl", "orders.csv"]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names)
    for name in names:
        assert (tmp_path / name).read_bytes() == (ROOT / "examples" / name).read_bytes(), name
    assert {k: len(v) for k, v in where.items()} == module.PROBLEMS
    assert where["malformed_json"] == [51] and where["string_value"] == [10]


def test_readme_tutorial_ruleset_is_the_shipped_file():
    import re

    readme = (ROOT / "README.md").read_text()
    first_yaml = re.search(r"```yaml\n(.*?)```\n", readme, re.S).group(1)
    assert first_yaml == (ROOT / "examples" / "orders-basic.yaml").read_text()


def test_readme_json_excerpt_is_real(at_root):
    import re

    readme = (ROOT / "README.md").read_text()
    excerpt = json.loads(re.search(r"```json\n(.*?)```\n", readme, re.S).group(1))
    result = CliRunner().invoke(app, ["check", "examples/orders.jsonl", "-r", "examples/orders-basic.yaml",
                                      "--format", "json"])
    rules = {r["id"]: r for r in json.loads(result.stdout)["rules"]}
    assert rules[excerpt["id"]] == excerpt
