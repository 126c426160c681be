"""QA regressions of checks and HOF helpers: huge integers in statistics, message wording."""

from __future__ import annotations

import pytest

from rfsrules import check, load_ruleset_text
from rfsrules.checks.builtin import builtin_registry
from rfsrules.hof import range_check, validate_config

REGISTRY = builtin_registry()
HUGE = 10**400  # an integer JSON number beyond the float range


def statistic(stat: str, values: list, **bounds) -> tuple[str, list[str]]:
    lines = "".join(f"\n    {k}: {v}" for k, v in bounds.items())
    ruleset = load_ruleset_text(f"rfsrules: 1\nname: t\nversion: 1.0.0\nrules:\n  - id: s\n    check: statistic\n"
                                f"    field: v\n    stat: {stat}{lines}\n", registry=REGISTRY, env={})
    result = check([{"v": v} for v in values], ruleset, measure_resources=False).rules[-1]
    return result.status, [e.message for e in result.examples]


def test_statistic_max_sees_an_integer_beyond_the_float_range():
    # was: the huge value was skipped, the max was 1 and the rule passed
    status, messages = statistic("max", [1, HUGE], max=100)
    assert status == "failed"
    assert messages == [f"max of v is {HUGE} (2 values), above the maximum 100"]


def test_statistic_sum_and_mean_with_a_huge_integer_are_infinite_not_an_error():
    assert statistic("sum", [1.5, HUGE], max=100) == (
        "failed", ["sum of v is Infinity (2 values), above the maximum 100"])
    assert statistic("mean", [1, HUGE], max=100) == (
        "failed", ["mean of v is Infinity (2 values), above the maximum 100"])
    assert statistic("mean", [1, HUGE, -HUGE], max=100) == ("passed", [])  # exact: 1/3
    assert statistic("stddev", [1, HUGE], max=100) == (
        "failed", ["stddev of v is Infinity (2 values), above the maximum 100"])


def test_statistic_message_counts_one_value_in_the_singular():
    assert statistic("mean", [1], min=5) == ("failed", ["mean of v is 1 (1 value), below the minimum 5"])
    assert statistic("mean", [1, 3], min=5) == ("failed", ["mean of v is 2 (2 values), below the minimum 5"])


def test_statistic_merge_keeps_huge_extremes():
    from rfsrules.checks.builtin.batch import Statistic
    from rfsrules.paths import parse_path

    def acc(values):
        a = Statistic(parse_path("v"), "max", None, 100)
        for v in values:
            a.add({"v": v})
        return a

    assert acc([HUGE]).merge(acc([1, 2])).value() == HUGE
    assert acc([1, 2]).merge(acc([HUGE])).value() == HUGE
    assert acc([]).merge(acc([HUGE])).merge(acc([3])).value() == HUGE


@pytest.mark.parametrize("low, high, message", [
    (0, 5, "a must be a number between 0 and 5"),
    (None, 5, "a must be a number of at most 5"),
    (1, None, "a must be a number of at least 1"),
    (None, None, "a must be a number"),
])
def test_range_check_default_message_leaves_out_open_bounds(low, high, message):
    result = validate_config({"a": "x"}).against_rules([range_check("a", low, high)])
    assert result.unwrap_error() == [{"field": "a", "rule": "range", "message": message}]
