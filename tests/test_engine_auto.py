"""``--engine auto``: the choice by input kind, size and supported rules, and the reason every report carries."""

from __future__ import annotations

import json
import types
from datetime import datetime, timezone

import pytest

from rfsrules.engines import auto
from rfsrules.engines.api import EngineSpec
from rfsrules.errors import Issue
from rfsrules.plugins.hookspecs import hookimpl
from rfsrules.plugins.manager import DEFAULT_PLUGINS, PluginManager, get_plugin_manager, set_plugin_manager
from rfsrules.ruleset.loader import load_ruleset_text
from rfsrules.runner import check

REF = datetime(2026, 1, 15, 12, 0, 0, tzinfo=timezone.utc)
RULESET = load_ruleset_text("rfsrules: 1\nname: a\nversion: 1.0.0\nfields:\n  v: {type: integer, min: 0}\n")


class FakeEngine:
    """Stands in for DuckDB: runs nothing itself (delegates to the Python engine) but says it ran."""

    name = "duckdb"
    refuse: list = []

    def __init__(self, registry):
        from rfsrules.engines.python import PythonEngine

        self.inner = PythonEngine(registry)

    def unsupported(self, ruleset):
        return [Issue("<t>", 1, 1, f"rule {rule_id!r} needs Python", "E") for rule_id in self.refuse]

    def run(self, ruleset, sources, options):
        report = self.inner.run(ruleset, sources, options)
        report.summary.engine = self.name
        return report


def _engines(refuse=()):
    FakeEngine.refuse = list(refuse)
    return {"python": EngineSpec("python", lambda r: None), "duckdb": EngineSpec("duckdb", FakeEngine)}


@pytest.fixture
def big(tmp_path, monkeypatch):
    monkeypatch.setenv(auto.ENV_MIN_BYTES, "100")
    path = tmp_path / "big.jsonl"
    path.write_text("".join(json.dumps({"v": i - 5}) + "\n" for i in range(40)))
    return str(path)


def test_small_inputs_stdin_and_records_go_to_python(tmp_path):
    path = tmp_path / "s.jsonl"
    path.write_text('{"v": 1}\n')
    choice = auto.choose_engine([str(path)], RULESET, _engines(), None)
    assert choice.engine == "python"
    assert choice.reason.startswith("0.0 MiB of input, below the ")
    assert auto.choose_engine(["-"], RULESET, _engines(), None) == auto.EngineChoice(
        "python", "stdin is streamed by the Python engine")
    assert auto.choose_engine([[{"v": 1}]], RULESET, _engines(), None) == auto.EngineChoice(
        "python", "in-memory records are checked by the Python engine")


def test_large_files_go_to_duckdb_when_it_can_run_every_rule(big, monkeypatch):
    monkeypatch.setattr(auto, "duckdb_installed", lambda: True)
    choice = auto.choose_engine([big], RULESET, _engines(), None)
    assert choice.engine == "duckdb"
    assert choice.reason.endswith("of input, at least the 0.0 MiB from which DuckDB runs files")
    refused = auto.choose_engine([big], RULESET, _engines(refuse=["x", "y"]), None)
    assert refused == auto.EngineChoice("python", "DuckDB cannot run every rule: rule 'x' needs Python (and 1 more)")
    assert auto.choose_engine([big], RULESET, {"python": None}, None) == auto.EngineChoice(
        "python", "the duckdb engine is not registered")
    monkeypatch.setattr(auto, "duckdb_installed", lambda: False)
    assert auto.choose_engine([big], RULESET, _engines(), None).reason == (
        "the duckdb extra is not installed (pip install 'rfsrules[duckdb]')")


def test_parquet_goes_to_duckdb_whatever_its_size(tmp_path, monkeypatch):
    monkeypatch.setattr(auto, "duckdb_installed", lambda: True)
    path = tmp_path / "t.parquet"
    path.write_bytes(b"PAR1")
    assert auto.choose_engine([str(path)], RULESET, _engines(), None) == auto.EngineChoice(
        "duckdb", "Parquet input is read by DuckDB")


def test_threshold_environment_override(monkeypatch):
    monkeypatch.setenv(auto.ENV_MIN_BYTES, "12345")
    assert auto.threshold() == 12345
    monkeypatch.setenv(auto.ENV_MIN_BYTES, "lots")
    assert auto.threshold() == auto.DUCKDB_MIN_BYTES


@pytest.fixture
def fake_duckdb_manager(monkeypatch):
    """A plugin manager whose ``duckdb`` engine is the fake one, registered through a plugin."""
    plugin = types.SimpleNamespace(rfsrules_register_engines=hookimpl(
        lambda: [EngineSpec(name="duckdb", factory=FakeEngine, summary="fake")]))
    manager = PluginManager(builtins=[m for m in DEFAULT_PLUGINS if m != "rfsrules.engines.duckdb"],
                            extra_plugins=[plugin], entry_points=False).load()
    previous = get_plugin_manager()
    set_plugin_manager(manager)
    monkeypatch.setattr(auto, "duckdb_installed", lambda: True)
    yield manager
    set_plugin_manager(previous)


def test_runner_defaults_to_auto_and_reports_the_choice(big, fake_duckdb_manager):
    FakeEngine.refuse = []
    report = check(big, RULESET, ref_time=REF, measure_resources=False)
    assert report.summary.engine == "duckdb"
    assert report.summary.engine_reason.startswith("0.0 MiB of input, at least the")
    assert report.rule("v.range").violations == 5
    explicit = check(big, RULESET, engine="python", ref_time=REF, measure_resources=False)
    assert (explicit.summary.engine, explicit.summary.engine_reason) == ("python", "requested explicitly")
    records = check([{"v": -1}], RULESET, ref_time=REF, measure_resources=False)
    assert records.summary.engine == "python"
    assert records.to_dict()["summary"]["engine_reason"] == "in-memory records are checked by the Python engine"


def test_cli_shows_the_engine_in_every_format(big, fake_duckdb_manager, tmp_path):
    from typer.testing import CliRunner

    from rfsrules.cli.app import app

    ruleset = tmp_path / "r.yaml"
    ruleset.write_text("rfsrules: 1\nname: a\nversion: 1.0.0\nfields:\n  v: {type: integer, min: 0}\n")
    runner = CliRunner()
    base = ["check", big, "-r", str(ruleset), "--ref-time", "2026-01-15T12:00:00Z"]
    text = runner.invoke(app, base)
    assert "(engine duckdb)" in text.stdout
    data = json.loads(runner.invoke(app, base + ["-f", "json"]).stdout)
    assert data["summary"]["engine"] == "duckdb" and "DuckDB runs files" in data["summary"]["engine_reason"]
    assert "| Engine | duckdb |" in runner.invoke(app, base + ["-f", "markdown"]).stdout
    assert 'value="duckdb"' in runner.invoke(app, base + ["-f", "junit"]).stdout
    python = runner.invoke(app, base + ["-e", "python", "-j", "2"])
    assert "(engine python)" in python.stdout
    unknown = runner.invoke(app, base + ["-e", "autoo"])
    assert unknown.exit_code == 2 and "did you mean 'auto'" in unknown.output
