"""``rfsrules.check()``: ruleset resolution, reference time, engine selection, unsupported rules, options."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from rfsrules.engines.api import EngineSpec
from rfsrules.errors import EngineUnsupportedError, Issue, UnknownNameError, UsageError
from rfsrules.plugins.manager import get_plugin_manager
from rfsrules.runner import check, parse_ref_time

RULESET = """\
rfsrules: 1
name: runner-test
version: 1.0.0
fields:
  ts: {type: timestamp, max_age: 1h}
"""


@pytest.fixture
def ruleset_path(tmp_path):
    path = tmp_path / "rs.yaml"
    path.write_text(RULESET)
    return str(path)


def test_parse_ref_time():
    assert parse_ref_time("2026-01-15T12:00:00Z") == datetime(2026, 1, 15, 12, tzinfo=timezone.utc)
    assert parse_ref_time("2026-01-15T14:00:00+02:00").utcoffset() == timedelta(hours=2)
    assert parse_ref_time(datetime(2026, 1, 15)).tzinfo is timezone.utc
    assert parse_ref_time(None).tzinfo is not None
    with pytest.raises(UsageError, match="invalid reference time 'yesterday'"):
        parse_ref_time("yesterday")


def test_ruleset_path_and_ref_time_string(ruleset_path):
    records = [{"ts": "2026-01-15T11:30:00Z"}, {"ts": "2026-01-15T10:00:00Z"}]
    report = check(records, ruleset_path, ref_time="2026-01-15T12:00:00Z", measure_resources=False)
    assert report.ruleset_name == "runner-test"
    assert [v.line for v in report.rule("ts.max_age").examples] == [2]
    assert report.summary.ref_time == "2026-01-15T12:00:00+00:00"


def test_bad_options(ruleset_path):
    with pytest.raises(UsageError, match="invalid fail_on 'severe'"):
        check([], ruleset_path, fail_on="severe")
    with pytest.raises(UnknownNameError, match="unknown engine 'pyton' \\(did you mean 'python'\\?\\)"):
        check([], ruleset_path, engine="pyton")


def test_fail_on_is_applied(ruleset_path):
    records = [{"ts": "2026-01-15T10:00:00Z"}] + [{"ts": "2026-01-15T11:59:00Z"}] * 99
    kw = {"ref_time": "2026-01-15T12:00:00Z", "measure_resources": False}
    assert check(records, ruleset_path, fail_on="high", **kw).summary.passed is True  # max_age is medium
    assert check(records, ruleset_path, fail_on="medium", **kw).summary.passed is False


def test_unsupported_rules_stop_before_reading(ruleset_path):
    manager = get_plugin_manager()

    class Picky:
        name = "picky"

        def __init__(self, registry):
            pass

        def unsupported(self, ruleset):
            return [Issue("rs.yaml", 5, 3, "picky cannot run max_age", "RFE001")]

        def run(self, ruleset, sources, options):  # pragma: no cover - must not be reached
            raise AssertionError("ran")

    manager.engines["picky"] = EngineSpec(name="picky", factory=Picky)
    try:
        with pytest.raises(EngineUnsupportedError) as info:
            check("does-not-matter.jsonl", ruleset_path, engine="picky")
    finally:
        del manager.engines["picky"]
    assert info.value.engine == "picky" and str(info.value) == "rs.yaml:5:3: picky cannot run max_age"
