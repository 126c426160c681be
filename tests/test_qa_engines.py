"""QA: engine agreement. Random rulesets over every built-in check x random JSON Lines (malformed, blank, BOM,
CRLF, duplicate keys, deep nesting, unicode, huge numbers, odd timestamps) give the same report on the Python
engine, the DuckDB engine and the Python engine with ``jobs=2`` (docs/engines.md: "Both engines produce the same
report", "--jobs N ... exactly the one process would give").

Known disagreements are kept out of the generators (each is marked ``KNOWN BUG``) and pinned by the strict
``xfail`` tests at the end of this file: when one is fixed, its xfail test fails, and the generator exclusion
can go.
"""

from __future__ import annotations

import json
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytest.importorskip("duckdb")

from test_engine_duckdb_helpers import diff, normalised  # noqa: E402

from rfsrules.engines import parallel  # noqa: E402
from rfsrules.io.sources import resolve_sources  # noqa: E402
from rfsrules.ruleset.loader import load_ruleset_text  # noqa: E402
from rfsrules.runner import check  # noqa: E402

REF = "2026-01-15T12:00:00Z"
SUPPRESS = [HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large,
            HealthCheck.filter_too_much]

# --- values ------------------------------------------------------------------------------------------

TIMESTAMPS = [
    "2026-01-15T11:30:00Z", "2026-01-15T11:30:00z", "2026-01-15t11:30:00Z", "2026-01-15T11:30:00",
    "2026-01-15T11:30:00.1234567Z", "2026-01-15T11:30:00.123456Z", "2026-01-15T11:30:00.5",
    "2026-01-15T11:59:60Z", "2026-01-15", "2026-01-15 11:30:00", "2026-01-15T11:30:00+01:00",
    "2026-01-15T11:30Z", "2026-01-15T11:30:00.5+05:30", "2026-01-15T11:30:00-00:00", "2026-01-15T24:00:00",
    "0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "2026-01-15T11:30:00+14:00", "2026-01-15T11:30:00,5Z",
    "20260115T113000Z", "2026-W03", "2026-01-15T11:30:00+0100", " 2026-01-15T11:30:00Z", "2026-01-15T12:10:00Z",
    "2026-01-15T10:59:59.999999Z", "2026-01-15T11:00:00Z", "2026-02-30T00:00:00Z", "2026-01-15T11:30:00+01",
    "2026-01-15T11:30:00.Z", "2026-01-15T11:30:00+24:00", "2026-01-15T11:30:00 Z", "2026-01-15T11",
    "2026-01-15T11:30:00.000000001Z", "1970-01-01T00:00:00Z", "2026-01-15T11:30:00+01:30:15",
]
BIG_INTS = [10 ** 20, 2 ** 53 + 1, 10 ** 30, -10 ** 30, 2 ** 64, 2 ** 63, -2 ** 63 - 1]
SMALL = [
    None, 0, 1, -1, 2, 5, 10, 100, -0.0, 0.0, 0.5, 1.0, 1.5, 2.5, 3.0, 1e20, 2 ** 53, 9007199254740992.0,
    5e-324, 1e-320, True, False, "", "a", "A", "1", "1.0", "true", "héllo", "😀", "a\nb", "\u0000x", "  ",
    "abc_12", "x%y", "ana@example.com", "123e4567-e89b-12d3-a456-426614174000",
    "123E4567-E89B-12D3-A456-426614174000", "\\", "'", "é", "e\u0301", "ǅ", "ß", "İ", "\ufeffa", "a\tb",
    1768474800, 1768476600.5, 1e12, 1768477200,
] + TIMESTAMPS
# KNOWN BUG (test_xfail_statistic_*): +-1e308 in statistic fields; kept to "o", which no statistic reads
SCALARS = SMALL + BIG_INTS
COMPOSITE = [[], [1], [1, 2, 3], ["a"], {}, {"v": 1}, {"v": None}, [None], [{"k": 1}], 1e308, -1e308]

scalar = st.sampled_from(SCALARS)
# KNOWN BUG (test_xfail_huge_integers_*): integers beyond 64 bits inside [*] elements, objects read whole and
# record ids are read as floats by the Python engine; those places get values below 2**63 only
small = st.sampled_from(SMALL + [2 ** 63 - 1, -2 ** 63])
anything = st.sampled_from(SCALARS + COMPOSITE)
item = st.one_of(st.fixed_dictionaries({}, optional={"k": small, "q": small}), small)
record = st.fixed_dictionaries({}, optional={
    "id": small, "n": scalar, "a": scalar, "b": scalar, "s": scalar,
    "ts": st.sampled_from(TIMESTAMPS + SMALL[:40] + BIG_INTS), "o": anything,
    "d": st.one_of(st.fixed_dictionaries({}, optional={"v": small, "w": st.sampled_from(SMALL + COMPOSITE[:9])}),
                   small),
    "items": st.one_of(st.lists(item, max_size=3), small), "ü": scalar,
})

RAW_LINES = [
    b"", b"   ", b"{", b"[1, 2]", b"null", b'"x"', b"42", b'{"a": 1,}', b'{"a": NaN}', b'{"a": Infinity}',
    b'{"n": 1e400}', b'{"n": -1e400}', b'{"n": 1e-400}', b'{"s": "\xfe"}', b'{"a": 1} {"a": 2}', b"\t{}\t",
    b'{"a": 1, "a": 1}', b'{"id": "x", "id": "x"}', b"{}", b'{"n": 1E+400}', b'{"n": 0.' + b"1" * 400 + b"}",
    # KNOWN BUG (test_xfail_statistic_ignores_integers_beyond_double_range): not in a statistic field
    b'{"o": ' + b"9" * 320 + b"}", b'{"n": ' + b"9" * 320 + b".0}", b'{"a": [1, 2,]}', b'{"s": "\\u00e9"}',
    b'{"s": "a\\u0000b"}', b'{"s": "tab\\tx"}', b'{"s": "\\ud83d\\ude00"}',
    # KNOWN BUG (test_xfail_deep_values_*): no valid value nested 500-1023 levels (1100 is malformed)
    b'{"o": ' + b"[" * 1100 + b"]" * 1100 + b"}", b'{"o": ' + b"[" * 300 + b"]" * 300 + b"}",
    b'{"s": "x"}\r', b"\x00", b'{"s":"\xc3\xa9"}', b'{"n": -0}', b'{"n": -0.0}', b'{"n": 1.0e0}',
    b'{"n": 00}', b'{"n": +1}', b'{"n": .5}', b'{"s": "a\x01b"}', b"\xef\xbb\xbf{}",
]


# Deep lines were kept out of --jobs runs while a worker could not pickle a deep example (fixed, see
# test_jobs_worker_sends_a_deeply_nested_example); valid deep values stay out for test_xfail_deep_values_*
SHALLOW_LINES = [line for line in RAW_LINES if line.count(b"[") < 500]


@st.composite
def jsonl(draw, max_lines=40, deep=True):
    """The bytes of a JSON Lines file: records (ASCII or UTF-8 text), oddities, LF or CRLF, maybe a BOM."""
    lines = draw(st.lists(st.one_of(record.map(lambda r: json.dumps(r, ensure_ascii=False).encode()),
                                    record.map(lambda r: json.dumps(r).encode()),
                                    st.sampled_from(RAW_LINES if deep else SHALLOW_LINES)), max_size=max_lines))
    nl = draw(st.sampled_from([b"\n", b"\n", b"\r\n"]))
    data = nl.join(lines) + (nl if draw(st.booleans()) else b"")
    # KNOWN BUG (test_xfail_bom_*): a BOM in a file DuckDB copies (\r, \x01) or whose first line it rejects
    if draw(st.integers(0, 5)) == 0 and not (b"\r" in data or b"\x01" in data or b"\xfe" in data.split(b"\n")[0]):
        data = b"\xef\xbb\xbf" + data
    return data


# --- rulesets ----------------------------------------------------------------------------------------

UNIQUE_FIELDS = ["id", "n", "s", "ts", "d.v", "a"]
VALUE_FIELDS = ["id", "n", "a", "b", "s", "ts", "o", "d", "d.v", "d.w", "items", "items[*].k", "items[*].q", "ü",
                "nope", "d.v.x"]
TYPES = ["string", "integer", "number", "boolean", "object", "array", "timestamp", "date", "uuid", "email", "null"]
BOUNDS = [0, 1, -1, 0.5, -0.0, 2, 10, 1e20, 10 ** 20, 2 ** 53, 2 ** 53 + 1, 10 ** 30, 1768474800, 1.5]
PATTERNS = ["^a", "\\d", "é", "^.$", "(?i)a", "^$", "^\\w+$", "^\\p{L}+$", "b$", "^[a-z]+_\\d+$", "\\s", ".",
            "^.{2}$", "(?s)a.b", "a.b", "^\\S*$", "[[:alpha:]]", "\\bx", "😀", "^(a|b)*$", "\\x{e9}", "\\n"]
SET_VALUES = [1, 1.0, True, False, "1", 0, -0.0, "", None, 10 ** 20, 1e20, 2 ** 53 + 1, "a", "A", [1], {"v": 1},
              "2026-01-15", 0.5, "é", "e\u0301"]
DURATIONS = ["1h", "30m", "0s", "2d", "1w", "90s", 3600, "1h30m"]
EXPR_FIELDS = ["a", "b", "s", "n", "d.v", "items[0].k", '"ü"', "id", "o"]
# KNOWN BUG (test_xfail_float_compared_with_integer_literal_beyond_2_53): no literal 9007199254740993
LITERALS = ["1", "0", "2.5", "-1", "'a'", "'1'", "''", "true", "false", "null", "1e20", "100000000000000000000",
            "9007199254740992", "'é'", "'A'", "0.0", "-0.0"]
FUNCTION_CALLS = [
    "starts_with(s, 'a')", "ends_with(s, 'b')", "contains(s, '1')", "regexp_matches(s, '^a')", "lower(s) = 'a'",
    "upper(s) = 'A'", "trim(s) = ''", "year(ts) = 2026", "month(ts) = 1", "day(ts) = 15", "round(a) = 2",
    "round(a, 1) = 2.5", "floor(a) = 1", "ceil(a) = 1", "length(s) = 1", "length(o) = 1", "a", "not a", "s",
    "o = o", "d = d", "items = items",
]


@st.composite
def expressions(draw, depth=0):
    """A random expression of the documented language: comparisons of mixed types, arithmetic (division and
    modulo by zero included), between, in, like/ilike with escapes, is null, functions, case, and/or/not."""
    field = st.sampled_from(EXPR_FIELDS)
    atom_st = st.one_of(field, st.sampled_from(LITERALS))

    def atom():
        return draw(atom_st)

    def term():
        kind = draw(st.integers(0, 9))
        if kind == 0:
            return f"({atom()} + {atom()})"
        if kind == 1:
            return f"({atom()} / {atom()})"
        if kind == 2:
            return f"({atom()} % {atom()})"
        if kind == 3:
            return f"({atom()} * {atom()} - {atom()})"
        if kind == 4:
            return f"length({atom()})"
        if kind == 5:
            return f"abs({atom()})"
        if kind == 6:
            return f"coalesce({atom()}, {atom()})"
        if kind == 7:
            cond = draw(expressions(depth + 1)) if depth < 2 else f"{atom()} = 1"
            return f"case when {cond} then {atom()} else {atom()} end"
        return atom()

    kind = draw(st.integers(0, 14 if depth < 2 else 9))
    op = draw(st.sampled_from(["=", "!=", "<", "<=", ">", ">=", "<>"]))
    neg = "not " if draw(st.booleans()) else ""
    if kind <= 2:
        return f"{term()} {op} {term()}"
    if kind == 3:
        # KNOWN BUG (test_xfail_null_literal_between_untyped_field): the tested value is a field, not `null`
        return f"{draw(field)} {neg}between {atom()} and {atom()}"
    if kind == 4:
        return f"{atom()} {neg}in ({', '.join(draw(st.lists(st.sampled_from(LITERALS), min_size=1, max_size=3)))})"
    if kind == 5:
        pattern = draw(st.sampled_from(["a%", "%a", "_", "%", "a_b", "%é%", "%!%%", "A%", "", "%\n%"]))
        escape = " escape '!'" if "!" in pattern else ""
        return f"{atom()} {draw(st.sampled_from(['like', 'ilike', 'not like']))} '{pattern}'{escape}"
    if kind == 6:
        return f"{atom()} is {neg}null"
    if kind == 7:
        return draw(st.sampled_from(FUNCTION_CALLS))
    if kind == 8:
        return f"not ({draw(expressions(depth + 1)) if depth < 2 else atom() + ' = 1'})"
    if kind == 9:
        return f"{atom()} {op} {atom()}"
    return f"({draw(expressions(depth + 1))}) {draw(st.sampled_from(['and', 'or']))} ({draw(expressions(depth + 1))})"


@st.composite
def rules(draw, index: int) -> dict:
    body: dict = {"id": f"r{index}"}
    kind = draw(st.sampled_from(["type", "required", "not_null", "range", "length", "pattern", "in", "not_in",
                                 "unique", "unique2", "unique_star", "max_age", "expression", "json_schema",
                                 "row_count", "null_rate", "duplicate_rate", "statistic"]))
    fields = draw(st.lists(st.sampled_from(VALUE_FIELDS), min_size=1, max_size=2, unique=True))
    if kind == "type":
        body.update(check="type", fields=fields, type=draw(st.one_of(
            st.sampled_from(TYPES), st.lists(st.sampled_from(TYPES), min_size=1, max_size=3, unique=True))))
        if draw(st.booleans()):
            body["allow_nan"] = True
    elif kind in ("required", "not_null"):
        body.update(check=kind, fields=fields)
        if kind == "required" and draw(st.booleans()):
            body["allow_null"] = True
    elif kind == "range":
        lo, hi = sorted([draw(st.sampled_from(BOUNDS)), draw(st.sampled_from(BOUNDS))])
        body.update(check="range", fields=fields)
        which = draw(st.sampled_from(["min", "max", "both"]))
        if which != "max":
            body.update(min=lo, exclusive_min=draw(st.booleans()))
        if which != "min":
            body.update(max=hi, exclusive_max=draw(st.booleans()))
    elif kind == "length":
        lo, hi = sorted(draw(st.lists(st.integers(0, 4), min_size=2, max_size=2)))
        body.update(check="length", fields=fields, max=hi)
        if draw(st.booleans()):
            body["min"] = lo
    elif kind == "pattern":
        body.update(check="pattern", fields=fields, pattern=draw(st.sampled_from(PATTERNS)))
        if draw(st.booleans()):
            body["full_match"] = True
    elif kind in ("in", "not_in"):
        body.update(check=kind, fields=fields, values=draw(st.lists(st.sampled_from(SET_VALUES), min_size=1,
                                                                    max_size=4)))
    elif kind == "unique":
        body.update(check="unique", field=draw(st.sampled_from(UNIQUE_FIELDS)))
    elif kind == "unique2":
        body.update(check="unique", fields=draw(st.lists(st.sampled_from(UNIQUE_FIELDS), min_size=2, max_size=3,
                                                         unique=True)))
    elif kind == "unique_star":
        body.update(check="unique", field="items[*].k")
    elif kind == "max_age":
        body.update(check="max_age", max_age=draw(st.sampled_from(DURATIONS)), fields=draw(st.lists(
            st.sampled_from(["ts", "a", "s", "n", "items[*].k"]), min_size=1, max_size=2, unique=True)))
        if draw(st.booleans()):
            body["max_future"] = draw(st.sampled_from(DURATIONS))
    elif kind == "expression":
        body.update(check="expression", expr=draw(expressions()))
    elif kind == "json_schema":
        body.update(check="json_schema", schema=draw(st.sampled_from([
            {"type": "object", "required": ["v"]},
            {"type": "object", "properties": {"v": {"type": "integer", "minimum": 1}}},
            {"type": "object", "properties": {"ts": {"type": "string", "format": "date-time"}}},
            {"type": "object", "properties": {"s": {"type": "string", "pattern": "^a"}}},
            {"type": "object", "properties": {"n": {"type": "number", "maximum": 10}}},
            {"type": "object", "additionalProperties": {"type": ["string", "number", "null", "object"]}},
        ])))
        if draw(st.booleans()):
            body["field"] = "d"
    elif kind == "row_count":
        body.update(check="row_count", min=draw(st.integers(0, 5)))
        if draw(st.booleans()):
            body["max"] = draw(st.integers(5, 30))
    elif kind == "null_rate":
        body.update(check="null_rate", field=draw(st.sampled_from(VALUE_FIELDS)),
                    max=draw(st.sampled_from([0, 0.1, 0.5, 1])))
        if draw(st.booleans()):
            body["missing_as_null"] = False
    elif kind == "duplicate_rate":
        key = draw(st.one_of(st.sampled_from(UNIQUE_FIELDS + ["items[*].k"]),
                             st.lists(st.sampled_from(UNIQUE_FIELDS), min_size=2, max_size=2, unique=True)))
        body.update(check="duplicate_rate", max=draw(st.sampled_from([0, 0.1, 0.5])))
        body["fields" if isinstance(key, list) else "field"] = key
    else:
        body.update(check="statistic", field=draw(st.sampled_from(["n", "a", "b", "items[*].q", "d.v"])),
                    stat=draw(st.sampled_from(["mean", "min", "max", "stddev", "sum"])))
        body["min" if draw(st.booleans()) else "max"] = draw(st.sampled_from([0, 1, 2.5, 100, 1e20]))
    if kind != "row_count" and draw(st.integers(0, 4)) == 0:
        body["where"] = draw(expressions(1))
    return body


DECLARED = ["a", "b", "s", "n", "id", "ts", "o", "d", "d.v", "items", "items[*].k", "ü", "nope", "d.w",
            "items[*].q", "zz"]
SHORTHAND = {"required": True, "nullable": False, "unique": True, "min": 0, "max": 10, "in": [1, "a", True],
             "pattern": "^a", "max_age": "1h", "max_length": 2}


@st.composite
def rulesets(draw):
    """A loaded ruleset: 0-7 rules, maybe `fields:` shorthand (typed fields change how DuckDB types
    expressions and let the Python engine use its typed pre-decoder), maybe a record_id."""
    head: dict = {"rfsrules": 1, "name": "qa", "version": "1.0.0"}
    record_id = draw(st.sampled_from([None, "id", "d.v"]))
    if record_id:
        head["record_id"] = record_id
    declared = {}
    for name in draw(st.lists(st.sampled_from(["a", "b", "s", "n", "id", "ts", "d.v", "ü"]), max_size=4,
                              unique=True)):
        spec = {"type": draw(st.sampled_from(TYPES[:10]))}
        for key in draw(st.lists(st.sampled_from(sorted(SHORTHAND)), max_size=2, unique=True)):
            spec[key] = SHORTHAND[key]
        declared[name] = spec
    if declared:  # once fields are declared, expressions may only name declared fields
        head["fields"] = {**{name: {"description": "declared"} for name in DECLARED}, **declared}
    head["rules"] = [draw(rules(i)) for i in range(draw(st.integers(0 if declared else 1, 7)))]
    text = json.dumps(head, ensure_ascii=False)
    try:
        return load_ruleset_text(text)
    except Exception:  # a generated contradiction (min = max with an exclusive bound): rare
        return None


# --- comparing reports -------------------------------------------------------------------------------

def _exact(report) -> dict:
    """The whole report except what differs from run to run (time, memory)."""
    data = report.to_dict()
    data["summary"].pop("duration_seconds")
    data["summary"].pop("peak_memory_bytes", None)
    data["summary"]["thresholds_breached"] = [b for b in data["summary"]["thresholds_breached"]
                                              if b["name"] not in ("processing_time_max", "memory_usage_max")]
    return json.loads(json.dumps(data, default=str))


def _text(report: dict) -> str:
    """Type-exact comparison: 1 == 1.0 == True in Python, not in a report."""
    return json.dumps(report, sort_keys=True)


def _write(tmp_path_factory, data: bytes, name="x.jsonl") -> str:
    path = tmp_path_factory.mktemp("qa") / name
    path.write_bytes(data)
    return str(path)


def _assert_engines_agree(data, ruleset, max_examples):
    py = check(data, ruleset, engine="python", ref_time=REF, max_examples=max_examples)
    dd = check(data, ruleset, engine="duckdb", ref_time=REF, max_examples=max_examples)
    a, b = normalised(py), normalised(dd)
    assert _text(a) == _text(b), diff(a, b)
    s = py.summary
    assert s.records_total == s.records_checked + s.records_malformed
    return py


@pytest.fixture
def spy_parallel(monkeypatch):
    """Ranges of a byte (the engine's min-bytes knob) so small files split; records whether a run split."""
    monkeypatch.setattr(parallel, "MIN_TASK_BYTES", 1)
    ran: list[bool] = []
    original = parallel.run_parallel

    def spy(*args, **kwargs):
        ran.append(original(*args, **kwargs))
        return ran[-1]

    monkeypatch.setattr(parallel, "run_parallel", spy)
    return ran


def _splits(paths: list[str], ruleset) -> bool:
    """Whether --jobs 2 must run several processes: the batch splits into ranges (under either first-range
    weight) and no rule is one the docs keep in one process (unique on several fields or a [*] path)."""
    sources = resolve_sources(paths)
    if any(parallel.split_tasks(sources, 2, first_weight=w) is None
           for w in (1.0, parallel.FIRST_WEIGHT_WITH_KEYS)):
        return False
    return not any(r.check == "unique" and r.enabled and (len(r.fields) > 1 or "[*]" in str(r.fields[0]))
                   for r in ruleset.rules)


# --- the differential properties ---------------------------------------------------------------------

@settings(max_examples=60, deadline=None, suppress_health_check=SUPPRESS)
@given(ruleset=rulesets(), data=jsonl(), max_examples=st.sampled_from([None, 0, 1, 3]))
def test_python_and_duckdb_engines_agree_on_random_rulesets_and_lines(tmp_path_factory, ruleset, data,
                                                                      max_examples):
    if ruleset is None:
        return
    _assert_engines_agree(_write(tmp_path_factory, data), ruleset, max_examples)


@settings(max_examples=40, deadline=None, suppress_health_check=SUPPRESS)
@given(ruleset=rulesets(), first=jsonl(deep=False), second=jsonl(max_lines=10, deep=False),
       max_examples=st.sampled_from([None, 0, 2]))
def test_jobs_2_gives_exactly_the_one_process_report(tmp_path_factory, spy_parallel, ruleset, first, second,
                                                     max_examples):
    if ruleset is None:
        return
    spy_parallel.clear()
    paths = [_write(tmp_path_factory, first, "a.jsonl"), _write(tmp_path_factory, second, "b.jsonl")]
    one = _exact(check(paths, ruleset, engine="python", ref_time=REF, max_examples=max_examples))
    assert spy_parallel == []
    two = _exact(check(paths, ruleset, engine="python", ref_time=REF, max_examples=max_examples, jobs=2))
    assert _text(two) == _text(one), diff(one, two)
    assert spy_parallel == [_splits(paths, ruleset)]


@settings(max_examples=6, deadline=None, suppress_health_check=SUPPRESS)
@given(ruleset=rulesets(), seed=st.integers(0, 2 ** 32), lines=st.integers(1000, 4000))
def test_larger_batches_agree_on_all_three_runs(tmp_path_factory, spy_parallel, ruleset, seed, lines):
    """Thousands of lines (DuckDB vectors, the Python engine's blocks and caches, several ranges)."""
    if ruleset is None:
        return
    spy_parallel.clear()
    rng = random.Random(seed)
    folder = tmp_path_factory.mktemp("big")
    paths = []
    for name, count in (("a.jsonl", lines), ("b.jsonl", rng.randint(0, 200))):
        out = []
        for _ in range(count):
            if rng.random() < 0.02:
                out.append(rng.choice([line for line in SHALLOW_LINES if b"\x01" not in line]))
                continue
            rec = {key: rng.choice(SCALARS) for key in ("n", "a", "b", "s", "ü") if rng.random() < 0.8}
            rec["id"] = f"e_{rng.randint(0, lines)}" if rng.random() < 0.5 else rng.choice(SMALL)
            rec["ts"] = rng.choice(TIMESTAMPS)
            rec["d"] = {"v": rng.choice(SMALL)}
            rec["items"] = [{"k": rng.choice(SMALL), "q": rng.choice(SMALL)} for _ in range(rng.randint(0, 2))]
            out.append(json.dumps(rec, ensure_ascii=rng.random() < 0.5).encode())
        (folder / name).write_bytes(b"\n".join(out) + b"\n")
        paths.append(str(folder / name))
    py = _assert_engines_agree(paths, ruleset, 50)
    two = _exact(check(paths, ruleset, engine="python", ref_time=REF, max_examples=50, jobs=2))
    one = _exact(py)
    assert _text(two) == _text(one), diff(one, two)
    assert spy_parallel == [_splits(paths, ruleset)]


@settings(max_examples=30, deadline=None, suppress_health_check=SUPPRESS)
@given(ruleset=rulesets(), records=st.lists(record, max_size=30))
def test_in_memory_records_agree(ruleset, records):
    if ruleset is None:
        return
    _assert_engines_agree(records, ruleset, None)


def test_jobs_2_splits_a_small_file_with_the_knob(tmp_path, spy_parallel):
    """The knob the properties rely on: with MIN_TASK_BYTES = 1, a 3-line file runs in two processes and
    a duplicate across the ranges names the earlier line."""
    path = tmp_path / "s.jsonl"
    path.write_text('{"id": "a"}\n{"id": "b"}\n{"id": "a"}\n')
    rs = load_ruleset_text("rfsrules: 1\nname: s\nversion: 1.0.0\nfields:\n  id: {unique: true}\n")
    report = check(str(path), rs, engine="python", jobs=2, ref_time=REF)
    assert spy_parallel == [True]
    assert [(v.line, v.message) for v in report.rule("id.unique").examples] == [(3, '"a" is a duplicate of line 1')]


# --- known disagreements (strict xfail: flip when fixed) ---------------------------------------------

RULES_HEAD = "rfsrules: 1\nname: x\nversion: 1.0.0\n"


def _both(tmp_path, lines: bytes, body: str, rule_id: str = "r", **kw):
    path = tmp_path / "x.jsonl"
    path.write_bytes(lines)
    rs = load_ruleset_text(RULES_HEAD + body)
    return [check(str(path), rs, engine=e, ref_time=REF, max_examples=None, **kw).rule(rule_id)
            for e in ("python", "duckdb")]


@pytest.mark.xfail(strict=True, reason="DuckDB keeps the BOM in a rejected first line (invalid UTF-8): value "
                                       "'\\ufeff{...' and 'invalid UTF-8 at byte 11' instead of byte 8")
def test_xfail_bom_with_invalid_utf8_first_line(tmp_path):
    py, dd = _both(tmp_path, b'\xef\xbb\xbf{"s": "\xfe"}\n', "rules:\n  - {id: r, check: not_null, field: id}\n",
                   "parse")
    assert [(v.line, v.value, v.message) for v in py.examples] == [(1, '{"s": "\\xfe"}', "invalid UTF-8 at byte 8")]
    assert [(v.line, v.value, v.message) for v in dd.examples] == [(1, '{"s": "\\xfe"}', "invalid UTF-8 at byte 8")]


@pytest.mark.xfail(strict=True, reason="DuckDB keeps the BOM in the example value of a malformed first line "
                                       "when the file holds \\r (CRLF) or \\x01 and is copied first")
@pytest.mark.parametrize("data", [b"\xef\xbb\xbf{\r\n{}\r\n", b'\xef\xbb\xbf{\n{"s": "a\x01b"}\n'])
def test_xfail_bom_in_a_copied_file(tmp_path, data):
    py, dd = _both(tmp_path, data, "rules:\n  - {id: r, check: not_null, field: id}\n", "parse")
    assert py.examples[0].value == "{"
    assert [(v.line, v.value, v.message) for v in dd.examples] == [(v.line, v.value, v.message) for v in py.examples]


@pytest.mark.xfail(strict=True, reason="DuckDB's statistic leaves out integers beyond the double range "
                                       "(docs/checks.md: they count exactly in min, max, sum and mean)")
def test_xfail_statistic_ignores_integers_beyond_double_range(tmp_path):
    big = b"9" * 320
    py, dd = _both(tmp_path, b'{"n": ' + big + b"}\n",
                   "rules:\n  - {id: r, check: statistic, field: n, stat: max, max: 0}\n")
    assert (py.status, py.violations, py.examples[0].value) == ("failed", 1, int(big))
    assert (dd.status, dd.violations) == ("failed", 1)
    assert dd.examples[0].value == int(big)


@pytest.mark.xfail(strict=True, reason="DuckDB sums floats in doubles: 1e20 + 1 - 1e20 has mean 0 there, 1/3 "
                                       "in Python (exact sums), so the gate differs; docs say only last digits")
def test_xfail_statistic_mean_cancellation(tmp_path):
    py, dd = _both(tmp_path, b'{"n": 1e20}\n{"n": 1}\n{"n": -1e20}\n',
                   "rules:\n  - {id: r, check: statistic, field: n, stat: mean, max: 0}\n")
    assert (py.status, py.examples[0].value) == ("failed", 1 / 3)
    assert (dd.status, dd.violations) == ("failed", 1)
    assert dd.examples[0].value == pytest.approx(1 / 3)


@pytest.mark.xfail(strict=True, reason="DuckDB's mean overflows to Infinity where Python's exact sum gives 0.2")
def test_xfail_statistic_mean_overflow(tmp_path):
    py, dd = _both(tmp_path, b'{"n": 1e308}\n{"n": 1e308}\n{"n": -1e308}\n{"n": -1e308}\n{"n": 1}\n',
                   "rules:\n  - {id: r, check: statistic, field: n, stat: mean, max: 0}\n")
    assert py.examples[0].value == 0.2
    assert dd.examples[0].value == pytest.approx(0.2)


@pytest.mark.xfail(strict=True, reason="DuckDB: `null between <untyped field> and 1` is a Binder Error, "
                                       "reported as `cannot read 'x.jsonl' with DuckDB` (exit 2); lint accepts it")
def test_xfail_null_literal_between_untyped_field(tmp_path):
    py, dd = _both(tmp_path, b'{"a": 1}\n{}\n',
                   'rules:\n  - {id: r, check: not_null, field: id, where: "null between a and 1"}\n'
                   '  - {id: e, check: expression, expr: "null not between a and 1"}\n', "e")
    assert (py.violations, dd.violations) == (2, 2)


@pytest.mark.xfail(strict=True, reason="Python engine: a record_id holding an integer beyond 64 bits is "
                                       "reported as a float (1.8446744073709552e+19); DuckDB keeps it exact")
def test_xfail_huge_integers_record_id(tmp_path):
    py, dd = _both(tmp_path, b'{"id": 18446744073709551616}\n',
                   "record_id: id\nrules:\n  - {id: r, check: required, field: a}\n")
    assert dd.examples[0].record_id == 2 ** 64
    assert py.examples[0].record_id == 2 ** 64
    assert type(py.examples[0].record_id) is int


@pytest.mark.xfail(strict=True, reason="Python engine: with only [*] rules, integers beyond 64 bits in array "
                                       "elements are floats: `type: integer` fails ('expected integer, got "
                                       "number'); DuckDB passes")
def test_xfail_huge_integers_in_star_elements(tmp_path):
    py, dd = _both(tmp_path, b'{"items": [18446744073709551616, 1]}\n',
                   'rules:\n  - {id: r, check: type, field: "items[*]", type: integer}\n')
    assert (dd.violations, py.violations) == (0, 0)


@pytest.mark.xfail(strict=True, reason="Python engine: objects read whole hold huge integers as floats, so "
                                       "{v: 10**29} and {v: 10**29 + 1} are reported as duplicates")
def test_xfail_huge_integers_inside_objects(tmp_path):
    py, dd = _both(tmp_path, b'{"d": {"v": 100000000000000000000000000000}}\n'
                             b'{"d": {"v": 100000000000000000000000000001}}\n',
                   "rules:\n  - {id: r, check: unique, field: d}\n")
    assert (dd.violations, py.violations) == (0, 0)


@pytest.mark.xfail(strict=True, reason="--jobs 2 re-reads a duplicate first seen in an earlier range exactly, "
                                       "one process does not: its huge-integer record_id is an int in one report "
                                       "and a float in the other")
def test_xfail_jobs_report_differs_on_huge_record_id(tmp_path, spy_parallel):
    (tmp_path / "a.jsonl").write_bytes(b'{"a": "x"}\n' * 6)
    (tmp_path / "b.jsonl").write_bytes(b'{"id": 18446744073709551616, "a": "x"}\n{"a": "y"}\n')
    paths = [str(tmp_path / "a.jsonl"), str(tmp_path / "b.jsonl")]
    rs = load_ruleset_text(RULES_HEAD + "record_id: id\nfields:\n  a: {type: string, unique: true}\n")
    one = _exact(check(paths, rs, engine="python", ref_time=REF))
    two = _exact(check(paths, rs, engine="python", ref_time=REF, jobs=2))
    assert spy_parallel == [True]
    assert _text(two) == _text(one), diff(one, two)


def test_jobs_worker_sends_a_deeply_nested_example(tmp_path, spy_parallel):
    """A worker's result pickled an example nesting ~1,000 levels past the recursion limit: exit 2 with
    'a --jobs worker process failed ... RecursionError' where one process reported the violation."""
    path = tmp_path / "deep.jsonl"
    path.write_bytes(b'{"o": "x"}\n' * 300 + b'{"o": ' + b"[" * 1000 + b"]" * 1000 + b"}\n")  # in the 2nd range
    rs = load_ruleset_text(RULES_HEAD + "rules:\n  - {id: r, check: type, field: o, type: string}\n")
    one = _exact(check(str(path), rs, engine="python", ref_time=REF))
    assert one["rules"][1]["violations"] == 1
    two = _exact(check(str(path), rs, engine="python", ref_time=REF, jobs=2))
    assert spy_parallel == [True]
    assert _text(two) == _text(one), diff(one, two)


@pytest.mark.xfail(strict=True, reason="DuckDB compares a float field with an integer literal beyond 2**53 in "
                                       "doubles: 9007199254740992.0 = 9007199254740993 is true there, false in "
                                       "Python (docs list only arithmetic beyond 2**53 as a difference)")
def test_xfail_float_compared_with_integer_literal_beyond_2_53(tmp_path):
    py, dd = _both(tmp_path, b'{"n": 9007199254740992.0}\n{"n": 1e20}\n',
                   'rules:\n  - {id: r, check: expression,\n'
                   '     expr: "n = 9007199254740993 or n = 100000000000000000001"}\n')
    assert py.violations == 2
    assert dd.violations == 2


@pytest.mark.xfail(strict=True, reason="Python engine: in/not_in/unique/duplicate_rate/json_schema raise "
                                       "RecursionError on a valid value nested ~1000 levels: the rule is `error` "
                                       "and its failures are lost (in: 0 violations); DuckDB counts 2")
@pytest.mark.parametrize("rule", ["{id: r, check: in, field: o, values: [1]}",
                                  "{id: r, check: unique, field: o}",
                                  "{id: r, check: duplicate_rate, field: o, max: 0}"])
def test_xfail_deep_values_crash_value_comparisons(tmp_path, rule):
    line = b'{"o": ' + b"[" * 1000 + b"]" * 1000 + b"}\n"
    py, dd = _both(tmp_path, line * 2, "rules:\n  - " + rule + "\n")
    assert (py.status, py.error) == ("failed", None)
    assert (py.status, py.violations) == (dd.status, dd.violations)
