"""QA of the plugin system from a plugin author's side: clumsy and hostile plugins must not take a run down."""

from __future__ import annotations

import json
import pickle

import pytest
from typer.testing import CliRunner

from plugins_support import make_plugin
from rfsrules.checks.spec import CheckFailure, CheckSpec
from rfsrules.engines.api import EngineSpec
from rfsrules.errors import PluginError
from rfsrules.plugins.guard import GuardedAccumulator
from rfsrules.plugins.hookspecs import hookimpl
from rfsrules.plugins.manager import PluginManager, get_plugin_manager, set_plugin_manager
from rfsrules.testing import RulesetRunner

REF_TIME = "2026-01-15T12:00:00Z"
RECORDS = [{"v": 1, "user": "a"}, {"v": 3, "user": "b"}, {"v": 2}]


def _value_returning(result):
    def build(rule, ctx):
        return lambda value: result
    return build


def _record_returning(result):
    def build(rule, ctx):
        return lambda record, line: result
    return build


class _Acc:
    def __init__(self, result=(), n=0):
        self.result, self.n = result, n

    def add(self, record):
        self.n += 1

    def merge(self, other):
        self.n += other.n

    def finish(self, records_checked):
        return self.result


def _ruleset(check: str, extra: str = "") -> str:
    return f"""\
rfsrules: 1
name: qa
version: 1.0.0
rules:
  - id: t
    check: {check}
{extra}  - id: user-required
    check: required
    field: user
  - id: v-max
    check: range
    field: v
    max: 2
"""


def _run(spec: CheckSpec, extra: str = ""):
    plugin = make_plugin("clumsy", checks=[spec])
    return RulesetRunner(plugins=[plugin], ref_time=REF_TIME)(_ruleset(spec.name, extra), RECORDS)


def _assert_others_intact(report):
    required, vmax = report.rule("user-required"), report.rule("v-max")
    assert (required.status, required.violations, [v.line for v in required.examples]) == ("failed", 1, [3])
    assert (vmax.status, vmax.violations, [v.line for v in vmax.examples]) == ("failed", 1, [2])
    assert report.summary.records_total == 3


@pytest.mark.parametrize("result, shown", [
    (True, "a bool (True)"),
    (False, "a bool (False)"),
    ("oops", "a str ('oops')"),
    (("a", "b", "c"), "a tuple (('a', 'b', 'c'))"),
    ((1, 2), "a tuple ((1, 2))"),
])
def test_value_check_with_a_wrong_result_is_an_error_of_that_rule_only(result, shown):
    # before: True/False crashed the whole run ("internal error: TypeError"), 'oops' became
    # reason 'o' / message 'o', ('a', 'b', 'c') silently lost its third item
    spec = CheckSpec(name="clumsy.value", level="value", fields="many", summary="s", python=_value_returning(result))
    report = _run(spec, "    field: v\n")
    rule = report.rule("t")
    assert (rule.status, rule.violations, rule.plugin) == ("error", 0, "clumsy")
    assert rule.error == (f"TypeError: check 'clumsy.value' returned {shown} for a value; "
                          "expected None or a (reason, message) pair of strings (plugin clumsy)")
    _assert_others_intact(report)


def test_value_check_returning_a_list_pair_still_works():
    spec = CheckSpec(name="clumsy.value", level="value", fields="many", summary="s",
                     python=_value_returning(["bad", "is bad"]))
    rule = _run(spec, "    field: v\n").rule("t")
    assert (rule.status, rule.violations) == ("failed", 3)
    assert [(v.line, v.reason, v.message) for v in rule.examples] == [
        (1, "bad", "is bad"), (2, "bad", "is bad"), (3, "bad", "is bad")]


@pytest.mark.parametrize("result, message", [
    ({"field": "x"}, "returned a dict ({'field': 'x'}); expected None or a list of CheckFailure"),
    (True, "returned a bool (True); expected None or a list of CheckFailure"),
    (["bad"], "returned a list holding a str ('bad'); expected CheckFailure(field, value, reason, message) items"),
    (CheckFailure("x", 1, "r", "m"),
     "returned a CheckFailure (CheckFailure(field='x', value=1, reason='r', message='m')) "
     "(a single failure: return it in a list); expected None or a list of CheckFailure"),
])
def test_record_check_with_a_wrong_result_is_an_error_of_that_rule_only(result, message):
    # before: each of these crashed the whole run with an "internal error"
    spec = CheckSpec(name="clumsy.record", level="record", fields="none", summary="s",
                     python=_record_returning(result))
    report = _run(spec)
    rule = report.rule("t")
    assert (rule.status, rule.plugin) == ("error", "clumsy")
    assert rule.error == f"TypeError: check 'clumsy.record': its record test {message} (plugin clumsy)"
    _assert_others_intact(report)


def test_record_check_returning_plain_failure_tuples_works():
    spec = CheckSpec(name="clumsy.record", level="record", fields="none", summary="s",
                     python=_record_returning([("x", 1, "r", "m")]))
    rule = _run(spec).rule("t")
    assert (rule.status, rule.violations) == ("failed", 3)
    assert [(v.line, v.field, v.reason) for v in rule.examples] == [(1, "x", "r"), (2, "x", "r"), (3, "x", "r")]


def test_batch_check_with_a_wrong_finish_result_is_an_error_of_that_rule_only():
    spec = CheckSpec(name="clumsy.batch", level="batch", fields="none", summary="s",
                     python=lambda rule, ctx: _Acc(result="x"))
    report = _run(spec)
    rule = report.rule("t")
    assert rule.status == "error"
    assert rule.error == ("TypeError: check 'clumsy.batch': finish() returned a str ('x'); "
                          "expected None or a list of CheckFailure (plugin clumsy)")
    _assert_others_intact(report)


def test_batch_check_finish_returning_none_passes_and_failures_count():
    none = CheckSpec(name="clumsy.batch", level="batch", fields="none", summary="s",
                     python=lambda rule, ctx: _Acc(result=None))
    assert _run(none).rule("t").status == "passed"
    failing = CheckSpec(name="clumsy.batch", level="batch", fields="none", summary="s",
                        python=lambda rule, ctx: _Acc(result=[CheckFailure(None, 3, "few", "too few")]))
    rule = _run(failing).rule("t")
    assert (rule.status, rule.violations, rule.examples[0].message) == ("failed", 1, "too few")


def test_builder_returning_something_unusable_is_an_error_naming_the_check():
    spec = CheckSpec(name="clumsy.value", level="value", fields="many", summary="s", python=lambda rule, ctx: None)
    rule = _run(spec, "    field: v\n").rule("t")
    assert rule.error == ("TypeError: check 'clumsy.value': its python builder returned a NoneType (None), "
                          "expected a function test(value) (plugin clumsy)")


def test_builtin_checks_are_not_wrapped_and_plugin_builders_still_pickle():
    manager = get_plugin_manager()
    assert manager.checks.get("range").python.__module__ == "rfsrules.checks.builtin.values"
    pii = manager.checks.get("pii.email_masked")
    assert pii.python.func.__module__ == "rfsrules.plugins.guard"
    assert pickle.loads(pickle.dumps(manager.checks)).get("pii.email_masked").level == "value"


def test_guarded_accumulator_forwards_attributes_merges_and_pickles():
    acc = GuardedAccumulator("x.acc", _Acc())
    acc.add({})
    assert getattr(acc, "needs_records", True) is True and not hasattr(acc, "values_of")
    other = pickle.loads(pickle.dumps(GuardedAccumulator("x.acc", _Acc(n=2))))
    acc.merge(other)
    assert acc.n == 3 and acc.finish(3) == []


def _bare(*plugins, entry_points=False):
    return PluginManager(builtins=(), entry_points=entry_points, env={}, extra_plugins=plugins).load()


@pytest.mark.parametrize("name", ["", "Bad Name!", "acme.", ".acme", "acme..x", "1acme"])
def test_a_name_yaml_cannot_spell_is_refused_at_registration(name):
    # before: accepted ('Bad Name!' was listed by `rfsrules plugins` and ran)
    plugin = make_plugin("oddnames", checks=[
        CheckSpec(name=name, level="value", summary="s", python=_value_returning(None))])
    with pytest.raises(PluginError, match=r"plugin 'oddnames' failed in rfsrules_register_checks: "
                                          r"check .* invalid name: use letters, digits"):
        _bare(plugin)


def test_valid_names_are_accepted():
    plugin = make_plugin("goodnames", checks=[
        CheckSpec(name=n, level="value", summary="s", python=_value_returning(None))
        for n in ("acme", "acme.slug", "_x.y-z", "a.b.c_1")])
    assert _bare(plugin).checks.names() == ["_x.y-z", "a.b.c_1", "acme", "acme.slug"]


def test_a_check_whose_python_is_not_callable_is_refused_at_registration():
    plugin = make_plugin("nocall", checks=[CheckSpec(name="nocall.x", level="value", summary="s", python="nope")])
    with pytest.raises(PluginError, match=r"check 'nocall.x': python must be callable, got str"):
        _bare(plugin)


def _broken_factory(registry):
    raise ImportError("No module named 'acmedb'")


ENGINE_PLUGIN = make_plugin("acmedb", rfsrules_register_engines=lambda: [
    EngineSpec(name="acmedb", factory=_broken_factory, extra="acmedb")])


def test_engine_that_cannot_be_built_names_its_plugin():
    manager = _bare(ENGINE_PLUGIN)
    with pytest.raises(PluginError) as caught:
        manager.engine("acmedb")
    assert str(caught.value) == ("plugin 'acmedb' failed in engine 'acmedb': ImportError: No module named "
                                 "'acmedb' (the engine needs the extra 'acmedb': pip install 'acmedb[acmedb]')")


def test_check_cli_reports_a_broken_plugin_engine_in_one_line(tmp_path):
    # before: "rfsrules: error: internal error: ImportError: ..."
    from rfsrules.cli.app import app

    rules = tmp_path / "rules.yaml"
    rules.write_text("rfsrules: 1\nname: e\nversion: 1.0.0\nrules:\n  - id: n\n    check: row_count\n    min: 1\n")
    data = tmp_path / "data.jsonl"
    data.write_text('{"a": 1}\n')
    set_plugin_manager(get_plugin_manager().derive(extra_plugins=[ENGINE_PLUGIN]))
    try:
        result = CliRunner().invoke(app, ["check", str(data), "-r", str(rules), "--engine", "acmedb"])
    finally:
        set_plugin_manager(None)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        "rfsrules: error: plugin 'acmedb' failed in engine 'acmedb': ImportError: No module named 'acmedb' "
        "(the engine needs the extra 'acmedb': pip install 'acmedb[acmedb]')")


def test_report_rendered_is_called_after_the_output_file_is_written(tmp_path):
    # the hook reference says so (it used to say "before it is written")
    from rfsrules.cli.app import app

    out = tmp_path / "report.json"
    seen = []

    @hookimpl
    def rfsrules_report_rendered(report, format, output):
        seen.append((format, out.read_text() == output))

    rules = tmp_path / "rules.yaml"
    rules.write_text("rfsrules: 1\nname: e\nversion: 1.0.0\nrules:\n  - id: n\n    check: row_count\n    min: 1\n")
    data = tmp_path / "data.jsonl"
    data.write_text('{"a": 1}\n')
    plugin = make_plugin("archiver", rfsrules_report_rendered=rfsrules_report_rendered)
    set_plugin_manager(get_plugin_manager().derive(extra_plugins=[plugin]))
    try:
        result = CliRunner().invoke(app, ["check", str(data), "-r", str(rules), "--format", "json",
                                          "-o", str(out), "--ref-time", REF_TIME])
    finally:
        set_plugin_manager(None)
    assert result.exit_code == 0, result.output
    assert seen == [("json", True)]
    assert json.loads(out.read_text())["summary"]["records_total"] == 1


def test_a_custom_message_never_shows_a_value_a_check_redacts():
    """redact_values hides the value in examples *and* in a rule's own message template ({value})."""
    def build(rule, ctx):
        return lambda value: None if "@" not in str(value) else ("email", "an e-mail address is present")

    spec = CheckSpec(name="clumsy.no_email", level="value", summary="No e-mail addresses.", python=build,
                     redact_values=True)
    report = _run(spec, '    field: user\n    message: "found {value} in {field} ({message})"\n')
    assert report.rule("t").violations == 0
    records = [{"v": 1, "user": "jane.doe@corp.example"}]
    plugin = make_plugin("clumsy", checks=[spec])
    text = _ruleset(spec.name, '    field: user\n    message: "found {value} in {field} ({message})"\n')
    found = RulesetRunner(plugins=[plugin], ref_time=REF_TIME)(text, records).rule("t")
    assert [(v.value, v.message) for v in found.examples] == [
        ("[redacted]", "found [redacted] in user (an e-mail address is present)")]


def test_a_record_id_read_by_a_redacting_check_is_redacted_in_every_example():
    """record_id: comment with a PII check on comment showed 'id=mail jane.doe@acme.io now' beside the
    redacted value; every example's record id is now redacted (the field is sensitive)."""
    def build(rule, ctx):
        return lambda value: None if "@" not in str(value) else ("email", "an e-mail address is present")

    spec = CheckSpec(name="clumsy.no_email", level="value", summary="No e-mail addresses.", python=build,
                     redact_values=True)
    text = ("rfsrules: 1\nname: qa\nversion: 1.0.0\nrecord_id: user\nrules:\n"
            "  - {id: t, check: clumsy.no_email, field: user}\n  - {id: v-max, check: range, field: v, max: 2}\n")
    records = [{"v": 5, "user": "jane@corp.example"}, {"v": 1, "user": "bob"}]
    report = RulesetRunner(plugins=[make_plugin("clumsy", checks=[spec])], ref_time=REF_TIME)(text, records)
    assert [(v.value, v.record_id) for v in report.rule("t").examples] == [("[redacted]", "[redacted]")]
    assert [(v.value, v.record_id) for v in report.rule("v-max").examples] == [(5, "[redacted]")]
