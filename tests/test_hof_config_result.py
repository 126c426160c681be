"""Result laws, validate_config with its rule helpers, and create_log_entry."""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass
from datetime import datetime, timezone
from enum import Enum

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rfsrules
from rfsrules.errors import RfsrulesError
from rfsrules.hof import (
    Failure, Result, Success, UnwrapError, create_log_entry, custom_check, range_check, read_field, required,
    validate_config,
)
from rfsrules.paths import MISSING
from rfsrules.results import Violation

# ---- Result -----------------------------------------------------------------------------------------


def test_success_and_failure_basics():
    ok, bad = Success(3), Failure("nope")
    assert ok.is_success() and not ok.is_failure()
    assert bad.is_failure() and not bad.is_success()
    assert ok.unwrap() == 3 and bad.unwrap_error() == "nope"
    assert ok.unwrap_or(0) == 3 and bad.unwrap_or(0) == 0
    assert ok.unwrap_or_else(len) == 3 and bad.unwrap_or_else(len) == 4
    assert repr(ok) == "Success(3)" and repr(bad) == "Failure('nope')"
    assert isinstance(ok, Result) and isinstance(bad, Result)


def test_unwrap_errors():
    with pytest.raises(UnwrapError, match=r"unwrap\(\) called on Failure\('nope'\)") as info:
        Failure("nope").unwrap()
    assert isinstance(info.value, RfsrulesError) and info.value.result == Failure("nope")
    with pytest.raises(UnwrapError, match=r"unwrap_error\(\) called on Success\(1\)"):
        Success(1).unwrap_error()
    cause = ValueError("inner")
    with pytest.raises(UnwrapError) as info:
        Failure(cause).unwrap()
    assert info.value.__cause__ is cause


def test_equality_and_hash():
    assert Success(1) == Success(1) and Success(1) != Success(2)
    assert Failure(1) == Failure(1) and Success(1) != Failure(1)
    assert Success(1) != 1
    assert len({Success(1), Success(1), Failure(1)}) == 2


def test_result_is_abstract():
    with pytest.raises(TypeError, match="Result is abstract"):
        Result()


def test_map_map_error_bind():
    assert Success(2).map(lambda x: x * 10) == Success(20)
    assert Failure("e").map(lambda x: x * 10) == Failure("e")
    assert Failure("e").map_error(str.upper) == Failure("E")
    assert Success(2).map_error(str.upper) == Success(2)
    half = lambda x: Success(x // 2) if x % 2 == 0 else Failure(f"{x} is odd")  # noqa: E731
    assert Success(8).bind(half).bind(half) == Success(2)
    assert Success(6).bind(half).bind(half) == Failure("3 is odd")
    assert Failure("early").bind(half) == Failure("early")
    with pytest.raises(TypeError, match="bind\\(\\) needs a function returning a Result"):
        Success(1).bind(lambda x: x)


def test_pattern_matching():
    match Failure(["e"]):
        case Success(value):
            got = ("ok", value)
        case Failure(error):
            got = ("err", error)
    assert got == ("err", ["e"])


results = st.one_of(st.builds(Success, st.integers()), st.builds(Failure, st.text(max_size=5)))
functions = st.sampled_from([lambda x: x + 1, lambda x: x * 2, lambda x: -x])
binders = st.sampled_from([lambda x: Success(x + 1), lambda x: Failure(f"no {x}"),
                           lambda x: Success(x) if x > 0 else Failure("neg")])


@settings(max_examples=80, deadline=None)
@given(results, functions, functions)
def test_functor_laws(result, f, g):
    assert result.map(lambda x: x) == result
    assert result.map(lambda x: g(f(x))) == result.map(f).map(g)


@settings(max_examples=80, deadline=None)
@given(st.integers(), results, binders, binders)
def test_monad_laws(value, result, f, g):
    assert Success(value).bind(f) == f(value)  # left identity
    assert result.bind(Success) == result  # right identity
    assert result.bind(f).bind(g) == result.bind(lambda x: f(x).bind(g))  # associativity


# ---- validate_config --------------------------------------------------------------------------------

RULES = [
    required("source_system", "source system is required"),
    required("pipeline_stage", "pipeline stage is required"),
    custom_check("data_freshness", lambda x: x.startswith("2024"), "data is stale"),
    range_check("expected_records", 1, 1000000, "expected record count out of range"),
]


def test_valid_mapping_gives_success_with_the_object():
    metadata = {"source_system": "api", "pipeline_stage": "ingestion", "data_freshness": "2024-01-15",
                "expected_records": 10}
    result = validate_config(metadata).against_rules(RULES)
    assert result == Success(metadata) and result.unwrap() is metadata


def test_every_failing_rule_is_listed_in_order():
    metadata = {"pipeline_stage": None, "data_freshness": "2023-01-01", "expected_records": 0}
    assert validate_config(metadata).against_rules(RULES) == Failure([
        {"field": "source_system", "rule": "required", "message": "source system is required"},
        {"field": "pipeline_stage", "rule": "required", "message": "pipeline stage is required"},
        {"field": "data_freshness", "rule": "custom", "message": "data is stale"},
        {"field": "expected_records", "rule": "range", "message": "expected record count out of range"},
    ])


@pytest.mark.parametrize("value, ok", [
    (1, True), (1000000, True), (5.5, True), (0, False), (1000001, False), (True, False), ("5", False),
    (None, False), (math.nan, False), (math.inf, False),
])
def test_range_check_values(value, ok):
    result = validate_config({"n": value}).against_rules([range_check("n", 1, 1000000)])
    assert result.is_success() is ok
    if not ok:
        assert result.unwrap_error() == [{"field": "n", "rule": "range",
                                          "message": "n must be a number between 1 and 1000000"}]


def test_range_check_missing_and_open_bounds():
    assert validate_config({}).against_rules([range_check("n", 0, 1)]).is_failure()
    assert validate_config({"n": 10**9}).against_rules([range_check("n", 0, None)]).is_success()
    assert validate_config({"n": -5}).against_rules([range_check("n", None, 0)]).is_success()
    with pytest.raises(TypeError):
        range_check("n", "0", 1)


def test_custom_check_missing_optional_and_raising():
    check = custom_check("ts", lambda x: datetime.fromisoformat(x).year == 2024, "bad ts")
    assert validate_config({}).against_rules([check]).unwrap_error() == [
        {"field": "ts", "rule": "custom", "message": "bad ts: field is missing"}]
    optional = custom_check("ts", lambda x: False, "bad ts", optional=True)
    assert validate_config({}).against_rules([optional]).is_success()
    assert validate_config({"ts": "garbage"}).against_rules([check]).unwrap_error() == [
        {"field": "ts", "rule": "custom",
         "message": "bad ts: ValueError: Invalid isoformat string: 'garbage'"}]
    assert validate_config({"ts": "2024-05-01"}).against_rules([check]).is_success()


@dataclass
class Inner:
    port: int


@dataclass
class Settings:
    name: str
    inner: Inner
    extra: dict


def test_objects_and_dotted_paths():
    cfg = Settings("svc", Inner(8080), {"db": {"host": "h", "replicas": [1, 2]}})
    rules = [required("name"), range_check("inner.port", 1, 65535), required("extra.db.host"),
             custom_check("extra.db.replicas", lambda r: len(r) >= 2, "two replicas"),
             range_check("extra.db.replicas.1", 2, 2), required("inner.host", "inner.host missing")]
    assert validate_config(cfg).against_rules(rules) == Failure(
        [{"field": "inner.host", "rule": "required", "message": "inner.host missing"}])


def test_read_field():
    data = {"a": {"b": [10, {"c": None}]}, "n": None}
    assert read_field(data, "a.b.0") == 10
    assert read_field(data, "a.b.1.c") is None
    assert read_field(data, "a.b.5") is MISSING
    assert read_field(data, "n.x") is MISSING
    assert read_field(data, "zz") is MISSING


def test_bad_rules_and_fields_are_rejected():
    with pytest.raises(TypeError, match="against_rules takes rules made by required"):
        validate_config({}).against_rules([lambda cfg: None])
    with pytest.raises(ValueError):
        required("a..b")
    with pytest.raises(TypeError):
        custom_check("a", "not callable")


# ---- create_log_entry -------------------------------------------------------------------------------


class Color(Enum):
    RED = "red"


def test_log_entry_shape_and_json_safety():
    entry = create_log_entry("info", "batch done", batch_id="b1", when=datetime(2024, 1, 15, 10, tzinfo=timezone.utc),
                             color=Color.RED, error=ValueError("x"), values=(1, math.nan), tags={"b", "a"},
                             violation=Violation("r", "high", "m", line=3))
    assert list(entry)[:3] == ["timestamp", "level", "message"]
    assert entry["level"] == "INFO" and entry["message"] == "batch done"
    assert entry["timestamp"].endswith("Z") and datetime.fromisoformat(entry["timestamp"]).tzinfo is not None
    assert entry["when"] == "2024-01-15T10:00:00.000Z"
    assert entry["color"] == "red" and entry["error"] == "ValueError: x"
    assert entry["values"] == [1, "NaN"] and entry["tags"] == ["a", "b"]
    assert entry["violation"]["rule_id"] == "r" and entry["violation"]["line"] == 3
    json.dumps(entry, allow_nan=False)


@pytest.mark.parametrize("level, name", [("warn", "WARNING"), ("Error", "ERROR"), (logging.DEBUG, "DEBUG"),
                                         ("fatal", "CRITICAL"), (50, "CRITICAL")])
def test_log_levels(level, name):
    assert create_log_entry(level, "m")["level"] == name


def test_unknown_levels_are_rejected():
    for bad in ("loud", 7, True):
        with pytest.raises(ValueError):
            create_log_entry(bad, "m")


def test_timestamp_can_be_given():
    assert create_log_entry("info", "m", timestamp="2024-01-01T00:00:00Z")["timestamp"] == "2024-01-01T00:00:00Z"


def test_log_entry_is_emitted_on_a_logger(caplog):
    with caplog.at_level(logging.INFO, logger="rfsrules.test"):
        entry = create_log_entry("warning", "slow batch", logger="rfsrules.test", seconds=31.5)
    (record,) = caplog.records
    assert record.levelno == logging.WARNING and record.name == "rfsrules.test"
    assert json.loads(record.getMessage()) == entry


def test_top_level_reexports():
    for name in ("Failure", "Result", "Success", "apply_rules_to", "create_log_entry", "custom_check",
                 "extract_from", "range_check", "required", "scan_data_for", "validate_config"):
        assert getattr(rfsrules, name) is getattr(rfsrules.hof, name)
    from rfsrules.hof import readable

    assert readable.apply_rules_to is rfsrules.hof.apply_rules_to
