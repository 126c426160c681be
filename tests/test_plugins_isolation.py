"""A plugin that breaks does not take the run down: failing checks become ``error`` rules, failing imports warnings."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from plugins_support import install_fake_dist, make_plugin, value_check
from rfsrules.checks.spec import CheckSpec
from rfsrules.plugins.manager import get_plugin_manager, set_plugin_manager
from rfsrules.runner import check
from rfsrules.testing import RulesetRunner

REF_TIME = "2026-01-15T12:00:00Z"
RULESET = """\
rfsrules: 1
name: isolation
version: 1.0.0
rules:
  - id: fragile
    check: acme.fragile
    field: a
    severity: low
  - id: a-max
    check: range
    field: a
    max: 2
    severity: low
  - id: batch-size
    check: row_count
    min: 1
"""
RECORDS = [{"a": 1}, {"a": 3}, {"a": 5}]


def _fragile(value):
    if value == 3:
        raise ValueError("cannot handle 3")
    return None


class _Exploding:
    needs_records = True

    def add(self, record):
        pass

    def merge(self, other):
        pass

    def finish(self, records_checked):
        raise ZeroDivisionError("division by zero")


FRAGILE = make_plugin("acme-fragile", checks=[
    value_check("acme.fragile", _fragile),
    CheckSpec(name="acme.exploding", level="batch", fields="none", summary="explodes at the end",
              python=lambda rule, ctx: _Exploding()),
])


@pytest.fixture
def with_fragile_plugin():
    set_plugin_manager(get_plugin_manager().derive(extra_plugins=[FRAGILE]))
    yield
    set_plugin_manager(None)


def test_raising_check_reports_error_and_keeps_other_results():
    report = RulesetRunner(plugins=[FRAGILE], ref_time=REF_TIME)(RULESET, RECORDS)
    fragile, a_max, size = report.rule("fragile"), report.rule("a-max"), report.rule("batch-size")
    assert (fragile.status, fragile.plugin) == ("error", "acme-fragile")
    assert fragile.error == "ValueError: cannot handle 3 (plugin acme-fragile)"
    assert (a_max.status, a_max.violations, [v.line for v in a_max.examples]) == ("failed", 2, [2, 3])
    assert (size.status, size.violations) == ("passed", 0)
    assert report.summary.records_total == 3
    assert report.has_errors is True
    assert report.gate("none") is False  # an incomplete run never passes


def test_raising_batch_check_is_isolated_too():
    ruleset = RULESET + "  - id: boom\n    check: acme.exploding\n"
    report = RulesetRunner(plugins=[FRAGILE], ref_time=REF_TIME)(ruleset, [{"a": 1}])
    boom = report.rule("boom")
    assert (boom.status, boom.error, boom.plugin) == (
        "error", "ZeroDivisionError: division by zero (plugin acme-fragile)", "acme-fragile")
    assert report.rule("batch-size").status == "passed"


def test_check_cli_exits_2_on_a_plugin_error_unless_keep_going(tmp_path, with_fragile_plugin):
    from rfsrules.cli.app import app

    rules = tmp_path / "rules.yaml"
    rules.write_text(RULESET)
    data = tmp_path / "data.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in RECORDS))
    runner = CliRunner()
    args = ["check", str(data), "-r", str(rules), "--ref-time", REF_TIME, "--fail-on", "none"]
    strict = runner.invoke(app, args)
    assert strict.exit_code == 2, strict.output
    assert "fragile" in strict.stderr and "cannot handle 3" in strict.stderr
    kept = runner.invoke(app, args + ["--keep-going", "--format", "json"])
    assert kept.exit_code == 1, kept.output
    rule = {r["id"]: r for r in json.loads(kept.stdout)["rules"]}["fragile"]
    assert (rule["status"], rule["plugin"], rule["error"]) == (
        "error", "acme-fragile", "ValueError: cannot handle 3 (plugin acme-fragile)")


def test_check_cli_warns_about_a_plugin_that_failed_to_import(tmp_path, monkeypatch):
    from rfsrules.cli.app import app

    site = install_fake_dist(tmp_path / "site", "rfsrules-broken", "0.1", {"broken": "acme_iso_missing"})
    monkeypatch.syspath_prepend(str(site))
    set_plugin_manager(None)
    try:
        rules = tmp_path / "rules.yaml"
        rules.write_text("rfsrules: 1\nname: w\nversion: 1.0.0\nrules:\n  - id: batch-size\n    check: row_count\n    min: 1\n")
        data = tmp_path / "data.jsonl"
        data.write_text('{"a": 1}\n')
        result = CliRunner().invoke(app, ["check", str(data), "-r", str(rules), "--ref-time", REF_TIME])
        assert result.exit_code == 0, result.output
        assert ("rfsrules: warning: plugin 'broken' failed in import: ModuleNotFoundError: "
                "No module named 'acme_iso_missing'") in result.stderr.splitlines()
    finally:
        set_plugin_manager(None)
