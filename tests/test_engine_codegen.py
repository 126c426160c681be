"""The Python engine's generated per-record code: no ruleset text in it, exact integers, guarded checks."""

from __future__ import annotations

import io
import re
import tokenize
from datetime import datetime, timezone

from rfsrules.checks.spec import CheckRegistry, CheckSpec, CompileContext
from rfsrules.engines.python_compile import compile_rules
from rfsrules.paths import parse_path
from rfsrules.plugins.manager import default_registry
from rfsrules.ruleset.model import Rule, Ruleset, frozen_mapping
from rfsrules.runner import check

REF = datetime(2026, 1, 15, 12, 0, 0, tzinfo=timezone.utc)


def rule(rule_id, check_name, fields=(), **kw):
    fields = (fields,) if isinstance(fields, str) else tuple(fields)
    spec = default_registry().get(check_name) if check_name in default_registry() else None
    return Rule(id=rule_id, check=check_name, level=spec.level if spec else "record",
                fields=tuple(parse_path(f) for f in fields), params=frozen_mapping(kw.pop("params", {})),
                severity="high", dimension=spec.default_dimension if spec else "accuracy", **kw)


def run(records, *rules, registry=None):
    rs = Ruleset(name="t", version="1", source="<test>", rules=tuple(rules))
    return check(records, rs, ref_time=REF, measure_resources=False, max_examples=None, registry=registry)


def test_generated_source_holds_no_ruleset_text():
    from rfsrules.expr import parse_expression

    secret_where = "zzWhereField = 'zzWhereValue'"
    rules = [
        rule("zz-rule-id-1", "type", "zzTop.zzInner", params={"type": "string"}, message="zzMessage {value}"),
        rule("zz-rule-id-2", "pattern", ["zzTop.zzInner", "zzList[*].zzSku"], params={"pattern": "^zzPattern$"}),
        rule("zz-rule-id-3", "in", 'zzQuoted["zz.dotted"]', params={"values": ["zzAllowed", 424242]},
             where=parse_expression(secret_where), where_text=secret_where),
        rule("zz-rule-id-4", "required", "zzRequired"),
        rule("zz-rule-id-5", "unique", ["zzKeyA", "zzKeyB"]),
        rule("zz-rule-id-6", "statistic", "zzStat", params={"stat": "mean", "max": 987654}),
        rule("zz-rule-id-7", "expression", params={"expr": "zzExprField > 31337"}),
        rule("zz-rule-id-8", "max_age", "zzTs", params={"max_age": "7h"}),
    ]
    plan = compile_rules(rules, default_registry(), CompileContext(ref_time=REF), max_examples=5, context={},
                         record_id=parse_path("zzRecordId"))
    source = plan.source
    assert "def process_block(block, line, slow, notobj, *," in source
    assert "def process_exact(rec, line, *," in source
    assert not re.search(r"zz|424242|987654|31337|7h", source, re.IGNORECASE)
    strings = [tok.string for tok in tokenize.generate_tokens(io.StringIO(source).readline)
               if tok.type == tokenize.STRING]
    assert strings == []
    names = {tok.string for tok in tokenize.generate_tokens(io.StringIO(source).readline) if tok.type == tokenize.NAME}
    assert all(re.fullmatch(r"[a-zA-Z_]+\d*", n) and "zz" not in n for n in names)


def test_integers_beyond_64_bits_are_exact_for_every_kind_of_rule(tmp_path):
    path = tmp_path / "big.jsonl"
    path.write_text('{"k": 123456789012345678901234567890, "n": 1}\n'
                    '{"k": 123456789012345678901234567891, "n": 123456789012345678901234567890}\n')
    schema = {"properties": {"n": {"not": {"const": 123456789012345678901234567890}}}}
    report = check(str(path), Ruleset(name="t", version="1", source="<t>", rules=(
        rule("u", "unique", "k"),
        rule("s", "json_schema", params={"schema": schema}),
        rule("sum", "statistic", "k", params={"stat": "sum", "max": 1}),
    )), ref_time=REF, measure_resources=False)
    assert report.rule("u").violations == 0
    assert [v.line for v in report.rule("s").examples] == [2]
    assert report.rule("sum").examples[0].value == 246913578024691357802469135781


def test_where_on_a_huge_integer_sees_it_exactly(tmp_path):
    from rfsrules.expr import parse_expression

    path = tmp_path / "w.jsonl"
    path.write_text('{"k": 123456789012345678901234567890, "v": -1}\n{"k": 123456789012345678901234567891, "v": -1}\n')
    text = "k = 123456789012345678901234567890"
    report = check(str(path), Ruleset(name="t", version="1", source="<t>", rules=(
        rule("w", "range", "v", params={"min": 0}, where=parse_expression(text), where_text=text),)),
        ref_time=REF, measure_resources=False)
    assert [v.line for v in report.rule("w").examples] == [1]


def test_floats_that_really_are_floats_are_kept(tmp_path):
    path = tmp_path / "f.jsonl"
    path.write_text('{"v": 1e19}\n{"v": -2.5e30}\n')
    report = check(str(path), Ruleset(name="t", version="1", source="<t>", rules=(
        rule("t", "type", "v", params={"type": "integer"}),)), ref_time=REF, measure_resources=False)
    assert [(v.line, v.value) for v in report.rule("t").examples] == [(1, 1e19), (2, -2.5e30)]


def test_presence_shortcut_matches_the_check():
    records = [{"a": 1}, {}, {"a": None}, {"a": 0}, {"a": False}, {"a": ""}]
    report = run(records, rule("req", "required", "a"), rule("req-null", "required", "a", params={"allow_null": True}),
                 rule("nn", "not_null", "a"), rule("t", "type", "a", params={"type": "integer"}))
    assert [(v.line, v.reason) for v in report.rule("req").examples] == [(2, "missing_field"), (3, "null_value")]
    assert [(v.line, v.reason) for v in report.rule("req-null").examples] == [(2, "missing_field")]
    assert [(v.line, v.reason) for v in report.rule("nn").examples] == [(3, "null_value")]
    assert [v.line for v in report.rule("t").examples] == [5, 6]


def test_type_shortcuts_agree_with_the_type_check():
    values = [1, 1.0, float("nan"), True, "s", {"o": 1}, [1], 10 ** 30, None]
    for name in ("string", "integer", "number", "boolean", "object", "array"):
        test = default_registry().get("type").python(rule("x", "type", "v", params={"type": name}), CompileContext())
        expected = [n for n, v in enumerate(values, 1) if v is not None and test(v) is not None]
        report = run([{"v": v} for v in values], rule("x", "type", "v", params={"type": name}))
        assert [v.line for v in report.rule("x").examples] == expected, name


def test_nested_fields_share_prefixes_and_tolerate_non_objects():
    records = [{"data": {"value": 5, "status": "on"}}, {"data": 7}, {"data": {"value": "x"}}, {}]
    report = run(records, rule("v", "type", "data.value", params={"type": "integer"}),
                 rule("s", "in", "data.status", params={"values": ["on"]}), rule("r", "required", "data.value"))
    assert [v.line for v in report.rule("v").examples] == [3]
    assert report.rule("s").violations == 0
    assert [v.line for v in report.rule("r").examples] == [2, 4]


def test_a_check_that_cannot_be_built_is_an_error_of_its_rule_only():
    def build(rule, ctx):
        raise ValueError("no such thing")

    registry = CheckRegistry(list(default_registry()) + [
        CheckSpec(name="t.unbuildable", level="value", summary="", python=build, plugin="p")])
    report = run([{"a": -1}], rule("bad", "t.unbuildable", "a"), rule("pos", "range", "a", params={"min": 0}),
                 registry=registry)
    assert (report.rule("bad").status, report.rule("bad").error) == ("error", "ValueError: no such thing (plugin p)")
    assert report.rule("pos").violations == 1


def test_a_raising_where_expression_errors_its_rules():
    class Exploding:
        pass

    import rfsrules.expr as expr

    original = expr.compile_python

    def fake_compile(node):
        if isinstance(node, Exploding):
            def predicate(record):
                raise RuntimeError("where broke")
            return predicate
        return original(node)

    expr.compile_python = fake_compile
    try:
        report = run([{"a": -1}, {"a": -2}], rule("w", "range", "a", params={"min": 0}, where=Exploding(), where_text="x"),
                     rule("pos", "range", "a", params={"min": 0}))
    finally:
        expr.compile_python = original
    assert (report.rule("w").status, report.rule("w").error_count) == ("error", 2)
    assert report.rule("w").error.startswith("RuntimeError: where broke")
    assert report.rule("pos").violations == 2
