"""Safe YAML reading: YAML 1.2 typing, locations, tags, duplicate keys, aliases, limits, syntax errors."""

from __future__ import annotations

import math
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rfsrules.errors import RulesetError
from rfsrules.ruleset.yamlsafe import Pos, YamlLimits, parse_yaml, resolve_plain


def only_issue(text: str, limits: YamlLimits | None = None):
    with pytest.raises(RulesetError) as info:
        parse_yaml(text, "f.yaml", limits or YamlLimits())
    assert len(info.value.issues) == 1
    return info.value.issues[0]


def test_plain_scalars_follow_yaml_1_2_core_schema():
    data, _ = parse_yaml("a: [yes, no, on, true, False, null, ~, '', 0o17, 0x1F, 1_000, 017, -3, +4, 1.5, 1e3, "
                         ".inf, -.inf, 2024-01-01, 12:30, 1.0.0]\n")
    assert data["a"][:8] == ["yes", "no", "on", True, False, None, None, ""]
    assert data["a"][8:14] == [15, 31, 1000, 17, -3, 4]
    assert data["a"][14:18] == [1.5, 1000.0, math.inf, -math.inf]
    assert data["a"][18:] == ["2024-01-01", "12:30", "1.0.0"]
    assert type(data["a"][15]) is float


@pytest.mark.parametrize("text, expected", [
    ("", None), ("Null", None), ("TRUE", True), ("false", False), ("42", 42), ("-0", 0), ("3.0", 3.0),
    (".5", 0.5), ("1.", 1.0), ("0o7", 7), ("0xff", 255), ("1_0", 10), ("abc", "abc"), ("_1", "_1"),
    ("1__0", "1__0"), ("e3", "e3"), (".", "."), ("-", "-"),
])
def test_resolve_plain(text, expected):
    assert resolve_plain(text) == expected
    assert type(resolve_plain(text)) is type(expected)


def test_nan_is_a_float():
    assert math.isnan(resolve_plain(".nan"))


def test_quoted_and_tagged_scalars_stay_strings():
    data, loc = parse_yaml("a: '12'\nb: \"true\"\nc: !!str 3\nd: ! 4\ne: !!timestamp 2024-01-01\nf: !!float 2\n")
    assert data == {"a": "12", "b": "true", "c": "3", "d": "4", "e": "2024-01-01", "f": 2.0}
    assert loc.child("c").str_tag is True
    assert loc.child("a").str_tag is False


def test_key_and_value_positions_are_one_based():
    text = "top:\n  inner: value\n  list:\n    - first\n    - {k: v}\n"
    _, loc = parse_yaml(text, "f.yaml")
    assert loc.locate(("top", "inner")) == Pos("f.yaml", 2, 10, 0)
    assert loc.locate(("top", "inner"), key=True) == Pos("f.yaml", 2, 3, 0)
    assert tuple(loc.locate(("top", "list", 0)))[:3] == ("f.yaml", 4, 7)
    assert tuple(loc.locate(("top", "list", 1, "k")))[:3] == ("f.yaml", 5, 11)
    # a missing member falls back to its nearest existing ancestor
    assert tuple(loc.locate(("top", "nope", 3)))[:3] == ("f.yaml", 2, 3)


def test_exact_offsets_for_plain_and_quoted_single_line_scalars():
    _, loc = parse_yaml("a: x > 1\nb: 'x > 1'\nc: \"x\\t1\"\nd: |\n  x\n")
    assert loc.child("a").pos.at(2)[1:3] == (1, 6)
    assert loc.child("b").pos.at(2)[1:3] == (2, 7)
    # single-line escapes are mapped: "x\t1" has its '1' (character 2) at column 8
    assert loc.child("c").pos.at(2)[1:3] == (3, 8)
    # block scalars are mapped line by line: character 2 is the end of "x" on line 5
    assert loc.child("d").pos.at(0)[1:3] == (5, 3)
    assert loc.child("d").pos.at(2)[1:3] == (5, 4)


def test_duplicate_keys_are_errors():
    issue = only_issue("rules: []\nname: a\nname: b\n")
    assert (issue.line, issue.col, issue.code) == (3, 1, "RFL011")
    assert issue.message == "duplicate key 'name' (first defined at line 2, column 1)"


def test_nested_duplicate_key():
    issue = only_issue("a:\n  - id: x\n    id: y\n")
    assert (issue.line, issue.col) == (3, 5)


@pytest.mark.parametrize("text, line, col, shown", [
    ("a: !!python/object:os.system x\n", 1, 4, "!!python/object:os.system"),
    ("a:\n  b: !foo bar\n", 2, 6, "!foo"),
    ("a: !!binary aGk=\n", 1, 4, "!!binary"),
])
def test_unknown_tags_are_rejected_at_their_position(text, line, col, shown):
    issue = only_issue(text)
    assert (issue.line, issue.col) == (line, col)
    assert issue.message.startswith(f"unsupported YAML tag {shown} ")


def test_unknown_tag_on_collections():
    assert only_issue("a: !!set {x: null}\n").message == "unsupported YAML tag !!set on a mapping"
    assert only_issue("a: !!omap [x]\n").message == "unsupported YAML tag !!omap on a sequence"


def test_standard_tag_with_wrong_value():
    issue = only_issue("a: !!int twelve\n")
    assert (issue.line, issue.col, issue.message) == (1, 4, "cannot read 'twelve' as !!int")


def test_syntax_error_uses_the_problem_mark():
    issue = only_issue("name: x\nrules: [a, b\n")
    assert (issue.line, issue.col, issue.code) == (3, 1, "RFL011")
    assert issue.message.startswith("YAML syntax error: expected ',' or ']'")
    issue = only_issue("a: b: c\n")
    assert (issue.line, issue.col) == (1, 5)
    assert issue.message == "YAML syntax error: mapping values are not allowed here"


def test_one_document_only():
    issue = only_issue("a: 1\n---\nb: 2\n")
    assert (issue.line, issue.col) == (2, 1)
    assert "exactly one YAML document" in issue.message


def test_complex_keys_are_rejected():
    issue = only_issue("? [a, b]\n: 1\n")
    assert issue.message == "mapping keys must be plain strings, not collections or aliases"


def test_empty_document():
    data, loc = parse_yaml("# nothing\n", "f.yaml")
    assert data is None and loc.pos == Pos("f.yaml", 1, 1)


def test_anchors_aliases_and_merge_keys():
    text = ("defaults: &d {severity: low, check: range}\n"
            "a: *d\n"
            "b:\n  <<: *d\n  severity: high\n  id: b\n"
            "c:\n  <<: [{x: 1}, {x: 2, y: 3}]\n")
    data, loc = parse_yaml(text, "f.yaml")
    assert data["a"] == {"severity": "low", "check": "range"}
    assert data["b"] == {"severity": "high", "check": "range", "id": "b"}
    assert data["c"] == {"x": 1, "y": 3}
    # merged values keep the location where they were written
    assert loc.locate(("b", "check"))[1:3] == (1, 37)
    assert loc.locate(("b", "severity"))[1:3] == (5, 13)


def test_unknown_alias():
    issue = only_issue("a: *nope\n")
    assert (issue.line, issue.col) == (1, 4)
    assert issue.message == "unknown alias *nope (no anchor &nope defined before it)"


def test_merge_key_needs_mappings():
    assert only_issue("a:\n  <<: 3\n").message == "a merge key '<<' needs a mapping or a list of mappings"


BILLION_LAUGHS = "\n".join(
    ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    + [f"{c}: &{c} [{', '.join(['*' + p] * 9)}]" for p, c in zip("abcdefgh", "bcdefghi")]
) + "\n"


def test_alias_bomb_is_rejected_quickly():
    start = time.perf_counter()
    issue = only_issue(BILLION_LAUGHS)
    assert time.perf_counter() - start < 0.5
    assert issue.code == "RFL013"
    assert issue.line == 6
    assert issue.message == ("too many YAML nodes (more than 100000, counting each alias expansion); "
                             "is this an alias bomb?")


def test_node_budget_is_configurable():
    issue = only_issue("a: [1, 2, 3, 4, 5]\n", YamlLimits(max_nodes=5))
    assert (issue.code, issue.line, issue.col) == ("RFL013", 1, 11)  # the 6th node: root, key, list, 1, 2, 3


def test_depth_limit():
    issue = only_issue("a: " + "[" * 70 + "]" * 70 + "\n")
    assert issue.code == "RFL013"
    assert issue.message == "YAML nesting deeper than 64 levels"
    assert (issue.line, issue.col) == (1, 67)


def test_size_limit():
    issue = only_issue("a: " + "x" * 100 + "\n", YamlLimits(max_bytes=64))
    assert (issue.code, issue.line, issue.col) == ("RFL013", 1, 1)
    assert issue.message == "file is larger than the 64 bytes limit"


def test_tab_indentation_is_a_syntax_error():
    issue = only_issue("a:\n\tb: 1\n")
    assert issue.code == "RFL011" and issue.line == 2


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab:-[]{}&*!|>'\"#%@` \n\t,?.0123456789$<")), max_size=80))
def test_garbage_never_raises_anything_but_ruleset_error(text):
    try:
        parse_yaml(text, "g.yaml")
    except RulesetError as exc:
        assert exc.issues and all(i.line >= 1 and i.col >= 1 for i in exc.issues)
