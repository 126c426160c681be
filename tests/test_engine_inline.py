"""The Python engine's inline fast paths and pattern class keys give exactly the answers of the real checks."""

from __future__ import annotations

import json
import math
import random
import time
from datetime import datetime, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rfsrules.checks.regex import class_table, compile_matcher, pattern_atoms
from rfsrules.checks.spec import CompileContext
from rfsrules.paths import parse_path
from rfsrules.plugins.manager import default_registry
from rfsrules.ruleset.model import Rule, Ruleset, frozen_mapping
from rfsrules.runner import check

REF = datetime(2026, 1, 15, 12, 0, 0, tzinfo=timezone.utc)
CTX = CompileContext(ref_time=REF)

TIMESTAMPS = st.sampled_from([
    "2026-01-15T11:30:00", "2026-01-15T10:59:59.999999", "2026-01-15T11:00:00", "2026-01-15 11:45:00Z",
    "2026-01-15T13:00:00+02:00", "2026-01-15T09:30:00-02:00", "2026-01-15T12:10:00Z", "2026-02-30T00:00:00",
    "2026-01-15", "20260115T113000Z", "2026-01-15T11:30", "not a time", "", "9999-12-31T23:59:59",
    "0001-01-01T00:00:00+14:00", "2026-01-15T11:30:00.5+00:00",
])
STRINGS = st.one_of(TIMESTAMPS, st.text(max_size=12),
                    st.text(alphabet="ab_01-.Z é\n", max_size=10), st.sampled_from(["active", "user_7", "A1"]))
NUMBERS = st.one_of(st.integers(-5, 15), st.integers(-(2 ** 70), 2 ** 70), st.floats(allow_nan=True),
                    st.sampled_from([1.0, 10.0, 0.0, -0.0, 1e300, 1_768_470_000, 1_768_478_000.5]))
VALUES = st.one_of(STRINGS, NUMBERS, st.booleans(), st.none(), st.lists(st.integers(0, 3), max_size=3),
                   st.dictionaries(st.sampled_from("ab"), st.integers(0, 2), max_size=2))
TYPE_NAMES = ["string", "integer", "number", "boolean", "object", "array", "timestamp", "date", "uuid", "email",
              "null"]
BOUND = st.one_of(st.none(), st.integers(-3, 12), st.floats(-3, 12, allow_nan=False))
PATTERNS = st.sampled_from([r"^[a-z_]+_\d+$", r"\d", r"^user_\d+$", r"^(?:ab|b)+$", r"[^a]", r"^.{2,4}$",
                            r"\bab\b", r"(?i)ab", r"^\w+$", r"\s"])


@st.composite
def rules(draw):
    kind = draw(st.sampled_from(["type", "range", "length", "pattern", "in", "not_in", "max_age"]))
    if kind == "type":
        names = draw(st.lists(st.sampled_from(TYPE_NAMES), min_size=1, max_size=3, unique=True))
        params = {"type": names if len(names) > 1 or draw(st.booleans()) else names[0],
                  "allow_nan": draw(st.booleans())}
    elif kind == "range":
        lo, hi = draw(BOUND), draw(BOUND)
        if lo is None and hi is None:
            lo = 0
        if lo is not None and hi is not None and lo > hi:
            lo, hi = hi, lo
        params = {"min": lo, "max": hi, "exclusive_min": draw(st.booleans()), "exclusive_max": draw(st.booleans())}
        params = {k: v for k, v in params.items() if v is not None}
    elif kind == "length":
        lo, hi = draw(st.one_of(st.none(), st.integers(0, 4))), draw(st.one_of(st.none(), st.integers(0, 6)))
        params = {k: v for k, v in (("min", lo), ("max", hi if hi is None or lo is None else max(lo, hi))) if v is not None}
        params = params or {"min": 1}
    elif kind == "pattern":
        params = {"pattern": draw(PATTERNS), "full_match": draw(st.booleans())}
    elif kind in ("in", "not_in"):
        params = {"values": draw(st.lists(st.one_of(st.sampled_from(["active", "a", "1", "user_7"]), st.integers(0, 3),
                                                    st.booleans(), st.just(1.0)), min_size=1, max_size=4))}
    else:
        params = {"max_age": draw(st.sampled_from(["1h", "30m", "2d"]))}
        if draw(st.booleans()):
            params["max_future"] = draw(st.sampled_from(["5m", "1h"]))
    return kind, params


def _rule(index: int, kind: str, params: dict) -> Rule:
    spec = default_registry().get(kind)
    defaults = {k: s["default"] for k, s in spec.params.items() if "default" in s}
    return Rule(id=f"r{index}", check=kind, level="value", fields=(parse_path("v"),),
                params=frozen_mapping({**defaults, **params}), severity="high", dimension=spec.default_dimension)


def _expected(rule: Rule, values: list) -> list[tuple[int, str]]:
    test = default_registry().get(rule.check).python(rule, CTX)
    out = []
    for line, value in enumerate(values, 1):
        if value is None:
            continue
        result = test(value)
        if result is not None:
            out.append((line, result[1]))
    return out


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(rules(), min_size=1, max_size=4), st.lists(VALUES, min_size=1, max_size=30))
def test_engine_answers_equal_the_checks_answers(specs, values):
    ruleset = Ruleset(name="t", version="1", source="<t>",
                      rules=tuple(_rule(i, kind, params) for i, (kind, params) in enumerate(specs)))
    report = check([{"v": v} for v in values], ruleset, engine="python", ref_time=REF, max_examples=None,
                   measure_resources=False)
    for rule in ruleset.rules:
        got = [(v.line, v.message) for v in report.rule(rule.id).examples]
        assert got == _expected(rule, values), (rule.check, dict(rule.params))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(rules(), min_size=1, max_size=4),
       st.lists(st.one_of(STRINGS, st.integers(-(2 ** 70), 2 ** 70), st.floats(allow_nan=False, allow_infinity=False),
                          st.booleans(), st.none()), min_size=1, max_size=30))
def test_the_block_reader_agrees_with_the_checks(tmp_path_factory, specs, values):
    ruleset = Ruleset(name="t", version="1", source="<t>",
                      rules=tuple(_rule(i, kind, params) for i, (kind, params) in enumerate(specs)))
    path = tmp_path_factory.mktemp("inline") / "v.jsonl"
    path.write_text("".join(json.dumps({"v": v}) + "\n" for v in values))
    report = check(str(path), ruleset, engine="python", ref_time=REF, max_examples=None, measure_resources=False)
    for rule in ruleset.rules:
        got = [(v.line, v.message) for v in report.rule(rule.id).examples]
        assert got == _expected(rule, values), (rule.check, dict(rule.params))


# --- pattern class keys --------------------------------------------------------------------------------

@pytest.mark.parametrize("pattern", [r"(?i)abc", r"(?s).", r"\pL", r"[[:alpha:]]", r"\x41", r"é", r"[]a]",
                                     r"a{,2}", r"(?P<n>a)", r"\Qa.b\E", r"\C"])
def test_patterns_outside_the_understood_syntax_get_no_table(pattern):
    assert class_table(pattern) is None


def test_atoms_and_classes_of_a_typical_pattern():
    assert pattern_atoms(r"^[a-z_]+_\d+_\d+$") == ["[a-z_]", "_", r"\d", "_", r"\d"]
    table = class_table(r"^[a-z_]+_\d+_\d+$")
    assert "transaction_logs_12_345".encode().translate(table) == b"aaaaaaaaaaa_aaaa_00_000"
    assert "BAD-ID-7".encode().translate(table) == "BAD-ID-0".encode().translate(table)


def _same_class_variant(text: str, table: bytes, rng: random.Random) -> str:
    classes: dict[int, list[str]] = {}
    for code in range(128):
        classes.setdefault(table[code], []).append(chr(code))
    out = []
    for ch in text:
        if ord(ch) < 128:
            out.append(rng.choice(classes[table[ord(ch)]]))
        else:  # another non-ASCII character of the same UTF-8 length
            out.append(rng.choice(_SAME_LENGTH[len(ch.encode())]))
    return "".join(out)


_SAME_LENGTH = {2: "éüſ\u0085\u0660", 3: "€\u2028\u212a", 4: "😀\U0001d7d8"}
ALPHABET = "aAbBzZ_09-. \n\tKsſ\u212aé€😀\u0660"
PATTERN_PARTS = st.sampled_from(["a", "b", "[a-z]", "[^a]", r"\d", r"\w", r"\W", r"\s", ".", "_", r"\.", "[A-Z0-9]",
                                 r"\b", "(?:ab|z)", "K", "[k-s]"])
QUANTIFIERS = st.sampled_from(["", "", "*", "+", "?", "{2}", "{1,3}", "*?"])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(PATTERN_PARTS, QUANTIFIERS), min_size=1, max_size=5), st.booleans(), st.booleans(),
       st.text(alphabet=ALPHABET, max_size=16), st.booleans(), st.integers(0, 2 ** 32))
def test_strings_with_equal_class_keys_get_equal_answers(parts, start, end, text, full, seed):
    pattern = ("^" if start else "") + "".join(p + (q if p != r"\b" else "") for p, q in parts) + ("$" if end else "")
    table = class_table(pattern)
    assert table is not None, pattern
    matches = compile_matcher(pattern, full)
    rng = random.Random(seed)
    for _ in range(5):
        other = _same_class_variant(text, table, rng)
        assert other.encode().translate(table) == text.encode().translate(table)
        assert matches(other) == matches(text), (pattern, text, other)


def test_pathological_patterns_stay_linear():
    matches = compile_matcher(r"^(a+)+$")
    started = time.perf_counter()
    assert matches("a" * 50_000 + "b") is False
    assert time.perf_counter() - started < 1.0


def test_the_set_matcher_agrees_with_a_full_match():
    for pattern, text, full, want in [(r"\d+", "ab12", False, True), (r"\d+", "ab12", True, False),
                                      (r"^$", "", False, True), ("a", "\ud800a", False, True)]:
        assert compile_matcher(pattern, full)(text) is want
    assert math.isclose(1.0, 1.0)
