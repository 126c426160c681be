"""One test per registration hook: what a plugin registers is used exactly like a built-in."""

from __future__ import annotations

import jinja2
import pytest

from plugins_support import make_plugin
from rfsrules.checks.spec import CheckFailure, CheckSpec
from rfsrules.engines.api import EngineSpec
from rfsrules.errors import RulesetError
from rfsrules.plugins.manager import PluginManager, get_plugin_manager
from rfsrules.plugins.specs import ChannelSpec, DetectorSpec, TemplateSpec
from rfsrules.ruleset.loader import load_ruleset_text
from rfsrules.ruleset.schema import ruleset_json_schema
from rfsrules.testing import RulesetRunner

REF_TIME = "2026-01-15T12:00:00Z"


def _even(rule, ctx):
    def test(value):
        if type(value) is int and value % 2:
            return "odd_value", f"{value} is odd"
        return None
    return test


def _sum_below(rule, ctx):
    limit = rule.params["limit"]
    fields = [f.getter() for f in rule.fields]

    def test(record, line):
        total = sum(v for v in (get(record) for get in fields) if type(v) is int)
        if total > limit:
            return [CheckFailure(None, total, "sum_too_high", f"sum {total} exceeds {limit} (line {line})")]
        return None
    return test


class _Distinct:
    needs_records = True

    def __init__(self, getter, minimum):
        self.getter, self.minimum, self.seen = getter, minimum, set()

    def add(self, record):
        value = self.getter(record)
        if isinstance(value, str):
            self.seen.add(value)

    def merge(self, other):
        self.seen |= other.seen

    def finish(self, records_checked):
        if len(self.seen) < self.minimum:
            return [CheckFailure(None, len(self.seen), "too_few_distinct",
                                 f"{len(self.seen)} distinct values in {records_checked} records, expected {self.minimum}")]
        return []


ACME_CHECKS = [
    CheckSpec(name="acme.even", level="value", fields="many", summary="Integers must be even.", python=_even),
    CheckSpec(name="acme.sum_below", level="record", fields="many", summary="Fields must not add up above limit.",
              python=_sum_below, params={"limit": {"type": "integer", "minimum": 0}}, required=("limit",)),
    CheckSpec(name="acme.distinct_at_least", level="batch", fields="one", summary="Enough distinct values.",
              python=lambda rule, ctx: _Distinct(rule.fields[0].getter(), rule.params["min"]),
              params={"min": {"type": "integer"}}, required=("min",), default_severity="low"),
]

RULESET = """\
rfsrules: 1
name: acme
version: 1.0.0
rules:
  - id: even
    check: acme.even
    fields: [a, b]
  - id: sum
    check: acme.sum_below
    fields: [a, b]
    limit: 10
  - id: distinct
    check: acme.distinct_at_least
    field: tag
    min: 3
"""


def test_hook_rfsrules_register_checks(tmp_path):
    plugin = make_plugin("acme", checks=ACME_CHECKS)
    runner = RulesetRunner(plugins=[plugin], ref_time=REF_TIME)
    records = [{"a": 1, "b": 2, "tag": "x"}, {"a": 8, "b": 4, "tag": "y"}, {"a": 3, "b": 5, "tag": "x"}]
    report = runner(RULESET, records)
    even, total, distinct = report.rule("even"), report.rule("sum"), report.rule("distinct")
    assert (even.status, even.violations, even.failures) == ("failed", 2, 3)
    assert [(v.line, v.field, v.reason, v.message) for v in even.examples] == [
        (1, "a", "odd_value", "1 is odd"), (3, "a", "odd_value", "3 is odd"), (3, "b", "odd_value", "5 is odd")]
    assert (total.violations, [v.line for v in total.examples]) == (1, [2])
    assert total.examples[0].message == "sum 12 exceeds 10 (line 2)"
    assert (distinct.status, distinct.severity, distinct.violations) == ("failed", "low", 1)
    assert distinct.examples[0].message == "2 distinct values in 3 records, expected 3"

    registry = runner.manager().checks
    assert registry.get("acme.even").plugin == "acme"
    # the plugin's parameter schema is part of the ruleset schema and lint reports bad values at line:col
    schema_text = str(ruleset_json_schema(registry))
    assert "acme.sum_below" in schema_text
    with pytest.raises(RulesetError) as err:
        load_ruleset_text(RULESET.replace("limit: 10", "limit: -1"), path="acme.yaml", registry=registry)
    assert [(i.line, i.col) for i in err.value.issues] == [(11, 12)]
    assert "limit" in err.value.issues[0].message
    with pytest.raises(RulesetError) as err:
        load_ruleset_text(RULESET.replace("check: acme.even", "check: acme.evn"), path="acme.yaml", registry=registry)
    assert err.value.issues[0].line == 6 and "acme.even" in err.value.issues[0].message


def test_hook_rfsrules_register_engines():
    seen = []

    class EchoEngine:
        name = "echo"

        def __init__(self, registry):
            self.registry = registry

        def unsupported(self, ruleset):
            return []

        def run(self, ruleset, sources, options):
            seen.append((ruleset.name, list(sources), self.registry))
            return get_plugin_manager().engine("python").run(ruleset, sources, options)

    plugin = make_plugin("echo", rfsrules_register_engines=lambda: [EngineSpec(name="echo", factory=EchoEngine)])
    manager = PluginManager(extra_plugins=[plugin], env={}).load()
    assert manager.engines["echo"].plugin == "echo"
    assert sorted(manager.engines) == ["duckdb", "echo", "python"]
    engine = manager.engine("echo")
    assert isinstance(engine, EchoEngine) and engine.registry is manager.checks


def test_hook_rfsrules_register_detectors():
    def factory(config, ctx):
        return ("detector", config)

    spec = DetectorSpec(name="acme.zscore", summary="z-score of batch metrics", factory=factory,
                        params={"threshold": {"type": "number"}}, required=("threshold",))
    manager = PluginManager(builtins=(), entry_points=False, env={},
                            extra_plugins=[make_plugin("acme", rfsrules_register_detectors=lambda: [spec])]).load()
    found = manager.detector("acme.zscore")
    assert found.plugin == "acme"
    assert found.factory({"threshold": 3}, None) == ("detector", {"threshold": 3})
    assert found.params_schema() == {"type": "object", "properties": {"threshold": {"type": "number"}},
                                     "required": ["threshold"]}
    assert manager.plugin("acme").registered == {"detectors": ["acme.zscore"]}


def test_hook_rfsrules_register_channels():
    sent = []

    class Pager:
        def __init__(self, config):
            self.config = config

        def send(self, alert):
            sent.append((self.config["service"], alert["title"]))

    spec = ChannelSpec(name="acme.pager", summary="page on-call", factory=Pager,
                       params={"service": {"type": "string"}}, required=("service",))
    manager = PluginManager(builtins=(), entry_points=False, env={},
                            extra_plugins=[make_plugin("acme", rfsrules_register_channels=lambda: [spec])]).load()
    channel = manager.channel("acme.pager").factory({"service": "data"})
    channel.send({"title": "quality dropped"})
    assert sent == [("data", "quality dropped")]
    assert manager.channel("acme.pager").plugin == "acme"


def test_hook_rfsrules_register_templates(tmp_path):
    (tmp_path / "line.txt.j2").write_text("{{ report.ruleset_name }}: {{ report.summary.records_total }} records")
    spec = TemplateSpec(name="acme", summary="one-line summary", directory=tmp_path)
    manager = PluginManager(builtins=(), entry_points=False, env={},
                            extra_plugins=[make_plugin("acme", rfsrules_register_templates=lambda: [spec])]).load()
    report = RulesetRunner(ref_time=REF_TIME)("rfsrules: 1\nname: tpl\nversion: 1.0.0\n", [{"a": 1}, {"a": 2}])
    env = jinja2.Environment(loader=manager.template_loader())
    assert env.get_template("acme/line.txt.j2").render(report=report) == "tpl: 2 records"
    assert manager.templates["acme"].plugin == "acme"
    with pytest.raises(jinja2.TemplateNotFound):
        env.get_template("other/line.txt.j2")
