"""One test per lifecycle hook: when it fires, what it receives, how results and exceptions are handled."""

from __future__ import annotations

import pytest

from plugins_support import make_plugin
from rfsrules.errors import PluginError
from rfsrules.plugins.hookspecs import hookimpl
from rfsrules.plugins.manager import PluginManager, get_plugin_manager, set_plugin_manager
from rfsrules.ruleset.loader import load_ruleset_text
from rfsrules.runner import check

REF_TIME = "2026-01-15T12:00:00Z"
RULESET = """\
rfsrules: 1
name: lifecycle
version: 1.0.0
rules:
  - id: id-required
    check: required
    field: id
"""

WIRING = ("the lead wires the lifecycle hooks into the loader, runner and CLI "
          "(see the plugins report); remove this marker then")


def manager_with(*plugins) -> PluginManager:
    return PluginManager(entry_points=False, env={}, extra_plugins=list(plugins)).load()


@pytest.fixture
def ruleset():
    return load_ruleset_text(RULESET, path="lifecycle.yaml")


@pytest.fixture
def report(ruleset):
    return check([{"id": 1}, {"x": 2}], ruleset, ref_time=REF_TIME)


@pytest.fixture
def process_manager():
    """Install a process-wide manager for the test and restore the default afterwards."""
    def install(*plugins):
        set_plugin_manager(get_plugin_manager().derive(extra_plugins=list(plugins)))
    yield install
    set_plugin_manager(None)


def test_hook_rfsrules_ruleset_loaded(ruleset):
    seen = []
    auditor = make_plugin("auditor", rfsrules_ruleset_loaded=lambda ruleset: seen.append(ruleset.name))
    manager_with(auditor).notify_ruleset_loaded(ruleset)
    assert seen == ["lifecycle"]

    def refuse(ruleset):
        if not ruleset.owner:
            raise ValueError(f"ruleset {ruleset.name} has no owner")

    strict = make_plugin("owner-policy", rfsrules_ruleset_loaded=refuse)
    with pytest.raises(PluginError) as err:
        manager_with(auditor, strict).notify_ruleset_loaded(ruleset)
    assert str(err.value) == ("plugin 'owner-policy' failed in rfsrules_ruleset_loaded: "
                              "ValueError: ruleset lifecycle has no owner")
    assert (err.value.plugin, err.value.hook) == ("owner-policy", "rfsrules_ruleset_loaded")
    assert isinstance(err.value.__cause__, ValueError)


def test_hook_rfsrules_batch_checked(ruleset, report):
    seen = []

    def export(report, ruleset):
        seen.append((ruleset.name, report.summary.records_total, report.rule("id-required").violations))
        report.context["exported"] = True

    manager_with(make_plugin("exporter", rfsrules_batch_checked=export)).notify_batch_checked(report, ruleset)
    assert seen == [("lifecycle", 2, 1)]
    assert report.context["exported"] is True


def test_hook_rfsrules_alert_before_send():
    calls = []

    @hookimpl(tryfirst=True)
    def enrich(alert, channel):
        calls.append("enrich")
        alert["runbook"] = "https://wiki.example.com/dq"

    @hookimpl
    def drop_low(alert, channel):
        calls.append("drop_low")
        if channel == "slack" and alert["severity"] == "low":
            return False
        return None

    @hookimpl(trylast=True)
    def last(alert, channel):
        calls.append("last")

    manager = manager_with(make_plugin("enricher", rfsrules_alert_before_send=enrich),
                           make_plugin("quiet-slack", rfsrules_alert_before_send=drop_low),
                           make_plugin("audit", rfsrules_alert_before_send=last))
    high = {"title": "quality dropped", "severity": "high"}
    assert manager.prepare_alert(high, "slack") is True
    assert high["runbook"] == "https://wiki.example.com/dq"
    assert calls == ["enrich", "drop_low", "last"]
    calls.clear()
    low = {"title": "minor", "severity": "low"}
    assert manager.prepare_alert(low, "slack") is False
    assert calls == ["enrich", "drop_low"]  # firstresult: dropping stops the chain
    calls.clear()
    assert manager.prepare_alert({"title": "minor", "severity": "low"}, "email") is True
    assert manager_with().prepare_alert({"title": "t"}, "slack") is True


def test_hook_rfsrules_report_rendered(report):
    archive = {}

    def keep(report, format, output):
        archive[(report.ruleset_name, format)] = output

    manager = manager_with(make_plugin("archiver", rfsrules_report_rendered=keep))
    manager.notify_report_rendered(report, "json", '{"ok": true}')
    assert archive == {("lifecycle", "json"): '{"ok": true}'}

    def broken(report, format, output):
        raise OSError("disk full")

    with pytest.raises(PluginError, match="plugin 'uploader' failed in rfsrules_report_rendered: OSError: disk full"):
        manager_with(make_plugin("archiver2", rfsrules_report_rendered=keep),
                     make_plugin("uploader", rfsrules_report_rendered=broken)).notify_report_rendered(report, "json", "{}")


def test_lifecycle_hooks_get_keyword_arguments_by_name_only():
    seen = []
    plugin = make_plugin("partial", rfsrules_report_rendered=lambda format: seen.append(format))
    manager_with(plugin).notify_report_rendered("R", "markdown", "# x")
    assert seen == ["markdown"]



def test_loader_fires_ruleset_loaded(process_manager):
    seen = []
    process_manager(make_plugin("watch-load", rfsrules_ruleset_loaded=lambda ruleset: seen.append(ruleset.name)))
    load_ruleset_text(RULESET, path="lifecycle.yaml")
    assert seen == ["lifecycle"]



def test_runner_fires_batch_checked(process_manager, ruleset):
    seen = []
    process_manager(make_plugin("watch-batch", rfsrules_batch_checked=lambda report, ruleset: seen.append(
        (ruleset.name, report.summary.records_total, report.summary.passed))))
    check([{"id": 1}], ruleset, ref_time=REF_TIME)
    assert seen == [("lifecycle", 1, True)]
