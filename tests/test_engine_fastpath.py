"""The Python engine's typed pre-decoder (msgspec): same reports with and without it, and when it applies."""

from __future__ import annotations

import io
import json
import re
import tokenize
from datetime import datetime, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rfsrules import check, load_ruleset_text
from rfsrules.checks.builtin import builtin_registry
from rfsrules.checks.spec import CompileContext
from rfsrules.engines.python import PythonEngine
from rfsrules.engines.python_compile import FAST_JUDGED_AFTER, compile_rules

REGISTRY = builtin_registry()
REF = datetime(2026, 1, 15, 12, 0, 0, tzinfo=timezone.utc)
HEADER = "rfsrules: 1\nname: fast\nversion: 1.0.0\nrecord_id: id\n"
EVENTS = HEADER + """\
fields:
  id: {type: string, required: true, unique: true, pattern: '^[a-z_]+_\\d+$'}
  timestamp: {type: timestamp, required: true, max_age: 1h}
  data: {type: object, required: true}
  data.value: {type: integer, required: true, min: 1, max: 1000}
  data.status: {type: string, in: [active, inactive]}
  user_id: {type: string, pattern: '^user_\\d+$'}
rules:
  - {id: mean, check: statistic, field: data.value, stat: mean, min: 100, max: 900}
  - {id: users, check: null_rate, field: user_id, max: 0.5}
  - {id: rows, check: row_count, min: 1}
"""


def ruleset(text: str):
    return load_ruleset_text(text, registry=REGISTRY, env={})


def plan_of(text: str):
    rs = ruleset(text)
    return compile_rules(rs.rules, REGISTRY, CompileContext(ref_time=REF), max_examples=5, context={},
                         record_id=rs.record_id)


def outcome(report) -> dict:
    """Everything a report says about the data (not timings)."""
    s = report.summary
    return {
        "counts": (s.records_total, s.records_checked, s.records_malformed, s.records_failed, s.violations_total,
                   s.failures_total),
        "quality": (s.quality.completeness, s.quality.consistency, s.quality.accuracy, s.quality.timeliness,
                    s.quality.overall, s.quality.level),
        "rules": [(r.id, r.status, r.violations, r.failures, r.error,
                   [(e.line, e.field, json.dumps(e.value, default=str), e.reason, e.message, e.record_id)
                    for e in r.examples]) for r in report.rules],
    }


def both(path, text: str, monkeypatch, max_examples: int | None = None, **kw) -> tuple[dict, dict]:
    """The outcomes of the Python engine with and without the typed decoder (which must be used)."""
    rs = ruleset(text)
    assert plan_of(text).fast is not None or not rs.rules
    out = []
    for typed in (True, False):
        monkeypatch.setattr(PythonEngine, "typed_decoder", typed)
        out.append(outcome(check(str(path), rs, engine="python", ref_time=REF, measure_resources=False,
                                 max_examples=max_examples, **kw)))
    return out[0], out[1]


def _spy_plans(monkeypatch) -> list:
    seen = []
    original = compile_rules

    def spy(*args, **kwargs):
        plan = original(*args, **kwargs)
        seen.append(plan)
        return plan

    monkeypatch.setattr("rfsrules.engines.python.compile_rules", spy)
    return seen


# --- when it applies ----------------------------------------------------------------------------------

def test_the_events_ruleset_gets_a_typed_decoder():
    plan = plan_of(EVENTS)
    assert plan.fast is not None
    assert sorted(plan.fast.root) == ["data", "id", "timestamp", "user_id"]
    assert sorted(plan.fast.root["data"].children) == ["status", "value"]
    assert "fdec(raw)" in plan.source


@pytest.mark.parametrize("extra", [
    "  - {id: w, check: range, field: data.value, max: 5, where: \"data.status = 'active'\"}\n",
    "  - {id: e, check: expression, expr: 'data.value > 3'}\n",
    "  - {id: c, check: unique, fields: [id, user_id]}\n",
    "  - {id: t, check: type, field: 'tags[*]', type: string}\n",
])
def test_rules_reading_whole_records_or_filtered_keep_the_ordinary_path(extra):
    assert plan_of(EVENTS + extra).fast is None


def test_generated_fast_path_holds_no_ruleset_text():
    text = HEADER + """\
fields:
  zzTop.zzInner: {type: string, required: true, pattern: '^zzPattern$', in: [zzAllowed]}
  zzKey: {type: integer, unique: true, min: 424242}
  zzTs: {type: timestamp, max_age: 7h}
"""
    plan = plan_of(text)
    assert plan.fast is not None
    source = plan.source
    assert not re.search(r"zz|424242|7h", source, re.IGNORECASE)
    assert [t for t in tokenize.generate_tokens(io.StringIO(source).readline) if t.type == tokenize.STRING] == []


def test_records_with_unnamed_fields_drop_the_decoder_after_a_while(tmp_path, monkeypatch):
    path = tmp_path / "b.jsonl"
    lines = [json.dumps({"id": f"a_{i}", "timestamp": "2026-01-15T11:30:00Z", "data": {"value": 5},
                         "other": i}) for i in range(FAST_JUDGED_AFTER + 3000)]
    path.write_text("\n".join(lines) + "\n")
    rs = ruleset(EVENTS)
    engine = PythonEngine(REGISTRY)
    from rfsrules.engines.api import RunOptions

    seen = _spy_plans(monkeypatch)
    report = engine.run(rs, [str(path)], RunOptions(ref_time=REF, max_examples=3))
    assert report.summary.records_checked == FAST_JUDGED_AFTER + 3000
    assert seen[0].fast is None and seen[0].fast_misses[0] >= FAST_JUDGED_AFTER // 2
    fast_on, fast_off = both(path, EVENTS, monkeypatch)
    assert fast_on == fast_off


# --- same answers ------------------------------------------------------------------------------------------

TRICKY_LINES = [
    b'{"id":"a_1","timestamp":"2026-01-15T11:30:00Z","data":{"value":5,"value":"x"}}',  # duplicate key, last wins
    b'{"id":"a_2","timestamp":"2026-01-15T11:30:00Z","data":{"value":"x","value":5}}',
    b'{"id":"a_3","timestamp":"2026-01-15T11:30:00Z","data":{"value":5},"junk":"\xff"}',  # invalid UTF-8
    b'{"id":"a_4","timestamp":"2026-01-15T11:30:00Z","data":{"value":5},"junk":1e400}',  # overflows a double
    b'{"id":"a_5","timestamp":"2026-01-15T11:30:00Z","data":{"value":123456789012345678901234567890}}',
    b'{"id":"a_6","timestamp":"2026-01-15T11:30:00Z","data":{"value":5.0}}',
    b'{"id":"a_7","timestamp":"2026-01-15T11:30:00Z","data":{"value":true}}',
    b'{"id":"a_8","timestamp":"2026-01-15T11:30:00z","data":{"value":5}}',
    b'{"id":"a_9","timestamp":"2026-01-15T11:30:00.1234567Z","data":{"value":5}}',
    b'{"id":"a_1","timestamp":"2026-01-15T11:30:00Z","data":{"value":5}}',  # duplicate id
    b'{"id":"a_10","timestamp":"2026-01-15T11:30:00Z","data":null}',
    b'{"id":"a_11","timestamp":"2026-01-15T11:30:00Z"}',
    b'{"id":"a_12","timestamp":"2026-01-15T11:30:00Z","data":{"value":5},"user_id":null}',
    b'{"id":"a_13","timestamp":"2026-01-15T11:30:00Z","data":{"value":5,"status":null}}',
    b'{"id":"a_14","timestamp":"2026-01-15T11:30:00Z","data":[1]}',
    b'{"id":"a_\\u0031\\u0035","timestamp":"2026-01-15T11:30:00Z","data":{"value":5}}',
    b'{"id":"a_16","timestamp":"2026-01-15T11:30:00Z","data":{"value":5}} x',
    b'\xef\xbb\xbf{"id":"a_17","timestamp":"2026-01-15T11:30:00Z","data":{"value":5}}',
    b'{"id":"a_18","timestamp":"2026-01-15T11:30:00Z","data":{"value":5}}\r',
    b'  {"id":"a_19" , "timestamp" : "2026-01-15T11:30:00+00:00", "data" : {"value" : 1000}}  ',
    b'[{"id":"a_20"}]',
    b'',
    b'{"id":"a_21","timestamp":"2026-01-15 11:30:00","data":{"value":0}}',
    b'{"id":"a_22","timestamp":"2026-01-15T11:30:00Z","data":{"value":5},"junk":"\\ud800"}',
    b'{"id":"a_23","timestamp":"2026-01-15T11:30:00Z","data":{"value":5},"junk":' + b"[" * 1000 + b"]" * 1000 + b"}",
    b'{"id":"A_24","timestamp":"2026-01-15T11:30:00Z","data":{"value":5},"user_id":"user_x"}',
]


def test_tricky_lines_give_the_same_report(tmp_path, monkeypatch):
    path = tmp_path / "b.jsonl"
    path.write_bytes(b"\n".join(TRICKY_LINES) + b"\n")
    fast_on, fast_off = both(path, EVENTS, monkeypatch)
    assert fast_on == fast_off
    assert fast_on["counts"][:3] == (len(TRICKY_LINES) - 1, fast_on["counts"][1], fast_on["counts"][2])


FIELD_RULES = {
    "s": ["type: string", "required: true", "nullable: false", "unique: true", "pattern: '^[a-c]+$'",
          "in: [a, b, ab]", "max_length: 3", "min_length: 1"],
    "n": ["type: number", "type: integer", "required: true", "min: 0", "max: 10", "unique: true", "in: [1, 2, 3]",
          "nullable: true"],
    "o.t": ["type: timestamp", "max_age: 2h", "required: true", "type: date"],
    "o.f": ["type: boolean", "not_in: [true]", "type: [boolean, 'null']"],
    "a": ["type: array", "max_length: 2"],
    "u": ["type: uuid", "type: email", "type: [string, integer]"],
}
VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 12), st.integers(min_value=2**63 - 2, max_value=2**64 + 2),
    st.floats(allow_nan=False, allow_infinity=False, width=32), st.sampled_from(["a", "b", "ab", "abcd", "", "é", "1"]),
    st.sampled_from(["2026-01-15T11:30:00Z", "2026-01-15T09:00:00", "2026-01-15", "2026-01-15T11:30:00.5+01:00",
                     "2026-01-15t11:30:00z", "not a time", "6f1c1d2e-3a4b-4c5d-8e9f-0a1b2c3d4e5f", "x@example.com"]),
    st.lists(st.integers(0, 3), max_size=3), st.dictionaries(st.sampled_from(["t", "f", "z"]), st.integers(0, 2),
                                                             max_size=2),
)

LIKELY = {  # values of the types the rules above tend to ask for, so that records often pass the decoder
    "s": st.sampled_from(["a", "b", "ab", "abcd", "", "é", "c", "ba"]),
    "n": st.one_of(st.integers(-1, 11), st.sampled_from([1.0, 2.5, 9.99, 10.0, -0.0])),
    "o.t": st.sampled_from(["2026-01-15T11:30:00Z", "2026-01-15T09:00:00", "2026-01-15T11:59:59.999999",
                            "2026-01-15T11:30:00.5+01:00", "2026-01-15", "2026-01-15 11:00:00"]),
    "o.f": st.booleans(),
    "a": st.lists(st.integers(0, 3), max_size=3),
    "u": st.sampled_from(["6f1c1d2e-3a4b-4c5d-8e9f-0a1b2c3d4e5f", "x@example.com", "x", "6F1C1D2E-3A4B-4C5D-8E9F-0A1B2C3D4E5F"]),
}


@st.composite
def rulesets(draw):
    """A ruleset text and the field paths it names."""
    lines, named = ["fields:"], []
    for field, options in FIELD_RULES.items():
        chosen = draw(st.lists(st.sampled_from(options), max_size=3, unique_by=lambda o: o.split(":")[0]))
        if chosen:
            lines.append(f"  {field}: {{{', '.join(chosen)}}}")
            named.append(field)
    if not named:
        lines.append("  s: {type: string}")
        named.append("s")
    if draw(st.booleans()):
        lines += ["rules:", "  - {id: mean, check: statistic, field: n, stat: mean, max: 5}",
                  "  - {id: nulls, check: null_rate, field: s, max: 0.3}"]
        named += ["n", "s"]
    return HEADER + "\n".join(lines) + "\n", named


@st.composite
def records(draw, named):
    """Mostly records holding only fields the rules name (what the typed decoder accepts)."""
    rec: dict = {}
    for path in sorted(set(named)):
        if not draw(st.integers(0, 4)):
            continue
        if "." in path:
            top, sub = path.split(".")
            inner = rec.get(top)
            if not isinstance(inner, dict):
                inner = rec[top] = {} if draw(st.integers(0, 5)) else draw(VALUES)
            if isinstance(inner, dict):
                inner[sub] = draw(st.one_of(LIKELY[path], LIKELY[path], LIKELY[path], LIKELY[path], VALUES))
        else:
            rec[path] = draw(st.one_of(LIKELY[path], LIKELY[path], LIKELY[path], LIKELY[path], VALUES))
    if not draw(st.integers(0, 9)):
        rec["extra"] = draw(VALUES)  # a field no rule names: the typed decoder refuses the record
    return rec


@st.composite
def lines_of(draw, named):
    out = []
    for rec in draw(st.lists(records(named), max_size=25)):
        text = json.dumps(rec, separators=draw(st.sampled_from([(",", ":"), (", ", ": ")])),
                          ensure_ascii=draw(st.booleans()))
        kind = draw(st.integers(0, 12))
        if kind == 0 and text.startswith("{") and len(text) > 2:
            text = text[:-1] + ', "s": "dup"}'  # a duplicate key: the last one counts
        elif kind == 1:
            text = text[:-1]  # truncated JSON
        out.append(text.encode())
    return out


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
          deadline=None)
@given(data=st.data())
def test_same_report_with_and_without_the_typed_decoder(tmp_path_factory, monkeypatch, data):
    text, named = data.draw(rulesets())
    lines = data.draw(lines_of(named))
    path = tmp_path_factory.mktemp("fast") / "b.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    fast_on, fast_off = both(path, text, monkeypatch, max_examples=data.draw(st.sampled_from([None, 0, 1, 2])))
    assert fast_on == fast_off


FAILING = [  # each decodes with the typed decoder and fails rules: reported from the fast path
    {"id": "a_1", "timestamp": "2026-01-15T11:30:00Z", "data": {"value": 5, "status": "active"}, "user_id": "user_1"},
    {"id": "a_2", "timestamp": "2026-01-15T11:30:00Z", "data": {"value": -999}},  # range
    {"id": "A-3", "timestamp": "2026-01-15T11:30:00Z", "data": {"value": 7}},  # pattern
    {"id": "a_4", "timestamp": "2026-01-15T09:00:00Z", "data": {"value": 8, "status": "gone"}},  # max_age, in
    {"id": "a_1", "timestamp": "2026-01-15T11:30:00Z", "data": {"value": 5000}},  # duplicate, range
    {"id": "a_5", "timestamp": "yesterday", "data": {"value": 9}, "user_id": "someone"},  # type, max_age, pattern
    {"id": "a_1", "timestamp": "2026-01-15T11:30:00Z", "data": {"value": 3}},  # duplicate only
    {"id": "a_6", "timestamp": "2026-01-15T11:30:00Z", "data": {"value": 3}},
]


@pytest.mark.parametrize("max_examples", [None, 0, 1, 3])
def test_failing_records_are_reported_from_the_fast_path(tmp_path, monkeypatch, max_examples):
    path = tmp_path / "b.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in FAILING))
    fast_on, fast_off = both(path, EVENTS, monkeypatch, max_examples=max_examples)
    assert fast_on == fast_off
    plans = _spy_plans(monkeypatch)
    monkeypatch.setattr(PythonEngine, "typed_decoder", True)
    check(str(path), ruleset(EVENTS), engine="python", ref_time=REF, max_examples=max_examples)
    assert plans[0].fast is not None and plans[0].fast_misses[0] == 0  # no line took the ordinary path
    rules = {r[0]: r for r in fast_on["rules"]}
    counts = {rid: rules[rid][2] for rid in ("data.value.range", "id.pattern", "timestamp.max_age",
                                             "data.status.in", "id.unique", "timestamp.type", "user_id.pattern")}
    assert counts == {"data.value.range": 2, "id.pattern": 1, "timestamp.max_age": 2, "data.status.in": 1,
                      "id.unique": 2, "timestamp.type": 1, "user_id.pattern": 1}
    assert fast_on["counts"][3] == 6  # records failing some rule
    if max_examples != 0:
        first = rules["id.unique"][5][0]
        assert first[0] == 5 and first[5] == "a_1" and "line 1" in first[4]


def test_huge_integers_in_failing_records_are_read_exactly(tmp_path, monkeypatch):
    """The ordinary path parses a line again exactly when a field holds an integer beyond 64 bits; the fast
    path's report of a failing record reads it the same way (the record id here)."""
    text = "rfsrules: 1\nname: fast\nversion: 1.0.0\nrecord_id: n\nfields:\n  n: {type: integer, max: 5}\n"
    path = tmp_path / "b.jsonl"
    path.write_text('{"n": 100000000000000000001}\n{"n": 7}\n{"n": 18446744073709551615}\n')
    fast_on, fast_off = both(path, text, monkeypatch)
    assert fast_on == fast_off
    examples = {r[0]: r for r in fast_on["rules"]}["n.range"][5]
    assert [(e[0], e[5]) for e in examples] == [(1, 100000000000000000001), (2, 7), (3, 18446744073709551615)]
    assert type(examples[0][5]) is int


def test_plugin_value_checks_give_the_same_report(tmp_path, monkeypatch):
    """Plugin value checks (called directly, never cached) behave alike with and without the decoder."""
    from rfsrules.plugins.manager import get_plugin_manager

    registry = get_plugin_manager().checks
    if "geo.latitude" not in registry or "pii.email_masked" not in registry:
        pytest.skip("the rfsrules-geo and rfsrules-pii packages are not installed")
    text = HEADER + """\
fields:
  id: {type: string, required: true, unique: true}
  lat: {type: number}
  note: {type: string}
rules:
  - {id: lat-ok, check: geo.latitude, field: lat}
  - {id: no-email, check: pii.email_masked, field: note}
"""
    rs = load_ruleset_text(text, registry=registry, env={})
    lines = [{"id": "a_1", "lat": 45.5, "note": "fine"}, {"id": "a_2", "lat": 91, "note": "x"},
             {"id": "a_3", "lat": -12, "note": "mail jane.doe@corp.example now"}, {"id": "a_1", "lat": 0},
             {"id": "a_4", "lat": 1e308, "note": None}, {"id": "a_5", "note": "j***@corp.example"}]
    path = tmp_path / "b.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in lines))
    plan = compile_rules(rs.rules, registry, CompileContext(ref_time=REF), max_examples=5, context={},
                         record_id=rs.record_id)
    assert plan.fast is not None
    outcomes = []
    for typed in (True, False):
        monkeypatch.setattr(PythonEngine, "typed_decoder", typed)
        outcomes.append(outcome(check(str(path), rs, engine="python", ref_time=REF, measure_resources=False,
                                      max_examples=None, registry=registry)))
    assert outcomes[0] == outcomes[1]
    rules = {r[0]: r for r in outcomes[0]["rules"]}
    assert (rules["lat-ok"][2], rules["no-email"][2], rules["id.unique"][2]) == (2, 1, 1)
    assert rules["no-email"][5][0][2] == '"[redacted]"'


@pytest.mark.parametrize("depth", [1022, 1023, 1024, 1100])
def test_deep_nesting_in_a_field_that_may_hold_arrays(tmp_path, monkeypatch, depth):
    """orjson refuses more than 1024 levels; msgspec's limit depends on the Python version, so lines with
    more openings than MAX_OPENINGS never reach it when a field may hold containers."""
    from rfsrules.engines.python_fastpath import MAX_OPENINGS

    text = HEADER + "fields:\n  id: {type: string, required: true}\n  tags: {type: array}\n"
    plan = plan_of(text)
    assert plan.fast.containers and "OPENS" in plan.source
    assert not plan_of(HEADER + "fields:\n  id: {type: string}\n  n: {type: integer}\n").fast.containers
    nested = "[" * depth + "]" * depth
    path = tmp_path / "b.jsonl"
    path.write_text('{"id": "a", "tags": [1]}\n{"id": "b", "tags": ' + nested + '}\n{"id": "c", "tags": [[]]}\n')
    fast_on, fast_off = both(path, text, monkeypatch)
    assert fast_on == fast_off
    malformed = fast_on["counts"][2]
    assert malformed == (1 if depth >= 1024 else 0)
    assert depth + 1 > MAX_OPENINGS  # such lines take the ordinary path whatever msgspec would do
