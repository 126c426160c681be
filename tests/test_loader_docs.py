"""docs/rulesets.md: section fragments are valid in a ruleset, and the lint-code table matches the code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from rfsrules.checks.builtin import builtin_registry
from rfsrules.errors import RulesetError
from rfsrules.ruleset.codes import CODES
from rfsrules.ruleset.loader import load_ruleset_text
from rfsrules.ruleset.schema import document_schema

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "rulesets.md"
REGISTRY = builtin_registry()
TOP_LEVEL_KEYS = set(document_schema(REGISTRY, {})["properties"])


def fragments() -> list[tuple[int, str]]:
    out, lines, i = [], DOC.read_text(encoding="utf-8").splitlines(), 0
    while i < len(lines):
        m = re.match(r"^(\s*)```yaml fragment\s*$", lines[i])
        if not m:
            i += 1
            continue
        start, indent, body = i + 1, len(m.group(1)), []
        i += 1
        while not re.match(r"^\s*```\s*$", lines[i]):
            body.append(lines[i][indent:])
            i += 1
        out.append((start, "\n".join(body) + "\n"))
    return out


SECTION_FRAGMENTS = [(line, text) for line, text in fragments()
                     if set(YAML(typ="safe", pure=True).load(text)) <= TOP_LEVEL_KEYS]


def test_the_page_has_section_fragments():
    assert len(SECTION_FRAGMENTS) >= 4


@pytest.mark.parametrize("line, text", SECTION_FRAGMENTS, ids=[str(line) for line, _ in SECTION_FRAGMENTS])
def test_section_fragments_are_valid_on_top_of_the_shipped_ruleset(line, text):
    ruleset = ("rfsrules: 1\nname: docs\nversion: 1.0.0\nextends: rulesets/pipeline-events.yaml\n" + text)
    try:
        load_ruleset_text(ruleset, path=f"docs/rulesets.md:{line}", registry=REGISTRY, base_dir=str(ROOT), env={})
    except RulesetError as exc:
        pytest.fail("\n".join(str(i) for i in exc.issues))


def test_lint_code_table_lists_every_code():
    table = dict(re.findall(r"^\| (RFL\d{3}) \| ([a-z-]+) \|", DOC.read_text(encoding="utf-8"), re.M))
    assert table == {code: name for code, (name, _meaning) in CODES.items()}
